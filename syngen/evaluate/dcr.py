"""Distance to closest record (DCR), SDMetrics' privacy metrics, for the report's privacy part.

* DCRBaselineProtection: are synthetic rows further from the seed than random rows would be?
  (1 = as far as random data, 0 = on top of seed rows.)
* DCROverfittingProtection, when rows were held out of tuning (syngen tune keeps 10%): are
  synthetic rows closer to the rows the model trained on than to rows it never saw? A model that
  memorised would put most synthetic rows closer to its training rows (1 = no sign of it).

Distances use the structured columns (free text is the near-copy metrics' job: as a category,
every review is its own value)."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pandas as pd

from syngen.evaluate.metrics import Metric, nan_metric
from syngen.seed.schema import Role, Schema

DRAWS = 5  # training-row draws the overfitting comparison averages over
SUBSAMPLE = 500  # synthetic rows scored; above it SDMetrics averages over subsamples
_SDTYPES = {
    Role.LABEL: "categorical",
    Role.CATEGORICAL: "categorical",
    Role.SHORT_TEXT: "categorical",
    Role.NUMERIC: "numerical",
    Role.COUNT: "numerical",
}


@contextlib.contextmanager
def _seeded():
    """SDMetrics draws its random baseline and subsamples from numpy's global generator: the
    same report twice gives the same figures, and the caller's generator is left as it was."""
    state = np.random.get_state()
    np.random.seed(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        np.random.set_state(state)


def _prepared(schema: Schema, frames: list[pd.DataFrame]) -> tuple[list[pd.DataFrame], dict]:
    cols = [c for c in schema.columns if c.role in _SDTYPES and all(c.name in f.columns for f in frames)]
    meta = {"tables": {"seed": {"columns": {c.name: {"sdtype": _SDTYPES[c.role]} for c in cols}}}}
    out = []
    for f in frames:
        f = f[[c.name for c in cols]].copy()
        for c in cols:
            if _SDTYPES[c.role] == "numerical":
                f[c.name] = pd.to_numeric(f[c.name], errors="coerce")
            else:
                f[c.name] = f[c.name].astype(str)
        out.append(f.reset_index(drop=True))
    return out, meta


def training_part(seed: pd.DataFrame, holdout: pd.DataFrame) -> pd.DataFrame:
    """The seed rows that were not held out (matched on every cell as text)."""
    cols = [c for c in seed.columns if c in holdout.columns]

    def key(df):
        return df[cols].fillna("").astype(str).agg("\x1f".join, axis=1)

    return seed[~key(seed).isin(set(key(holdout)))]


def dcr_metrics(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame, holdout: pd.DataFrame | None = None):
    names = (
        "distance to closest record vs random (SDMetrics DCRBaselineProtection)",
        "closer to held-out than to training rows (SDMetrics DCROverfittingProtection)",
    )
    if len(synth) < 2:
        return [nan_metric(names[0], "", "max", "fewer than 2 synthetic rows")]
    (real, fake), meta = _prepared(schema, [seed, synth])
    if not meta["tables"]["seed"]["columns"]:
        return [nan_metric(names[0], "", "max", "no structured columns to measure distances on")]
    from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection

    sub = SUBSAMPLE if len(fake) > SUBSAMPLE else None

    class Baseline(DCRBaselineProtection):
        _seed = 0  # SDMetrics' own hook for a reproducible random baseline

    with _seeded():
        base = Baseline.compute_breakdown(real, fake, meta, "seed", num_rows_subsample=sub)
    medians = base.get("median_DCR_to_real_data", {})
    out = [
        Metric(
            names[0],
            "",
            float(base["score"]),
            "max",
            score=float(base["score"]),
            detail=f"median distance to the seed {medians.get('synthetic_data', float('nan')):.3f}, "
            f"random rows {medians.get('random_data_baseline', float('nan')):.3f}",
        )
    ]
    if holdout is None or len(holdout) < 2:
        out.append(nan_metric(names[1], "", "max", "no rows were held out (only tuned runs hold some out)"))
        return out
    train = training_part(seed, holdout)
    (train, fake, held), meta = _prepared(schema, [train, synth, holdout])
    # A larger reference set is closer by size alone: compare with as many training rows as
    # were held out, averaged over a few draws.
    scores, closer = [], []
    with _seeded():
        for i in range(DRAWS):
            part = train.sample(n=min(len(held), len(train)), random_state=i)
            over = DCROverfittingProtection.compute_breakdown(part, fake, held, meta, "seed", num_rows_subsample=sub)
            scores.append(float(over["score"]))
            closer.append(float(over["synthetic_data_percentages"]["closer_to_training"]))
    score, closer = float(np.mean(scores)), float(np.mean(closer))
    out.append(
        Metric(
            names[1],
            "",
            score,
            "max",
            score=score,
            detail=f"{closer:.0%} of synthetic rows are closer to {len(held)} of the training rows than to the "
            f"{len(held)} held-out ones (about 50% or less when nothing is memorised)",
        )
    )
    return out
