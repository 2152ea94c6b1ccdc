"""Whole `syngen generate` processes, measured from outside: peak RSS and time to the first row.
Called by bench/embedded/rss.py and bench/embedded/first_row.py."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


RSS_SETTINGS = (
    ("defaults", []),
    ("float32 body", ["--option", "dtype=float32"]),
    ("dequantised token table", ["--option", "embedding=float"]),
    ("int8 weights", ["--option", "quantize=int8"]),
)


def peak_rss(extra=(), n=4, cwd=ROOT) -> dict:
    """Peak RSS and wall time of one `syngen generate -n N` process (model load, run, report);
    `cwd`: the checkout whose syngen runs."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "syngen.cli.main", "generate", "-n", str(n), "--out", tmp, "--quiet", *extra]
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        err = proc.stderr.read().decode()[-300:]
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {err}")
    return {"peak_rss_mb": round(usage.ru_maxrss / 1024), "wall_s": round(time.perf_counter() - t, 1)}


def run_rss(n=4) -> dict:
    """Peak RSS of `syngen generate -n N` in a fresh process per setting: the defaults, the body
    left in float32, the GGUF token table dequantised whole (before it was read row by row), int8
    weights."""
    out = {}
    for label, extra in RSS_SETTINGS:
        out[label] = peak_rss(extra, n)
        print(
            f"syngen generate -n {n}, {label}: peak RSS {out[label]['peak_rss_mb']} MB (goal <= 1500), "
            f"{out[label]['wall_s']} s",
            flush=True,
        )
    return out


@contextlib.contextmanager
def worktree(rev: str):
    """A temporary checkout of git revision `rev` (its path), removed afterwards."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(old), rev], cwd=ROOT, check=True)
        try:
            yield old
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)


def cli_first_row(n=8, runs=2, env: dict | None = None, cwd=ROOT) -> dict:
    """Seconds from starting `syngen generate -n N` (a fresh process; the model's converted weights
    already cached) to its progress line's first accepted row; then the process is stopped. Also
    when each earlier stage first shows in the command's own output: the seed read, the run
    started (joint model and label gate ready), the first prompts being read (weights loaded),
    the first tokens written. `cwd`: the checkout whose syngen runs (`python -m` imports from it)."""
    import re
    import subprocess
    import tempfile

    stages = {"seed read": rb"seed: ", "run started": rb"rows wanted", "reading prompts": rb"reading prompts"}
    stages["writing"] = rb"batch: [1-9]\d* tok"
    got, timelines = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "syngen.cli.main", "generate", "-n", str(n), "--out", tmp]
            t = time.perf_counter()
            proc = subprocess.Popen(
                cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ | (env or {})
            )
            seen, when = b"", {}
            while not re.search(rb"\] [1-9]\d*/%d rows" % n, seen):
                chunk = proc.stderr.read1(4096)
                if not chunk:
                    raise SystemExit(f"{' '.join(cmd)} ended before a row: {seen.decode()[-400:]}")
                seen += chunk
                for name, pattern in stages.items():
                    if name not in when and re.search(pattern, seen):
                        when[name] = round(time.perf_counter() - t, 1)
            got.append(time.perf_counter() - t)
            timelines.append(when)
            proc.terminate()
            proc.wait()
    label = "".join(f" {k}={v}" for k, v in (env or {}).items())
    print(f"syngen generate -n {n}{label}: first accepted row after " + ", ".join(f"{x:.1f}s" for x in got), flush=True)
    for when in timelines:
        print("  stages first shown at: " + ", ".join(f"{k} {v}s" for k, v in when.items()), flush=True)
    return {"n": n, "first_row_s": [round(x, 1) for x in got], "stages_s": timelines}
