"""The prepared seed: the table as loaded and cleaned, with its inferred schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from syngen.common.errors import DataError
from syngen.seed.schema import Schema, infer_schema
from syngen.seed.table import CleanOptions, CleanReport, clean_table, dataset_name, load_table


class SeedSettings(Protocol):
    """What preparing a seed reads from a run's settings (a RunConfig has all of it)."""

    data: str
    clean: bool
    roles: dict[str, str]
    label: str | None


@dataclass
class Seed:
    df: pd.DataFrame
    schema: Schema
    clean: CleanReport | None
    name: str


def prepare_seed(config: SeedSettings, df: pd.DataFrame | None = None, clean_opts: CleanOptions | None = None) -> Seed:
    """Load (unless given), clean and infer the schema of the seed named in the config."""
    raw = load_table(config.data) if df is None else df
    report = None
    if config.clean:
        raw, report = clean_table(raw, opts=clean_opts)
    if len(raw) == 0:
        raise DataError(
            f"{config.data}: no rows left after cleaning (all empty or duplicates); "
            "switch cleaning steps off to keep them"
        )
    schema = infer_schema(raw, overrides=config.roles, label=config.label)
    return Seed(raw, schema, report, dataset_name(config.data))


def domain_texts(seed: Seed) -> list[str]:
    """Every distinct cell of the seed and its column names: the text a run writes more of."""
    values = {str(v) for c in seed.df.columns for v in seed.df[c].dropna().unique()}
    return sorted(values | set(seed.df.columns))
