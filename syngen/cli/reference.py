"""docs/cli.md, written from the parser itself so the reference cannot drift from the flags.

python -m syngen.cli.reference > docs/cli.md
"""

from __future__ import annotations

import argparse

from syngen.cli.args import parser

WIDTH = 100

INTRO = """# Command-line reference

Every command prints this with `syngen COMMAND --help`. This page is written from the parser
(`python -m syngen.cli.reference > docs/cli.md`; a test checks it is current).

One name per meaning across commands: `--data FILE` is the seed table, `--real FILE` held-out
real rows, `--seed N` the random seed. The old names (`utility/report --seed FILE`, `--test FILE`,
`experiment --seed-value N`) still work, with a note, until the next release.
"""


def _fixed_width(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH)
    return p


def render() -> str:
    top = _fixed_width(parser())
    subs = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    parts = [INTRO, "```text\n" + top.format_help() + "```\n"]
    for name, sub in subs.choices.items():
        parts.append(f"## syngen {name}\n\n```text\n{_fixed_width(sub).format_help()}```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
