"""Do a run's rows help a classifier on held-out real rows, compared with what an analyst tries
first? Trains syngen's utility classifier (TF-IDF text + one-hot categories, logistic regression)
on: the real seed alone; the seed with class weights; the seed plus the synthetic rows; the seed
plus as many rows again drawn at random from the seed's own rows of the same labels (random
oversampling). Tests each on a held-out real file; each repeat takes a bootstrap of the held-out
rows (the same for every setting) and new oversampling draws, and the script prints the mean and
sd of accuracy, macro-F1 and the F1 of the seed's rarest label.

    python bench/heldout.py --data SEED.csv --synthetic ROWS.csv --real TEST.csv [--repeats 5]

Writes bench/results/heldout-<seed name>.json and the macro-F1 line to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import figures  # noqa: E402

from syngen.evaluate.synthetic_reader import read_synthetic  # noqa: E402
from syngen.evaluate.utility import make_model  # noqa: E402
from syngen.generate.config import RunConfig  # noqa: E402
from syngen.seed.clean import clean_table  # noqa: E402
from syngen.seed.prepared import prepare_seed  # noqa: E402
from syngen.seed.table import load_table  # noqa: E402


def score(train: pd.DataFrame, test: pd.DataFrame, schema, label: str, rare: str, random_seed: int, weighted=False):
    from sklearn.metrics import accuracy_score, f1_score

    model = make_model(schema, label, random_seed)
    if weighted:
        model.set_params(logisticregression__class_weight="balanced")
    model.fit(train, train[label].astype(str))
    got = model.predict(test)
    truth = test[label].astype(str)
    return (
        accuracy_score(truth, got),
        f1_score(truth, got, average="macro", zero_division=0),
        f1_score(truth, got, labels=[rare], average="macro", zero_division=0),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--synthetic", required=True)
    ap.add_argument("--real", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    seed = prepare_seed(RunConfig(data=a.data))
    schema, label = seed.schema, seed.schema.label
    real = seed.df
    synth = read_synthetic(a.synthetic, schema.names, schema.prose_columns, schema)[schema.names]
    test = clean_table(load_table(a.real))[0]
    test = test[test[label].astype(str).isin(set(real[label].astype(str)))]
    rare = real[label].value_counts().idxmin()
    settings = {}
    for r in range(a.repeats):
        # each repeat: a bootstrap of the held-out rows (the same for every setting: paired) and a
        # new draw of the oversampled rows; the spread is the estimate's, not only the draws'
        held = test.sample(len(test), replace=True, random_state=r)
        labels = synth[label].astype(str).tolist()
        oversampled = pd.concat(  # as many rows as the run added, each label as many as the run gave it
            [real[real[label].astype(str) == lab].sample(1, random_state=r * 1000 + i) for i, lab in enumerate(labels)]
        )
        for name, train, weighted in (
            ("real seed only", real, False),
            ("real, class weights", real, True),
            ("real + random oversampling", pd.concat([real, oversampled]), False),
            ("real + syngen rows", pd.concat([real, synth]), False),
        ):
            settings.setdefault(name, []).append(score(train, held, schema, label, rare, r, weighted))
    print(
        f"{Path(a.data).name}: {len(real)} real, {len(synth)} synthetic, {len(test)} held-out rows; rarest label '{rare}'"
    )
    out = {}
    for name, runs in settings.items():
        cols = list(zip(*runs))
        out[name] = {
            k: {"mean": round(statistics.mean(v), 4), "sd": round(statistics.pstdev(v), 4)}
            for k, v in zip(("accuracy", "macro_f1", f"f1_{rare}"), cols)
        }
        print(f"  {name:28s} " + "  ".join(f"{k} {d['mean']:.3f} ± {d['sd']:.3f}" for k, d in out[name].items()))
    line = "; ".join(
        f"{name}: macro-F1 {d['macro_f1']['mean']:.3f} ± {d['macro_f1']['sd']:.3f}" for name, d in out.items()
    )
    figures.record(
        f"held-out real rows: {seed.name} ({len(real)} real + {len(synth)} syngen rows)",
        line,
        f"python bench/heldout.py --data {a.data} --synthetic ROWS --real {a.real} --repeats {a.repeats}",
        "syngen rows above oversampling and class weights by more than the spread",
    )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / f"heldout-{seed.name}.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
