"""The tuned adapter against k-shot prompting, on tables no one here tuned to (issue 47).

    python bench/tuned.py [--tables drugs,alexa,instruments] [--rows 20] [--runs 3] [--minutes 5]
    python bench/tuned.py --check-only [--tables ...]   # the path check again, on the adapters cached above

For each table (the bundled drug reviews; from ../shared/data/realworld, skipped when absent, the
300-row Alexa seed of bench/utility.py and a 400-row cut of the musical-instrument reviews, the
rest of each held out):

1. `syngen tune`'s defaults (label-balanced, the --minutes budget): wall time, loading included;
   held-out loss per label.
2. The check that picks the path (syngen/runs/path_choice.py): per-label share of candidates
   that read as their label and are kept, for both paths, and its verdict.
3. `--runs` generations per path of `--rows` rows of the rarest label (the rows an analyst adds):
   kept rows per minute, rejects per kept row, the rarest label's acceptance (kept / parsed), a
   real-vs-synthetic discriminator's AUC (sentence embeddings, real rows of the same label), and
   the lift on held-out real rows against the best of class weights and random oversampling
   (the rarest label's F1, embeddings and TF-IDF classifiers, 3 repeats per run), with spreads.

Writes bench/results/tuned.json and the figures to BENCHMARKS.md (bench/figures.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402

from syngen.evaluate.lift import FEATURE_NAMES, augmentation_lift  # noqa: E402
from syngen.evaluate.utility import discriminate  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.generate.loop import run  # noqa: E402
from syngen.runs.path_choice import check_paths  # noqa: E402
from syngen.seed.clean import clean_table  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402
from syngen.seed.table import load_table  # noqa: E402
from syngen.tune.seed_tuning import TuneSettings, tune_for_seed  # noqa: E402

OUT = ROOT / "bench" / "results" / "tuned"
SHARED = ROOT.parent / "shared" / "data" / "realworld"


def tables() -> dict[str, tuple[Path, Path, str]]:
    """name -> (seed file, held-out file, label)."""
    from sklearn.model_selection import train_test_split

    found = {"drugs": (ROOT / "data/drug_reviews/train.csv", ROOT / "data/drug_reviews/test.csv", "rating")}
    OUT.mkdir(parents=True, exist_ok=True)
    for name, file, label, size in (
        ("alexa", "amazon_alexa.tsv", "feedback", 300),
        ("instruments", "amazon_musical_instruments.csv", "overall", 400),
    ):
        if not (SHARED / file).exists():
            print(f"skipped {name}: {SHARED / file} is not here")
            continue
        df = clean_table(load_table(SHARED / file))[0]
        seed, held = train_test_split(df, train_size=size, stratify=df[label], random_state=0)
        seed.to_csv(OUT / f"{name}_seed.csv", index=False)
        held.to_csv(OUT / f"{name}_heldout.csv", index=False)
        found[name] = (OUT / f"{name}_seed.csv", OUT / f"{name}_heldout.csv", label)
    return found


def spread(xs: list[float]) -> str:
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.2f} ± {sd:.2f}"


def generate(cfg: RunConfig, seed) -> dict:
    t = time.perf_counter()
    result = run(cfg, seed=seed)
    seconds = time.perf_counter() - t
    acc = result.account
    return {
        "rows": result.rows,
        "kept": len(result.rows),
        "parsed": acc.parsed,
        "rejects": sum(acc.rejected.values()),
        "off_label": sum(v for k, v in acc.rejected.items() if k.startswith("text reads")),
        "seconds": round(seconds, 1),
        "top_rejects": dict(acc.rejected.most_common(4)),
    }


def bench_table(name, seed_file, held_file, label, a) -> dict:
    base = RunConfig(data=str(seed_file), label=label, num_samples=a.rows)
    seed = prepare_seed(base)
    test = clean_table(load_table(held_file))[0]
    rare = str(seed.df[label].astype(str).value_counts().idxmin())
    print(f"\n== {name}: {len(seed.df)} seed rows, rarest label '{rare}', {len(test)} held out", flush=True)
    t = time.perf_counter()
    tuned = tune_for_seed(base, seed, settings=TuneSettings(max_minutes=a.minutes), retrain=True)
    tune_seconds = time.perf_counter() - t
    print(f"  tuned in {tune_seconds:.0f} s: {tuned.message}; loss by label {tuned.info.get('val_loss_by_label')}")
    t = time.perf_counter()
    choice = check_paths(base, seed, tuned.folder, on_progress=lambda m: print("  " + m, flush=True))
    check_seconds = time.perf_counter() - t
    print(f"  check ({check_seconds:.0f} s): {choice.path}: {choice.why}")
    paths = {
        "adapter": replace(base, k=0, backend_options={"adapter": str(tuned.folder)}),
        "k-shot": replace(base, backend_options={"adapter": "none"}),
    }
    out = {
        "seed_rows": len(seed.df),
        "held_out": len(test),
        "rarest": rare,
        "tune_seconds": round(tune_seconds, 1),
        "tune": {
            k: tuned.info.get(k) for k in ("message", "epochs", "steps", "val_loss_by_label", "train_rows_by_label")
        },
        "check_seconds": round(check_seconds, 1),
        "choice": {"path": choice.path, "why": choice.why, "figures": choice.figures},
        "paths": {},
    }
    for path, cfg in paths.items():
        got = []
        for r in range(a.runs):
            g = generate(replace(cfg, label_mix={rare: 1.0}, random_seed=100 + r), seed)
            rows = g.pop("rows")
            g["auc"] = (
                round(discriminate(seed.df, rows, seed.schema, features="embeddings").auc, 3)
                if len(rows) >= 4
                else None
            )
            if len(rows) >= 2:
                lift = augmentation_lift(seed.df, rows, seed.schema, test, sizes=(None,), repeats=3, random_seed=r)
                g["lift"] = {
                    f: {k: lift.headline(f)[k] for k in ("setting", "baseline", "gain", "gain_sd")}
                    for f in FEATURE_NAMES
                }
            got.append(g)
            print(f"  {path} run {r}: {g['kept']} kept of {g['parsed']} parsed in {g['seconds']} s, AUC {g['auc']}, "
                  f"lift {({f: round(v['gain'], 3) for f, v in g.get('lift', {}).items()})}", flush=True)  # fmt: skip
        out["paths"][path] = got
    return out


def summary(name: str, got: dict) -> str:
    parts = [f"tuning {got['tune_seconds']:.0f} s; check chose {got['choice']['path']}"]
    for path, runs in got["paths"].items():
        rpm = [60 * g["kept"] / g["seconds"] for g in runs if g["seconds"]]
        rej = [g["rejects"] / max(1, g["kept"]) for g in runs]
        acc = [g["kept"] / max(1, g["parsed"]) for g in runs]
        reads = [1 - g.get("off_label", 0) / max(1, g["parsed"]) for g in runs]
        lift = [g["lift"]["embeddings"]["gain"] for g in runs if "lift" in g]
        parts.append(
            f"{path}: {spread(rpm)} kept rows/min, {spread(rej)} rejects/row, '{got['rarest']}' read as itself "
            f"{spread(reads)}, kept {spread(acc)}, AUC {spread([g['auc'] for g in runs])}, lift (embeddings) {spread(lift)}"
        )
    return "; ".join(parts)


def check_again(names: list[str], found: dict) -> int:
    """The check alone, with the adapters a full run of this bench left in the cache."""
    from syngen.tune.seed_tuning import find_adapter

    for name in names:
        seed_file, _, label = found[name]
        cfg = RunConfig(data=str(seed_file), label=label)
        seed = prepare_seed(cfg)
        folder = find_adapter(cfg, seed)
        if folder is None:
            print(f"{name}: no adapter cached for this seed: run the bench without --check-only first")
            continue
        t = time.perf_counter()
        choice = check_paths(cfg, seed, folder)
        print(f"{name}: {choice.path}: {choice.why} ({time.perf_counter() - t:.0f} s)", flush=True)
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tables", default="drugs,alexa,instruments")
    ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=TuneSettings().max_minutes)
    ap.add_argument("--check-only", action="store_true", help="run the path check again on the cached adapters")
    a = ap.parse_args()
    found = tables()
    if a.check_only:
        return check_again([n for n in a.tables.split(",") if n in found], found)
    path = ROOT / "bench" / "results" / "tuned.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in a.tables.split(","):
        if name not in found:
            continue
        got = bench_table(name, *found[name], a)
        results[name] = got
        path.write_text(json.dumps(results, indent=2, default=str) + "\n")
        line = summary(name, got)
        print(f"  {line}")
        figures.record(
            f"tuned adapter vs k-shot, {name} ({got['seed_rows']} seed rows, {a.rows} rows of '{got['rarest']}' x {a.runs} runs)",
            line,
            f"python bench/tuned.py --tables {name} --rows {a.rows} --runs {a.runs} --minutes {a.minutes:g}",
            "tuning <= 5 min; rarest label >= 80% read as itself; AUC <= 0.70; >= 2x kept rows/min; lift beyond the spread",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
