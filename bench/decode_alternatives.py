"""What the ecosystem offers for CPU decode, against syngen's plain loop, on the same 8 conditional
drug-review prompts (~800 tokens each), greedy, in one run.

    python bench/decode_alternatives.py [--parts cb,compile] [--pairs 2]

  cb:      transformers' own continuous batching (`model.generate_batch`, paged KV cache, a
           finished request's slot taken by the next) against `HFBackend.generate` (one batch, rows
           leave as they finish); whole requests, prompts' reading included; alternating pairs.
  compile: transformers' StaticCache with the decoder body under `torch.compile` (inductor) against
           the eager body with syngen's in-place cache; one prefilled batch, 24 decode steps per
           trial, alternating pairs after the compile's warm-up (which is timed and printed).

Both check that the greedy tokens are the same. Writes bench/results/decode_alternatives.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from embedded.common import alternating, conditional_prompts, prepared_batch  # noqa: E402

from syngen.backends.hf import HFBackend  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.seed.prepared import domain_texts, prepare_seed  # noqa: E402

TOKENS = 48


def continuous_batching(backend: HFBackend, prompts, pairs: int) -> dict:
    from transformers import ContinuousBatchingConfig, GenerationConfig

    model, tok = backend.load()
    ids = [tok(p.completion)["input_ids"] for p in prompts]
    # eos -1: every request writes all its tokens, as the prompts below never stop either
    config = GenerationConfig(max_new_tokens=TOKENS, do_sample=False, eos_token_id=-1, pad_token_id=tok.pad_token_id)
    paged = ContinuousBatchingConfig(num_blocks=64, max_batch_tokens=512, page_size=256)
    texts = {}

    def trial(kind):
        t = time.perf_counter()
        if kind == "syngen":
            res = backend.generate(prompts, random_seed=1)
            n, texts[kind] = sum(r.completion_tokens for r in res), [r.text for r in res]
        else:  # not under inference_mode: the manager's own thread updates its tensors in place
            out = model.generate_batch(inputs=ids, generation_config=config, continuous_batching_config=paged)
            order = sorted(out, key=lambda k: int(k.rsplit("_", 1)[-1]))
            n = sum(len(out[k].generated_tokens) for k in order)
            texts[kind] = [tok.decode(out[k].generated_tokens) for k in order]
        return n / (time.perf_counter() - t)

    res = alternating(trial, "transformers_cb", "syngen", pairs)
    same = sum(a == b for a, b in zip(texts["syngen"], texts["transformers_cb"]))
    res["same_text"] = f"{same} of {len(prompts)}"
    print(
        f"continuous batching, {len(prompts)} prompts x {TOKENS} tokens, whole requests: transformers "
        f"{res['transformers_cb']} tok/s, syngen {res['syngen']} tok/s (medians); transformers/syngen "
        f"{res['transformers_cb_x_median']}x; same greedy text {res['same_text']}",
        flush=True,
    )
    return res


def static_compile(backend: HFBackend, prompts, pairs: int, steps: int = 24) -> dict:
    import torch
    from transformers import StaticCache

    from syngen.common import torch_thread
    from syngen.engine.kv_cache import in_place_cache

    model, enc, head, body = prepared_batch(backend, prompts)
    ids, mask = enc["input_ids"], enc["attention_mask"]
    b, n = ids.shape
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    length = n + steps + 8
    compiled = torch.compile(body, dynamic=False)
    full_mask = torch.cat([mask, mask.new_ones(b, length - n)], 1)  # static shapes: the whole cache's mask

    def trial(kind):
        static = kind == "static_compile"
        cache = StaticCache(config=model.config, max_cache_len=length) if static else in_place_cache(model.config)
        m = full_mask if static else mask
        body(input_ids=ids, attention_mask=m, position_ids=pos, past_key_values=cache, cache_position=torch.arange(n))
        at, nxt, out = pos[:, -1:] + 1, ids[:, -1:], []
        t = time.perf_counter()
        for s in range(steps):
            if not static:
                m = torch.cat([m, m.new_ones(b, 1)], 1)
            h = (compiled if static else body)(
                input_ids=nxt,
                attention_mask=m,
                position_ids=at,
                past_key_values=cache,
                cache_position=torch.tensor([n + s]),
            )
            nxt = head.token_ids(head.logits(h.last_hidden_state[:, -1]).argmax(-1))[:, None]
            out.append(nxt[:, 0].tolist())
            at = at + 1
        return steps * b / (time.perf_counter() - t), out

    def job():
        with torch.inference_mode():
            _, ref = trial("eager_inplace")
            t = time.perf_counter()
            _, mine = trial("static_compile")
            warm = time.perf_counter() - t
            got = alternating(lambda kind: trial(kind)[0], "static_compile", "eager_inplace", pairs)
        return got | {"compile_warmup_s": round(warm, 1), "same_tokens": ref == mine}

    res = torch_thread.call(job)
    warm, same = res["compile_warmup_s"], res["same_tokens"]
    print(
        f"static cache + torch.compile, batch {b}, {n} prompt tokens: first trial (compiling) {warm:.0f}s; "
        f"then {res['static_compile']} tok/s against eager in place {res['eager_inplace']} (medians), "
        f"{res['static_compile_x_median']}x; same greedy tokens: {same}",
        flush=True,
    )
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default="cb,compile")
    ap.add_argument("--pairs", type=int, default=2)
    a = ap.parse_args()
    seed = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    prompts = conditional_prompts(seed, 8)
    for p in prompts:
        p.lines_per_row = 10**6  # no stop rule: every prompt writes all its tokens
    backend = HFBackend(max_new_tokens=TOKENS, temperature=0)
    backend.use_domain(domain_texts(seed))
    out = {"date": time.strftime("%Y-%m-%d"), "prompts": len(prompts), "tokens": TOKENS}
    parts = a.parts.split(",")
    if "cb" in parts:
        out["continuous_batching"] = continuous_batching(backend, prompts, a.pairs)
    if "compile" in parts:
        out["static_compile"] = static_compile(backend, prompts, a.pairs + 2)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "decode_alternatives.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
