"""Embedded backend figures: cold vs warm load, tok/s and rows/min per batch size, peak RSS.

    python bench/embedded.py [--batches 1,4,8] [--prompts 8]

Every figure comes from this one run (the machine is shared: compare ratios, not absolutes).
Writes bench/results/embedded.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from syngen.backends import hf  # noqa: E402
from syngen.config import RunConfig  # noqa: E402
from syngen.pipeline import prepare_seed, run  # noqa: E402


def load_time(**opts) -> tuple[float, str]:
    hf._LOADED.clear()
    b = hf.HFBackend(**opts)
    t = time.perf_counter()
    b.load()
    return time.perf_counter() - t, b.load_source


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="1,4,8")
    ap.add_argument("--prompts", type=int, default=8, help="prompts per batch-size setting (at least one batch)")
    ap.add_argument("--max-new-tokens", type=int, default=512)
    a = ap.parse_args()

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
    rows = []
    for b in [int(x) for x in a.batches.split(",")]:
        cfg = RunConfig(
            data=cfg0.data,
            num_samples=10_000,
            batch_size=b,
            max_prompts=max(a.prompts, b),
            seed=11,
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
    base = rows[0]
    for r in rows:
        r["tok_speedup_vs_first"] = round(r["tok_per_s"] / base["tok_per_s"], 2)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB")
    out = {
        "date": time.strftime("%Y-%m-%d"),
        "cold_load_s": round(cold, 1),
        "warm_load_s": round(warm, 1),
        "batches": rows,
        "peak_rss_mb": round(peak),
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "embedded.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
