"""The embedded model served by `transformers serve` (OpenAI-compatible) against the in-process
backend, at the same concurrency, on the same conditional prompts.

    python bench/serve.py [--prompts 8] [--tokens 48]

Starts `transformers serve "$(syngen model-path)"` on loopback twice (without and with
--continuous-batching), sends the prompts through syngen's openai backend with concurrency =
prompts, and runs the same prompts through the in-process backend as one batch. Every figure comes
from this one run. Writes bench/results/serve.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from embedded.common import conditional_prompts  # noqa: E402

from syngen.backends import create_backend  # noqa: E402
from syngen.backends.hf import HFBackend, embedded_folder  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.seed.prepared import domain_texts, prepare_seed  # noqa: E402


def _port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def serve(folder: Path, extra: list[str]):
    port = _port()
    log = Path(tempfile.mkdtemp()) / "serve.log"
    exe = shutil.which("transformers") or str(Path(sys.executable).with_name("transformers"))
    cmd = [exe, "serve", str(folder), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu", *extra]
    proc = subprocess.Popen(
        cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=os.environ | {"HF_HUB_OFFLINE": "1"}
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            return proc, url + "/v1"
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("transformers serve did not start: " + log.read_text()[-1500:])


def timed(backend, prompts) -> tuple[float, int]:
    t = time.perf_counter()
    res = backend.generate(prompts, random_seed=1)
    took = time.perf_counter() - t
    errors = [r.error for r in res if r.error]
    if errors:
        raise SystemExit(f"errors: {errors[:2]}")
    return took, sum(r.completion_tokens for r in res)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=8)
    ap.add_argument("--tokens", type=int, default=48)
    a = ap.parse_args()
    seed = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    prompts = conditional_prompts(seed, a.prompts)
    for p in prompts:
        p.lines_per_row = 10**6  # no stop rule: every prompt writes all its tokens
    folder = embedded_folder()
    out = {"date": time.strftime("%Y-%m-%d"), "prompts": a.prompts, "tokens": a.tokens}

    local = HFBackend(max_new_tokens=a.tokens)
    local.use_domain(domain_texts(seed))
    local.load()
    timed(local, prompts[:1])  # warm-up
    took, toks = timed(local, prompts)
    out["in-process (batch)"] = {"seconds": round(took, 1), "tok_per_s": round(toks / took, 1)}
    print(f"in-process, one batch of {a.prompts}: {toks} tokens in {took:.1f}s = {toks / took:.1f} tok/s", flush=True)

    for label, extra in (
        ("transformers serve", []),
        ("transformers serve --continuous-batching", ["--continuous-batching"]),
    ):
        proc, url = serve(folder, extra)
        try:
            remote = create_backend(
                "openai",
                str(folder),
                base_url=url,
                mode="completion",
                max_new_tokens=a.tokens,
                concurrency=a.prompts,
                timeout=600,
            )
            timed(remote, prompts[:1])  # warm-up (the server loads the model on first use)
            took, toks = timed(remote, prompts)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        ratio = out["in-process (batch)"]["tok_per_s"] / (toks / took)
        out[label] = {"seconds": round(took, 1), "tok_per_s": round(toks / took, 1), "in_process_x": round(ratio, 2)}
        print(
            f"{label}, {a.prompts} concurrent: {toks} tokens in {took:.1f}s = {toks / took:.1f} tok/s "
            f"(in-process is {ratio:.2f}x)",
            flush=True,
        )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "serve.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
