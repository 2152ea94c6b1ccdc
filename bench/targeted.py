"""Targeted generation, measured with the embedded model.

1. A rare scenario on the bundled drug reviews: `--where condition=<a condition with fewer than 5
   seed rows>`: rows meeting it, time to the first row, and what SDV's own conditional sampling
   (`sample_from_conditions` on the same per-label copula) returns for it.
2. Per-slice counts before and after `--balance rating` (the label) on the bundled seed.
3. The Alexa reviews of ../shared/data/realworld (skipped when absent) with the negative class cut
   to 30 real rows (bench/utility.py's 300-row seed; its held-out rows): the negative class's F1 on
   held-out real rows for the 30 real negatives alone, class weights, random oversampling, + N rows
   "like these" (the 30 negatives as `--like`), and + N rows of the negative label without a like
   target; --runs generation runs, each with --repeats paired repeats, pooled mean ± sd.

    python bench/targeted.py [--rows 100] [--runs 3] [--repeats 5] [--parts scenario,balance,alexa]

Generations are cached by configuration (bench/results/targeted/cache). Figures go to
bench/results/targeted.json and BENCHMARKS.md (bench/figures.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402
import utility  # noqa: E402  (the Alexa split and the pooling of repeats)

from syngen.evaluate.lift import AUGMENTED, OVERSAMPLED, REAL, WEIGHTS, augmentation_lift  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.events import EventKind  # noqa: E402
from syngen.generate.loop import run  # noqa: E402
from syngen.plan.structure import StructureModel  # noqa: E402
from syngen.plan.target import resolve_target  # noqa: E402
from syngen.runs.execute import run_report  # noqa: E402
from syngen.runs.experiment import generate_cached  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402

OUT = ROOT / "bench" / "results" / "targeted"
DRUGS = "data/drug_reviews/train.csv"
NEGATIVES = 30


def timed_run(cfg: RunConfig, seed):
    """A run with its time to the first accepted row (the model already loaded by an earlier run)."""
    first: list[float] = []
    t = time.perf_counter()

    def on_event(e):
        if e.kind == EventKind.ROW_ACCEPTED and not first:
            first.append(time.perf_counter() - t)

    res = run(cfg, seed=seed, on_event=on_event)
    return res, (first[0] if first else float("nan")), time.perf_counter() - t


def sdv_conditions(seed, condition: str, rows: int) -> str:
    """What SDV's conditional sampling gives for the scenario on the same per-label copula."""
    from sdv.sampling import Condition

    sampled = ["drugName", "condition", "date", "usefulCount"]
    sm = StructureModel(seed.df, seed.schema, sampled, fixed=["drugName", "condition"])
    got = {}
    for label, synth in sm._models.items():
        try:
            df = synth.sample_from_conditions([Condition(num_rows=rows, column_values={"condition": condition})])
            got[label] = f"{len(df)} rows"
        except Exception as exc:  # noqa: BLE001  (the point: what it raises)
            got[label] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:90]}"
    return "; ".join(f"{k}: {v}" for k, v in got.items())


def scenario(rows: int) -> dict:
    base = RunConfig(data=DRUGS, num_samples=rows, random_seed=0)
    seed = prepare_seed(base)
    counts = seed.df["condition"].value_counts()
    rare = str(counts[(counts < 5) & (counts >= 3)].index[0])
    run(replace(base, num_samples=1, random_seed=99), seed=seed)  # load the model: time the scenario warm
    cfg = replace(base, where=[f"condition={rare}"])
    res, first, total = timed_run(cfg, seed)
    rep = run_report(cfg, seed, res.rows)
    meet = rep.find("rows meeting the target")
    reads = rep.find("text reads as the target", "review")
    got = {
        "condition": rare,
        "seed_rows": int(counts[rare]),
        "rows": len(res.rows),
        "meeting": meet.detail,
        "text_reads_as_target": reads.detail,
        "first_row_s": round(first, 1),
        "total_s": round(total, 1),
        "sdv_sample_from_conditions": sdv_conditions(seed, rare, rows),
        "drugs": res.rows["drugName"].value_counts().head(5).to_dict(),
    }
    print(json.dumps(got, indent=2))
    return got


def balance(rows: int) -> dict:
    base = RunConfig(data=DRUGS, num_samples=rows, random_seed=0)
    seed = prepare_seed(base)
    out = {}
    for spec in ("rating", "rating=0.25"):
        cfg = replace(base, balance=spec)
        got, how = generate_cached(cfg, seed, None, OUT / "cache")
        before = seed.df["rating"].value_counts()
        after = got["rating"].value_counts()
        out[spec] = {
            "seed": {k: int(v) for k, v in before.items()},
            "generated": {k: int(after.get(k, 0)) for k in before.index},
            "together": {k: int(before[k] + after.get(k, 0)) for k in before.index},
            "asked": {k: round(v, 3) for k, v in resolve_target(seed, cfg).label_mix.items()},
        }
        print(f"--balance {spec}: {json.dumps(out[spec])}", flush=True)
    return out


