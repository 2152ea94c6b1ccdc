"""Seed people in the output: every value of the seed's personal columns (names, handles,
emails, phones, locations), and the emails and phone numbers in its texts, looked for in every
synthetic cell. The goal is 0: syngen writes fresh values and scrubs written text."""

from __future__ import annotations

import re

import pandas as pd

from syngen.evaluate.metrics import Metric, nan_metric
from syngen.plan.people import seed_people
from syngen.seed.personal import EMAIL, PHONE, same_person_form
from syngen.seed.schema import Role, Schema

_TOKEN = re.compile(r"[\w@.+'-]+")
MAX_WORDS = 4  # a seed value is matched in text as a run of up to this many words


def seed_personal_values(schema: Schema, seed: pd.DataFrame) -> set[str]:
    """What would identify a seed person: personal cells (3 characters or more), and emails and
    phone numbers written in the seed's texts."""
    found = {same_person_form(v) for v in seed_people(seed, schema)}
    for c in schema.by_role(Role.TEXT, Role.SHORT_TEXT):
        for text in seed[c.name].dropna().astype(str):
            found |= {same_person_form(x) for x in EMAIL.findall(text) + PHONE.findall(text)}
    return found


def _grams(text: str) -> set[str]:
    toks = [t.lower().lstrip("@").strip(".,'") for t in _TOKEN.findall(str(text))]
    toks = [t for t in toks if t]
    return {" ".join(toks[i : i + n]) for n in range(1, MAX_WORDS + 1) for i in range(len(toks) - n + 1)}


def find_personal(
    values: set[str], synth: pd.DataFrame, columns: list[str], whole: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """(column, seed value) for every synthetic cell holding a seed person's value: the whole
    cell in the `whole` columns (a person's column: a new "Brian Hamilton" is not the seed's
    "Brian"), anywhere in the text of the others."""
    hits = []
    for c in columns:
        for cell in synth[c].dropna().astype(str):
            norm = same_person_form(cell)
            if norm in values:
                hits.append((c, norm))
            elif c not in whole:
                hits += [(c, g) for g in _grams(cell) & values]
    return hits


def personal_leaks(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame) -> Metric:
    values = seed_personal_values(schema, seed)
    if not values:
        return nan_metric("seed personal values in the output", "", "0", "the seed has no personal data found")
    cols = [c for c in schema.names if c in synth.columns and schema.col(c).role in _SCANNED]
    people = tuple(c.name for c in schema.by_role(Role.PERSONAL))
    hits = find_personal(values, synth, cols, whole=people)
    shown = ", ".join(sorted({f"{v} ({c})" for c, v in hits})[:4])
    return Metric(
        "seed personal values in the output",
        "",
        len(hits),
        "0",
        low=0,
        high=max(1, len(synth)),
        score=max(0.0, 1 - len(hits) / max(1, len(synth))),
        detail=f"{len(hits)} found among {len(values)} seed values" + (f": {shown}" if shown else ""),
    )


_SCANNED = (Role.PERSONAL, Role.TEXT, Role.SHORT_TEXT, Role.CATEGORICAL)
