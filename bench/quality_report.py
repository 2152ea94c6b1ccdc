"""Quality report time for 1k, 10k and 100k synthetic rows, and which metric family dominates.

    python bench/quality_report.py [--sizes 1000,10000,100000]

Synthetic rows are seed rows with their review words shuffled (so they are new texts of the
seed's shape). Goal: 100k rows <= 10 s. Writes bench/results/quality_report.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from syngen.evaluate import build_report  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402


def synthetic(seed: pd.DataFrame, n: int, rng: random.Random) -> pd.DataFrame:
    rows = seed.sample(n, replace=True, random_state=rng.randrange(10**6)).to_dict("records")
    for i, r in enumerate(rows):
        w = r["review"].split()
        rng.shuffle(w)
        r["review"] = " ".join(w)
        r["review_id"] = str(100000 + i)
    return pd.DataFrame(rows, dtype=object)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    a = ap.parse_args()
    seed = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    rng = random.Random(0)
    build_report(seed.df, synthetic(seed.df, 50, rng), seed.schema)  # warm-up: imports, CMU dictionary
    rows = []
    for n in [int(x) for x in a.sizes.split(",")]:
        syn = synthetic(seed.df, n, rng)
        t = time.perf_counter()
        rep = build_report(seed.df, syn, seed.schema)
        dt = time.perf_counter() - t
        top = sorted(rep.timings.items(), key=lambda kv: -kv[1])
        rows.append({"rows": n, "seconds": round(dt, 2), "timings": {k: round(v, 2) for k, v in top}})
        print(
            f"{n:>7} rows: {dt:6.2f}s  dominated by {top[0][0]} ({top[0][1]:.2f}s); "
            + ", ".join(f"{k} {v:.2f}s" for k, v in top[1:4]),
            flush=True,
        )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "quality_report.json").write_text(
        json.dumps({"date": time.strftime("%Y-%m-%d"), "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
