"""Column-pair trends and SDMetrics' standard scores beside syngen's own metrics.

Per-column scores cannot see a broken joint structure (drugs paired with conditions they do not
treat): SDMetrics' ContingencySimilarity (category pairs) and CorrelationSimilarity (number
pairs) can, and so can the share of value pairs the seed never has. Column shapes use SDMetrics'
KSComplement / TVComplement so figures compare with other tools that report them."""

from __future__ import annotations

import itertools
import warnings

import pandas as pd

from syngen.evaluate.metrics import Metric, nan_metric
from syngen.seed.schema import Role, Schema

MAX_PAIR_CARDINALITY = 400  # category columns with more distinct values are not paired
MAX_PAIRS = 12


def _cats(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame) -> list[str]:
    """Columns whose values repeat in the seed: pairing two of them says something. A short-text
    column that is nearly unique per row (titles, names) has no pair structure to keep."""
    roles = (Role.LABEL, Role.CATEGORICAL, Role.SHORT_TEXT)
    return [
        c.name
        for c in schema.by_role(*roles)
        if c.name in synth.columns and 1 < seed[c.name].nunique() <= min(MAX_PAIR_CARDINALITY, max(2, len(seed) // 2))
    ]


def _nums(schema: Schema, synth: pd.DataFrame) -> list[str]:
    return [c.name for c in schema.by_role(Role.NUMERIC, Role.COUNT) if c.name in synth.columns]


def _as_numbers(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    return df[cols].apply(pd.to_numeric, errors="coerce")


def pair_metrics(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame) -> list[Metric]:
    if len(synth) < 2:
        return [nan_metric("pair trends", "", "max", "fewer than 2 synthetic rows")]
    from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity

    out = []
    cats = _cats(schema, seed, synth)
    for a, b in list(itertools.combinations(cats, 2))[:MAX_PAIRS]:
        real, fake = seed[[a, b]].astype(str), synth[[a, b]].astype(str)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = float(ContingencySimilarity.compute(real_data=real, synthetic_data=fake))
        seen = set(zip(real[a], real[b]))
        unseen = sum(p not in seen for p in zip(fake[a], fake[b])) / len(fake)
        out.append(
            Metric(
                "pair trend (SDMetrics ContingencySimilarity)",
                f"{a} × {b}",
                score,
                "max",
                score=score,
                detail="1 = the same joint shares as the seed",
            )
        )
        out.append(
            Metric(
                "value pairs never seen in the seed",
                f"{a} × {b}",
                unseen,
                "min",
                score=1 - unseen,
                detail=f"{round(unseen * len(fake))} of {len(fake)} rows pair values the seed never pairs",
            )
        )
    nums = _nums(schema, synth)
    for a, b in list(itertools.combinations(nums, 2))[:MAX_PAIRS]:
        real, fake = _as_numbers(seed, [a, b]).dropna(), _as_numbers(synth, [a, b]).dropna()
        if len(real) < 3 or real[a].std() == 0 or real[b].std() == 0:
            continue  # no trend in the seed to keep
        if len(fake) < 3 or not fake[a].std() > 0 or not fake[b].std() > 0:
            out.append(
                nan_metric(
                    "pair trend (SDMetrics CorrelationSimilarity)",
                    f"{a} × {b}",
                    "max",
                    "a synthetic column is constant (or has under 3 numbers): no correlation to compare",
                )
            )
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = float(CorrelationSimilarity.compute(real_data=real, synthetic_data=fake))
        out.append(
            Metric(
                "pair trend (SDMetrics CorrelationSimilarity)",
                f"{a} × {b}",
                score,
                "max",
                score=score,
                detail=f"seed r={real[a].corr(real[b]):.2f}, synthetic r={fake[a].corr(fake[b]):.2f}",
            )
        )
    return out


def shape_metrics(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame) -> list[Metric]:
    """SDMetrics' column shape score per column (KSComplement for numbers, TVComplement for categories)."""
    from sdmetrics.single_column import KSComplement, TVComplement

    out = []
    for spec in schema.columns:
        c = spec.name
        if c not in synth.columns or not synth[c].notna().any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if spec.role in (Role.NUMERIC, Role.COUNT):
                real, fake = (
                    pd.to_numeric(seed[c], errors="coerce").dropna(),
                    pd.to_numeric(synth[c], errors="coerce").dropna(),
                )
                if len(real) and len(fake):
                    v = float(KSComplement.compute(real_data=real, synthetic_data=fake))
                    out.append(Metric("column shape (SDMetrics KSComplement)", c, v, "max", score=v))
            elif spec.role in (Role.LABEL, Role.CATEGORICAL):
                v = float(TVComplement.compute(real_data=seed[c].astype(str), synthetic_data=synth[c].astype(str)))
                out.append(Metric("column shape (SDMetrics TVComplement)", c, v, "max", score=v))
    return out
