"""Columns the text gives away, and the least a text must say. Learned from the seed alone.

A column is revealed when the seed's texts name its value: airline tweets name their airline
("@united", "@JetBlue"), so a tweet on a US Airways row that thanks @JetBlue contradicts its own
row. For each categorical or label column, the names (@handles, #hashtags, words written
capitalised) that stand for a value are learned from the seed (a name found mostly in one
value's rows, and in many of them), and the column counts as revealed when its texts name their
own value far more often than chance. A label read from the text's words as a whole (sentiment)
is the label gate's case (syngen.evaluate.label_classifier), not this one. Generated
rows then get exemplars of their value, the gate refuses a text that names another value, and
the report measures agreement next to the seed's own rate.

Minimum content: a text must carry at least as many words beyond handles, numbers and links as
the seed's shortest text of its label, up to 3 ("@JetBlue 432456259671978821" says nothing).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd

from syngen.seed.schema import Role, Schema

TOKEN = re.compile(r"[@#]?\w[\w'&.-]*\w|[@#]?\w")
MIN_RATE = 0.5  # a column is revealed when at least half its seed texts name their own value
PURITY = 0.85  # a token names a value when this share of the rows that use it have that value
COVER = 0.2  # ... and it appears in at least this share of that value's rows (or 5 of them)
MAX_VALUES = 40  # more values than this: an open vocabulary, not a column a text names
_STOP = {
    "the", "a", "an", "and", "or", "to", "of", "in", "on", "for", "is", "it", "i", "my", "me", "you", "your",
    "was", "this", "that", "with", "at", "be", "not", "no", "but", "have", "has", "had", "so", "just", "are",
}  # fmt: skip


def tokens(text: str) -> set[str]:
    return {t.lower() for t in TOKEN.findall(str(text or ""))}


def _names_in(texts: list[str]) -> set[str]:
    """Tokens written as names: an @handle or #hashtag, or a word capitalised in most of the
    places it stands ("Delta", not "flight"): what a text names, not what it says."""
    seen, named = Counter(), Counter()
    for t in texts:
        for raw in TOKEN.findall(str(t or "")):
            low = raw.lower()
            seen[low] += 1
            named[low] += raw[0] in "@#" or raw[0].isupper()
    return {t for t, n in seen.items() if named[t] >= 0.8 * n}


@dataclass
class Revealed:
    """A column the seed's text gives away."""

    column: str
    names: dict[str, set[str]]  # value -> tokens that name it (lowercase)
    seed_rate: float  # share of seed rows whose text names its own value
    chance: float  # the same share with values and texts paired at random
    owner: dict[str, str] = field(default_factory=dict)  # token -> value

    def named(self, text: str) -> set[str]:
        """The values a text names."""
        return {self.owner[t] for t in tokens(text) if t in self.owner}

    def verdict(self, text: str, value) -> str | None:
        """None when the text agrees with its row's value (names it, or names nothing while the
        seed often names nothing), else why not, in words."""
        if value is None:
            return None
        said = self.named(text)
        v = str(value)
        if v in said:
            return None
        if said:
            other = sorted(said)[0]
            token = next(t for t in TOKEN.findall(str(text)) if self.owner.get(t.lower()) == other)
            return f"names {token}; the row's {self.column} is {v}"
        if self.seed_rate >= 0.9:
            return f"names no {self.column}; {self.seed_rate:.0%} of seed texts name theirs"
        return None

    def agrees(self, text: str, value) -> bool:
        return value is not None and str(value) in self.named(text)

    def words(self) -> str:
        shown = ", ".join(f"{v} ({'/'.join(sorted(t)[:2])})" for v, t in list(self.names.items())[:4])
        return (
            f"{self.column}: the text names it in {self.seed_rate:.0%} of seed rows (by chance: "
            f"{self.chance:.0%}), e.g. {shown}"
        )


def revealed_columns(df: pd.DataFrame, schema: Schema) -> list[Revealed]:
    """Every categorical or label column whose value the seed's free text names, well above
    chance."""
    texts = [c.name for c in schema.by_role(Role.TEXT)]
    if not texts or len(df) < 10:
        return []
    joined = [" ".join(str(r.get(c) or "") for c in texts) for r in df.to_dict("records")]
    names = _names_in(joined)
    toks = [tokens(t) & names for t in joined]
    out = []
    for spec in schema.by_role(Role.LABEL, Role.CATEGORICAL):
        col = df[spec.name].astype(object).where(df[spec.name].notna(), None)
        values = [None if v is None else str(v) for v in col]
        counts = Counter(v for v in values if v is not None)
        if not 2 <= len(counts) <= MAX_VALUES:
            continue
        found = _names(values, toks, counts)
        if not found:
            continue
        owner = {t: v for v, ts in found.items() for t in ts}
        hit = [v is not None and any(owner.get(t) == v for t in ts) for v, ts in zip(values, toks)]
        rows = sum(v is not None for v in values)
        rate = sum(hit) / max(1, rows)
        # chance: a text names a value in proportion to that value's share of rows
        named = [{owner[t] for t in ts if t in owner} for ts in toks]
        shares = {v: n / rows for v, n in counts.items()}
        chance = sum(sum(shares.get(x, 0) for x in n) for n, v in zip(named, values) if v is not None) / max(1, rows)
        if rate >= MIN_RATE and rate >= 2 * chance:
            out.append(Revealed(spec.name, found, rate, chance, owner))
    return out


def _names(values: list, toks: list[set[str]], counts: Counter) -> dict[str, set[str]]:
    """Tokens that name one value: mostly in its rows, and in many of them."""
    by_token: dict[str, Counter] = defaultdict(Counter)
    for v, ts in zip(values, toks):
        if v is None:
            continue
        for t in ts:
            if t not in _STOP and not t.isdigit():
                by_token[t][v] += 1
    found: dict[str, set[str]] = defaultdict(set)
    for t, c in by_token.items():
        v, n = c.most_common(1)[0]
        if n / sum(c.values()) >= PURITY and n >= max(3, min(5, COVER * counts[v])) and n >= COVER * counts[v]:
            found[v].add(t)
    # a value's own name counts too, when texts use it ("Virgin America" in a tweet)
    return dict(found)


_CONTENT = re.compile(r"(?<![@#\w])[^\W\d_][\w'-]*")  # a word: letters first, not a handle or hashtag
_LINK = re.compile(r"https?://\S+|www\.\S+")


def content_words(text: str) -> int:
    """Words beyond handles, hashtags, numbers and links."""
    return len(_CONTENT.findall(_LINK.sub(" ", str(text or ""))))


PER_LABEL = 50  # seed texts of a label needed before its own minimum is trusted over the seed's
MOST = 3  # the floor refuses texts with nothing in them; matching the seed's lengths is another job


def least_content(df: pd.DataFrame, text_col: str, label: str | None) -> dict[str | None, int]:
    """The fewest content words a seed text has (at most MOST): per label where the label has
    PER_LABEL texts or more (a few long reviews of a rare label set no floor), and for all rows
    (key None)."""
    every = [content_words(t) for t in df[text_col].dropna()]
    out: dict[str | None, int] = {None: min(min(every), MOST) if every else 0}
    if label and label in df.columns:
        for lab, texts in df[text_col].groupby(df[label].astype(str).values):
            vals = [content_words(t) for t in texts.dropna()]
            if len(vals) >= PER_LABEL:
                out[lab] = min(min(vals), MOST)
    return out
