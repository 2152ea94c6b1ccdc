"""Decodes with the bfloat16 body's linear layers packed for oneDNN and plain, in
alternating pairs (batch 1 and 8, sampled), counts how often each picks float32's next token, then
runs whole 16-row conditional runs with each (hosts with native bf16 only).

    python bench/embedded/packed.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    drug_seed,
    experiment,
    run_pairs,
    weight_pairs,
)


def packed_pairs(seed) -> dict | None:
    """Packed bfloat16 linears against plain ones: decode at batch 1 and 8 and each one's
    next-token agreement with float32, then whole runs."""
    from syngen.engine import packed_linears

    if not packed_linears.available():
        print("packed: oneDNN packs no bfloat16 weights on this CPU (no AVX-512 BF16): nothing to compare")
        return None
    both = {
        "packed bf16 linears": {"dtype": "bfloat16"},
        "plain bf16 linears": {"dtype": "bfloat16", "linear": "plain"},
    }
    out = weight_pairs(seed, [("packed bf16 linears", *both.values())], both)
    return out | {"whole runs": run_pairs(seed, {"packed": {}, "plain": {"linear": "plain"}})}


if __name__ == "__main__":
    experiment(__doc__, "packed", lambda a: {"packed": packed_pairs(drug_seed())})
