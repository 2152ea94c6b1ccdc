"""Embedded backend figures: cold vs warm load, decode steps (head, loop, sampling), tok/s and
rows/min per batch size, peak RSS.

    python bench/embedded.py [--only steps|quality|runs|rss|threads|kv|kv-dtype|int8|fp16|body-runs|packed|reading|first-row|llamacpp]
                             [--batches 1,4,8] [--prompts 8] [--against REV] [--emulate-avx2|--emulate-amd]

"first-row" starts `syngen generate -n 8` and times it to its first accepted row, in pairs: the
seed's fitted joint model and label gate refitted (SYNGEN_FIT_CACHE=0) or loaded from disk; with
`--against REV`, that git revision's syngen against this tree's (both with the fits loaded).

"int8" decodes the same prompts with weight-only int8 and with float32 weights in alternating
pairs (batch 1 and 8, sampled) and counts how often both pick the same next token along the
prompts' seed text.

"fp16" decodes with float16 weights (float32 sums) against float32 ones in alternating pairs: the
domain head's rows, then the decoder body against the host's dtype before it (bfloat16 where
native, else float32); and counts how often each picks float32's next token.

"body-runs" runs whole 16-row conditional runs with the body in float16 and in the host's dtype
before it (bfloat16 where native, else float32), alternating, and compares their tok/s over the
whole run (the prompts' reading included).

`--emulate-avx2` keeps torch, oneDNN, MKL and fbgemm to AVX2, as on a CPU without AVX-512.
`--emulate-amd` does that and keeps MKL to SSE4.2: on AMD CPUs the MKL inside torch takes its
generic path, not its AVX2 one (under `qemu-x86_64 -cpu EPYC-Milan-v1` it reports "Intel(R)
Architecture processors", under `-cpu Haswell-v1` "AVX2"), and every float32 product torch gives
MKL runs 2-3x slower there.

"packed" decodes with the bfloat16 body's linear layers packed for oneDNN and plain, in
alternating pairs (batch 1 and 8, sampled), counts how often each picks float32's next token, then
runs whole 16-row conditional runs with each (hosts with native bf16 only).

"kv-dtype" decodes with the float16 body's KV cache in bfloat16 and in float32, in alternating
pairs (batch 1 and 8, sampled), and compares 8 greedy texts written with each.

"reading" reads a batch of 8 conditional prompts each alone without the batch's padding (the
default) and as the left-padded batch at once, in alternating pairs, and compares the states left.

"llamacpp" alternates syngen's defaults (sampled) with llama.cpp's one stream on the same first
prompt, 4 pairs at batch 1 and 8, and prints the per-pair ratios: the goal's figure on a host whose
speed drifts within the minutes `steps` takes.

"kv" decodes one prefilled batch of 8 with transformers' DynamicCache and with syngen's in-place
cache in alternating pairs and prints the median ratio.

"threads" decodes the same batch with the model's work split over threads as generation did
before (the load in one thread, each batch in a fresh one) and on syngen's one torch thread.

"rss" runs `syngen generate -n 4` in a fresh process with the defaults, the body left in float32,
the token table dequantised whole, and int8 weights, and prints each peak RSS (goal <= 1.5 GB); with
`--against REV`, that revision's defaults and this tree's, alternating.

"steps" measures the decode changes one at a time on the same conditional prompts: transformers'
`generate` with the whole 262k-token head (the old default), syngen's plain loop with the whole
head, the plain loop with the domain head, the KV cache appended in place, the head's rows in
float16, the body in float16 and then its KV cache in bfloat16 (hosts without native bf16) or
the bfloat16 body's linears packed for oneDNN (hosts with it), int8 weights, dynamic int8; at
batch 1 and 8, greedy and sampled. Decode tok/s leaves the prompts' reading out (see
`decode_rate`). llama.cpp's one stream on the first of the same prompts is measured in the same
run (bench/llamacpp_reference.py), and the defaults' sampled tok/s is printed as a ratio of it.
It also counts how many tokens sampled with the whole head fall outside the domain head (goal < 0.5%).

Every figure comes from this one run (the machine is shared: compare ratios, not absolutes).
Writes bench/results/embedded.json (embedded-steps.json, embedded-quality.json with --only).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cli_process import cli_first_row, peak_rss, run_rss, worktree  # noqa: E402

from syngen.backends import hf  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.loop import run  # noqa: E402
from syngen.plan.resolve import plan_for  # noqa: E402
from syngen.prompting.row_sources import row_source  # noqa: E402
from syngen.seed.prepared import domain_texts, prepare_seed  # noqa: E402

# the embedded backend before issue 14
OLD = {"loop": "generate", "vocab": "full", "quantize": "none", "linear": "plain"}
# what --emulate-avx2 sets: torch's own kernels, oneDNN, MKL and fbgemm kept to AVX2 (float32 hosts)
AVX2 = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2",
}
# --emulate-amd: MKL's generic path, the one it takes on AMD CPUs, as near as this host's MKL allows
AMD = {**AVX2, "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"}


def torch_capability() -> str:
    import torch

    return torch.backends.cpu.get_cpu_capability()


def was_dtype() -> str:
    """The body's dtype before float16 weights: bfloat16 where the CPU has it natively, else float32."""
    from syngen.engine.loading import cpu_has_bf16

    return "bfloat16" if cpu_has_bf16() else "float32"


