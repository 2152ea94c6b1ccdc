"""Reference engine: the same GGUF through llama.cpp (llama-cpp-python), one stream.

    python bench/llamacpp_reference.py [--tokens 256]

llama-cpp-python is built by this script only, into bench/.llamacpp (never a project requirement:
it compiles llama.cpp for about 7 minutes, once). Prints llama.cpp tok/s and, when bench/results/embedded.json
exists, syngen's embedded tok/s per batch size as a ratio of it (goal: >= 1.0 via batching).
Writes bench/results/llamacpp.json. Skips with a clear message when it cannot be installed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VERSION = "0.3.36"


TARGET = ROOT / "bench" / ".llamacpp"  # a bench-only install, never in the project's environment
# llama.cpp's default native build (AVX-512 / AMX kernels on this CPU) segfaults on the first
# eval of this GGUF; the portable AVX2 build runs it. Measured 2026-11-21 with 0.3.36.
CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
)


def ensure_llamacpp(timeout: int) -> bool:
    if (TARGET / "llama_cpp").exists():
        return True
    print(f"building llama-cpp-python=={VERSION} into {TARGET} (compiles llama.cpp, several minutes)…", flush=True)
    try:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--no-cache-dir",
                "--target",
                str(TARGET),
                f"llama-cpp-python=={VERSION}",
                "diskcache",
                "jinja2",
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=os.environ | {"CMAKE_ARGS": CMAKE_ARGS},
        )
    except subprocess.TimeoutExpired:
        print(f"skipped: llama-cpp-python did not build within {timeout}s")
        return False
    if r.returncode != 0:
        print("skipped: llama-cpp-python could not be installed: " + (r.stderr.strip().splitlines() or ["?"])[-1])
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=256)
    ap.add_argument("--install-timeout", type=int, default=900)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if not a.child:
        if not ensure_llamacpp(a.install_timeout):
            return
        # Measure in a child process: a crash inside llama.cpp must become a message here.
        r = subprocess.run(
            [sys.executable, __file__, "--child", "--tokens", str(a.tokens)],
            capture_output=True,
            text=True,
            env=os.environ | {"PYTHONPATH": os.pathsep.join([str(TARGET), str(ROOT)])},
        )
        if r.returncode != 0:
            how = f"signal {-r.returncode}" if r.returncode < 0 else f"exit code {r.returncode}"
            print(
                f"skipped: llama.cpp crashed ({how}) while generating with this GGUF; no reference figure. "
                f"Last output: {(r.stderr.strip().splitlines() or ['-'])[-1][:160]}"
            )
            return
        print(r.stdout.strip())
        return
    import random

    from llama_cpp import Llama

    from syngen.backends.hf_loading import embedded_gguf as _embedded_gguf
    from syngen.config import RunConfig
    from syngen.pipeline import prepare_seed
    from syngen.prompts import build_prompt

    seed = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    prompt = build_prompt(seed.df, seed.schema, RunConfig(k=4), random.Random(0), target_label="positive")
    t = time.perf_counter()
    llm = Llama(model_path=str(_embedded_gguf()), n_ctx=4096, n_threads=2, verbose=False, seed=1)
    load = time.perf_counter() - t
    t = time.perf_counter()
    out = llm(prompt.completion, max_tokens=a.tokens, temperature=0.8, top_p=0.95, top_k=50)
    dt = time.perf_counter() - t
    n = out["usage"]["completion_tokens"]
    tok_s = n / dt
    print(f"llama.cpp: load {load:.1f}s, {n} tokens in {dt:.1f}s = {tok_s:.1f} tok/s (one stream, 2 threads)")
    result = {"date": time.strftime("%Y-%m-%d"), "llamacpp_tok_per_s": round(tok_s, 1), "load_s": round(load, 1)}
    emb = ROOT / "bench" / "results" / "embedded.json"
    if emb.exists():
        rows = json.loads(emb.read_text())["batches"]
        for r in rows:
            ratio = r["tok_per_s"] / tok_s
            print(f"syngen embedded batch {r['batch']:2d}: {r['tok_per_s']:5.1f} tok/s = {ratio:.2f}x llama.cpp")
        result["embedded_ratio"] = {r["batch"]: round(r["tok_per_s"] / tok_s, 2) for r in rows}
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "llamacpp.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
