"""Entity keys: an ID that repeats in the seed (asin: 499 reviews of 44 products) names an entity
with several rows. New rows keep the seed's repetition, and the columns that belong to the
entity (a product's category, a reviewer's name) stay the same on every row of one key.

Two policies, chosen in the run config (`key_policy`):
* "fresh" (default): new keys of the learned pattern, never a seed key; each new key is given a
  number of rows drawn from the seed's rows per key, so rows share keys as often as the seed's do.
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

    def __init__(self, df: pd.DataFrame, schema: Schema, columns: list[str], policy: str, rng: random.Random, fresh_id):
        self.schema, self.policy, self.rng, self.fresh_id = schema, policy, rng, fresh_id
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
        # the share of seed rows that start a key: new keys are opened at this rate
        self.new_share = {k: len(self.sizes[k]) / max(1, sum(self.sizes[k])) for k in self.keys}
        self.open: dict[str, list[list]] = {k: [] for k in self.keys}  # [key, rows still to give]
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
        opened = self.open[k]
        if opened and self.rng.random() >= self.new_share[k]:
            i = self.rng.randrange(len(opened))
            opened[i][1] -= 1
            key = opened[i][0]
            if opened[i][1] <= 0:
                opened.pop(i)
            return key
        key = self.fresh_id(self.schema.col(k))
        rows = self.rng.choice(self.sizes[k])  # this entity's rows, as the seed's entities have
        if rows > 1:
            opened.append([key, rows - 1])
        return key

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
