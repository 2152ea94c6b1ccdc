"""What the embedded engine's benchmarks share: the seed's conditional prompts, a timed decode,
alternating pairs, whole runs, the host and its emulated variants, and where results go.

Each experiment is a script of its own in this folder (`python bench/embedded/<name>.py --help`).
`--emulate-avx2` keeps torch, oneDNN, MKL and fbgemm to AVX2, as on a CPU without AVX-512.
`--emulate-amd` does that and keeps MKL to SSE4.2: on AMD CPUs the MKL inside torch takes its
generic path, not its AVX2 one (under `qemu-x86_64 -cpu EPYC-Milan-v1` it reports "Intel(R)
Architecture processors", under `-cpu Haswell-v1` "AVX2"), and every float32 product torch gives
MKL runs 2-3x slower there.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from syngen.backends import hf  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.loop import run  # noqa: E402
from syngen.plan.resolve import plan_for  # noqa: E402
from syngen.prompting.row_sources import row_source  # noqa: E402
from syngen.seed.prepared import domain_texts, prepare_seed  # noqa: E402

DRUGS = ROOT / "data/drug_reviews/train.csv"
STATE: dict = {}  # the seed's domain texts, set once by an experiment for the decodes it times

OLD = {"loop": "generate", "vocab": "full", "quantize": "none", "linear": "plain"}


AVX2 = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2",
}


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
    res = b.generate(prompts, random_seed=1)
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


def arguments(doc: str, extra=None) -> argparse.Namespace:
    """The script's flags (its own via `extra`, plus the emulation flags); under an emulation
    flag the script starts again with the variables set, before torch loads."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--emulate-avx2",
        action="store_true",
        help="keep torch, oneDNN, MKL and fbgemm to AVX2 (what a host without AVX-512 runs), in this process "
        "and the commands it starts",
    )
    ap.add_argument(
        "--emulate-amd", action="store_true", help="--emulate-avx2, with MKL on its generic path as on AMD CPUs"
    )
    if extra:
        extra(ap)
    a = ap.parse_args()
    emulated = AMD if a.emulate_amd else AVX2 if a.emulate_avx2 else {}
    if any(os.environ.get(k) != v for k, v in emulated.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **emulated})
    return a


def drug_seed():
    return prepare_seed(RunConfig(data=str(DRUGS)))


def write_result(name: str, figures: dict, a: argparse.Namespace) -> Path:
    """bench/results/embedded-<name>.json: the figures, the date and the host they come from."""
    out = {
        "date": time.strftime("%Y-%m-%d"),
        **figures,
        "host": {"cpu_capability": torch_capability(), "emulated_avx2": a.emulate_avx2, "emulated_amd": a.emulate_amd},
    }
    path = ROOT / "bench" / "results" / f"embedded-{name}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")
    return path


def command(a: argparse.Namespace, script: str) -> str:
    """The command line that measured a figure, emulation flag included."""
    flag = " --emulate-amd" if a.emulate_amd else " --emulate-avx2" if a.emulate_avx2 else ""
    return f"python bench/embedded/{script}{flag}"


def experiment(doc: str, name: str, measure, extra=None) -> dict:
    """Run one experiment script: its flags, `measure(args)` -> figures, bench/results/embedded-<name>.json."""
    a = arguments(doc, extra)
    figures = measure(a)
    write_result(name, figures, a)
    return figures
