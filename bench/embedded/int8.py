"""Decodes the same prompts with weight-only int8 and with float32 weights in alternating
pairs (batch 1 and 8, sampled) and counts how often both pick the same next token along the
prompts' seed text.

    python bench/embedded/int8.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    drug_seed,
    experiment,
    weight_pairs,
)


def int8_pairs(seed) -> dict:
    """Weight-only int8 against the host's default weights, and its next-token agreement."""
    return weight_pairs(seed, [("int8 weights", {"quantize": "int8"}, {})], {"int8 weights": {"quantize": "int8"}})


if __name__ == "__main__":
    experiment(__doc__, "int8", lambda a: {"int8_weights": int8_pairs(drug_seed())})