def steps() -> tuple[list[tuple[str, dict]], str]:
    """([(label, backend options)], the defaults' label): each step adds one change to the one
    before. The body's float16 and the bfloat16 KV cache's steps show only where the host's default
    body is float16, the packed bfloat16 step only where it is bfloat16 and oneDNN packs it."""
    from syngen.engine import packed_linears
    from syngen.engine.loading import body_dtype

    was = {"dtype": was_dtype(), "head": "float32", "quantize": "none", "linear": "plain"}
    out = [
        ("generate, whole head", {**OLD, **was}),
        ("plain loop, whole head", {**was, "loop": "plain", "vocab": "full", "kv": "dynamic"}),
        ("plain loop, domain head", {**was, "loop": "plain", "vocab": "domain", "kv": "dynamic"}),
        ("+ in-place KV cache", {**was, "loop": "plain", "vocab": "domain", "kv": "inplace"}),
        ("+ float16 head", {**was, "head": "float16"}),
    ]
    if body_dtype("auto", "none") == "float16":
        out.append(("+ float16 body", {"kv_dtype": "activations"}))
        out.append(("+ bfloat16 KV cache", {}))
    elif body_dtype("auto", "none") == "bfloat16" and packed_linears.available():
        out.append(("+ packed bf16 linears", {}))
    default = out[-1][0]
    out += [
        ("+ int8 weights", {"quantize": "int8"}),
        ("+ int8 dynamic (weights and activations)", {"quantize": "int8-dynamic"}),
    ]
    return out, default


def conditional_prompts(seed, n):
    import random

    cfg = RunConfig(data=seed.name, random_seed=3)
    src = row_source(seed, cfg, plan_for(seed, cfg), random.Random(1), lambda c: "123456")
    labels = sorted(seed.df[seed.schema.label].unique())
    return src.prompts([labels[i % len(labels)] for i in range(n)])


def batch_run(opts, prompts, new_tokens, temperature, texts=None):
    """One batch that writes exactly `new_tokens` per prompt (no stop rule): (seconds, seconds
    spent reading the prompts or None when the loop does not say). The texts written are appended
    to `texts` if given."""
    b = hf.HFBackend(max_new_tokens=new_tokens, temperature=temperature, **opts)
    for p in prompts:
        p.lines_per_row = 10**6  # never "done": every sequence writes all its tokens
    b.use_domain(STATE["domain"])
    b.load()  # once per setting: loading is not decoding
    if opts.get("vocab") != "full":  # read once per seed, at a run's first batch: not decoding
        import torch

        from syngen.common import torch_thread

        # on the model's thread: a parallel op on this one would start a second OpenMP pool
        torch_thread.call(lambda: b._head(torch.zeros(1, 1, dtype=torch.long)))
    t = time.perf_counter()
    res = b.generate(prompts, seed=1)
    took = time.perf_counter() - t
    assert all(r.error is None and r.completion_tokens == new_tokens for r in res), res
    if texts is not None:
        texts.extend(r.text for r in res)
    return took, res[0].meta.get("prefill_s")


