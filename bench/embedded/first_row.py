"""Starts `syngen generate -n 8` and times it to its first accepted row, in pairs: the
seed's fitted joint model and label gate refitted (SYNGEN_FIT_CACHE=0) or loaded from disk; with
`--against REV`, that git revision's syngen against this tree's (both with the fits loaded).

    python bench/embedded/first_row.py [--emulate-avx2|--emulate-amd] [--against REV]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_process import cli_first_row, worktree  # noqa: E402
from embedded.common import (  # noqa: E402
    arguments,
    write_result,
)


def first_row_pairs(pairs: int = 2, against: str | None = None) -> dict:
    """`syngen generate -n 8` to its first row, alternating: seed fits redone vs loaded from disk,
    or (`against`: a git revision, checked out in a temporary worktree) that revision vs this tree."""
    cli_first_row(runs=1)  # stores the fits, if this seed's are not on disk yet
    if against is None:
        got = {"refit": [], "loaded": []}
        for _ in range(pairs):
            got["refit"].append(cli_first_row(runs=1, env={"SYNGEN_FIT_CACHE": "0"}))
            got["loaded"].append(cli_first_row(runs=1))
        return got
    got = {against: [], "this tree": []}
    with worktree(against) as old:
        for _ in range(pairs):
            print(f"{against}:", flush=True)
            got[against].append(cli_first_row(runs=1, cwd=old))
            print("this tree:", flush=True)
            got["this tree"].append(cli_first_row(runs=1))
    return got


def main() -> None:
    a = arguments(__doc__, lambda ap: ap.add_argument("--against", help="a git revision to compare this tree with"))
    write_result("first-row", {"cli_first_row": first_row_pairs(against=a.against)}, a)


if __name__ == "__main__":
    main()
