"""The length of a row's text as a given field (`review words: 90`).

A small model left to choose when to stop writes shorter text than the seed's (a tuned Gemma 3
270M: median 49 words against 87), and length alone gives synthetic text away to a
discriminator. In the conditional plan each row is therefore given a length in words, drawn from
the seed's texts of the row's label, on a line of its own before the text; exemplars and tuning
rows show their own text's length on the same line, so a prompted or tuned model learns to
follow it. The hint is not a column of the output.
"""

from __future__ import annotations

import random

import pandas as pd

from syngen.common.text import words


def hint_name(column: str) -> str:
    return f"{column} words"


def hint_value(text) -> int:
    """Words in `text`, to the nearest ten from 20 up: a length to aim at, not to count to."""
    n = len(words("" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)))
    return n if n < 20 else int(round(n / 10) * 10)


def with_hints(record: dict, columns: list[str]) -> dict:
    """`record` with the hints of its own texts in `columns` (exemplars, tuning rows)."""
    return {**record, **{hint_name(c): hint_value(record.get(c)) for c in columns}}


class LengthSampler:
    """Draws a row's hints from the seed's texts of the same label (any label if it has none)."""

    def __init__(self, df: pd.DataFrame, label: str | None, columns: list[str]):
        self.columns = columns
        keys = df[label].astype(str) if label else pd.Series("*", index=df.index)
        # counted once here, not per prompt; one seed row's hints: its texts' lengths go together
        self.all = [{hint_name(c): hint_value(r.get(c)) for c in columns} for r in df[columns].to_dict("records")]
        self.by_label: dict[str, list[dict]] = {}
        for key, hints in zip(keys, self.all):
            self.by_label.setdefault(key, []).append(hints)

    def sample(self, label, rng: random.Random) -> dict:
        if not self.columns or not self.all:
            return {}
        return dict(rng.choice(self.by_label.get(str(label)) or self.all))
