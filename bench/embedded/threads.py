"""Decodes the same batch with the model's work split over threads as generation did
before (the load in one thread, each batch in a fresh one) and on syngen's one torch thread.

    python bench/embedded/threads.py [--emulate-avx2|--emulate-amd]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embedded.common import (  # noqa: E402
    ROOT,
    experiment,
)

LAYOUT_CHILD = """
import sys, threading, time
sys.path.insert(0, {bench!r})
import torch
from embedded import common as E
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


if __name__ == "__main__":
    experiment(__doc__, "threads", lambda a: {"thread_layout": thread_layout()})
