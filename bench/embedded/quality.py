"""Writes the same 16 conditional rows with the embedded backend as it was before the decode work
(transformers' `generate`, the whole head) and with today's defaults, and compares what the texts
look like.

    python bench/embedded/quality.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    OLD,
    drug_seed,
    experiment,
    text_figures,
    was_dtype,
    whole_run,
)


def old_vs_new(seed, n=16) -> dict:
    """The same conditional run (n rows) with the old and the new backend settings: rows/min,
    seconds to the first accepted row, and the review texts' figures beside the seed's."""
    out = {"seed": text_figures(seed.df["review"].tolist())}
    for label, opts in (
        ("old: generate, whole head", {**OLD, "dtype": was_dtype(), "head": "float32"}),
        ("new defaults: plain loop, domain head", {}),
        ("new defaults + int8 weights", {"quantize": "int8"}),
        ("new defaults + int8 dynamic", {"quantize": "int8-dynamic"}),
    ):
        out[label] = whole_run(opts, seed, n)
        print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in out[label].items()), flush=True)
    print("seed: " + ", ".join(f"{k} {v}" for k, v in out["seed"].items()))
    return out


if __name__ == "__main__":
    experiment(__doc__, "quality", lambda a: {"old_vs_new": old_vs_new(drug_seed())})
