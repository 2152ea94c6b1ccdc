"""The seed's text-vs-label classifier, fitted once per seed and shared by the quality report
(does synthetic text read like its label?) and the generation gate (reject text that reads as
another label). Out-of-fold probabilities on the seed give both their yardstick."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from syngen.common.fitted_cache import digest, fitted

_CACHE: dict[int, "SeedTextClassifier"] = {}


@dataclass
class SeedTextClassifier:
    model: object  # fitted sklearn pipeline (TF-IDF word 1-2-grams + logistic regression)
    classes: list[str]
    oof_proba: np.ndarray  # out-of-fold class probabilities of every seed text
    labels: list[str]

    @property
    def ceiling(self) -> float:
        """The seed's own cross-validated agreement: the most a synthetic set can show."""
        pred = np.array(self.classes)[self.oof_proba.argmax(axis=1)]
        return float(np.mean(pred == np.array(self.labels)))

    def wrong_label_confidence(self, proba: np.ndarray, labels: list[str]) -> np.ndarray:
        """Per row, the highest probability given to a label other than the row's own."""
        own = np.array([[c == lab for c in self.classes] for lab in labels])
        return np.where(own, 0.0, proba).max(axis=1)

    def gate_threshold(self, quantile: float = 0.95) -> float:
        """The wrong-label confidence that only (1 - quantile) of real seed texts exceed."""
        w = self.wrong_label_confidence(self.oof_proba, self.labels)
        return float(max(0.5, np.quantile(w, quantile)))


def usable(texts: list[str], labels: list[str]) -> bool:
    counts = Counter(labels)
    return len(texts) >= 10 and len(counts) >= 2 and min(counts.values()) >= 2


def seed_text_classifier(texts: list[str], labels: list[str]) -> SeedTextClassifier:
    """Fit (or fetch) the classifier for these seed texts; callers check `usable` first."""
    texts, labels = [str(t) for t in texts], [str(x) for x in labels]
    key = hash((tuple(texts), tuple(labels)))
    if key not in _CACHE:  # the seed side is the same for every run of a session: fit it once
        if len(_CACHE) >= 8:
            _CACHE.clear()
        # and the same for every process on this seed: kept on disk too
        _CACHE[key] = fitted("text-classifier", digest(texts, labels), "scikit-learn", lambda: _fit(texts, labels))
    return _CACHE[key]


def _fit(texts: list[str], labels: list[str]) -> SeedTextClassifier:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=2000, C=4.0)
    )
    folds = max(2, min(3, min(Counter(labels).values())))
    oof = cross_val_predict(model, texts, labels, cv=folds, method="predict_proba")
    model.fit(texts, labels)
    return SeedTextClassifier(model, [str(c) for c in model.classes_], oof, labels)


@dataclass
class LabelConfidence:
    """How much a text reads like its label, from sentence embeddings (all-MiniLM-L6-v2): an
    ensemble of class-balanced logistic regressions, each fitted on a bootstrap of the seed, gives
    every text a confidence (mean probability of its own label) and a variability (the spread of
    that probability across the ensemble): the learning-dynamics signals CLLM curates by (Seedat
    et al., 2024), from an ensemble instead of training checkpoints. Each label's floor is the
    confidence that only `share` of its real seed texts fall below (out-of-fold): a rare label
    the classifier learns poorly gets a low floor, not a wall."""

    models: list
    classes: list[str]
    floors: dict[str, float]

    def confidence(self, vectors: np.ndarray, labels: list[str]) -> tuple[np.ndarray, np.ndarray]:
        idx = np.array([self.classes.index(lab) if lab in self.classes else -1 for lab in labels])
        own = np.stack([m.predict_proba(vectors)[np.arange(len(idx)), np.maximum(idx, 0)] for m in self.models])
        own[:, idx < 0] = np.nan
        return own.mean(axis=0), own.std(axis=0)


ENSEMBLE = 5


def label_confidence(texts: list[str], labels: list[str], share: float = 0.1) -> LabelConfidence:
    """Fit (or fetch from the disk cache) the embedding ensemble for these seed texts."""
    texts, labels = [str(t) for t in texts], [str(x) for x in labels]
    key = digest("embeddings", ENSEMBLE, share, texts, labels)
    return fitted("label-confidence", key, "scikit-learn", lambda: _fit_confidence(texts, labels, share))


