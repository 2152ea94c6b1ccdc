"""Did a targeted run hit its target? And what to compare its rows with.

* `reference_rows`: the seed rows a targeted run should look like (the scenario's rows, in the
  label mix the run asked for), so a run of rare-label rows is not judged against the whole
  seed's label mix.
* `target_metrics`: the share of rows meeting the target's conditions (goal: all of them), the
  share whose text reads as the target (a classifier of the seed's texts, in the target vs the
  rest, on sentence embeddings; its rate on the seed's own target rows is the goal), and for a
  rebalanced column its shares against the ones set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from syngen.common.text import count
from syngen.evaluate.metrics import Metric, nan_metric, tvd
from syngen.plan.target import Target
from syngen.seed.conditions import describe, meets
from syngen.seed.schema import Role, Schema

MIN_SIDE = 4  # seed rows needed on each side (in the target, outside it) to train the text check


def reference_rows(seed: pd.DataFrame, schema: Schema, target: Target | None, mix: dict | None) -> pd.DataFrame:
    """The seed rows a run's rows are compared with: the target's slice (when it has rows), each
    label cut down without replacement to the mix asked for (no duplicated rows)."""
    rows = seed
    if target is not None and target.scenario is not None and target.scenario.sum() >= MIN_SIDE:
        rows = seed[target.scenario]
    label = schema.label
    if not label or not mix:
        return rows
    want = {str(k): float(w) for k, w in mix.items() if w > 0}
    have = rows[label].astype(str).value_counts()
    if not all(have.get(k, 0) for k in want):
        return rows
    total = sum(want.values())
    scale = min(have[k] / (w / total) for k, w in want.items())  # rows the scarcest label allows
    parts = [rows[rows[label].astype(str) == k].head(max(1, int(round(scale * w / total)))) for k, w in want.items()]
    return pd.concat(parts)


def target_metrics(seed: pd.DataFrame, schema: Schema, synth: pd.DataFrame, target: Target) -> list[Metric]:
    out = []
    if target.conditions:
        ok = meets(synth, schema, target.conditions)
        out.append(
            Metric(
                "rows meeting the target",
                "",
                float(ok.mean()) if len(ok) else float("nan"),
                "1",
                score=float(ok.mean()) if len(ok) else float("nan"),
                detail=f"{int(ok.sum())} of {len(ok)} meet {describe(target.conditions)}",
            )
        )
    out += _text_agreement(seed, schema, synth, target)
    if target.balance:
        out.append(_shares_metric(synth, target))
    return out


def _in_target(seed: pd.DataFrame, schema: Schema, target: Target) -> np.ndarray | None:
    """The seed rows that are the target: the chosen rows and their neighbours, or the scenario."""
    if target.pooled is not None and len(target.pooled) == len(seed):
        return target.pooled
    if target.scenario is not None and not target.scenario.all():
        return target.scenario
    return None


def _text_agreement(seed: pd.DataFrame, schema: Schema, synth: pd.DataFrame, target: Target) -> list[Metric]:
    name = "text reads as the target"
    texts = schema.by_role(Role.TEXT)
    if not texts or texts[0].name not in synth.columns or synth.empty:
        return []
    inside = _in_target(seed, schema, target)
    if inside is None:
        return []
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    if n_in < MIN_SIDE or n_out < MIN_SIDE:
        why = f"{count(n_in, 'seed row')} in the target, {n_out} outside: too few to learn what it reads like"
        return [nan_metric(name, texts[0].name, "max", why)]
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from syngen.engine.sentence_encoder import embed

    col = texts[0].name
    x = embed(seed[col].fillna("").astype(str).tolist())
    y = inside.astype(int)
    model = LogisticRegression(max_iter=2000, class_weight="balanced")
    folds = StratifiedKFold(n_splits=min(5, n_in), shuffle=True, random_state=0)
    oof = cross_val_predict(model, x, y, cv=folds)
    own, other = float(oof[inside].mean()), float(oof[~inside].mean())
    model.fit(x, y)
    share = float(model.predict(embed(synth[col].fillna("").astype(str).tolist())).mean())
    return [
        Metric(
            name,
            col,
            share,
            "max",
            score=float(min(1.0, share / own)) if own > 0 else float("nan"),
            detail=f"a classifier of the seed's texts reads {share:.0%} of these as the target; held-out seed "
            f"texts: {own:.0%} of those in the target, {other:.0%} of the others",
        )
    ]


def _shares_metric(synth: pd.DataFrame, target: Target) -> Metric:
    col = target.balance
    weights: dict[str, float] = {}
    for w in target.shares.values():
        for v, x in w.items():
            weights[v] = max(weights.get(v, 0.0), x)
    total = sum(weights.values())
    expected = [v for v, x in weights.items() for _ in range(int(round(1000 * x / total)))]
    got = synth[col].dropna().astype(str).tolist() if col in synth.columns else []
    d = tvd(expected, got)
    return Metric(
        "shares as set (1 - TVD)",
        col,
        1 - d,
        "max",
        score=1 - d,
        detail=f"{count(len(set(got)), 'value')} in the rows; set: {count(len(weights), 'value')}",
    )


def slice_counts(seed: pd.DataFrame, synth: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows per value of a column: seed, synthetic, and both together (the per-slice table)."""
    s = seed[column].astype(str).value_counts().rename("seed")
    g = synth[column].astype(str).value_counts().rename("synthetic") if column in synth else pd.Series(dtype=int)
    t = pd.concat([s, g.rename("synthetic")], axis=1).fillna(0).astype(int)
    t["together"] = t["seed"] + t["synthetic"]
    t["seed share"] = (t["seed"] / max(1, t["seed"].sum())).round(3)
    t["together share"] = (t["together"] / max(1, t["together"].sum())).round(3)
    return t.sort_values("seed").rename_axis(column).reset_index()
