"""Exact and near-copy detection with word 3-gram shingles and an inverted index.

Jaccard similarity of shingle sets is what MinHash estimates; for seeds of thousands of rows
the exact computation through an inverted index is fast enough and has no estimation noise.
"""

from __future__ import annotations

from collections import Counter

from syngen.common.text import shingles, word_count, words

__all__ = ["CopyIndex", "normalise", "repetition_ratio", "row_key", "shingles", "word_count"]


class CopyIndex:
    """Texts added under keys; `nearest` returns the most similar key and its Jaccard score.

    With `common_cutoff`, shingles found in more texts than that ("i have been") no longer
    nominate candidates, which keeps 100k-row tables near-linear; near copies still share
    plenty of rarer shingles, and their Jaccard is then computed exactly from stored sets.
    """

    def __init__(self, n: int = 3, common_cutoff: int | None = None):
        self.n = n
        self.cutoff = common_cutoff
        self._post: dict[int, list] = {}
        self._size: dict = {}
        self._sets: dict = {}

    def __len__(self) -> int:
        return len(self._size)

    def _hashed(self, text: str) -> set[int]:
        return {hash(s) for s in shingles(text, self.n)}

    def add(self, key, text: str) -> None:
        sh = self._hashed(text)
        self._size[key] = len(sh)
        if self.cutoff:
            self._sets[key] = frozenset(sh)
        for s in sh:
            self._post.setdefault(s, []).append(key)

    def nearest(self, text: str) -> tuple[object, float]:
        sh = self._hashed(text)
        if not sh:
            return None, 0.0
        hits = Counter()
        for s in sh:
            post = self._post.get(s, ())
            if self.cutoff and len(post) > self.cutoff:
                continue
            for key in post:
                hits[key] += 1
        best, score = None, 0.0
        for key, inter in hits.items():
            if self.cutoff:
                inter = len(sh & self._sets[key])
            j = inter / (len(sh) + self._size[key] - inter)
            if j > score:
                best, score = key, j
        return best, score


def normalise(value) -> str:
    """A value as exact-match checks see it: case and spacing do not make a row new."""
    return " ".join(str(value or "").split()).casefold()


def row_key(row: dict, columns: list[str]) -> tuple:
    """Normalised values of a row, for exact-copy and duplicate checks."""
    return tuple(normalise(row.get(c)) for c in columns)


def repetition_ratio(text: str, n: int = 3) -> float:
    """Share of word n-grams that are repeats (0 = none); a looping model scores high."""
    w = words(text)
    grams = [tuple(w[i : i + n]) for i in range(len(w) - n + 1)]
    return 1 - len(set(grams)) / len(grams) if grams else 0.0
