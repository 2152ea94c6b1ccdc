"""Augmentation lift: do the synthetic rows make a classifier better on real rows than what an
analyst tries first?

The same classifier (syngen.evaluate.utility.make_model) is trained five ways and tested on
held-out real rows: the real rows alone; with class weights; plus random oversampling (real rows
of each label drawn again, as many as the synthetic rows bring, label by label); plus the
synthetic rows; and the synthetic rows alone. At several real-set sizes (every row, then at most
100/50/25 per label), with text as TF-IDF and as sentence embeddings. Each repeat draws a new
real subset, a new oversampling and a bootstrap of the held-out rows, the same for every setting,
so settings are compared pair by pair: the verdict is the mean paired difference and its sd.
Without a held-out file, each repeat holds out a stratified 30% of the real rows instead.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from syngen.common.errors import ConfigError
from syngen.evaluate.utility import make_model
from syngen.seed.schema import NOT_CONTENT, Role, Schema

SIZES = (None, 100, 50, 25)  # None: every real row; else at most this many rows per label
FEATURES = ("tfidf", "embeddings")
REAL, WEIGHTS, OVERSAMPLED, AUGMENTED, AUGMENTED_WEIGHTS, SYNTHETIC = (
    "real only",
    "real, class weights",
    "real + random oversampling",
    "real + synthetic",
    "real + synthetic, class weights",
    "synthetic only",
)
SETTINGS = (REAL, WEIGHTS, OVERSAMPLED, AUGMENTED, AUGMENTED_WEIGHTS, SYNTHETIC)
BASELINES = (WEIGHTS, OVERSAMPLED)  # what a careful analyst tries first
# each synthetic setting against the baseline that balances the labels the same way
PAIRS = ((AUGMENTED, OVERSAMPLED), (AUGMENTED_WEIGHTS, WEIGHTS), (AUGMENTED, REAL))
METRICS = ("accuracy", "macro_f1", "minority_f1")
FEATURE_NAMES = {"tfidf": "TF-IDF", "embeddings": "sentence embeddings"}


@dataclass
class Lift:
    table: pd.DataFrame  # features, size, setting, train_rows, <metric>, <metric>_sd
    verdicts: pd.DataFrame  # features, size, baseline, metric, gain, gain_sd, verdict
    minority: str  # the real rows' rarest label
    repeats: int
    notes: list[str] = field(default_factory=list)

    def sentence(self, features: str | None = None, size: str = "all") -> str:
        """The headline in plain words (the summary quotes it)."""
        feat = features or self.table["features"].iloc[0]
        return f"{verdict_sentence(self.headline(feat, size), self.minority)} ({FEATURE_NAMES[feat]} classifier)"

    def headline(self, features: str | None = None, size: str = "all") -> dict:
        """The better synthetic setting (with or without class weights) against the stronger
        baseline (class weights or random oversampling), by the rarest label's F1, on every real
        row (the first features computed unless named)."""
        v = self.verdicts
        v = v[(v["features"] == (features or v["features"].iloc[0])) & (v["size"] == size) & v["headline"]]
        return v[v["metric"] == "minority_f1"].iloc[0].to_dict()


def parse_sizes(text: str) -> tuple[int | None, ...]:
    """'all,100,50' -> (None, 100, 50)."""
    out = []
    for part in (p.strip() for p in str(text).split(",")):
        if part == "all":
            out.append(None)
        elif part.isdigit() and int(part) >= 2:
            out.append(int(part))
        elif part:
            raise ConfigError(f"--sizes takes 'all' and whole numbers of 2 or more rows per label (got {part!r})")
    if not out:
        raise ConfigError("--sizes is empty: give e.g. all,100,50,25")
    return tuple(dict.fromkeys(out))


def size_name(size: int | None) -> str:
    return "all" if size is None else f"{size} per label"


def label_leaks(df: pd.DataFrame, schema: Schema, label: str) -> list[str]:
    """Structured columns whose value alone gives the label (each value seen twice or more has one
    label, e.g. a star rating behind a positive/negative flag): a classifier fed them learns that
    rule, not the text, and every setting scores the same. They are left out, with a note."""
    leaks = []
    y = df[label].astype(str)
    for c in schema.columns:
        if c.name == label or c.role in NOT_CONTENT or c.role in (Role.TEXT, Role.SHORT_TEXT):
            continue
        x = df[c.name].astype(str)
        counts = x.value_counts()
        seen = counts[counts >= 2].index
        if len(seen) < 2 or counts[seen].sum() < 0.9 * len(df):
            continue
        per_value = y[x.isin(seen)].groupby(x[x.isin(seen)]).nunique()
        if (per_value == 1).all() and y[x.isin(seen)].nunique() > 1:
            leaks.append(c.name)
    return leaks


def _subset(real: pd.DataFrame, label: str, size: int | None, rng: random.Random) -> pd.DataFrame:
    if size is None:
        return real
    parts = [g.sample(min(size, len(g)), random_state=rng.randrange(10**6)) for _, g in real.groupby(label, sort=True)]
    return pd.concat(parts)


def _oversample(real: pd.DataFrame, synthetic: pd.DataFrame, label: str, rng: random.Random) -> pd.DataFrame:
    """As many real rows, drawn again with replacement, as the synthetic rows bring per label
    (labels the real subset lacks draw nothing)."""
    parts = []
    for lab, n in synthetic[label].astype(str).value_counts().items():
        pool = real[real[label].astype(str) == lab]
        if len(pool):
            parts.append(pool.sample(int(n), replace=True, random_state=rng.randrange(10**6)))
    return pd.concat(parts) if parts else real.iloc[:0]


def _score(train, test, schema, label, minority, features, exclude, weighted, random_seed) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    y = train[label].astype(str)
    truth = test[label].astype(str)
    if y.nunique() < 2:  # one label only: the classifier predicts it everywhere
        pred = np.full(len(test), y.iloc[0] if len(y) else "")
    else:
        model = make_model(schema, label, random_seed, features=features, exclude=exclude, weighted=weighted)
        pred = model.fit(train, y).predict(test)
    return {
        "accuracy": accuracy_score(truth, pred),
        "macro_f1": f1_score(truth, pred, average="macro", zero_division=0),
        "minority_f1": f1_score(truth, pred, labels=[minority], average="macro", zero_division=0),
    }


def augmentation_lift(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    real_test: pd.DataFrame | None = None,
    label: str | None = None,
    sizes=SIZES,
    features=FEATURES,
    repeats: int = 3,
    random_seed: int = 0,
    on_step=None,
) -> Lift:
    """The lift table and its verdicts (see the module docstring)."""
    from sklearn.model_selection import train_test_split

    label = label or schema.label
    if not label:
        raise ConfigError("the lift needs a label column: name it with --label COLUMN")
    for name, df in (("real", real), ("synthetic", synthetic), ("held-out real", real_test)):
        if df is not None and (label not in df.columns or df[label].isna().all()):
            raise ConfigError(f"the {name} table has no '{label}' values to learn or test on")
    if repeats < 1:
        raise ConfigError("--repeats must be at least 1")
    real = real[real[label].notna()]
    synthetic = synthetic[synthetic[label].notna()]
    counts = real[label].astype(str).value_counts()
    if len(counts) < 2 or counts.min() < 2:
        raise ConfigError(f"the lift needs 2+ labels with 2+ real rows each; the real rows have {counts.to_dict()}")
    minority = str(counts.idxmin())
    exclude = label_leaks(real, schema, label)
    notes = [
        f"'{c}' gives the label away on its own (each value has one {label}): left out of the classifier"
        for c in exclude
    ]
    if real_test is None:
        notes.append(
            "no held-out file: each repeat holds out 30% of the real rows; the synthetic rows were "
            "written from all of them, so these figures favour the synthetic rows"
        )
    else:
        real_test = real_test[real_test[label].astype(str).isin(set(counts.index))]
        if real_test.empty:
            raise ConfigError(f"the held-out rows have none of the real rows' {label} values")
    if any(s is not None for s in sizes):
        notes.append(
            "smaller real sets keep every synthetic row, written from all the real rows: a fair test "
            "of a small seed generates from that small seed (bench/utility.py does)"
        )
    rows, diffs = [], []
    for feat in features:
        for size in sizes:
            scores: dict[str, list[dict]] = {s: [] for s in SETTINGS}
            used: dict[str, int] = {}
            for r in range(repeats):
                rng = random.Random(random_seed * 7919 + r)
                if real_test is None:
                    pool, test = train_test_split(
                        real, test_size=0.3, stratify=real[label].astype(str), random_state=rng.randrange(10**6)
                    )
                else:
                    pool, test = real, real_test.sample(len(real_test), replace=True, random_state=r)
                sub = _subset(pool, label, size, rng)
                sets = {
                    REAL: (sub, False),
                    WEIGHTS: (sub, True),
                    OVERSAMPLED: (pd.concat([sub, _oversample(sub, synthetic, label, rng)]), False),
                    AUGMENTED: (pd.concat([sub, synthetic]), False),
                    AUGMENTED_WEIGHTS: (pd.concat([sub, synthetic]), True),
                    SYNTHETIC: (synthetic, False),
                }
                for name, (train, weighted) in sets.items():
                    used[name] = len(train)
                    scores[name].append(
                        _score(train, test, schema, label, minority, feat, exclude, weighted, random_seed + r)
                    )
            if on_step:
                on_step(f"{FEATURE_NAMES[feat]}, {size_name(size)}")
            for name, got in scores.items():
                row = {"features": feat, "size": size_name(size), "setting": name, "train_rows": used[name]}
                for m in METRICS:
                    vals = [g[m] for g in got]
                    row[m], row[f"{m}_sd"] = float(np.mean(vals)), float(np.std(vals))
                rows.append(row)
            best = max(BASELINES, key=lambda b: np.mean([g["minority_f1"] for g in scores[b]]))
            best_syn = max((AUGMENTED, AUGMENTED_WEIGHTS), key=lambda b: np.mean([g["minority_f1"] for g in scores[b]]))
            for syn, base in dict.fromkeys(((best_syn, best), *PAIRS)):
                for m in METRICS:
                    d = [a[m] - b[m] for a, b in zip(scores[syn], scores[base])]
                    gain, sd = float(np.mean(d)), float(np.std(d))
                    diffs.append(
                        {
                            "features": feat,
                            "size": size_name(size),
                            "headline": (syn, base) == (best_syn, best),
                            "setting": syn,
                            "baseline": base,
                            "baseline_score": float(np.mean([b[m] for b in scores[base]])),
                            "metric": m,
                            "gain": gain,
                            "gain_sd": sd,
                            "finding": finding(gain, sd, repeats),
                            "verdict": verdict(gain, sd, syn, base, m, repeats),
                        }
                    )
    return Lift(pd.DataFrame(rows), pd.DataFrame(diffs), minority, repeats, notes)


METRIC_NAMES = {"accuracy": "accuracy", "macro_f1": "macro-F1", "minority_f1": "F1 of the rarest label"}


def beyond_spread(gain: float, sd: float) -> int:
    """+1 or -1 when a difference is larger than its spread as both are shown (three decimals),
    else 0: -0.003 ± 0.003 is no difference, whatever the fourth decimal says. The one rule for
    every verdict, table and arrow."""
    g, s = round(gain, 3), round(sd, 3)
    return 1 if g > s else -1 if -g > s else 0


def finding(gain: float, sd: float, repeats: int) -> str:
    """The verdict in two or three words."""
    if repeats < 2:
        return "no spread"
    return {1: "helps", -1: "does worse", 0: "no clear difference"}[beyond_spread(gain, sd)]


def verdict(gain: float, sd: float, setting: str, baseline: str, metric: str, repeats: int) -> str:
    """Plain words: the gain of a setting over a baseline, its spread, and whether it is more."""
    what = f"{setting} vs {baseline}: {gain:+.3f} {METRIC_NAMES[metric]} (± {sd:.3f} over {repeats} repeats)"
    if repeats < 2:
        return f"{what}; one repeat: no spread, no verdict"
    side = beyond_spread(gain, sd)
    if side > 0:
        return f"{what}: the synthetic rows help, by more than the spread"
    if side < 0:
        return f"{what}: the synthetic rows do worse, by more than the spread"
    return f"{what}: no clear difference (within the spread)"


# The usual fixes for a rare label, as a reader knows them
BASELINE_WORDS = {
    "real, class weights": "giving the real rare rows more weight (class weights)",
    "real + random oversampling": "repeating the real rare rows (random oversampling)",
    "real only": "the real rows alone",
}


def verdict_sentence(head: dict, minority: str) -> str:
    """A headline (`Lift.headline`) in words a reader can act on; the figures follow in brackets."""
    g, sd = head["gain"], head["gain_sd"]
    fix = BASELINE_WORDS.get(head["baseline"], head["baseline"])
    find = f"find '{minority}' rows"
    side = beyond_spread(g, sd)
    if side == 0 and round(sd, 3) == 0 and round(head["baseline_score"], 3) == 0:
        return (
            f"No clear difference: the classifier never finds a '{minority}' row, with these rows or with "
            f"{fix} (F1 0 in every repeat); the real rows are too few to learn it from."
        )
    if side > 0:
        return (
            f"Adding these rows helped a classifier {find}: better than {fix}, the best usual fix "
            f"(F1 {g:+.3f}, beyond the spread of ± {sd:.3f})."
        )
    if side < 0:
        return (
            f"Adding these rows did not help a classifier {find}; {fix} did better "
            f"(F1 {-g:.3f} higher, beyond the spread of ± {sd:.3f})."
        )
    return (
        f"No clear difference: adding these rows and {fix} help a classifier {find} about equally "
        f"(F1 {g:+.3f}, within the spread of ± {sd:.3f})."
    )


def auc_words(auc: float) -> str:
    """What a real-vs-synthetic classifier's ROC AUC means, in words."""
    if auc < 0.6:
        return f"AUC {auc:.2f}: a classifier can hardly tell the synthetic rows from real ones (0.5 = not at all)."
    if auc < 0.75:
        return f"AUC {auc:.2f}: a classifier tells some synthetic rows from real ones (0.5 = none, 1 = all)."
    if auc < 0.9:
        return f"AUC {auc:.2f}: a classifier tells most synthetic rows from real ones (0.5 = none, 1 = all)."
    return f"AUC {auc:.2f}: a classifier tells nearly every synthetic row from real ones (0.5 = none, 1 = all)."
