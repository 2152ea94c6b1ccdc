"""Runs whole 16-row conditional runs with the body in float16 and in the host's dtype
before it (bfloat16 where native, else float32), alternating, and compares their tok/s over the
whole run (the prompts' reading included).

    python bench/embedded/body_runs.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    drug_seed,
    experiment,
    run_pairs,
    was_dtype,
)


def body_runs(seed) -> dict:
    """Whole runs with the body in float16 and in the host's dtype before it."""
    was = was_dtype()
    return run_pairs(seed, {"body float16": {"dtype": "float16"}, f"body {was}": {"dtype": was}})


if __name__ == "__main__":
    experiment(__doc__, "body-runs", lambda a: {"body_runs": body_runs(drug_seed())})
