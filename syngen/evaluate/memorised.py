"""Memorised text: the longest run of words a synthetic text shares with any seed text, against
what real texts share with each other (stock phrases: "I have been taking this for", "works
great"). A k-shot prompt shows the model real texts; a run that reuses their phrases, numbers or
rare details beyond what unrelated real texts share is copying, even when no whole text is a copy.

The reference: each seed text's longest run shared with the *other* seed texts (leave one out), or,
with held-out real texts, theirs with the seed. A synthetic text above the reference's 99th
percentile shares more than 99% of real texts do.
"""

from __future__ import annotations

import numpy as np

from syngen.common.text import words
from syngen.evaluate.metrics import NAN, Metric, nan_metric

LONGEST = 40  # runs longer than this many words count as this long (a copied passage either way)
PERCENTILE = 99
STOCK = 6  # the gate refuses only runs longer than this many words
NAME = "texts sharing a longer run of words with a seed text than real texts do"


ANCHOR = 4  # runs are found from their first 4 words, then followed word by word


class RunIndex:
    """Where each run of ANCHOR words stands in a set of texts (and every shorter run), so the
    longest run a text shares with them is found by following matches, not by storing every run."""

    def __init__(self, texts: list[str]):
        self.texts = [[x.lower() for x in words(t)] for t in texts]
        self.anchors: dict[tuple, list[tuple[int, int]]] = {}
        self.short: dict[tuple, set[int]] = {}
        for i, w in enumerate(self.texts):
            for j in range(len(w)):
                for n in range(1, ANCHOR):
                    if j + n <= len(w):
                        self.short.setdefault(tuple(w[j : j + n]), set()).add(i)
                if j + ANCHOR <= len(w):
                    self.anchors.setdefault(tuple(w[j : j + ANCHOR]), []).append((i, j))

    def longest(self, text: str, skip: int | None = None) -> tuple[int, int | None, str]:
        """(words, seed text index, the run) of the longest run `text` shares with an indexed text
        (other than `skip`), LONGEST words at most."""
        w = [x.lower() for x in words(text)]
        best, where, start = 0, None, 0
        for j in range(len(w)):
            for i, p in self.anchors.get(tuple(w[j : j + ANCHOR]), ()):
                if i == skip:
                    continue
                seed, n = self.texts[i], ANCHOR
                while n < LONGEST and j + n < len(w) and p + n < len(seed) and w[j + n] == seed[p + n]:
                    n += 1
                if n > best:
                    best, where, start = n, i, j
        if best == 0:  # no run of ANCHOR words: the longest shorter one
            for n in range(ANCHOR - 1, 0, -1):
                for j in range(len(w) - n + 1):
                    owners = self.short.get(tuple(w[j : j + n]), set()) - ({skip} if skip is not None else set())
                    if owners:
                        return n, min(owners), " ".join(w[j : j + n])
        return best, where, " ".join(w[start : start + best])


def shared_runs(seed_texts: list[str], synth_texts: list[str], real_texts: list[str] | None = None):
    """The longest shared run of each synthetic text (with its seed text) and the reference runs
    of real texts."""
    index = RunIndex(seed_texts)
    synth = [index.longest(t) for t in synth_texts]
    if real_texts:
        reference = [index.longest(t)[0] for t in real_texts]
    else:
        reference = [index.longest(t, skip=i)[0] for i, t in enumerate(seed_texts)]
    return synth, reference


def memorised_text(seed_texts: list[str], synth_texts: list[str], real_texts: list[str] | None = None, worst: int = 3):
    """The share of synthetic texts whose longest run shared with a seed text is above the real
    texts' 99th percentile (goal: about 1%, what real texts themselves reach), naming the worst."""
    seed_texts = [t for t in seed_texts if t]
    synth_texts = [t for t in synth_texts if t]
    if len(seed_texts) < 10 or not synth_texts:
        return nan_metric(NAME, "", "min", "needs 10+ seed texts and synthetic texts")
    synth, reference = shared_runs(seed_texts, synth_texts, real_texts)
    limit = float(np.percentile(reference, PERCENTILE))
    above = [(n, i, s, run) for i, (n, s, run) in enumerate(synth) if n > limit]
    share = len(above) / len(synth)
    above.sort(reverse=True)
    named = "; ".join(
        f"row {i} shares {n} words with seed row {s} (\"{_short(run)}\")" for n, i, s, run in above[:worst]
    )
    against = "held-out real texts" if real_texts else "seed texts with each other"
    return Metric(
        NAME,
        "",
        share,
        "min",
        score=max(0.0, 1.0 - max(0.0, share - (100 - PERCENTILE) / 100) * 5) if share == share else NAN,
        detail=f"{len(above)} of {len(synth)} share more than {limit:.0f} words in a row, the most {against} "
        f"share in 99 of 100 cases; median {np.median([n for n, _, _ in synth]):.0f} words against "
        f"{np.median(reference):.0f}" + (f"; {named}" if named else ""),
    )


def _short(run: str, n: int = 60) -> str:
    return run if len(run) <= n else run[: n - 1] + "…"


class RunGate:
    """The generation gate's side of this measure: a text that shares a longer run of words with a
    seed text than real texts share with each other (the seed's own 99th percentile, leave one
    out) is a copied passage, even inside a text that is otherwise new."""

    def __init__(self, seed_texts: list[str]):
        texts = [t for t in seed_texts if t]
        self.index = RunIndex(texts)
        reference = [self.index.longest(t, skip=i)[0] for i, t in enumerate(texts)] if len(texts) >= 10 else []
        # a few short seed texts share little with each other: a run under STOCK words is a stock
        # phrase ("worked wonders for my"), never a copied passage, whatever the seed's percentile
        self.limit = max(float(np.percentile(reference, PERCENTILE)), STOCK) if reference else float("inf")

    def check(self, text: str) -> str | None:
        if self.limit == float("inf") or not text:
            return None
        n, where, run = self.index.longest(text)
        if n > self.limit:
            return f"copies {n} words in a row from seed text {where} (\"{_short(run, 40)}\"; real texts share {self.limit:.0f} at most)"
        return None
