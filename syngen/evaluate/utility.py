"""Can I train on this? Train-on-synthetic / test-on-real, mixes, and a real-vs-synthetic
discriminator (scikit-learn, fast on 2 cores).

The same classifier is trained on real rows only (TRTR), synthetic rows only (TSTR), mixes of
both at equal size, and real plus synthetic (augmentation), always tested on held-out real
rows. Text columns become TF-IDF word 1-2-grams; other columns one-hot or scaled numbers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

from syngen.common.errors import ConfigError
from syngen.seed.schema import NOT_CONTENT, Role, Schema

MIXES = (0.25, 0.5, 0.75)


def joined_text(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    """The text columns of each row joined by spaces (missing values as empty)."""
    return df[cols].astype(object).where(df[cols].notna(), "").astype(str).agg(" ".join, axis=1)


def _text_part(text: list[str], features: str):
    """Text columns as TF-IDF word 1-2-grams, or as sentence embeddings (all-MiniLM-L6-v2)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    if features == "embeddings":
        from syngen.engine.sentence_encoder import embed

        return FunctionTransformer(
            lambda d: embed(joined_text(d, text)), feature_names_out=lambda t, f: [f"embedding {i}" for i in range(384)]
        )
    if features != "tfidf":
        raise ConfigError(f"unknown text features '{features}'; use tfidf or embeddings")
    return make_pipeline(
        FunctionTransformer(lambda d: joined_text(d, text), feature_names_out=lambda t, f: ["text"]),
        TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, max_features=50_000),
    )


def make_model(
    schema: Schema, label: str | None, random_seed: int = 0, features: str = "tfidf", exclude=(), weighted=False
):
    """A pipeline over the schema's columns (but `exclude`): TF-IDF or sentence embeddings for
    text, one-hot for categories, scaled numbers; logistic regression on top (`weighted`: class
    weights inversely proportional to the label counts)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    skip = {label, *exclude}
    text = [c.name for c in schema.by_role(Role.TEXT, Role.SHORT_TEXT) if c.name not in skip]
    cats = [c.name for c in schema.by_role(Role.CATEGORICAL, Role.LABEL) if c.name not in skip]
    nums = [c.name for c in schema.by_role(Role.NUMERIC, Role.COUNT) if c.name not in skip]
    parts = []
    if text:
        parts.append(("text", _text_part(text, features), text))
    if cats:
        parts.append(
            (
                "cat",
                make_pipeline(
                    FunctionTransformer(lambda d: d.astype(str), feature_names_out="one-to-one"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                cats,
            )
        )
    if nums:
        parts.append(
            (
                "num",
                make_pipeline(
                    FunctionTransformer(
                        lambda d: schema.plain_numbers(d).apply(pd.to_numeric, errors="coerce").fillna(0.0),
                        feature_names_out="one-to-one",
                    ),
                    StandardScaler(),
                ),
                nums,
            )
        )
    if not parts:
        raise ConfigError("no usable feature columns besides the label; set roles with --role")
    lr = LogisticRegression(
        max_iter=2000, C=4.0, random_state=random_seed, class_weight="balanced" if weighted else None
    )
    return make_pipeline(ColumnTransformer(parts), lr)


def _fit_score(
    train: pd.DataFrame, test: pd.DataFrame, schema: Schema, label: str, random_seed: int
) -> tuple[float, float]:
    from sklearn.metrics import accuracy_score, f1_score

    y = train[label].astype(str)
    if y.nunique() < 2:
        # One class only: the classifier predicts it everywhere (what a real model would learn).
        pred = np.full(len(test), y.iloc[0] if len(y) else "")
    else:
        model = make_model(schema, label, random_seed).fit(train, y)
        pred = model.predict(test)
    truth = test[label].astype(str)
    return accuracy_score(truth, pred), f1_score(truth, pred, average="macro", zero_division=0)


def utility(
    real_train: pd.DataFrame,
    synthetic: pd.DataFrame,
    real_test: pd.DataFrame,
    schema: Schema,
    label: str | None = None,
    mixes=MIXES,
    repeats: int = 3,
    random_seed: int = 0,
) -> pd.DataFrame:
    """Accuracy and macro-F1 (mean and sd over `repeats`) for TRTR, TSTR, mixes and augmentation.
    Training sets of the mixes have the same size n = min(real, synthetic) rows."""
    label = label or schema.label
    if not label:
        raise ConfigError("utility needs a label column: name it with --label COLUMN")
    for name, df in (("real train", real_train), ("synthetic", synthetic), ("real test", real_test)):
        if label not in df.columns or df[label].isna().all():
            raise ConfigError(f"the {name} table has no '{label}' values to learn or test on")
    n = min(len(real_train), len(synthetic))
    if n < 2:
        raise ConfigError(f"utility needs at least 2 rows in each training table (got {n})")
    settings = (
        [("TRTR (real only)", 0.0)]
        + [(f"mix {int(m * 100)}% synthetic", m) for m in mixes]
        + [("TSTR (synthetic only)", 1.0), ("real + synthetic", None)]
    )
    rows = []
    for name, share in settings:
        accs, f1s = [], []
        k = None if share is None else round(share * n)
        # When a setting takes every row of each table it draws from, all repeats train on the
        # same rows (lbfgs is deterministic): fit once and repeat the figure.
        whole = share is None or (k in (0, len(synthetic)) and n - k in (0, len(real_train)))
        for r in range(1 if whole else repeats):
            rng = random.Random(random_seed * 1000 + r)
            if share is None:
                train = pd.concat([real_train, synthetic], ignore_index=True)
            else:
                parts = []
                if n - k:
                    parts.append(real_train.sample(n - k, random_state=rng.randrange(10**6)))
                if k:
                    parts.append(synthetic.sample(k, random_state=rng.randrange(10**6)))
                train = pd.concat(parts, ignore_index=True)
            a, f = _fit_score(train, real_test, schema, label, random_seed + r)
            accs.append(a)
            f1s.append(f)
        if whole:
            accs, f1s = accs * repeats, f1s * repeats
        rows.append(
            {
                "setting": name,
                "synthetic_share": share,
                "train_rows": len(train),
                "accuracy": float(np.mean(accs)),
                "accuracy_sd": float(np.std(accs)),
                "macro_f1": float(np.mean(f1s)),
                "macro_f1_sd": float(np.std(f1s)),
            }
        )
    table = pd.DataFrame(rows)
    trtr = table.iloc[0]
    table["accuracy_vs_trtr"] = table["accuracy"] / trtr["accuracy"] if trtr["accuracy"] else math.nan
    table["majority_baseline"] = real_test[label].astype(str).value_counts(normalize=True).iloc[0]
    return table


@dataclass
class Discrimination:
    auc: float  # ROC AUC of real-vs-synthetic (0.5 = indistinguishable)
    detection_score: float  # SDMetrics convention: 1 - (max(AUC, 0.5) * 2 - 1); 1 = undetectable
    proba: np.ndarray  # out-of-fold P(synthetic) per synthetic row
    detectable: pd.DataFrame  # the synthetic rows that give themselves away most
    giveaways: list  # features pushing towards "synthetic", strongest first


def discriminate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    folds: int = 5,
    random_seed: int = 0,
    top: int = 10,
    features: str = "tfidf",
) -> Discrimination:
    """Cross-validated real-vs-synthetic classifier on the content columns (IDs left out), its
    text as TF-IDF or as sentence embeddings."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    cols = [c.name for c in schema.columns if c.role not in NOT_CONTENT and c.name in synthetic.columns]
    real = match_labels(real, synthetic, schema.label)
    if len(real) < 2 or len(synthetic) < 2:
        raise ConfigError("the discriminator needs at least 2 real and 2 synthetic rows")
    data = pd.concat([real[cols], synthetic[cols]], ignore_index=True)
    y = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    folds = max(2, min(folds, len(real), len(synthetic)))
    model = _with_lengths(make_model(schema, None, random_seed, features=features), schema)
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_seed)
    proba = cross_val_predict(model, data, y, cv=cv, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(y, proba))
    syn_p = proba[len(real) :]
    order = np.argsort(-syn_p)[:top]
    detectable = synthetic.iloc[order][cols].assign(p_synthetic=syn_p[order].round(3))
    model.fit(data, y)
    giveaways = [g for g in _giveaways(model, top + 384) if not g[0].startswith("embedding ")][:top]
    return Discrimination(auc, 1 - (max(auc, 0.5) * 2 - 1), syn_p, detectable, giveaways)


