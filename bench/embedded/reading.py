"""Reads a batch of 8 conditional prompts each alone without the batch's padding (the
default) and as the left-padded batch at once, in alternating pairs, and compares the states left.

    python bench/embedded/reading.py [--emulate-avx2|--emulate-amd]
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


def padded_read(body, ids, mask, new_cache):
    """How a batch's prompts were read before read_prompts: the left-padded batch at once,
    PREFILL_TOKENS a chunk over all rows, the padding computed and then masked."""
    from syngen.engine.decode import PREFILL_TOKENS

    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    cache, step = new_cache(), max(1, PREFILL_TOKENS // ids.shape[0])
    for a in range(0, ids.shape[1], step):
        out = body(
            input_ids=ids[:, a : a + step],
            attention_mask=mask[:, : a + step],
            position_ids=pos[:, a : a + step],
            past_key_values=cache,
            use_cache=True,
        )
    return cache, out.last_hidden_state[:, -1]


def reading_pairs(seed, batch=8, pairs=4) -> dict:
    """Prompt tokens read per second at `batch` (the defaults): each prompt alone without the
    batch's padding (read_prompts, the default) against the padded batch at once, alternating;
    and how close the last hidden states and the first greedy tokens are."""
    import torch

    from syngen.common import torch_thread
    from syngen.engine.decode import read_prompts
    from syngen.engine.kv_cache import attend_in_cache_dtype, in_place_cache
    from syngen.engine.loading import kv_dtype

    b = hf.HFBackend()
    b.use_domain(domain_texts(seed))
    model, enc, head, body = prepared_batch(b, conditional_prompts(seed, batch))
    ids, mask = enc["input_ids"], enc["attention_mask"]
    tokens, last = mask.sum().item(), {}

    def new_cache():
        return in_place_cache(model.config, kv_dtype(b.settings))

    def trial(kind):
        def job():
            attend_in_cache_dtype(model)
            with torch.inference_mode():
                t = time.perf_counter()
                if kind == "alone":
                    last[kind] = read_prompts(body, ids, mask, new_cache, lambda: False, lambda share: None)[1]
                else:
                    last[kind] = padded_read(body, ids, mask, new_cache)[1]
                return tokens / (time.perf_counter() - t)

        return torch_thread.call(job)

    got = alternating(trial, "alone", "padded", pairs)
    got["padding_share"] = round(1 - tokens / mask.numel(), 3)
    diff = (last["alone"] - last["padded"]).abs().max().item() / last["padded"].abs().max().item()
    got["last_hidden_max_diff_rel"] = round(diff, 4)
    picks = [head.logits(last[k]).argmax(-1) for k in ("alone", "padded")]
    got["same_first_greedy_token"] = int((picks[0] == picks[1]).sum())
    print(
        f"reading {batch} conditional prompts ({tokens} tokens, {got['padding_share']:.0%} padding): alone "
        f"{got['alone']} against padded {got['padded']} prompt tok/s (medians), per-pair ratio median "
        f"{got['alone_x_median']}x, faster in {got['pairs_faster']} of {pairs}; last hidden states within "
        f"{diff:.2%} of the largest, the same first greedy token in {got['same_first_greedy_token']} of {batch}",
        flush=True,
    )
    return got


if __name__ == "__main__":
    experiment(__doc__, "reading", lambda a: {"reading": reading_pairs(drug_seed())})
