"""Entity keys: an ID that repeats in the seed (asin: 499 reviews of 44 products) names an entity
with several rows. New rows keep the seed's repetition, and the columns that belong to the
entity (a product's category, a reviewer's name) stay the same on every row of one key.

Two policies, chosen in the run config (`key_policy`):
* "fresh" (default): new keys of the learned pattern, never a seed key; each new key is given a
  number of rows drawn from the seed's rows per key, so rows share keys as often as the seed's do
  (the rows of a run are planned as whole entities, shuffled; a row not kept gives its place back).
* "reuse": the seed's own keys at the seed's frequencies, with the seed's values for the columns
  that belong to them (more reviews of the same products).
"""

from __future__ import annotations

import random
from collections import Counter

import pandas as pd

from syngen.seed.schema import Role, Schema

POLICIES = ("fresh", "reuse")


def determined_by(df: pd.DataFrame, key: str, col: str, agree: float = 0.9) -> bool:
    """True when, among the keys with several seed rows (at least 3 such keys), `agree` of them
    have a single value of `col`: the column belongs to the entity."""
    groups = df[[key, col]].dropna().groupby(key)[col]
    sizes, distinct = groups.size(), groups.nunique()
    repeated = distinct[sizes >= 2]
    return len(repeated) >= 3 and (repeated == 1).mean() >= agree


class Keys:
    """Assigns every key column of a row, and the columns that belong to each key."""

    def __init__(
        self,
        df: pd.DataFrame,
        schema: Schema,
        columns: list[str],
        policy: str,
        rng: random.Random,
        fresh_id,
        rows_hint: int = 16,
    ):
        self.schema, self.policy, self.rng, self.fresh_id = schema, policy, rng, fresh_id
        self.rows_hint = max(1, rows_hint)  # the run's rows: entities are planned that many at a time
        self.keys = [c.name for c in schema.by_role(Role.KEY)]
        skip = {schema.label, *self.keys}
        self.belongs = {
            k: [
                c
                for c in columns
                if c not in skip
                and schema.col(c).role not in (Role.TEXT, Role.PERSONAL)  # people: syngen.plan.people
                and determined_by(df, k, c)
            ]
            for k in self.keys
        }
        self.seed_counts = {k: Counter(df[k].dropna().astype(str)) for k in self.keys}
        self.sizes = {k: list(self.seed_counts[k].values()) for k in self.keys}
        self.queue: dict[str, list[str]] = {k: [] for k in self.keys}  # planned keys, popped from the end
        self.values: dict[tuple[str, str], dict] = {}  # (key column, key) -> its columns' values
        if policy == "reuse":
            for k in self.keys:
                for key, rows in df.groupby(df[k].astype(str)):
                    self.values[(k, key)] = {c: _mode(rows[c]) for c in self.belongs[k]}

    @property
    def notes(self) -> list[str]:
        return [
            f"{k}: {'seed keys reused' if self.policy == 'reuse' else 'fresh keys'} with the seed's repetition"
            + (f"; {', '.join(self.belongs[k])} kept the same for each key" if self.belongs[k] else "")
            for k in self.keys
        ]

    def _next(self, k: str) -> str:
        if self.policy == "reuse":
            keys, weights = zip(*self.seed_counts[k].items())
            return self.rng.choices(keys, weights)[0]
        if not self.queue[k]:
            self._plan(k)
        return self.queue[k].pop()

    def _plan(self, k: str) -> None:
        """Whole entities for the rows to come: new keys, each with a number of rows drawn from
        the seed's rows per key, in shuffled order. Whole entities make rows share keys as often
        as the seed's do in a run of any length (keys opened one row at a time fell short in
        short runs: 5% of 40 rows shared a reviewer against the seed's 39%)."""
        slots: list[str] = []
        while len(slots) < self.rows_hint:
            key = self.fresh_id(self.schema.col(k))
            slots += [key] * self.rng.choice(self.sizes[k])
        self.rng.shuffle(slots)
        self.queue[k] = slots + self.queue[k]

    def release(self, fields: dict) -> None:
        """A row that was not kept gives its key's place back, somewhere in the rows to come: the
        entity still gets all its rows."""
        if self.policy == "reuse":
            return
        for k in self.keys:
            if fields.get(k) is not None:
                self.queue[k].insert(self.rng.randrange(len(self.queue[k]) + 1), fields[k])

    def assign(self, fields: dict) -> dict:
        for k in self.keys:
            key = self._next(k)
            fields[k] = key
            known = self.values.setdefault((k, key), {c: fields.get(c) for c in self.belongs[k]})
            fields.update({c: v for c, v in known.items() if c in fields or v is not None})
        return fields


def _mode(values: pd.Series):
    values = values.dropna()
    return values.mode().iloc[0] if len(values) else None