def alexa(rows: int, runs: int, repeats: int) -> dict | None:
    found = utility.tables()
    if "alexa" not in found:
        return None
    seed_file, held_file, label = found["alexa"]
    df = pd.read_csv(seed_file, dtype=str, keep_default_na=False)
    neg = df[df[label] == "0"].sample(NEGATIVES, random_state=0)
    cut = pd.concat([df[df[label] != "0"], neg]).sample(frac=1, random_state=0)
    OUT.mkdir(parents=True, exist_ok=True)
    cut.to_csv(OUT / "alexa_neg30.csv", index=False)
    base = RunConfig(data=str(OUT / "alexa_neg30.csv"), label=label, num_samples=rows)
    seed = prepare_seed(base)
    test = prepare_seed(replace(base, data=str(held_file))).df
    like = seed.df[seed.df[label] == "0"].to_dict("records")
    variants = {
        "like these": lambda r: replace(base, like=like, random_seed=r),
        "label only": lambda r: replace(base, label_mix={"0": 1.0}, random_seed=r),
    }
    out: dict = {"seed_rows": len(seed.df), "negatives": NEGATIVES, "held_out": len(test), "variants": {}}
    for name, make in variants.items():
        lifts = []
        for r in range(runs):
            t = time.perf_counter()
            got, how = generate_cached(make(r), seed, None, OUT / "cache")
            print(f"  {name} run {r}: {len(got)} rows ({how}, {time.perf_counter() - t:.0f} s)", flush=True)
            lifts.append(
                augmentation_lift(seed.df, got, seed.schema, test, sizes=(None,), repeats=repeats, random_seed=r)
            )
        table = pd.concat([lf.table for lf in lifts])
        cells = {}
        for (feat, setting), g in table.groupby(["features", "setting"], sort=False):
            if setting in (REAL, WEIGHTS, OVERSAMPLED, AUGMENTED):
                m, sd = utility.pooled(g["minority_f1"], g["minority_f1_sd"])
                cells[f"{feat} | {setting}"] = {"mean": round(m, 3), "sd": round(sd, 3)}
        gains = {}
        for feat in ("tfidf", "embeddings"):
            vs = [lf.verdicts for lf in lifts]
            pick = [
                v[
                    (v["features"] == feat)
                    & (v["setting"] == AUGMENTED)
                    & (v["baseline"] == OVERSAMPLED)
                    & (v["metric"] == "minority_f1")
                ]
                for v in vs
            ]
            g, sd = utility.pooled([p["gain"].iloc[0] for p in pick], [p["gain_sd"].iloc[0] for p in pick])
            gains[feat] = {"gain_vs_oversampling": round(g, 3), "sd": round(sd, 3)}
        out["variants"][name] = {"cells": cells, "gains": gains}
        print(name, json.dumps(out["variants"][name], indent=1), flush=True)
    return out


def _counts(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items())


def record(results: dict, cmd: str, rows: int) -> None:
    """The figures in BENCHMARKS.md, from the results (`--parts none` records them again)."""
    s = results.get("scenario")
    if s:
        sdv = "; ".join(
            f"{part.split(':')[0]}: {'Unable to sample any rows' if 'Unable' in part else part.split(': ', 1)[1]}"
            for part in s["sdv_sample_from_conditions"].split("; ")
        )
        figures.record(
            f"rare scenario (drugs, --where condition=X, {s['seed_rows']} seed rows)",
            f"{s['meeting']}; first row {s['first_row_s']} s (warm), {s['rows']} rows in {s['total_s']} s; "
            f"SDV sample_from_conditions on the same copulas: {sdv}",
            cmd,
            "every row meets it",
        )
    for spec, v in (results.get("balance") or {}).items():
        figures.record(
            f"--balance {spec} (drugs, {sum(v['generated'].values())} rows): rows per label",
            f"seed {_counts(v['seed'])}; generated {_counts(v['generated'])}",
            cmd,
        )
    for name, v in ((results.get("alexa") or {}).get("variants") or {}).items():
        figures.record(
            f"Alexa, 30 real negatives: + {rows} rows {name} vs random oversampling (negative F1)",
            ", ".join(f"{f}: {g['gain_vs_oversampling']:+.3f} ± {g['sd']:.3f}" for f, g in v["gains"].items()),
            cmd,
            "more than oversampling, beyond the spread",
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100, help="rows per Alexa run")
    ap.add_argument("--scenario-rows", type=int, default=20)
    ap.add_argument("--balance-rows", type=int, default=30)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--parts", default="scenario,balance,alexa")
    a = ap.parse_args()
    parts = a.parts.split(",")
    path = OUT.parent / "targeted.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    cmd = "python bench/targeted.py"
    if "scenario" in parts:
        results["scenario"] = scenario(a.scenario_rows)
    if "balance" in parts:
        results["balance"] = balance(a.balance_rows)
    if "alexa" in parts:
        got = alexa(a.rows, a.runs, a.repeats)
        if got:
            results["alexa"] = got
    record(results, cmd, a.rows)
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
