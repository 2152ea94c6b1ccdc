"""Write generated rows (CSV / JSONL / Parquet / Excel), the run config and the run account."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd

# What a spreadsheet would run when it opens a CSV: a cell that starts with "=" (after any leading
# tabs, line breaks or spaces, which some strip), or with "+", "-" or "@" followed by a formula
# shape: a function call (SUM(, HYPERLINK(), a DDE link (cmd|), a cell reference (A1, $B$2) or
# arithmetic (1+2). "@united thanks", "-5" and "+1 555 123 4567" are text people write and stay
# as they are, so a model trained on the export sees what the data has (docs/guarantees.md).
_FORMULA = re.compile(
    r"^[\t\r\n ]*(=|[+\-@]\s*([A-Za-z_][\w.]*\s*\(|[^|\s]*\||\$?[A-Za-z]{1,3}\$?\d+\b|[\d.]+\s*[-+*/^&]\s*[\w(]))"
)


def slug(s: str) -> str:
    """File-name-safe text: no separators, so names built from user input stay in the folder."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", str(s)).strip("-.")
    return s or "x"


def default_stem(dataset: str, style: str, backend: str, model: str, n: int) -> str:
    """The seed SynGen's naming: {dataset}_{prompt_style}_{backend}_{model}_{n}_output."""
    model = slug(Path(str(model)).name if "/" in str(model) else model)
    return f"{slug(dataset)}_{slug(style)}_{slug(backend)}_{model}_{n}_output"


def safe_cell(v):
    """Neutralise what a spreadsheet would execute (OWASP CSV injection) with a leading quote;
    every other cell, numbers and @mentions included, is written as it is."""
    if isinstance(v, str) and _FORMULA.match(v):
        return "'" + v
    return v


def typed(df: pd.DataFrame, schema=None) -> pd.DataFrame:
    """Columns typed the way a CSV reader sees them, so JSONL and Parquet agree with the CSV:
    counts and integer IDs as integers, numbers as floats (integers when all are whole), True /
    False columns as booleans, and the provenance's `k` and `batch_id` as integers (a run read back
    from its CSV, as the app's Download does, has them all as text)."""
    if schema is None:
        return df
    from syngen.common.provenance import WHOLE_PROVENANCE
    from syngen.seed.schema import Role

    out = df.copy()
    roles = {spec.name: spec.role for spec in schema.columns}
    for c in out.columns:
        values = out[c].dropna().astype(str)
        if len(values) and values.str.lower().isin(("true", "false")).all():
            out[c] = out[c].map(lambda v: None if pd.isna(v) else str(v).lower() == "true").astype("boolean")
            continue
        role = Role.COUNT if c in WHOLE_PROVENANCE and c not in roles else roles.get(c)
        if role not in (Role.COUNT, Role.NUMERIC, Role.ID, Role.KEY):
            continue
        if role in (Role.ID, Role.KEY) and not values.str.fullmatch(r"[1-9]\d{0,17}|0").all():
            continue  # IDs with letters or leading zeros stay text
        nums = pd.to_numeric(out[c], errors="coerce")
        if nums.notna().sum() != out[c].notna().sum():
            continue  # something is not a number: leave the column as it is
        whole = bool((nums.dropna() % 1 == 0).all())
        out[c] = nums.astype("Int64") if whole else nums.astype("float64")
    return out


def rows_bytes(df: pd.DataFrame, fmt: str = "csv", safe_csv: bool = True, schema=None) -> bytes:
    """The rows as a file's bytes: CSV (UTF-8, RFC 4180 line ends so a lone CR is quoted too,
    formula cells neutralised unless safe_csv=False, the seed's `;` if it had one), JSONL, Parquet or
    Excel (typed like the CSV reads)."""
    if fmt == "csv":
        out = df.map(safe_cell) if safe_csv else df
        sep = schema.csv_sep if schema is not None else ","  # the seed's: `;` opens in its spreadsheet
        return out.to_csv(index=False, sep=sep, lineterminator="\r\n").encode("utf-8")
    df = typed(df, schema)
    if fmt == "jsonl":
        out = df.astype(object).where(df.notna(), None)
        nested, arrays = (set(schema.nested), schema.arrays) if schema is not None else (set(), [])
        for c in (c for c in arrays if c in out.columns):
            out[c] = [_array(v) for v in out[c]]
        return "".join(
            json.dumps(_nest(rec, nested), ensure_ascii=False, default=_plain) + "\n" for rec in out.to_dict("records")
        ).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(df)
    if fmt == "parquet":
        buf = io.BytesIO()
        df.astype({c: "string" for c in df.columns if df[c].dtype == object}).to_parquet(buf, index=False)
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt}")


def _xlsx(df: pd.DataFrame) -> bytes:
    """One sheet of rows. Text goes in as text, never as a formula: a cell `=1+2` shows `=1+2`
    (openpyxl takes a string that starts with `=` for a formula unless told otherwise)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("rows")
    sheet.append([str(c) for c in df.columns])
    for rec in df.astype(object).where(df.notna(), None).itertuples(index=False):
        row = []
        for v in rec:
            if isinstance(v, str):  # control characters cannot be stored in a sheet
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", v))
                cell.data_type = "s"
                row.append(cell)
            elif v is None or isinstance(v, (bool, float)):
                row.append(v)
            elif isinstance(v, int) or hasattr(v, "item") and isinstance(_plain(v), int):
                row.append(_whole(sheet, int(v)))
            else:
                row.append(_plain(v))  # numpy scalars as numbers, timestamps and the rest as text
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


EXCEL_DIGITS = 15  # a spreadsheet keeps 15 significant digits: a longer number would change


def _whole(sheet, v: int):
    """A whole number as a number, or as text when a spreadsheet would change it (an 18-digit
    tweet ID opens as 568178223866593000)."""
    if len(str(abs(v))) <= EXCEL_DIGITS:
        return v
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=str(v))
    cell.data_type = "s"
    return cell


def _nest(record: dict, nested: set[str]) -> dict:
    """`{"meta.drug": "A"}` as `{"meta": {"drug": "A"}}` for the columns a JSON seed nested."""
    if not nested:
        return record
    out: dict = {}
    for k, v in record.items():
        *parents, leaf = k.split(".") if k in nested else [k]
        into = out
        for p in parents:
            into = into.setdefault(p, {})
        into[leaf] = v
    return out


def _array(v):
    """A list cell's JSON text as the list again; anything else as it is."""
    try:
        parsed = json.loads(v) if isinstance(v, str) and v.startswith("[") else None
    except json.JSONDecodeError:
        parsed = None
    return parsed if isinstance(parsed, list) else v


def _plain(v):
    """numpy / pandas scalars as JSON numbers, anything else as text."""
    try:
        return v.item()
    except AttributeError:
        return str(v)


def write_rows(df: pd.DataFrame, path: str | Path, fmt: str = "csv", safe_csv: bool = True, schema=None) -> Path:
    return write_bytes(path, rows_bytes(df, fmt, safe_csv, schema))


def write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # never leave a half-written export under the real name
    return path


def write_report(report, out: str | Path) -> tuple[Path, Path]:
    """The quality report as standalone HTML plus JSON next to it."""
    html_path = Path(out)
    if html_path.suffix.lower() != ".html":
        html_path = html_path.with_suffix(".html")
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(report.to_html(), encoding="utf-8")
    json_path = html_path.with_suffix(".json")
    json_path.write_text(report.to_json(), encoding="utf-8")
    return html_path, json_path