def decode_rate(opts, prompts, new_tokens, temperature) -> tuple[float, float]:
    """(decode tok/s, prefill seconds). The plain loop says when it finished reading the prompts;
    for model.generate, (tokens of N+1 steps - tokens of 1) / (time of N+1 - time of 1). With
    800-token prompts the prefill is most of a batch's time, so the subtraction is the noisier one."""
    n = len(prompts)
    took, prefill = batch_run(opts, prompts, new_tokens + 1, temperature)
    if prefill is not None:  # the first token comes with the prefill
        return new_tokens * n / (took - prefill), prefill
    t1, _ = batch_run(opts, prompts, 1, temperature)
    return new_tokens * n / max(1e-9, took - t1), t1


STATE: dict = {}


def decode_steps(seed, batches=(1, 8), new_tokens=48) -> dict:
    """Each step's decode tok/s at batch 1 and 8, greedy and sampled, and llama.cpp's one stream
    on the first of the same prompts, all in this run."""
    from llamacpp_reference import decode_rate as llamacpp_rate

    STATE["domain"] = domain_texts(seed)
    rows = []
    chain, default = steps()
    for b in batches:
        prompts = conditional_prompts(seed, b)
        for temperature in (0.0, 0.8):
            row = {"batch": b, "sampling": "greedy" if temperature == 0 else "top-k/top-p t=0.8"}
            for label, opts in chain:
                rate, prefill = decode_rate(opts, prompts, new_tokens, temperature)
                row[label] = round(rate, 1)
                row[f"prefill s ({label})"] = round(prefill, 1)
            base = row[chain[0][0]]
            print(
                f"batch {b} {row['sampling']:>17}: "
                + " | ".join(f"{lab} {row[lab]:.1f} tok/s ({row[lab] / base:.2f}x)" for lab, _ in chain),
                flush=True,
            )
            rows.append(row)
    ref = llamacpp_rate(conditional_prompts(seed, 1)[0].completion, 4 * new_tokens)
    if ref is not None:
        r = ref["decode_tok_per_s"]
        print(f"llama.cpp, one stream, same first prompt, sampled: decode {r} tok/s (prefill {ref['prefill_s']} s)")
        for row in rows:
            if row["sampling"] != "greedy":
                x = row[default] / r
                print(f"  syngen defaults at batch {row['batch']}: {row[default]} tok/s = {x:.2f}x llama.cpp")
                row["x llama.cpp (defaults)"] = round(x, 2)
    return {"steps": rows, "llamacpp": ref}


def against_llamacpp(seed, pairs=4, new_tokens=48) -> dict | None:
    """syngen's defaults (sampled) and llama.cpp's one stream on the first of the same prompts, in
    alternating pairs at batch 1 and 8: the per-pair ratio is the goal's figure, which the host's
    drift between the start and the end of `steps` can move by a third."""
    from llamacpp_reference import decode_rate as llamacpp_rate

    STATE["domain"] = domain_texts(seed)
    first = conditional_prompts(seed, 1)[0].completion
    if llamacpp_rate(first, 8) is None:  # builds it once, or says why it cannot
        return None
    out = {}
    for batch in (1, 8):
        prompts = conditional_prompts(seed, batch)

        def trial(kind):
            if kind == "syngen":
                return decode_rate({}, prompts, new_tokens, 0.8)[0]
            return llamacpp_rate(first, 4 * new_tokens)["decode_tok_per_s"]

        got = out[f"batch {batch}"] = alternating(trial, "syngen", "llama.cpp", pairs)
        print(
            f"batch {batch}, sampled: syngen defaults {got['syngen']} tok/s, llama.cpp one stream "
            f"{got['llama.cpp']} tok/s (medians); per-pair ratio median {got['syngen_x_median']}x",
            flush=True,
        )
    return out


