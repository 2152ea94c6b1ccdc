"""Decodes with float16 weights (float32 sums) against float32 ones in alternating pairs: the
domain head's rows, then the decoder body against the host's dtype before it (bfloat16 where
native, else float32); and counts how often each picks float32's next token.

    python bench/embedded/fp16.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    drug_seed,
    experiment,
    was_dtype,
    weight_pairs,
)


def fp16_pairs(seed) -> dict:
    """Float16 weights with float32 sums: the head (float16 against float32 rows), the body
    (float16 against the host's dtype before it), and each one's next-token agreement."""
    was = was_dtype()
    agreement = {"float16 head": {"dtype": "float32"}, "float16 head and body": {"dtype": "float16"}}
    if was == "bfloat16":
        agreement["float16 head, bfloat16 body (this host's default)"] = {"dtype": "bfloat16"}
    comparisons = [
        ("float16 head", {"dtype": was}, {"dtype": was, "head": "float32"}),
        (f"float16 body (against {was})", {"dtype": "float16"}, {"dtype": was}),
    ]
    return weight_pairs(seed, comparisons, agreement)


if __name__ == "__main__":
    experiment(__doc__, "fp16", lambda a: {"fp16_weights": fp16_pairs(drug_seed())})
