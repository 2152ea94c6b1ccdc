"""Decodes with the float16 body's KV cache in bfloat16 and in float32, in alternating
pairs (batch 1 and 8, sampled), and compares 8 greedy texts written with each.

    python bench/embedded/kv_dtype.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    batch_run,
    conditional_prompts,
    decode_pairs,
    drug_seed,
    experiment,
)


def kv_dtype_pairs(seed, new_tokens=48) -> dict | None:
    """The float16 body's KV cache in bfloat16 against float32: `decode_pairs`, and how many of 8
    greedy texts come out the same."""
    from syngen.engine.fp16_weights import available

    if not available():
        print("kv-dtype: no fbgemm in this torch build, so no float16 body: nothing to compare")
        return None
    kinds = {
        "bfloat16": {"dtype": "float16", "kv_dtype": "bfloat16"},
        "float32": {"dtype": "float16", "kv_dtype": "activations"},
    }
    out = decode_pairs(
        seed, [("float16 body, KV cache bfloat16 against float32", *kinds.values())], new_tokens=new_tokens
    )
    texts = {kind: [] for kind in kinds}
    for kind, opts in kinds.items():
        batch_run(opts, conditional_prompts(seed, 8), new_tokens, 0.0, texts[kind])
    same = [a == b for a, b in zip(*texts.values())]
    prefix = [len(os.path.commonprefix([a, b])) / max(1, len(b)) for a, b in zip(*texts.values())]
    out["greedy texts the same"] = f"{sum(same)} of {len(same)}"
    out["greedy text in common before the first difference"] = round(statistics.mean(prefix), 3)
    print(
        f"greedy, {new_tokens} tokens, 8 prompts: the same text in {sum(same)} of 8; on average the first "
        f"{statistics.mean(prefix):.0%} of float32's text in common",
        flush=True,
    )
    return out


if __name__ == "__main__":
    experiment(__doc__, "kv-dtype", lambda a: {"kv_dtype": kv_dtype_pairs(drug_seed())})
