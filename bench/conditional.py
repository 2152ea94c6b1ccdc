"""Conditional plan vs whole rows: same seed, same embedded model, one run, both plans.

    python bench/conditional.py [--rows 200] [--minutes 30] [--first-n 8]

Prints and writes bench/results/conditional.json: rows/min, seconds to the first accepted row of
a warm N=8 run, rejected fragments per accepted row, contract violations, (drugName, condition)
pairs never seen in the seed, text-vs-label agreement, and on the rows each plan produced:
discriminator AUC, TSTR accuracy / macro-F1 against TRTR on the same number of real rows.
A plan that does not reach --rows within --minutes is evaluated on what it made (said so).
Generated rows are kept in bench/results/conditional_<plan>.csv.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from syngen.backends.hf import HFBackend  # noqa: E402
from syngen.evaluate.metrics import label_consistency  # noqa: E402
from syngen.evaluate.utility import discriminate, utility  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.loop import run  # noqa: E402
from syngen.runs.export import write_rows  # noqa: E402
from syngen.seed.clean import clean_table  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402
from syngen.seed.table import load_table  # noqa: E402

OUT = ROOT / "bench" / "results"
DATA = ROOT / "data" / "drug_reviews"


def first_row_seconds(plan: str, backend, n: int) -> float:
    """Wall time from calling run() (seed prepared, model warm) to the first accepted row."""
    cfg = RunConfig(data=str(DATA / "train.csv"), num_samples=n, plan=plan, random_seed=11)
    seed = prepare_seed(cfg)
    t0, first = time.perf_counter(), []
    cancel = threading.Event()

    def on(ev):
        if ev.kind == "row_accepted" and not first:
            first.append(time.perf_counter() - t0)
            cancel.set()  # the figure is taken; no need to finish the run

    run(cfg, backend, seed, on_event=on, cancel=cancel)
    return first[0] if first else float("nan")


def generate(plan: str, backend, rows: int, minutes: float) -> tuple[pd.DataFrame, dict]:
    cfg = RunConfig(data=str(DATA / "train.csv"), num_samples=rows, plan=plan, random_seed=5, provenance=False)
    seed = prepare_seed(cfg)
    cancel = threading.Event()
    timer = threading.Timer(minutes * 60, cancel.set)
    timer.start()
    t = time.perf_counter()
    res = run(cfg, backend, seed, cancel=cancel)
    timer.cancel()
    minutes_used = (time.perf_counter() - t) / 60
    acc = res.account
    violations = sum(bool(seed.schema.validate(r)[1]) for r in res.rows.to_dict("records"))
    pairs = set(zip(seed.df["drugName"], seed.df["condition"]))
    unseen = (
        float((~pd.Series(list(zip(res.rows["drugName"], res.rows["condition"]))).isin(pairs)).mean())
        if len(res.rows)
        else float("nan")
    )
    agree = label_consistency("review", "rating", seed.df.to_dict("records"), res.rows.to_dict("records"))
    return res.rows, {
        "plan": plan,
        "rows": len(res.rows),
        "status": res.status,
        "minutes": round(minutes_used, 2),
        "rows_per_min": round(len(res.rows) / minutes_used, 2) if minutes_used else None,
        "rejected_per_accepted": round(sum(acc.rejected.values()) / max(1, len(res.rows)), 2),
        "rejects": dict(acc.rejected.most_common(6)),
        "contract_violations": violations,
        "unseen_drug_condition_pairs": round(unseen, 3),
        "text_label_agreement": round(agree.value, 3),
        "text_label_agreement_seed_ceiling": agree.detail,
    }


def evaluate(rows: pd.DataFrame, seed, test: pd.DataFrame) -> dict:
    if len(rows) < 10:
        return {"note": "fewer than 10 rows: not evaluated"}
    real = seed.df.sample(len(rows), random_state=0)  # TRTR on as many real rows as synthetic ones
    d = discriminate(real, rows, seed.schema)
    u = utility(real, rows, test, seed.schema, mixes=(), repeats=3)
    trtr, tstr = u.iloc[0], u[u["setting"].str.startswith("TSTR")].iloc[0]
    return {
        "discriminator_auc": round(d.auc, 3),
        "tstr_accuracy": round(float(tstr["accuracy"]), 3),
        "tstr_macro_f1": round(float(tstr["macro_f1"]), 3),
        "trtr_accuracy": round(float(trtr["accuracy"]), 3),
        "trtr_macro_f1": round(float(trtr["macro_f1"]), 3),
        "majority_baseline": round(float(u["majority_baseline"][0]), 3),
        "train_rows": len(rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--minutes", type=float, default=30, help="time limit per plan")
    ap.add_argument("--first-n", type=int, default=8)
    ap.add_argument("--plans", default="conditional,rows")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    backend = HFBackend()
    t = time.perf_counter()
    backend.load()
    print(f"model load {time.perf_counter() - t:.1f}s ({backend.load_source})", flush=True)
    seed = prepare_seed(RunConfig(data=str(DATA / "train.csv")))
    test = clean_table(load_table(DATA / "test.csv"))[0]
    results = {}
    for plan in a.plans.split(","):
        first = first_row_seconds(plan, backend, a.first_n)
        print(f"{plan}: first accepted row after {first:.1f}s (warm, N={a.first_n})", flush=True)
        rows, fig = generate(plan, backend, a.rows, a.minutes)
        write_rows(rows, OUT / f"conditional_{plan}.csv", "csv", safe_csv=False)
        fig["first_row_seconds"] = round(first, 1)
        fig.update(evaluate(rows, seed, test))
        results[plan] = fig
        print(json.dumps(fig, indent=1), flush=True)
    if "conditional" in results and "rows" in results and results["rows"]["rows_per_min"]:
        results["speedup_rows_per_min"] = round(
            results["conditional"]["rows_per_min"] / results["rows"]["rows_per_min"], 2
        )
        print(f"conditional / rows, rows per minute: {results['speedup_rows_per_min']}x")
    (OUT / "conditional.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
