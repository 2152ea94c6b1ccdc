"""Tuned adapter vs k-shot prompting vs a peer (GReaT), on the bundled drug reviews.

    python bench/tune.py [--rows 200] [--parts kshot,tuned,great] [--minutes 10]
                         [--great-minutes 100] [--great-resume]

For each setting, N generated rows are measured the same way:
  training time, rows/min of generation, discriminator ROC AUC (real seed vs synthetic, 5-fold,
  syngen.evaluate.utility.discriminate: 0.5 = indistinguishable), TSTR accuracy and macro-F1 against
  TRTR (the same classifier trained on N real seed rows; both tested on N real rows of
  data/drug_reviews/test.csv), near-copy share and the distance-to-closest-record scores of the
  quality report (DCROverfittingProtection needs rows held out of training: the tuned adapter's).

  kshot: syngen's conditional plan, k-shot prompts, no adapter (the default run).
  tuned: `syngen tune` (LoRA, --minutes budget), then the conditional plan with k=0.
  great: be-great (Borisov et al., ICLR 2023) fine-tuning the same base weights (the embedded
         model's transformers folder) for the same time budget, then sampling N rows
         (bench/great_peer.py: its sampling can be resumed in a later sitting).

The machine is shared: settings are best compared within one run. Parts run separately add
to (or replace) their own rows in bench/results/tune.json; the printed table says each row's date.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from great_peer import sample_great  # noqa: E402  (bench/great_peer.py)

from syngen.evaluate import build_report  # noqa: E402
from syngen.evaluate.utility import discriminate, utility  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.runs.execute import execute  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402
from syngen.seed.table import load_table  # noqa: E402
from syngen.tune.seed_tuning import TuneSettings, holdout_rows, tune_for_seed  # noqa: E402

SEED_FILE = ROOT / "data" / "drug_reviews" / "train.csv"
TEST_FILE = ROOT / "data" / "drug_reviews" / "test.csv"


def measure(name: str, seed, synth, test, holdout=None, **extra) -> dict:
    n = len(synth)
    schema = seed.schema
    out = {"setting": name, "rows": n, **extra}
    if n < 10:
        return out | {"note": "too few rows to measure"}
    real = seed.df.sample(min(n, len(seed.df)), random_state=0)
    table = utility(real, synth, test, schema, mixes=(), repeats=3).set_index("setting")
    trtr, tstr = table.loc["TRTR (real only)"], table.loc["TSTR (synthetic only)"]
    disc = discriminate(seed.df, synth, schema)
    report = build_report(seed.df, synth, schema, holdout=holdout)
    metric = {(m.name, m.column): m for m in report.metrics}

    def value(prefix):
        got = [m.value for (name, _), m in metric.items() if name.startswith(prefix)]
        return round(float(got[0]), 4) if got else None

    return out | {
        "discriminator_auc": round(disc.auc, 3),
        "trtr_accuracy": round(float(trtr["accuracy"]), 3),
        "tstr_accuracy": round(float(tstr["accuracy"]), 3),
        "tstr_vs_trtr": round(float(tstr["accuracy"] / trtr["accuracy"]), 3),
        "trtr_macro_f1": round(float(trtr["macro_f1"]), 3),
        "tstr_macro_f1": round(float(tstr["macro_f1"]), 3),
        "near_copy_share": value("near copies of seed rows"),
        "exact_copy_share": value("exact copies of seed rows"),
        "dcr_baseline_protection": value("distance to closest record"),
        "dcr_overfitting_protection": value("closer to held-out"),
        "median_words": float(
            synth[seed.schema.by_role(*_text_roles())[0].name].astype(str).str.split().str.len().median()
        ),
    }


def _text_roles():
    from syngen.seed.schema import Role

    return (Role.TEXT,)


def run_syngen(cfg: RunConfig, seed) -> tuple:
    t = time.perf_counter()
    out = execute(cfg, seed=seed, report=False)
    minutes = (time.perf_counter() - t) / 60
    rows = out.result.rows.drop(columns=["_provenance"], errors="ignore")
    return rows, round(len(rows) / minutes, 2), out.result.status


def part_kshot(seed, test, n, minutes, out_dir):
    cfg = RunConfig(data=str(SEED_FILE), num_samples=n, out=str(out_dir), random_seed=1)
    rows, rate, status = run_syngen(cfg, seed)
    return measure(
        "k-shot conditional (k=4, no adapter)", seed, rows, test, training_s=0.0, rows_per_min=rate, status=status
    )


def part_tuned(seed, test, n, minutes, out_dir):
    cfg = RunConfig(data=str(SEED_FILE), num_samples=n, out=str(out_dir), random_seed=1, k=0)
    t = time.perf_counter()
    tuned = tune_for_seed(cfg, seed, settings=TuneSettings(max_minutes=minutes), retrain=True)
    training = time.perf_counter() - t
    print(f"tuned: {tuned.message}", file=sys.stderr)
    cfg = replace(cfg, backend_options={"adapter": str(tuned.folder)})
    rows, rate, status = run_syngen(cfg, seed)
    return measure(
        "tuned adapter (LoRA, k=0)",
        seed,
        rows,
        test,
        holdout=holdout_rows(cfg),
        training_s=round(training, 1),
        rows_per_min=rate,
        status=status,
        tune=tuned.info,
    )


def part_great(seed, test, n, minutes, out_dir, sample_minutes=100.0, resume=False):
    rows, fields = sample_great(seed, n, minutes, out_dir, sample_minutes, resume)
    return measure("be-great (LoRA, same base weights, guided sampling)", seed, rows, test, **fields)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--parts", default="kshot,tuned,great")
    ap.add_argument("--minutes", type=float, default=10.0, help="tuning budget")
    ap.add_argument("--great-minutes", type=float, default=100.0, help="GReaT's sampling limit (~2.5 rows/min here)")
    ap.add_argument("--great-resume", action="store_true", help="GReaT: go on sampling with the saved model")
    a = ap.parse_args()
    seed = prepare_seed(RunConfig(data=str(SEED_FILE)))
    test = load_table(TEST_FILE).sample(a.rows, random_state=0)
    out_dir = ROOT / "bench" / "results" / "tune-runs"
    parts = {"kshot": part_kshot, "tuned": part_tuned, "great": part_great}
    results = []
    for name in a.parts.split(","):
        t = time.perf_counter()
        extra = {"sample_minutes": a.great_minutes, "resume": a.great_resume} if name == "great" else {}
        got = parts[name](seed, test, a.rows, a.minutes, out_dir, **extra)
        got["wall_s"] = round(time.perf_counter() - t, 1)
        got["date"] = time.strftime("%Y-%m-%d %H:%M")
        results.append(got)
        print(json.dumps({k: v for k, v in got.items() if k != "tune"}), flush=True)
    path = ROOT / "bench" / "results" / "tune.json"
    try:  # parts run separately add to (or replace) their own rows
        earlier = [r for r in json.loads(path.read_text()) if r["setting"] not in {x["setting"] for x in results}]
    except (OSError, ValueError, KeyError):
        earlier = []
    results = earlier + results
    path.write_text(json.dumps(results, indent=2) + "\n")
    keys = [
        "date",
        "rows",
        "training_s",
        "rows_per_min",
        "discriminator_auc",
        "tstr_accuracy",
        "trtr_accuracy",
        "tstr_vs_trtr",
    ]
    keys += [
        "tstr_macro_f1",
        "trtr_macro_f1",
        "near_copy_share",
        "dcr_baseline_protection",
        "dcr_overfitting_protection",
    ]
    print("| setting | " + " | ".join(keys) + " |")
    print("|" + " --- |" * (len(keys) + 1))
    for r in results:
        print(f"| {r['setting']} | " + " | ".join(str(r.get(k, "")) for k in keys) + " |")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
