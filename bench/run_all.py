"""The shorter benchmarks in one go (about 12-15 minutes on 2 cores; llama.cpp's build adds ~7 the
first time unless --skip-llamacpp). Each script prints its own table and writes JSON to
bench/results/; figures are ratios measured in one run on a shared machine. The long ones run on
their own: conditional.py (plans, ~45 min), tune.py (adapter vs k-shot vs GReaT, ~1 h), serve.py
(`transformers serve`, ~10 min), decode_alternatives.py (continuous batching, torch.compile, ~15 min).

    python bench/run_all.py [--skip-llamacpp]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ("embedded backend", ["embedded/runs.py", "--batches", "1,2,4,8,16", "--prompts", "8"]),
    ("remote scaling", ["remote_scaling.py"]),
    ("quality report", ["quality_report.py"]),
    ("app first paint", ["app_first_paint.py"]),
    ("llama.cpp reference", ["llamacpp_reference.py"]),
]


def main() -> None:
    skip = "--skip-llamacpp" in sys.argv
    t0 = time.perf_counter()
    for name, cmd in SCRIPTS:
        if skip and cmd[0] == "llamacpp_reference.py":
            print(f"== {name}: skipped (--skip-llamacpp)")
            continue
        print(f"== {name}", flush=True)
        t = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]], check=False)
        print(f"   ({time.perf_counter() - t:.0f}s)", flush=True)
    print(f"all benchmarks: {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