def outside_domain_share(seed, n_prompts=16, new_tokens=128) -> float:
    """Share of tokens sampled with the whole head that the domain head could not have drawn."""
    b = hf.HFBackend(max_new_tokens=new_tokens, temperature=0.8, vocab="full")
    model, tok = b.load()
    b.use_domain(domain_texts(seed))
    prompts = conditional_prompts(seed, n_prompts)
    enc = tok([p.completion for p in prompts], return_tensors="pt", padding=True)
    from syngen.engine.decode import domain_ids

    kept = set(domain_ids(tok, domain_texts(seed), enc["input_ids"].flatten().tolist()).tolist())
    res = b.generate(prompts, seed=2)
    ids = [i for r in res for i in r.meta["token_ids"]]
    share = sum(i not in kept for i in ids) / max(1, len(ids))
    print(
        f"domain head: {len(kept):,} of {len(tok):,} ids kept; {share:.2%} of {len(ids)} tokens sampled "
        f"with the whole head fall outside it (goal < 0.5%)",
        flush=True,
    )
    return share


def load_time(**opts) -> tuple[float, str]:
    hf._LOADED.clear()
    b = hf.HFBackend(**opts)
    t = time.perf_counter()
    b.load()
    return time.perf_counter() - t, b.load_source


def text_figures(texts: list[str]) -> dict:
    import numpy as np

    from syngen.common.text import words
    from syngen.evaluate.metrics import distinct_n, readability

    return {
        "median words": float(np.median([len(words(t)) for t in texts])),
        "Flesch reading ease": round(readability(texts)[0], 1),
        "distinct-1": round(distinct_n(texts, 1), 3),
        "distinct-2": round(distinct_n(texts, 2), 3),
    }


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


def whole_run(opts, seed, n=16, run_seed=21) -> dict:
    """One conditional run of n rows with a loaded backend of `opts`: its figures."""
    cfg = RunConfig(data=seed.name, num_samples=n, random_seed=run_seed, max_prompts=4 * n)
    backend = hf.HFBackend(**opts)
    backend.load()  # load time is not run time
    first = []
    t = time.perf_counter()
    res = run(
        cfg,
        backend,
        seed,
        on_event=lambda e: first.append(time.perf_counter() - t) if e.kind == "row_accepted" else None,
    )
    acc = res.account
    return {
        "rows": acc.accepted,
        "rows_per_min": round(acc.accepted / (acc.wall_seconds / 60), 2),
        "first_row_s": round(first[0], 1) if first else None,
        "tok_per_s": round(acc.completion_tokens / acc.generate_seconds, 1),
        **text_figures(res.rows["review"].tolist()),
    }


def run_pairs(seed, kinds: dict, pairs=3) -> dict:
    """Whole 16-row conditional runs of two settings (label -> backend options, the new one first),
    alternating, a new run seed per pair: a run's batches shrink as rows finish and its first batch
    is 2 prompts, so small-batch speed counts beside batch 8's."""
    (new, old), runs, trials = list(kinds), {k: [] for k in kinds}, itertools.count()

    def trial(kind):
        got = whole_run(kinds[kind], seed, run_seed=21 + next(trials) // 2)  # a pair shares its run seed
        runs[kind].append(got)
        print(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in got.items()), flush=True)
        return got["tok_per_s"]

    out = alternating(trial, new, old, pairs)
    print(
        f"whole runs, {new} against {old}: {out[new]} against {out[old]} tok/s (medians), per-pair "
        f"ratio median {out[f'{new}_x_median']}x, faster in {out['pairs_faster']} of {pairs}",
        flush=True,
    )
    return out | {"runs": runs}


def body_runs(seed) -> dict:
    """Whole runs with the body in float16 and in the host's dtype before it."""
    was = was_dtype()
    return run_pairs(seed, {"body float16": {"dtype": "float16"}, f"body {was}": {"dtype": was}})


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


