"""Runs `syngen generate -n 4` in a fresh process with the defaults, the body left in float32,
the token table dequantised whole, and int8 weights, and prints each peak RSS (goal <= 1.5 GB); with
`--against REV`, that revision's defaults and this tree's, alternating.

    python bench/embedded/rss.py [--emulate-avx2|--emulate-amd] [--against REV]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_process import peak_rss, run_rss, worktree  # noqa: E402
from embedded.common import (  # noqa: E402
    ROOT,
    arguments,
    write_result,
)


def rss_pairs(against: str, pairs: int = 2) -> dict:
    """Peak RSS of `syngen generate -n 4` with the defaults, git revision `against` (a temporary
    worktree) and this tree alternating."""
    got = {against: [], "this tree": []}
    with worktree(against) as old:
        for _ in range(pairs):
            for label, cwd in ((against, old), ("this tree", ROOT)):
                got[label].append(peak_rss(cwd=cwd))
                print(f"syngen generate -n 4, {label}: peak RSS {got[label][-1]['peak_rss_mb']} MB", flush=True)
    return got


def main() -> None:
    a = arguments(__doc__, lambda ap: ap.add_argument("--against", help="a git revision to compare this tree with"))
    write_result("rss", {"generate_run_rss": run_rss() if a.against is None else rss_pairs(a.against)}, a)


if __name__ == "__main__":
    main()