def _fit_confidence(texts: list[str], labels: list[str], share: float) -> LabelConfidence:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    from syngen.engine.sentence_encoder import embed

    x, y = embed(texts), np.array(labels)

    def model():
        return LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced")

    folds = max(2, min(5, min(Counter(labels).values())))
    oof = cross_val_predict(model(), x, y, cv=folds, method="predict_proba")
    classes = sorted(set(labels))
    own = oof[np.arange(len(y)), [classes.index(v) for v in y]]
    floors = {c: float(np.quantile(own[y == c], share)) for c in classes}
    rng = np.random.default_rng(0)
    models = []
    for _ in range(ENSEMBLE):
        while True:  # a bootstrap that keeps every label
            pick = rng.integers(0, len(y), len(y))
            if len(set(y[pick])) == len(classes):
                break
        models.append(model().fit(x[pick], y[pick]))
    return LabelConfidence(models, classes, floors)


def rows_confidence(seed_df, rows, text: str, label: str) -> tuple[np.ndarray, np.ndarray]:
    """Each row's confidence for its own label and its spread across the ensemble fitted on the
    seed (LabelConfidence); a label the seed lacks scores -1."""
    from syngen.engine.sentence_encoder import embed

    ens = label_confidence(seed_df[text].astype(str).tolist(), seed_df[label].astype(str).tolist())
    conf, spread = ens.confidence(embed(rows[text].astype(str).tolist()), rows[label].astype(str).tolist())
    return np.nan_to_num(conf, nan=-1.0), np.nan_to_num(spread)


class LabelGate:
    """Rejects generated text that reads as another label. With `features="tfidf"`: text the
    seed's TF-IDF classifier assigns to another label with more confidence than it gives to all
    but 5% of real seed texts (out-of-fold). With "embeddings": text whose confidence for its own
    label (LabelConfidence) is below what 90% of that label's real texts reach. Inactive, with a
    note, when the seed has no label, no free text or too few rows per label to learn from."""

    def __init__(self, df, text_col: str | None, label: str | None, quantile: float = 0.95, features="tfidf"):
        self.text_col, self.label, self.note, self.features = text_col, label, "", features
        self.clf, self.threshold, self.ensemble = None, 1.0, None
        if not text_col or not label:
            self.note = "label gate off: the seed has no label or no free-text column"
            return
        pairs = [(str(t), str(y)) for t, y in zip(df[text_col], df[label]) if t and y is not None]
        if not pairs or not usable(*zip(*pairs)):
            self.note = "label gate off: needs 10+ seed texts and 2+ rows for each of 2+ labels"
            return
        if features == "embeddings":
            self.ensemble = label_confidence(*zip(*pairs), share=1 - quantile)
            return
        self.clf = seed_text_classifier(*zip(*pairs))
        self.threshold = self.clf.gate_threshold(quantile)

    @property
    def active(self) -> bool:
        return self.clf is not None or self.ensemble is not None

    def check(self, row: dict) -> str | None:
        """A reject reason, or None when the text fits its label well enough."""
        judge = self.ensemble or self.clf
        if judge is None:
            return None
        text, lab = str(row.get(self.text_col) or ""), str(row.get(self.label))
        if not text.strip() or lab not in judge.classes:
            return None
        if self.ensemble is not None:
            from syngen.engine.sentence_encoder import embed

            conf = float(self.ensemble.confidence(embed([text]), [lab])[0][0])
            floor = self.ensemble.floors[lab]
            if conf >= floor:
                return None
            return (
                f"text reads too little like {self.label}={lab} (confidence {conf:.2f} < {floor:.2f}, "
                "which 90% of its real seed texts reach)"
            )
        proba = self.clf.model.predict_proba([text])
        wrong = float(self.clf.wrong_label_confidence(proba, [lab])[0])
        if wrong <= self.threshold:
            return None
        other = self.clf.classes[int(proba[0].argmax())]
        return (
            f"text reads as {self.label}={other}, not {lab} (confidence {wrong:.2f} > {self.threshold:.2f}, "
            "which only 5% of real seed texts exceed)"
        )