def match_labels(real: pd.DataFrame, synthetic: pd.DataFrame, label: str | None) -> pd.DataFrame:
    """Real rows in the synthetic rows' label mix (as many as the real rows allow). A run asked
    for one rare label, say, is compared with real rows of that label: the mix it was asked for
    is a choice, not something that gives the rows away."""
    if not label or label not in real.columns or label not in synthetic.columns:
        return real
    want = synthetic[label].astype(str).value_counts(normalize=True)
    have = real[label].astype(str).value_counts()
    if want.index.difference(have.index).size or (
        want.sub(have / have.sum(), fill_value=0).abs().max() < 0.05
    ):  # a label real rows lack, or mixes already alike: compare as they are
        return real
    scale = min(have[lab] / p for lab, p in want.items())
    parts = [
        real[real[label].astype(str) == lab].sample(max(1, int(scale * p)), random_state=0) for lab, p in want.items()
    ]
    return pd.concat(parts)


def _with_lengths(pipeline, schema: Schema):
    """Add word and character counts of the text: length alone often gives synthetic text away."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    text = [c.name for c in schema.by_role(Role.TEXT)]
    if not text:
        return pipeline
    ct = pipeline.steps[0][1]

    def lengths(d):
        t = joined_text(d, text)
        return np.c_[t.str.split().str.len().fillna(0), t.str.len().fillna(0)]

    ct.transformers.append(
        (
            "length",
            make_pipeline(
                FunctionTransformer(
                    lengths, feature_names_out=lambda t, f: ["text length in words", "text length in characters"]
                ),
                StandardScaler(),
            ),
            text,
        )
    )
    return pipeline


def _giveaways(model, top: int) -> list[tuple[str, float]]:
    try:
        names = model.steps[0][1].get_feature_names_out()
        coef = model.steps[-1][1].coef_[0]
    except (AttributeError, ValueError):
        return []
    order = np.argsort(-coef)[:top]
    return [(str(names[i]).split("__", 1)[-1], round(float(coef[i]), 3)) for i in order]
