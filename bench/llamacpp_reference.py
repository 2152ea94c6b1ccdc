"""Reference engine: the same GGUF through llama.cpp (llama-cpp-python), one stream.

    python bench/llamacpp_reference.py [--tokens 128]

llama-cpp-python is built by this script only, into bench/.llamacpp (never a project requirement:
it compiles llama.cpp for about 7 minutes, once). Prints llama.cpp's decode tok/s (prefill
subtracted) on the first conditional prompt bench/embedded/ uses; `bench/embedded/steps.py`
calls `decode_rate` in its own run, so its ratios to llama.cpp come from one run.
Writes bench/results/llamacpp.json. Skips with a clear message when it cannot be installed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
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


def decode_rate(prompt: str, tokens: int, install_timeout: int = 900) -> dict | None:
    """llama.cpp's decode tok/s on `prompt`, one stream, 2 threads, measured in a child process
    the way bench/embedded/ measures syngen: (tokens of N+1 steps - tokens of 1) / (time of N+1 -
    time of 1), so prefill cancels out. None, with a printed reason, when llama.cpp is unavailable."""
    if not ensure_llamacpp(install_timeout):
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(prompt)
    # A child process: a crash inside llama.cpp must become a message here.
    r = subprocess.run(
        [sys.executable, __file__, "--child", f.name, "--tokens", str(tokens)],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": os.pathsep.join([str(TARGET), str(ROOT)])},
    )
    os.unlink(f.name)
    if r.returncode != 0:
        how = f"signal {-r.returncode}" if r.returncode < 0 else f"exit code {r.returncode}"
        print(
            f"skipped: llama.cpp crashed ({how}) while generating with this GGUF; no reference figure. "
            f"Last output: {(r.stderr.strip().splitlines() or ['-'])[-1][:160]}"
        )
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def _child(prompt_file: str, tokens: int) -> None:
    from llama_cpp import Llama

    from syngen.engine.loading import embedded_gguf

    prompt = Path(prompt_file).read_text()
    t = time.perf_counter()
    llm = Llama(model_path=str(embedded_gguf()), n_ctx=4096, n_threads=2, verbose=False, seed=1)
    load = time.perf_counter() - t

    def timed(n):
        llm.reset()  # no prompt reuse between calls: each one reads the prompt again
        t = time.perf_counter()
        out = llm(prompt, max_tokens=n, temperature=0.8, top_p=0.95, top_k=50)
        return time.perf_counter() - t, out["usage"]["completion_tokens"]

    timed(1)  # warm-up
    t1, n1 = timed(1)
    tn, nn = timed(tokens + 1)
    rate = (nn - n1) / max(1e-9, tn - t1)
    print(
        json.dumps(
            {"decode_tok_per_s": round(rate, 1), "prefill_s": round(t1, 2), "tokens": nn - n1, "load_s": round(load, 1)}
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("prompt_file", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--tokens", type=int, default=128)
    ap.add_argument("--install-timeout", type=int, default=900)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(a.prompt_file, a.tokens)
        return
    from embedded.common import conditional_prompts

    from syngen.generate.config import RunConfig
    from syngen.seed.prepared import prepare_seed

    seed = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    got = decode_rate(conditional_prompts(seed, 1)[0].completion, a.tokens, a.install_timeout)
    if got is None:
        return
    print(
        f"llama.cpp: decode {got['decode_tok_per_s']} tok/s ({got['tokens']} tokens, one stream, 2 threads), "
        f"prefill {got['prefill_s']} s, load {got['load_s']} s. bench/embedded/steps.py measures "
        "syngen against it in the same run."
    )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "llamacpp.json").write_text(
        json.dumps({"date": time.strftime("%Y-%m-%d"), **got}, indent=2)
    )


if __name__ == "__main__":
    main()
