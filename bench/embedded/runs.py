"""Loads the model cold (the GGUF dequantised, what transformers does alone) and warm (syngen's
cached copy), then generates at each batch size and prints tok/s, rows/min and the pipeline's
overhead; and the peak RSS of it all.

    python bench/embedded/runs.py [--emulate-avx2|--emulate-amd] [--batches 1,4,8] [--prompts 8] [--max-new-tokens 512]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import resource  # noqa: E402

from embedded.common import (  # noqa: E402
    DRUGS,
    arguments,
    drug_seed,
    load_time,
    write_result,
)

from syngen.backends import hf  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.loop import run  # noqa: E402


def main() -> None:
    a = arguments(__doc__, _flags)
    cold, _ = load_time(cache=False)  # GGUF -> dequantise, what transformers does alone
    warm, src_warm = load_time()  # dequantised copy from the syngen cache
    if src_warm != "cache":  # first ever run: the cache was just written
        warm, src_warm = load_time()
    print(
        f"load: cold (GGUF, dequantise) {cold:.1f}s | warm (cached safetensors) {warm:.1f}s | speed-up {cold / warm:.1f}x"
    )
    seed = drug_seed()
    rows = []
    for b in [int(x) for x in a.batches.split(",")]:
        cfg = RunConfig(
            data=str(DRUGS),
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
    figures = {
        "cold_load_s": round(cold, 1),
        "warm_load_s": round(warm, 1),
        "batches": rows,
        "peak_rss_mb": round(peak),
    }
    write_result("runs", figures, a)


def _flags(ap) -> None:
    ap.add_argument("--batches", default="1,4,8")
    ap.add_argument("--prompts", type=int, default=8, help="prompts per batch-size setting (at least one batch)")
    ap.add_argument("--max-new-tokens", type=int, default=512)


if __name__ == "__main__":
    main()
