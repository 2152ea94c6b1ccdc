"""Membership inference: with real rows the generator never saw (held out), do the synthetic
rows sit closer to the rows it did see? Two measures over text embeddings and the structured
columns together:

- the share of synthetic rows closer to a training row than to a held-out row, with as many
  training rows as held-out ones (50% = no sign of memorising; MOSTLY AI's QA reports this);
- a distance attacker's ROC AUC at telling training rows from held-out rows by how close the
  nearest synthetic row is (0.5 = it cannot; NeMo Safe Synthesizer runs such attacks).

A row's vector: its text's sentence embedding (unit length) next to its structured columns
(numbers scaled to the training rows' range, categories one-hot), each part weighted equally.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from syngen.evaluate.metrics import Metric, nan_metric
from syngen.seed.schema import NOT_CONTENT, Role, Schema

DRAWS = 5
CLOSER = "synthetic rows closer to training than to held-out rows (text and columns)"
ATTACK = "membership attack AUC (nearest synthetic row, text and columns)"


def _vectors(schema: Schema, frames: list[pd.DataFrame]) -> list[np.ndarray]:
    from syngen.engine.sentence_encoder import embed

    parts: list[list[np.ndarray]] = [[] for _ in frames]
    texts = [c.name for c in schema.by_role(Role.TEXT) if all(c.name in f.columns for f in frames)]
    if texts:
        for k, f in enumerate(frames):
            joined = [" ".join(str(r.get(c) or "") for c in texts) for r in f.to_dict("records")]
            parts[k].append(np.asarray(embed(joined), dtype=np.float32))
    cols = [
        c
        for c in schema.columns
        if c.role not in NOT_CONTENT and c.role not in (Role.TEXT,) and all(c.name in f.columns for f in frames)
    ]
    blocks: list[list[np.ndarray]] = [[] for _ in frames]
    for c in cols:
        if c.role in (Role.NUMERIC, Role.COUNT):
            nums = [pd.to_numeric(f[c.name], errors="coerce").to_numpy(dtype=float) for f in frames]
            lo, hi = np.nanmin(nums[0]) if len(nums[0]) else 0.0, np.nanmax(nums[0]) if len(nums[0]) else 1.0
            span = (hi - lo) or 1.0
            for k, x in enumerate(nums):
                blocks[k].append(np.nan_to_num((x - lo) / span, nan=-1.0)[:, None])
        elif c.role in (Role.LABEL, Role.CATEGORICAL, Role.SHORT_TEXT):
            values = sorted(set(frames[0][c.name].dropna().astype(str)))[:50]
            for k, f in enumerate(frames):
                v = f[c.name].astype(str).to_numpy()
                blocks[k].append(
                    np.stack([(v == x).astype(float) for x in values], axis=1) if values else np.zeros((len(f), 0))
                )
    for k in range(len(frames)):
        if blocks[k]:
            s = np.concatenate(blocks[k], axis=1)
            parts[k].append(s / max(1.0, np.sqrt(len(cols))))  # about as long as a unit text vector
    return [np.concatenate(p, axis=1) if p else np.zeros((len(frames[k]), 0)) for k, p in enumerate(parts)]


def _nearest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each row of a, the distance to its nearest row of b (in chunks: memory stays small)."""
    from sklearn.metrics import pairwise_distances_argmin_min

    return pairwise_distances_argmin_min(a, b)[1]


def membership(schema: Schema, train: pd.DataFrame, held: pd.DataFrame, synth: pd.DataFrame, seed: int = 0):
    """[share closer to training, attacker AUC] as Metrics (NaN with a reason when too few rows)."""
    from sklearn.metrics import roc_auc_score

    if len(held) < 5 or len(synth) < 2 or len(train) < 5:
        why = "needs 5+ held-out real rows the generator never saw, 5+ training rows and 2+ synthetic rows"
        return [nan_metric(CLOSER, "", "0.5", why), nan_metric(ATTACK, "", "0.5", why)]
    tr, he, sy = _vectors(schema, [train, held, synth])
    if tr.shape[1] == 0:
        why = "no text or structured columns to measure distances on"
        return [nan_metric(CLOSER, "", "0.5", why), nan_metric(ATTACK, "", "0.5", why)]
    rng = np.random.default_rng(seed)
    closer, aucs = [], []
    for _ in range(DRAWS):  # as many training rows as held-out ones: a larger set is closer by size alone
        part = tr[rng.choice(len(tr), size=min(len(he), len(tr)), replace=False)]
        d_train, d_held = _nearest(sy, part), _nearest(sy, he)
        closer.append(float(np.mean(d_train < d_held) + 0.5 * np.mean(d_train == d_held)))
        scores = -np.r_[_nearest(part, sy), _nearest(he, sy)]  # closer to a synthetic row: "a member"
        aucs.append(float(roc_auc_score(np.r_[np.ones(len(part)), np.zeros(len(he))], scores)))
    share, auc = float(np.mean(closer)), float(np.mean(aucs))
    return [
        _half_way(
            CLOSER,
            share,
            f"{share:.0%} of synthetic rows (± {np.std(closer):.0%} over {DRAWS} draws of {len(he)} training "
            f"rows); 50% = no sign of memorising, within 45-55% reads as none",
        ),
        _half_way(
            ATTACK,
            auc,
            f"an attacker tells training from held-out rows at AUC {auc:.2f} (± {np.std(aucs):.2f}); 0.5 = "
            "cannot, 0.55 or less reads as no real advantage",
        ),
    ]


def _half_way(name: str, value: float, detail: str) -> Metric:
    """A measure whose goal is 0.5 (chance): scored 1 there, 0 at 1.0."""
    return Metric(name, "", value, "0.5", score=max(0.0, 1 - 2 * max(0.0, value - 0.5) / 0.5), detail=detail)
