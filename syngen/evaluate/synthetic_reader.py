"""One reader for synthetic tables, whoever wrote them (report, utility, the app's Quality page).

A clean table whose columns are the seed's (plus provenance) loads as it is. Anything else,
the way models answer (a sentence before the header, a numbered header, a code fence with chatter
after it, a markdown table, JSON in a wrapper, renamed columns), goes through the generation
pipeline's own parser, so the report reads model output exactly as a run does. Every assumption
is a note on the frame (`df.attrs["notes"]`); a file that shares no column with the seed stops
with one line naming both column lists.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd

from syngen.common.errors import DataError
from syngen.common.provenance import PROVENANCE
from syngen.common.text import count
from syngen.prompting.parsing import norm_name, parse_output
from syngen.seed.table import load_table, max_bytes_default
from syngen.seed.text_formats import decode

_BINARY = (".parquet", ".xlsx", ".xls")
_LIST = re.compile(r"^\s*\d+[.)]\s+\S")


def _matches(columns: list[str], seed_columns: list[str]) -> bool:
    known = {norm_name(c) for c in list(seed_columns) + PROVENANCE}
    shared = [c for c in columns if norm_name(c) in known]
    return bool(shared) and len(shared) == len(columns)


def _rename_to_seed(df: pd.DataFrame, seed_columns: list[str]) -> pd.DataFrame:
    by_norm = {norm_name(c): c for c in seed_columns}
    return df.rename(
        columns={c: by_norm[norm_name(c)] for c in df.columns if norm_name(c) in by_norm and c != by_norm[norm_name(c)]}
    )


def _numbered(path: Path) -> bool:
    """Data rows numbered as a list ("1) 4,Great,...", "2. 5,...") need the model-output reader."""
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()[1:51] if ln.strip()]
    except OSError:
        return False
    return bool(lines) and sum(bool(_LIST.match(ln)) for ln in lines) >= 0.8 * len(lines)


def _first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= 100 else line[:99] + "…"


def read_synthetic(
    path: str | Path, seed_columns: list[str], text_columns: list[str] = (), schema=None
) -> pd.DataFrame:
    """The rows of a synthetic table keyed by the seed's column names, with notes. With the
    seed's `schema`, rows that all lack the same column are read with it empty when the cells fit
    the seed's contracts one way only."""
    path = Path(path)
    if path.suffix.lower() in _BINARY:
        df = load_table(path)
        return _check_shared(_rename_to_seed(df, seed_columns), seed_columns, path.name, list(df.columns))
    try:
        df = load_table(path)
    except DataError:
        df = None  # maybe model output a plain loader cannot read (a preamble, a fence...)
    clean = df is not None and not any("fields" in n or "cells" in n for n in df.attrs.get("notes", []))
    if clean and _matches(list(df.columns), seed_columns) and not _numbered(path):
        return _rename_to_seed(df, seed_columns)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    data = path.read_bytes()
    if len(data) > max_bytes_default():
        raise DataError(f"{path.name}: over the size limit; use a sample of the file (or raise SYNGEN_MAX_MB)")
    text = decode(data, path.name) if data else ""
    if not text.strip():
        raise DataError(f"{path.name}: the file is empty; give a table with a header row and data rows")
    parsed = parse_output(text, seed_columns, text_columns, truncated=False, partial=True)
    if not parsed.rows and schema is not None:
        short = rows_one_cell_short(text, seed_columns, schema)
        if short is not None:
            return short
    if not parsed.rows:
        shown = f"its columns are {list(df.columns)}" if df is not None else f"it starts '{_first_line(text)}'"
        data_rows = [r for r in parsed.rejects if "not a data row" not in r.reason]
        if data_rows:  # rows were there, none could be read
            raise DataError(
                f"{path.name}: none of its {len(data_rows)} row(s) fit the seed's columns (first: "
                f"{data_rows[0].reason}: '{data_rows[0].fragment[:60]}'); fix those rows or the header"
            )
        if df is not None and len(df) and _matches(list(df.columns), seed_columns):
            raise DataError(f"{path.name}: no data rows could be read; give a header row and data rows")
        if df is None and not parsed.rejects:
            raise DataError(f"{path.name}: no data rows could be read ({shown}); give a header row and data rows")
        if df is None:
            raise DataError(
                f"{path.name}: no table with the seed's columns found ({shown}; the seed has {list(seed_columns)})"
            )
        raise DataError(
            f"{path.name}: shares no column with the seed ({shown}; the seed has "
            f"{list(seed_columns)}); rename the columns or pick the matching seed"
        )
    present = [c for c in seed_columns if any(c in r for r in parsed.rows)]
    out = pd.DataFrame([{c: r.get(c) for c in present} for r in parsed.rows], columns=present, dtype=object)
    skipped = Counter(r.reason for r in parsed.rejects)
    note = (
        f"read as model output ({parsed.fmt}): {len(out)} row(s)"
        + (
            f"; skipped {sum(skipped.values())} fragment(s): "
            + ", ".join(f"{n} {why}" for why, n in skipped.most_common(3))
            + f" (first: '{parsed.rejects[0].fragment[:60]}')"
            if skipped
            else ""
        )
        + (f"; {parsed.repaired} row(s) with commas in the text re-joined" if parsed.repaired else "")
    )
    missing = [c for c in seed_columns if c not in present]
    notes = [note] + ([f"columns not in the file: {', '.join(missing)}"] if missing else [])
    out.attrs["notes"] = notes
    return out


