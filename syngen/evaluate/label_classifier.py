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


class LabelGate:
    """Rejects generated text that the seed's classifier assigns to another label with more
    confidence than it gives to all but 5% of real seed texts (out-of-fold). Inactive, with a
    note, when the seed has no label, no free text or too few rows per label to learn from."""

    def __init__(self, df, text_col: str | None, label: str | None, quantile: float = 0.95):
        self.text_col, self.label, self.note = text_col, label, ""
        self.clf, self.threshold = None, 1.0
        if not text_col or not label:
            self.note = "label gate off: the seed has no label or no free-text column"
            return
        pairs = [(str(t), str(y)) for t, y in zip(df[text_col], df[label]) if t and y is not None]
        if not pairs or not usable(*zip(*pairs)):
            self.note = "label gate off: needs 10+ seed texts and 2+ rows for each of 2+ labels"
            return
        self.clf = seed_text_classifier(*zip(*pairs))
        self.threshold = self.clf.gate_threshold(quantile)

    @property
    def active(self) -> bool:
        return self.clf is not None

    def check(self, row: dict) -> str | None:
        """A reject reason, or None when the text fits its label well enough."""
        if self.clf is None:
            return None
        text, lab = str(row.get(self.text_col) or ""), str(row.get(self.label))
        if not text.strip() or lab not in self.clf.classes:
            return None
        proba = self.clf.model.predict_proba([text])
        wrong = float(self.clf.wrong_label_confidence(proba, [lab])[0])
        if wrong <= self.threshold:
            return None
        other = self.clf.classes[int(proba[0].argmax())]
        return (
            f"text reads as {self.label}={other}, not {lab} (confidence {wrong:.2f} > {self.threshold:.2f}, "
            "which only 5% of real seed texts exceed)"
        )
