"""Cleaning a seed table: HTML entities, escapes, wrapping quotes, whitespace, empty rows, rows
without text, exact duplicates; each fix counted and each one can be switched off."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+\d*);")


_SPACES = re.compile(r"\s+")


_PCT_U = re.compile(r"%u([0-9A-Fa-f]{4})")  # JavaScript escape() leftovers: I%u2019ve


@dataclass
class CleanOptions:
    """Which fixes to apply; each can be switched off (the app shows them as toggles)."""

    html_entities: bool = True
    wrapping_quotes: bool = True
    whitespace: bool = True
    drop_empty_text: bool = True
    drop_duplicates: bool = True


@dataclass
class CleanReport:
    rows_before: int
    rows_after: int
    changes: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what loading had to decide (sheet, skipped lines)

    def summary(self) -> str:
        done = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in self.changes.items() if v)
        return f"{self.rows_before} rows read, {self.rows_after} kept" + (f" ({done})" if done else "")


def clean_value(v: str | None, opts: CleanOptions, counts: dict[str, int] | None = None) -> str | None:
    """Apply the cell-level fixes to one value; count each fix that changed something."""
    if v is None:
        return None
    counts = counts if counts is not None else {}
    if opts.html_entities and (_ENTITY.search(v) or "%u" in v):
        new = _PCT_U.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(v))
        if new != v:
            counts["html_entities"] = counts.get("html_entities", 0) + 1
            v = new
    if opts.wrapping_quotes:
        new = _strip_wrapping_quotes(v)
        if new != v:
            counts["wrapping_quotes"] = counts.get("wrapping_quotes", 0) + 1
            v = new
    if opts.whitespace:
        new = _SPACES.sub(" ", v).strip()
        if new != v:
            counts["whitespace"] = counts.get("whitespace", 0) + 1
            v = new
    return v or None


def _strip_wrapping_quotes(v: str) -> str:
    s = v.strip()
    # `"""text"""` in the raw CSV reaches us as `"text"`; strip matching pairs only.
    while len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'" and s.count(s[0]) == 2 + s[1:-1].count(s[0]):
        inner = s[1:-1]
        if s[0] == "'" and "'" in inner:  # apostrophes inside: not a wrapper
            break
        s = inner.strip()
    return s if s != v.strip() else v


def clean_table(
    df: pd.DataFrame, text_columns: list[str] | None = None, opts: CleanOptions | None = None
) -> tuple[pd.DataFrame, CleanReport]:
    """Clean every cell, then drop empty rows, rows with empty text and exact duplicates."""
    opts = opts or CleanOptions()
    counts: dict[str, int] = {"html_entities": 0, "wrapping_quotes": 0, "whitespace": 0}
    before = len(df)
    out = df.copy()
    for c in out.columns:
        out[c] = [clean_value(v, opts, counts) for v in out[c].tolist()]
    n = len(out)
    out = out.dropna(how="all")
    counts["empty_rows"] = n - len(out)
    if text_columns is None:
        text_columns = guess_text_columns(out)
    n = len(out)
    if opts.drop_empty_text and text_columns:
        out = out.dropna(subset=[c for c in text_columns if c in out.columns], how="any")
    counts["empty_text"] = n - len(out)
    n = len(out)
    if opts.drop_duplicates:
        out = out.drop_duplicates()
    counts["duplicate_rows"] = n - len(out)
    out = out.reset_index(drop=True)
    return out, CleanReport(before, len(out), counts, list(df.attrs.get("notes", [])))


def guess_text_columns(df: pd.DataFrame) -> list[str]:
    """Columns that hold free text: several words per value on average."""
    cols = []
    for c in df.columns:
        vals = [v for v in df[c].tolist() if isinstance(v, str)]
        if vals and sum(len(v.split()) for v in vals) / len(vals) >= 6:
            cols.append(c)
    return cols