def _check_shared(df: pd.DataFrame, seed_columns: list[str], name: str, file_cols: list[str]) -> pd.DataFrame:
    if not set(df.columns) & set(seed_columns):
        raise DataError(
            f"{name}: shares no column with the seed (its columns are {file_cols}; the seed has {list(seed_columns)})"
        )
    return df


def _split_table(text: str) -> list[list[str]]:
    """Lines of a markdown or delimited table as cells (separator rows and prose left out)."""
    import csv

    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("```")]
    if sum(ln.startswith("|") for ln in lines) >= 2:
        rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines if ln.startswith("|")]
    else:
        rows = [[c.strip() for c in r] for r in csv.reader(lines)]
    return [r for r in rows if not all(set(c) <= set("-: ") for c in r)]


def rows_one_cell_short(text: str, seed_columns: list[str], schema) -> pd.DataFrame | None:
    """A table whose header names the seed's columns but whose rows have one cell fewer (the
    seed SynGen's Qwen outputs: 10 cells under 11 names). Two readings are tried: a column is
    missing (each in turn), or two neighbouring columns were joined in one cell ("2015-01-04
    03:11" for a date column and a time column), split where both halves meet their contracts.
    The reading under which the most cells meet the seed's contracts wins, if no other does as
    well. Rows of another width (a last row cut off) are skipped and said. None when no reading
    wins."""
    rows = _split_table(text)
    header_at = next(
        (i for i, r in enumerate(rows) if sum(norm_name(c) in map(norm_name, seed_columns) for c in r) >= 2), None
    )
    if header_at is None:
        return None
    header = [next((s for s in seed_columns if norm_name(s) == norm_name(c)), c) for c in rows[header_at]]
    body = [r for r in rows[header_at + 1 :] if len(r) == len(header) - 1]
    other = len(rows) - header_at - 1 - len(body)
    if not body or other > len(body) / 2:
        return None
    known = set(header) & set(schema.names)

    def fit(row: list[str]) -> int:
        return sum(schema.col(c).check(v)[1] is None for c, v in zip(header, row) if c in known and v is not None)

    def missing(col: str):
        i = header.index(col)
        return [r[:i] + [None] + r[i:] for r in body]

    def joined(i: int):
        """Every row's cell i split in two, or None unless each splits one way only."""
        if not {header[i], header[i + 1]} <= known:
            return None
        out = []
        for r in body:
            halves = _splits(r[i], header[i], header[i + 1], schema)
            if len(halves) != 1:
                return None
            out.append(r[:i] + list(halves[0]) + r[i + 1 :])
        return out

    readings = [(f"'{c}' empty", missing(c)) for c in header]
    for i in range(len(header) - 1):
        split = joined(i)
        if split is not None:
            readings.append((f"'{header[i]}' and '{header[i + 1]}' split from one cell", split))
    scored = sorted(((sum(fit(r) for r in rows_), k) for k, (_, rows_) in enumerate(readings)), reverse=True)
    (best, k), second = scored[0], scored[1][0]
    if best == second:
        return None
    how, full = readings[k]
    out = pd.DataFrame([dict(zip(header, r)) for r in full], columns=header, dtype=object)
    out = out[[c for c in header if c in seed_columns]]
    out.attrs["notes"] = [
        f"{len(body)} row(s) had {len(header) - 1} cells for {len(header)} columns: read with {how} (the reading "
        f"under which the most cells fit the seed's contracts: {best} cells fit, {second} with the next best)"
        + (f"; {count(other, 'row')} of another width skipped" if other else "")
    ]
    return out


def _splits(cell: str, left: str, right: str, schema) -> list[tuple[str, str]]:
    """The ways one cell splits into a value of `left` and a value of `right` that both have
    their column's shape (at a space, a comma or a 'T' between a date and a time). The shape, not
    the seed's range: a model's dates may lie past the seed's last one."""
    from dataclasses import replace

    shapes = [replace(schema.col(c), minimum=None, maximum=None) for c in (left, right)]
    out = []
    for m in re.finditer(r",\s*|\s+|T(?=\d)", cell or ""):
        a, b = cell[: m.start()].strip(), cell[m.end() :].strip()
        if a and b and shapes[0].check(a)[1] is None and shapes[1].check(b)[1] is None:
            out.append((a, b))
    return out
