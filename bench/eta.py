"""How right the "time left" is during a real run: the embedded model on the bundled seed, the
model loaded by the run itself, as when a user clicks Generate or starts `syngen generate`.

    python bench/eta.py [--rows 16] [--seed 21]

At every event the run sends, it notes two estimates of the seconds left: before (the time since
the run started, divided by the rows accepted, times the rows still wanted: what the app and the
CLI showed until 2026-11-23) and now (`syngen.generate.eta.RunEta`). When the run has ended, the true time
left at each moment is known. Prints a line per estimate sampled (each row, each batch's end,
and every 3 s of heartbeats) and the median absolute error of each. Writes bench/results/eta.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from syngen.backends.hf import HFBackend  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.eta import RunEta  # noqa: E402
from syngen.generate.loop import run  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402

OUT = ROOT / "bench" / "results"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=16)
    ap.add_argument("--seed", type=int, default=21)
    a = ap.parse_args()
    cfg = RunConfig(data=str(ROOT / "data/drug_reviews/train.csv"), num_samples=a.rows, random_seed=a.seed)
    seed = prepare_seed(cfg)
    eta, points, last = RunEta(), [], [0.0]
    t0 = time.perf_counter()

    def on_event(ev):
        eta(ev)
        t = time.perf_counter() - t0
        if (
            ev.kind == "heartbeat"
            and t - last[0] < 3.0
            or ev.kind not in ("heartbeat", "row_accepted", "batch_finished")
        ):
            return
        last[0] = t
        before = (ev.target - ev.accepted) * t / ev.accepted if ev.accepted else None
        points.append({"t": t, "event": ev.kind, "rows": ev.accepted, "before": before, "now": eta.seconds_left()})

    res = run(cfg, HFBackend(), seed, on_event=on_event)
    end = time.perf_counter() - t0
    errors = {"before": [], "now": []}
    print(f"{res.account.accepted} rows in {end:.1f} s (model load included), batch size {cfg.batch_size}")
    print("   t  event           rows  true left   before      now")
    for p in points:
        p["true"] = end - p["t"]
        shown = {k: "-" if p[k] is None else f"{p[k]:.0f}" for k in ("before", "now")}
        print(
            f"{p['t']:5.1f}  {p['event']:<15} {p['rows']:>3}   {p['true']:8.1f}   {shown['before']:>6}   {shown['now']:>6}"
        )
        if p["before"] is not None and p["now"] is not None and p["rows"] < res.account.accepted:
            for k in errors:
                errors[k].append(abs(p[k] - p["true"]))
    summary = {k: round(statistics.median(v), 1) for k, v in errors.items() if v}
    print(f"median absolute error over {len(errors['now'])} moments with both estimates: {summary}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "eta.json").write_text(
        json.dumps({"rows": a.rows, "seconds": end, "points": points, "median_abs_error": summary}, indent=1)
    )


if __name__ == "__main__":
    main()