LAYOUT_CHILD = """
import sys, threading, time
sys.path.insert(0, {bench!r})
import torch, embedded as E
from syngen.backends import hf
from syngen.engine.decode import decode
from syngen.generate.config import RunConfig
from syngen.seed.prepared import domain_texts, prepare_seed

seed = prepare_seed(RunConfig(data={data!r}))
prompts = E.conditional_prompts(seed, 4)
b = hf.HFBackend(temperature=0.8)
b.use_domain(domain_texts(seed))
model, tok = b.load()  # on syngen's torch thread
enc = tok([p.completion for p in prompts], return_tensors="pt", padding=True)

def timed(n):
    head = b._head(enc["input_ids"])
    t = time.perf_counter()
    with torch.inference_mode():
        decode(model, head, enc["input_ids"], enc["attention_mask"], max_new_tokens=n, done=lambda i, x: False,
               on_done=lambda *a: None, should_stop=lambda: False, temperature=0.8, top_k=50, top_p=0.95)
    return time.perf_counter() - t

def both():
    return [timed(1), timed(65)]

if {old!r}:  # before: torch ops in the main thread too, each batch decoded in a fresh thread
    timed(1)
    out = []
    th = threading.Thread(target=lambda: out.extend(both()))
    th.start(); th.join()
else:
    from syngen.common import torch_thread
    out = torch_thread.call(both)
print(out[0], out[1])
"""


def thread_layout() -> dict:
    """Decode seconds (4 prompts, 64 tokens) with the model's work split over threads the way
    generation ran before (the load and some ops in one thread, each batch in a fresh one) and
    on syngen's one torch thread; each in a fresh process, since OpenMP's thread pools live for
    the whole process."""
    import subprocess

    out = {}
    for label, old in (("before: fresh thread per batch", True), ("one torch thread (default)", False)):
        code = LAYOUT_CHILD.format(bench=str(ROOT / "bench"), data=str(ROOT / "data/drug_reviews/train.csv"), old=old)
        got = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        if got.returncode != 0:
            raise SystemExit(f"thread layout probe failed: {got.stderr[-400:]}")
        prefill, total = (float(x) for x in got.stdout.split()[-2:])
        out[label] = {"prefill_s": round(prefill, 1), "decode_tok_s": round(64 * 4 / (total - prefill), 1)}
        print(f"{label}: prefill {prefill:.1f} s, decode {out[label]['decode_tok_s']} tok/s", flush=True)
    return out


def prepared_batch(backend, prompts):
    """(model, the prompts tokenised as one left-padded batch, domain head, decoder body)."""
    model, tok = backend.load()
    enc = tok([p.completion for p in prompts], return_tensors="pt", padding=True)
    return model, enc, backend._head(enc["input_ids"]), model.base_model


def alternating(trial, new: str, old: str, pairs: int) -> dict:
    """`trial(kind)` (tok/s) for both kinds, `pairs` times each in alternating order: the medians
    and the median of the per-pair ratios new/old, which a noisy host disturbs less than one run
    of each."""
    got = {new: [], old: []}
    for i in range(pairs):
        for kind in (new, old) if i % 2 == 0 else (old, new):
            got[kind].append(trial(kind))
    ratios = [a / b for a, b in zip(got[new], got[old])]
    return {
        new: round(statistics.median(got[new]), 1),
        old: round(statistics.median(got[old]), 1),
        f"{new}_x_median": round(statistics.median(ratios), 2),
        "pairs_faster": sum(r > 1 for r in ratios),
        "pairs": pairs,
    }


