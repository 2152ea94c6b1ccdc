"""Decodes one prefilled batch of 8 with transformers' DynamicCache and with syngen's in-place
cache in alternating pairs and prints the median ratio.

    python bench/embedded/kv.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    alternating,
    conditional_prompts,
    drug_seed,
    experiment,
    prepared_batch,
)

from syngen.backends import hf  # noqa: E402
from syngen.seed.prepared import domain_texts  # noqa: E402


def kv_pairs(seed, batch=8, steps=24, pairs=8) -> dict:
    """Decode tok/s with transformers' DynamicCache and with the in-place cache, alternating, on one
    prefill of `batch` conditional prompts (copied into a fresh cache of each kind per trial)."""
    import torch
    from transformers import DynamicCache

    from syngen.common import torch_thread
    from syngen.engine.kv_cache import held_states, in_place_cache, stack_rows

    b = hf.HFBackend()
    b.use_domain(domain_texts(seed))
    model, enc, head, body = prepared_batch(b, conditional_prompts(seed, batch))
    kinds = {"dynamic": lambda: DynamicCache(config=model.config), "inplace": lambda: in_place_cache(model.config)}

    def job():
        ids, mask = enc["input_ids"], enc["attention_mask"]
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        with torch.inference_mode():
            filled = DynamicCache(config=model.config)
            body(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=filled, use_cache=True)
            prefix = held_states(filled)

            def trial(kind):
                # the whole batch as stack_rows' one "row" (a copy of the list: stacking drops its layers)
                cache = stack_rows([list(prefix)], kinds[kind](), ids.shape[1])
                m, at, nxt = mask, pos[:, -1:] + 1, ids[:, -1:]
                t = time.perf_counter()
                for _ in range(steps):
                    m = torch.cat([m, m.new_ones(batch, 1)], 1)
                    h = body(input_ids=nxt, attention_mask=m, position_ids=at, past_key_values=cache, use_cache=True)
                    nxt = head.token_ids(head.logits(h.last_hidden_state[:, -1]).argmax(-1))[:, None]
                    at = at + 1
                return steps * batch / (time.perf_counter() - t)

            return alternating(trial, "inplace", "dynamic", pairs)

    out = torch_thread.call(job)
    print(
        f"KV cache at batch {batch}, {enc['input_ids'].shape[1]} prompt tokens, {steps} greedy steps, {pairs} alternating pairs: "
        f"DynamicCache {out['dynamic']} tok/s, in place {out['inplace']} tok/s (medians); per-pair ratio "
        f"median {out['inplace_x_median']}x, in place faster in {out['pairs_faster']} of {pairs}",
        flush=True,
    )
    return out


if __name__ == "__main__":
    experiment(__doc__, "kv", lambda a: {"kv_cache": kv_pairs(drug_seed())})
