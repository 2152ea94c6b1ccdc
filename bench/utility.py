"""Do syngen's rows help a classifier more than what an analyst tries first? For the Alexa reviews
in ../shared/data/realworld (skipped when absent; a 300-row seed, the rest held out) and the
bundled drug reviews: rows written for the rarest label with the embedded model (--runs runs with
the defaults, --variant-runs with the embedding label gate), then the augmentation-lift table of
syngen.evaluate.lift on held-out real rows (real only, class weights, random oversampling, real +
syngen rows with and without class weights; every real row and at most 100/50/25 per label;
TF-IDF and sentence embeddings; pooled over runs and repeats with their sd), the discriminator's
AUC (embeddings and TF-IDF), curation (each run's rows halved at random, by label confidence, by
realism), and the k sweep (examples per prompt) with the same baselines.

    python bench/utility.py [--tables alexa,drugs] [--rows 100] [--runs 3] [--repeats 5] [--k 5,10,15,30]

Each generation is cached by its configuration (bench/results/utility/cache): a rerun only
evaluates. Writes bench/results/utility.json and the figures to BENCHMARKS.md (bench/figures.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402

from syngen.common.errors import SyngenError  # noqa: E402
from syngen.evaluate.lift import (  # noqa: E402
    AUGMENTED_WEIGHTS,
    FEATURE_NAMES,
    METRICS,
    SYNTHETIC,
    augmentation_lift,
    parse_sizes,
)
from syngen.evaluate.utility import discriminate  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.runs.experiment import generate_cached  # noqa: E402
from syngen.seed.clean import clean_table  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402
from syngen.seed.schema import Role  # noqa: E402
from syngen.seed.table import load_table  # noqa: E402

OUT = ROOT / "bench" / "results" / "utility"
ALEXA = ROOT.parent / "shared" / "data" / "realworld" / "amazon_alexa.tsv"
ALEXA_SEED_ROWS = 300  # a small real table, as a user brings one: ~14% negative, ~40 rows


# generation settings compared (each against the same baselines): the default, and the label gate
# reading text with sentence embeddings instead of TF-IDF (fewer runs: --variant-runs)
DEFAULT = "default (TF-IDF label gate)"
VARIANTS = {DEFAULT: {"label_gate_model": "tfidf"}, "embedding label gate": {"label_gate_model": "embeddings"}}


def tables() -> dict[str, tuple[Path, Path, str]]:
    """name -> (seed file, held-out real file, label). Alexa: its duplicate rows dropped (as
    syngen's cleaning does), then a stratified split into a 300-row seed and the rest held out."""
    found = {"drugs": (ROOT / "data/drug_reviews/train.csv", ROOT / "data/drug_reviews/test.csv", "rating")}
    if not ALEXA.exists():
        print(f"skipped alexa: {ALEXA} is not here")
        return found
    from sklearn.model_selection import train_test_split

    df = clean_table(load_table(ALEXA))[0]
    seed, held = train_test_split(df, train_size=ALEXA_SEED_ROWS, stratify=df["feedback"], random_state=0)
    OUT.mkdir(parents=True, exist_ok=True)
    seed.to_csv(OUT / "alexa_seed.csv", index=False)
    held.to_csv(OUT / "alexa_heldout.csv", index=False)
    found["alexa"] = (OUT / "alexa_seed.csv", OUT / "alexa_heldout.csv", "feedback")
    return found


def rarest(seed_df: pd.DataFrame, label: str) -> str:
    return str(seed_df[label].astype(str).value_counts().idxmin())


def generate(seed_file: Path, label: str, rows: int, random_seed: int, **changes) -> pd.DataFrame:
    """Rows for the seed's rarest label with the embedded model (defaults otherwise), cached."""
    base = RunConfig(data=str(seed_file), label=label, num_samples=rows, random_seed=random_seed)
    seed = prepare_seed(base)
    cfg = replace(base, label_mix={rarest(seed.df, label): 1.0}, **changes)
    t = time.perf_counter()
    got, how = generate_cached(cfg, seed, None, OUT / "cache")
    took = time.perf_counter() - t
    print(f"  {seed_file.name} seed {random_seed} {changes}: {len(got)} rows ({how}, {took:.0f} s)", flush=True)
    return got


def pooled(means, sds) -> tuple[float, float]:
    """Mean and sd over every (generation run, repeat) pair, from each run's mean and sd."""
    m = float(np.mean(means))
    return m, float(np.sqrt(np.mean([sd**2 + (x - m) ** 2 for x, sd in zip(means, sds)])))


def evaluate(name, seed, test, runs: dict[str, list[pd.DataFrame]], repeats: int, sizes) -> dict:
    """The lift of each variant's rows, pooled over its generation runs; the discriminator."""
    out: dict = {}
    for variant, rowsets in runs.items():
        lifts = [
            augmentation_lift(seed.df, rows, seed.schema, test, sizes=sizes, repeats=repeats, random_seed=i)
            for i, rows in enumerate(rowsets)
        ]
        table = pd.concat([lf.table.assign(run=i) for i, lf in enumerate(lifts)])
        cells = {}
        for (feat, size, setting), g in table.groupby(["features", "size", "setting"], sort=False):
            cells[f"{feat} | {size} | {setting}"] = {
                m: dict(zip(("mean", "sd"), map(lambda v: round(v, 4), pooled(g[m], g[f"{m}_sd"])))) for m in METRICS
            } | {"train_rows": int(g["train_rows"].iloc[0])}
        heads = {}
        for feat in FEATURE_NAMES:
            for size in dict.fromkeys(table["size"]):
                hs = [lf.headline(feat, size) for lf in lifts]
                g, sd = pooled([h["gain"] for h in hs], [h["gain_sd"] for h in hs])
                heads[f"{feat} | {size}"] = {
                    "setting": hs[0]["setting"],
                    "baseline": hs[0]["baseline"],
                    "gain": round(g, 4),
                    "sd": round(sd, 4),
                    "per_run": [f"{h['setting']} vs {h['baseline']}: {h['gain']:+.3f}" for h in hs],
                }
        aucs = [discriminate(seed.df, rows, seed.schema, features="embeddings").auc for rows in rowsets]
        aucs_tfidf = [discriminate(seed.df, rows, seed.schema).auc for rows in rowsets]
        out[variant] = {
            "runs": len(rowsets),
            "rows": [len(r) for r in rowsets],
            "cells": cells,
            "headline": heads,
            "auc_embeddings": [round(x, 3) for x in aucs],
            "auc_tfidf": [round(x, 3) for x in aucs_tfidf],
            "minority": lifts[0].minority,
            "notes": lifts[0].notes,
        }
        show(name, variant, out[variant])
    return out


def show(name: str, variant: str, got: dict) -> None:
    print(f"\n== {name}, {variant}: {got['runs']} generation runs x repeats; rarest label '{got['minority']}'")
    for note in got["notes"]:
        print(f"   note: {note}")
    last = None
    for key, cell in got["cells"].items():
        feat, size, setting = key.split(" | ")
        if (feat, size) != last:
            last = (feat, size)
            print(f"   {FEATURE_NAMES[feat]}, real rows: {size}")
        print(
            f"     {setting:33s} {cell['train_rows']:5d}  "
            + "  ".join(f"{m} {cell[m]['mean']:.3f} ± {cell[m]['sd']:.3f}" for m in METRICS)
        )
    for key, h in got["headline"].items():
        print(f"   headline {key}: {h['setting']} vs {h['baseline']}: F1 {h['gain']:+.3f} ± {h['sd']:.3f}")
    auc = got["auc_embeddings"]
    print(f"   discriminator AUC, embeddings {np.mean(auc):.3f} (runs {auc}); TF-IDF {np.mean(got['auc_tfidf']):.3f}")


def curation(name, seed, test, rowsets: list[pd.DataFrame], repeats: int) -> dict:
    """More candidates than needed, the best kept: each default run's rows halved three ways
    (at random; the half whose text reads surest as its label, CLLM-style, as `--keep-by
    confidence` keeps; the half a discriminator finds most realistic, as `--keep-by realism`),
    each half against the same baselines on every real row."""
    from syngen.evaluate.label_classifier import rows_confidence

    text = seed.schema.by_role(Role.TEXT)[0].name
    got: dict = {}
    for i, rows in enumerate(rowsets):
        n = len(rows) // 2
        conf, spread = rows_confidence(seed.df, rows, text, seed.schema.label)
        real_p = discriminate(seed.df, rows, seed.schema, features="embeddings").proba
        halves = {
            "random half": rows.sample(n, random_state=i),
            "surest half (confidence)": rows.iloc[np.argsort(-(conf - spread))[:n]],
            "most realistic half (discriminator)": rows.iloc[np.argsort(real_p)[:n]],
        }
        for kind, half in halves.items():
            lf = augmentation_lift(seed.df, half, seed.schema, test, sizes=(None,), repeats=repeats, random_seed=i)
            t = lf.table.set_index(["features", "setting"])
            for feat in FEATURE_NAMES:
                h = lf.headline(feat)
                cell = got.setdefault(kind, {}).setdefault(feat, {"gain": [], "sd": [], "synthetic_f1": []})
                cell["gain"].append(h["gain"])
                cell["sd"].append(h["gain_sd"])
                cell["synthetic_f1"].append(float(t.loc[(feat, AUGMENTED_WEIGHTS), "minority_f1"]))
    out = {}
    print(f"\n== {name}: curation, {len(rowsets)} runs' rows halved ({repeats} repeats each)")
    for kind, per in got.items():
        for feat, cell in per.items():
            g, sd = pooled(cell["gain"], cell["sd"])
            f1 = float(np.mean(cell["synthetic_f1"]))
            out.setdefault(kind, {})[feat] = {"gain": round(g, 4), "sd": round(sd, 4), "f1_with_weights": round(f1, 4)}
            print(
                f"   {kind:36s} {FEATURE_NAMES[feat]:19s} best syngen vs best baseline F1 {g:+.3f} ± {sd:.3f}; "
                f"real + half, class weights: F1 {f1:.3f}"
            )
    return out


def k_sweep(seed_file: Path, seed, test, label: str, ks, rows: int, repeats: int) -> dict:
    """The k-shot seed's sweep: rows written with k examples per prompt, against the same
    baselines on every real row (TF-IDF and embeddings), and synthetic-only accuracy (TSTR)."""
    out = {}
    for k in ks:
        try:
            got = generate(seed_file, label, rows, 0, k=k)
        except SyngenError as exc:  # k examples may not fit the model's context: say so, go on
            print(f"   k={k}: {exc}")
            continue
        lf = augmentation_lift(seed.df, got, seed.schema, test, sizes=(None,), repeats=repeats)
        t = lf.table.set_index(["features", "setting"])
        out[k] = {}
        for feat in FEATURE_NAMES:
            h = lf.headline(feat)
            row = {
                "tstr_accuracy": round(t.loc[(feat, SYNTHETIC), "accuracy"], 4),
                "minority_f1 " + h["setting"]: round(t.loc[(feat, h["setting"]), "minority_f1"], 4),
                "minority_f1 " + h["baseline"]: round(t.loc[(feat, h["baseline"]), "minority_f1"], 4),
                "gain": round(h["gain"], 4),
                "gain_sd": round(h["gain_sd"], 4),
            }
            out[k][feat] = row
            print(
                f"   k={k:2d} {FEATURE_NAMES[feat]:19s} TSTR accuracy {row['tstr_accuracy']:.3f}; "
                f"{h['setting']} vs {h['baseline']}: F1 {h['gain']:+.3f} ± {h['gain_sd']:.3f}"
            )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", default="alexa,drugs")
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3, help="generation runs (random seeds) per table, default settings")
    ap.add_argument("--variant-runs", type=int, default=1, help="generation runs of each other variant")
    ap.add_argument("--repeats", type=int, default=5, help="lift repeats per generation run")
    ap.add_argument("--sizes", default="all,100,50,25")
    ap.add_argument("--k", default="5,10,15,30", help="k sweep (examples per prompt); empty: skip")
    ap.add_argument("--k-rows", type=int, default=60)
    ap.add_argument("--k-tables", default="alexa,drugs", help="tables to run the k sweep on")
    ap.add_argument("--generate-only", action="store_true")
    a = ap.parse_args()
    found = tables()
    chosen = {k: found[k] for k in a.tables.split(",") if k in found}

    def runs_of(variant):
        return range(a.runs if variant == DEFAULT else a.variant_runs)

    for r in range(max(a.runs, a.variant_runs)):  # every run first (cached): the slow part, interleaved
        for seed_file, _, label in chosen.values():
            for variant, changes in VARIANTS.items():
                if r in runs_of(variant):
                    generate(seed_file, label, a.rows, r, **changes)
    ks = [int(x) for x in a.k.split(",") if x.strip()]
    for name, (seed_file, _, label) in chosen.items():
        for k in ks if name in a.k_tables.split(",") else ():
            try:
                generate(seed_file, label, a.k_rows, 0, k=k)
            except SyngenError as exc:
                print(f"  {name} k={k}: {exc}")
    if a.generate_only:
        return
    results = {}
    for name, (seed_file, held_file, label) in chosen.items():
        seed = prepare_seed(RunConfig(data=str(seed_file), label=label))
        test = clean_table(load_table(held_file))[0]
        runs = {
            variant: [generate(seed_file, label, a.rows, r, **changes) for r in runs_of(variant)]
            for variant, changes in VARIANTS.items()
        }
        results[name] = {"seed_rows": len(seed.df), "held_out_rows": len(test)}
        results[name]["variants"] = evaluate(name, seed, test, runs, a.repeats, parse_sizes(a.sizes))
        default_rows = runs[DEFAULT]
        results[name]["curation"] = curation(name, seed, test, default_rows, a.repeats)
        if ks and name in a.k_tables.split(","):
            print(f"\n== {name}: k sweep ({a.k_rows} rows each, one run, {a.repeats} repeats)")
            results[name]["k_sweep"] = k_sweep(seed_file, seed, test, label, ks, a.k_rows, a.repeats)
        record(name, results[name], a)
    path = ROOT / "bench" / "results" / "utility.json"
    before = json.loads(path.read_text()) if path.exists() else {}
    path.write_text(json.dumps(before | results, indent=2) + "\n")  # one table at a time keeps the others


def record(name: str, got: dict, a) -> None:
    cmd = (
        f"python bench/utility.py --tables {name} --rows {a.rows} --runs {a.runs} "
        f"--variant-runs {a.variant_runs} --repeats {a.repeats} --k {a.k}"
    )
    parts = []
    for variant, v in got["variants"].items():
        pairs = []
        for feat in ("embeddings", "tfidf"):
            h = v["headline"][f"{feat} | all"]
            pairs.append(f"{FEATURE_NAMES[feat]}: {h['setting']} vs {h['baseline']} {h['gain']:+.3f} ± {h['sd']:.3f}")
        parts.append(
            f"{variant} ({v['runs']} runs): F1 of '{v['minority']}', " + "; ".join(pairs) + f"; discriminator "
            f"AUC {np.mean(v['auc_embeddings']):.2f} (embeddings)"
        )
    figures.record(
        f"augmentation lift on held-out real rows: {name} ({got['seed_rows']} real rows, {a.rows} syngen rows "
        f"of the rarest label, {got['held_out_rows']} held out)",
        "; ".join(parts),
        cmd,
        "syngen's rows above the best of class weights and random oversampling by more than the spread; "
        "discriminator AUC <= 0.75",
    )


if __name__ == "__main__":
    main()