def teacher_forced_picks(seed, prompts, opts):
    """The greedy next token over the domain head at every position of the prompts' real text."""
    import torch

    from syngen.common import torch_thread

    b = hf.HFBackend(**opts)
    b.use_domain(STATE["domain"])
    model, enc, head, body = prepared_batch(b, prompts)

    def job():
        with torch.inference_mode():
            hidden = body(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
            return head.logits(hidden[enc["attention_mask"].bool()]).argmax(-1)

    return torch_thread.call(job)


def decode_pairs(seed, comparisons, pairs=4, new_tokens=48) -> dict:
    """Decode tok/s at batch 1 and 8 (sampled) of each comparison (label, new options, old
    options) in alternating pairs."""
    STATE["domain"] = domain_texts(seed)
    out = {}
    for label, new, old in comparisons:
        for batch in (1, 8):
            prompts = conditional_prompts(seed, batch)
            kinds = {"new": new, "old": old}
            got = alternating(lambda kind: decode_rate(kinds[kind], prompts, new_tokens, 0.8)[0], "new", "old", pairs)
            out[f"{label}, batch {batch}"] = got
            print(
                f"{label} at batch {batch}, sampled: {got['new']} against {got['old']} tok/s (medians), "
                f"per-pair ratio median {got['new_x_median']}x, faster in {got['pairs_faster']} of {pairs}",
                flush=True,
            )
    return out


def weight_pairs(seed, comparisons, agreement) -> dict:
    """`decode_pairs` of the comparisons; then how often each of `agreement` (label -> options)
    picks the same next token as float32 weights and head along the prompts' seed text
    (teacher-forced)."""
    out = decode_pairs(seed, comparisons)
    prompts = conditional_prompts(seed, 8)
    exact = teacher_forced_picks(seed, prompts, {"dtype": "float32", "head": "float32", "quantize": "none"})
    for label, opts in agreement.items():
        same = float((teacher_forced_picks(seed, prompts, opts) == exact).float().mean())
        out[f"same next token as float32: {label}"] = round(same, 4)
        print(f"{label}: float32's next token at {same:.1%} of {len(exact)} prompt positions", flush=True)
    out["positions"] = len(exact)
    return out


def int8_pairs(seed) -> dict:
    """Weight-only int8 against the host's default weights, and its next-token agreement."""
    return weight_pairs(seed, [("int8 weights", {"quantize": "int8"}, {})], {"int8 weights": {"quantize": "int8"}})


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


def first_row_pairs(pairs: int = 2, against: str | None = None) -> dict:
    """`syngen generate -n 8` to its first row, alternating: seed fits redone vs loaded from disk,
    or (`against`: a git revision, checked out in a temporary worktree) that revision vs this tree."""
    cli_first_row(runs=1)  # stores the fits, if this seed's are not on disk yet
    if against is None:
        got = {"refit": [], "loaded": []}
        for _ in range(pairs):
            got["refit"].append(cli_first_row(runs=1, env={"SYNGEN_FIT_CACHE": "0"}))
            got["loaded"].append(cli_first_row(runs=1))
        return got
    got = {against: [], "this tree": []}
    with worktree(against) as old:
        for _ in range(pairs):
            print(f"{against}:", flush=True)
            got[against].append(cli_first_row(runs=1, cwd=old))
            print("this tree:", flush=True)
            got["this tree"].append(cli_first_row(runs=1))
    return got


def rss_pairs(against: str, pairs: int = 2) -> dict:
    """Peak RSS of `syngen generate -n 4` with the defaults, git revision `against` (a temporary
    worktree) and this tree alternating."""
    got = {against: [], "this tree": []}
    with worktree(against) as old:
        for _ in range(pairs):
            for label, cwd in ((against, old), ("this tree", ROOT)):
                got[label].append(peak_rss(cwd=cwd))
                print(f"syngen generate -n 4, {label}: peak RSS {got[label][-1]['peak_rss_mb']} MB", flush=True)
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,4,8")
    ap.add_argument("--prompts", type=int, default=8, help="prompts per batch-size setting (at least one batch)")
    ap.add_argument("--max-new-tokens", type=int, default=512)
    ap.add_argument(
        "--only",
        choices=(
            "steps",
            "quality",
            "runs",
            "rss",
            "threads",
            "kv",
            "kv-dtype",
            "int8",
            "fp16",
            "body-runs",
            "packed",
            "reading",
            "first-row",
            "llamacpp",
        ),
        default=None,
    )
    ap.add_argument("--against", default=None, help="first-row, rss: a git revision to compare this tree with")
    ap.add_argument(
        "--emulate-avx2",
        action="store_true",
        help="keep torch, oneDNN, MKL and fbgemm to AVX2 (what a host without AVX-512 runs), in this process "
        "and the commands it starts",
    )
    ap.add_argument(
        "--emulate-amd",
        action="store_true",
        help="--emulate-avx2, with MKL on its generic path as on AMD CPUs (SSE4.2)",
    )
    a = ap.parse_args()
    emulated = AMD if a.emulate_amd else AVX2 if a.emulate_avx2 else {}
    if any(os.environ.get(k) != v for k, v in emulated.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **emulated})  # before torch loads

    cold = warm = None
    if a.only in (None, "runs"):
        cold, src_cold = load_time(cache=False)  # GGUF -> dequantise, what transformers does alone
        warm, src_warm = load_time()  # dequantised copy from the syngen cache
        if src_warm != "cache":  # first ever run: the cache was just written
            warm, src_warm = load_time()
        print(
            f"load: cold (GGUF, dequantise) {cold:.1f}s | warm (cached safetensors) {warm:.1f}s "
            f"| speed-up {cold / warm:.1f}x"
        )

    cfg0 = RunConfig(data=str(ROOT / "data/drug_reviews/train.csv"))
    seed = prepare_seed(cfg0)
    steps, share, compared, rss, layout, kv, kv16, first, int8, fp16, body, packed, reading = [], *[None] * 12
    versus = None
    if a.only in (None, "first-row"):
        first = first_row_pairs(against=a.against)
    if a.only in (None, "kv"):
        kv = kv_pairs(seed)
    if a.only in (None, "kv-dtype"):
        kv16 = kv_dtype_pairs(seed)
    if a.only in (None, "int8"):
        int8 = int8_pairs(seed)
    if a.only in (None, "fp16"):
        fp16 = fp16_pairs(seed)
    if a.only in (None, "body-runs"):
        body = body_runs(seed)
    if a.only in (None, "packed"):
        packed = packed_pairs(seed)
    if a.only in (None, "reading"):
        reading = reading_pairs(seed)
    if a.only in (None, "llamacpp"):
        versus = against_llamacpp(seed)
    if a.only in (None, "threads"):
        layout = thread_layout()
    if a.only in (None, "rss"):
        rss = run_rss() if a.against is None else rss_pairs(a.against)
    if a.only in (None, "steps"):
        steps = decode_steps(seed)
        share = outside_domain_share(seed)
    if a.only in (None, "quality"):
        compared = old_vs_new(seed)
    rows = []
    for b in [int(x) for x in a.batches.split(",")] if a.only in (None, "runs") else []:
        cfg = RunConfig(
            data=cfg0.data,
            num_samples=10_000,
            batch_size=b,
            max_prompts=max(a.prompts, b),
            random_seed=11,
            backend_options={"max_new_tokens": a.max_new_tokens},
        )
        backend = hf.HFBackend(max_new_tokens=a.max_new_tokens)
        res = run(cfg, backend, seed)
        acc = res.account
        tok_s = acc.completion_tokens / acc.generate_seconds
        rows_min = acc.accepted / (acc.wall_seconds / 60)
        rows.append(
            {
                "batch": b,
                "prompts": acc.prompts,
                "completion_tokens": acc.completion_tokens,
                "generate_s": round(acc.generate_seconds, 1),
                "wall_s": round(acc.wall_seconds, 1),
                "tok_per_s": round(tok_s, 1),
                "rows_accepted": acc.accepted,
                "rows_per_min": round(rows_min, 2),
                "overhead_pct": round(100 * (acc.wall_seconds - acc.generate_seconds) / acc.wall_seconds, 2),
            }
        )
        print(
            f"batch {b:2d}: {tok_s:5.1f} tok/s | {acc.accepted:3d} rows in {acc.wall_seconds:6.1f}s "
            f"= {rows_min:5.2f} rows/min | pipeline overhead {rows[-1]['overhead_pct']:.2f}%",
            flush=True,
        )
    for r in rows:
        r["tok_speedup_vs_first"] = round(r["tok_per_s"] / rows[0]["tok_per_s"], 2)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    out = {
        "date": time.strftime("%Y-%m-%d"),
        "cold_load_s": cold and round(cold, 1),
        "warm_load_s": warm and round(warm, 1),
        "decode_steps": steps,
        "against_llamacpp": versus,
        "outside_domain_share": share,
        "old_vs_new": compared,
        "batches": rows,
        "peak_rss_mb": round(peak),
        "generate_run_rss": rss,
        "thread_layout": layout,
        "kv_cache": kv,
        "int8_weights": int8,
        "fp16_weights": fp16,
        "body_runs": body,
        "packed": packed,
        "kv_dtype": kv16,
        "reading": reading,
        "cli_first_row": first,
        "host": {"cpu_capability": torch_capability(), "emulated_avx2": a.emulate_avx2, "emulated_amd": a.emulate_amd},
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    name = "embedded.json" if a.only in (None, "runs") else f"embedded-{a.only}.json"
    (ROOT / "bench" / "results" / name).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
