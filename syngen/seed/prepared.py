"""The prepared seed: the table as loaded and cleaned, with its inferred schema."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from syngen.common.errors import DataError
from syngen.seed.clean import CleanOptions, CleanReport, clean_table
from syngen.seed.schema import Schema, infer_schema
from syngen.seed.table import dataset_name, load_table


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
    shift: str | None = None  # what cleaning changed in the table's meaning (rows, label mix), if much


ROWS_SHIFT = 0.05  # cleaning that removes more than this share of rows is said outside the details
LABEL_SHIFT = 0.05  # likewise a label's share moving by more than this


def cleaning_shift(raw: pd.DataFrame, clean: pd.DataFrame, label: str | None) -> str | None:
    """One line when cleaning removed over 5% of the rows or moved a label's share by over 5
    points: rows and label shares before and after. None when it changed little."""
    before, after = len(raw), len(clean)
    parts = []
    moved = False
    if label and label in raw.columns:
        a = raw[label].astype(str).where(raw[label].notna()).value_counts(normalize=True)
        b = clean[label].astype(str).value_counts(normalize=True)
        moved = any(abs(a.get(k, 0) - b.get(k, 0)) > LABEL_SHIFT for k in set(a.index) | set(b.index))
        shares = ", ".join(f"{k} {a.get(k, 0):.0%} -> {b.get(k, 0):.0%}" for k in a.index[:6])
        parts.append(f"label {label}: {shares}")
    if before and (before - after) / before <= ROWS_SHIFT and not moved:
        return None
    return f"cleaning kept {after} of {before} rows ({(before - after) / before:.0%} removed)" + (
        "; " + parts[0] if parts else ""
    )


def prepare_seed(config: SeedSettings, df: pd.DataFrame | None = None, clean_opts: CleanOptions | None = None) -> Seed:
    """Load (unless given), clean and infer the schema of the seed named in the config."""
    raw = loaded = load_table(config.data) if df is None else df
    report = None
    if config.clean:
        raw, report = clean_table(raw, opts=clean_opts)
    if len(raw) == 0:
        raise DataError(
            f"{config.data}: no rows left after cleaning (all empty or duplicates); "
            "switch cleaning steps off to keep them"
        )
    schema = infer_schema(raw, overrides=config.roles, label=config.label)
    shift = cleaning_shift(loaded, raw, schema.label) if report is not None else None
    return Seed(raw, schema, report, dataset_name(config.data), shift)


def domain_texts(seed: Seed) -> list[str]:
    """Every distinct cell of the seed and its column names: the text a run writes more of."""
    values = {str(v) for c in seed.df.columns for v in seed.df[c].dropna().unique()}
    return sorted(values | set(seed.df.columns))


def content_key(df: pd.DataFrame) -> str:
    """A short hash of a table's cells and column names: the same table (the bundled one, or the
    same file uploaded again) gives the same key, any change another."""
    h = hashlib.sha256(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
    h.update("\x1f".join(map(str, df.columns)).encode())
    return h.hexdigest()[:16]
