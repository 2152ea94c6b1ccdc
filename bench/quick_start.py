"""The quick start's time, as the Data page runs it: the recommended settings on the bundled seed,
20 rows with the embedded model, then the quality report and the quick utility verdict (TF-IDF,
3 repeats). Time to the first accepted row and to the verdict, with the model warm (a first run
loads it, a second is timed) and the machine's load noted (os.getloadavg before each run).

    python bench/quick_start.py [--runs 2]

Figures go to BENCHMARKS.md (bench/figures.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402

from syngen.evaluate.lift import augmentation_lift  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.events import EventKind  # noqa: E402
from syngen.runs.execute import execute  # noqa: E402
from syngen.seed.clean import clean_table  # noqa: E402
from syngen.seed.table import load_table  # noqa: E402

ROWS = 20  # syngen.ui.run.QUICK_ROWS


def once(seed: int, out: Path) -> tuple[float, float, float]:
    first: list[float] = []
    t0 = time.perf_counter()

    def on_event(e):
        if e.kind == EventKind.ROW_ACCEPTED and not first:
            first.append(time.perf_counter() - t0)

    outcome = execute(RunConfig(num_samples=ROWS, random_seed=seed, out=str(out)), on_event=on_event)
    test = clean_table(load_table("data/drug_reviews/test.csv"))[0]
    seed_ = outcome.result.seed
    lift = augmentation_lift(
        seed_.df, outcome.result.rows, seed_.schema, test, sizes=(None,), features=("tfidf",), repeats=3
    )
    lift.sentence("tfidf")
    return (first[0] if first else float("nan")), time.perf_counter() - t0, os.getloadavg()[0]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=2)
    a = p.parse_args()
    out = ROOT / "bench" / "results" / "quick_start"
    once(100, out)  # loads the model: not timed
    results = []
    for i in range(a.runs):
        load = os.getloadavg()[0]
        first, total, _ = once(101 + i, out)
        results.append((first, total, load))
        print(f"run {i + 1}: first row {first:.1f} s, verdict {total:.1f} s (load average before: {load:.2f})")
    firsts, totals = sorted(r[0] for r in results), sorted(r[1] for r in results)
    figures.record(
        "quick start, bundled seed, model warm (20 rows, report, quick utility verdict)",
        f"first row {firsts[len(firsts) // 2]:.1f} s, verdict {totals[len(totals) // 2]:.1f} s (median of "
        f"{a.runs}; load average before the runs {min(r[2] for r in results):.2f}-{max(r[2] for r in results):.2f})",
        f"python bench/quick_start.py --runs {a.runs}",
        goal="first rows within 15 s, verdict within 90 s on 2 idle cores",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
