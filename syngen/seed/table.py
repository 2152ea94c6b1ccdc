"""Read seed tables from disk and clean them, reporting what cleaning changed.

Every value is read as text: roles and types are inferred later by `syngen.seed.schema`, so IDs
with leading zeros or dates in odd formats survive loading untouched.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from syngen.common.errors import DataError, first_line


def max_bytes_default() -> int:
    """The load size limit: SYNGEN_MAX_MB megabytes (default 200)."""
    try:
        return int(float(os.environ.get("SYNGEN_MAX_MB", "200")) * 1024 * 1024)
    except ValueError:
        return 200 * 1024 * 1024


csv.field_size_limit(2**31 - 1)  # reviews can be long; the default 128 KB limit is an error, not a guard
SUPPORTED = ".csv .tsv .txt .json .jsonl .ndjson .parquet .xlsx .xls"
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


def bundled(path: Path) -> Path:
    """A relative path that is not here but is in the project's folder (`data/drug_reviews/
    train.csv`, the default seed) as that file: `syngen generate` works from any folder."""
    if path.is_absolute() or path.exists() or path.parts[:1] != ("data",):
        return path
    home = Path(__file__).resolve().parents[2] / path
    return home if home.is_file() else path


def load_table(path: str | Path, max_bytes: int | None = None, ragged: str = "skip") -> pd.DataFrame:
    """Load a CSV/TSV/JSON/JSONL/Parquet/Excel file as a frame of strings (None for missing).
    `ragged`: rows with too many fields are skipped, or with "truncate" cut to the header width
    (for judging model output as the seed SynGen's author read it)."""
    path = bundled(Path(path))
    max_bytes = max_bytes or max_bytes_default()
    if not path.exists():
        raise DataError(f"{path}: file not found; check the path (bundled data: data/drug_reviews/train.csv)")
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give a data file ({SUPPORTED})")
    size = path.stat().st_size
    if size > max_bytes:
        raise DataError(
            f"{path.name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit; "
            "use a sample of the file (or raise SYNGEN_MAX_MB)"
        )
    if size == 0:
        raise DataError(f"{path.name}: the file is empty; give a table with a header row and data rows")
    return _load_bytes(path.read_bytes(), path.suffix.lower(), path.name, ragged)


def load_upload(data: bytes, filename: str, max_bytes: int | None = None) -> pd.DataFrame:
    """Same as `load_table` for bytes already in memory (an upload in the app)."""
    max_bytes = max_bytes or max_bytes_default()
    if len(data) > max_bytes:
        raise DataError(
            f"{filename}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit; use a sample of the file"
        )
    if not data:
        raise DataError(f"{filename}: the file is empty; give a table with a header row and data rows")
    return _load_bytes(data, Path(filename).suffix.lower(), filename)


def _load_bytes(data: bytes, suffix: str, name: str, ragged: str = "skip") -> pd.DataFrame:
    read_notes: list[str] = []
    try:
        if suffix in (".csv", ".tsv", ".txt", ""):
            text, read_notes = _text(data, name)
            df = _read_delimited(text, name, "\t" if suffix == ".tsv" else None, ragged)
        elif suffix == ".json":
            text, read_notes = _text(data, name)
            df = _records_frame(_json_records(text, name), name)
        elif suffix in (".jsonl", ".ndjson"):
            text, read_notes = _text(data, name)
            records, notes = _jsonl_records(text, name)
            df = _records_frame(records, name, notes)
        elif suffix == ".parquet":
            df = pd.read_parquet(io.BytesIO(data))
        elif suffix in (".xlsx", ".xls"):
            sheets = pd.ExcelFile(io.BytesIO(data)).sheet_names
            df = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str)
            if len(sheets) > 1:
                df.attrs["notes"] = [
                    f"read the first sheet '{sheets[0]}' of {len(sheets)} "
                    f"({', '.join(sheets)}); save the sheet you want as CSV to use another"
                ]
        else:
            raise DataError(f"{name}: unsupported file type '{suffix}'; use one of {SUPPORTED}")
    except DataError:
        raise
    except Exception as exc:  # parser libraries raise many types; the user needs one line
        raise DataError(
            f"{name}: could not be read as {suffix or 'a table'} ({first_line(exc)}); check the file is a valid table"
        ) from None
    df.attrs["notes"] = read_notes + list(df.attrs.get("notes", []))
    return _as_strings(df, name)


def _text(data: bytes, name: str) -> tuple[str, list[str]]:
    """The file's text and what reading it decided: an encoding other than UTF-8, and mojibake
    (UTF-8 that was once read as cp1252: "cafÃ©") repaired by ftfy where it is sure."""
    text = _decode(data, name)
    notes = []
    if not (data.startswith((b"\xff\xfe", b"\xfe\xff")) or _is_utf8(data)):
        notes.append("read as cp1252 / latin-1 (the file is not UTF-8)")
    import ftfy

    if ftfy.is_bad(text[:200_000]):
        fixed = ftfy.fix_encoding(text)
        changed = sum(a != b for a, b in zip(text.splitlines(), fixed.splitlines()))
        if changed and len(fixed.splitlines()) == len(text.splitlines()):
            text = fixed
            notes.append(f"repaired garbled characters (UTF-8 read as cp1252, like 'Ã©' for 'é') on {changed} line(s)")
    return text, notes


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:4096]:
        raise DataError(f"{name}: looks like a binary file, not a text table; export it as CSV or Parquet")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Spreadsheet exports on Windows are often cp1252 (its curly quotes are the bytes latin-1
    # leaves as control characters); latin-1 decodes every byte and catches the rest.
    for encoding in ("cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace")


def _read_delimited(text: str, name: str, delimiter: str | None, ragged: str = "skip") -> pd.DataFrame:
    if not text.strip():
        raise DataError(f"{name}: the file is empty; give a table with a header row and data rows")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if delimiter is None and len(lines) >= 2 and sum(ln.startswith("|") for ln in lines) >= 0.8 * len(lines):
        return _read_markdown(lines, name)
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=delimiter), [])
    unnamed = [i for i, h in enumerate(header) if not h.strip()]
    names, name_notes = name_columns([h.strip() for h in header])
    # Rows are split by the csv module (quotes, embedded line breaks) so that one policy decides
    # about ragged rows whatever pandas version is installed: long rows skipped (or cut with
    # ragged="truncate"), short rows padded with empty cells; each counted in a note.
    records = [rec for rec in csv.reader(io.StringIO(text), delimiter=delimiter) if any(f.strip() for f in rec)][1:]
    records, joined = _join_long_rows(records, len(names), unnamed, delimiter)
    kept, notes = fit_rows(records, len(names), name, ragged, delimiter)
    if joined:
        notes.insert(
            0, f"{joined} row(s) longer than the header (commas not quoted) joined back into '{names[unnamed[0] - 1]}'"
        )
    df = pd.DataFrame(kept, columns=names, dtype=object)
    df = df.where(df != "", None)
    df, spill_notes = rejoin_spilled(df, [names[i] for i in unnamed], delimiter)
    df.attrs.update(notes=name_notes + spill_notes + notes, delimiter=delimiter)
    return df


def _join_long_rows(records: list[list[str]], width: int, unnamed: list[int], sep: str) -> tuple[list, int]:
    """With unnamed columns after a named one (`label,message,,,`), a row longer than the header
    is that text cut at unquoted commas: its extra fields go back into the text."""
    t = unnamed[0] - 1 if unnamed else -1
    if t < 0 or unnamed != list(range(unnamed[0], width)):
        return records, 0
    out, joined = [], 0
    for rec in records:
        if len(rec) > width:
            keep = [f for f in rec[t + 1 :] if f.strip()]
            rec = rec[:t] + [sep.join([rec[t], *keep])] + [""] * (width - t - 1)
            joined += 1
        out.append(rec)
    return out, joined


def name_columns(names: list[str]) -> tuple[list[str], list[str]]:
    """Header names a table can use: an empty one becomes `column_<n>`, a repeated one gets
    `_2`, `_3` (pandas would rename them `.1` without a word). Returns (names, notes)."""
    out, notes, seen = [], [], set()
    for i, n in enumerate(names):
        new = n or f"column_{i + 1}"
        k = 2
        while new in seen:
            new, k = f"{n or f'column_{i + 1}'}_{k}", k + 1
        if n and new != n:
            notes.append(f"column name '{n}' appears more than once: the repeat is called '{new}'")
        seen.add(new)
        out.append(new)
    return out, notes


def rejoin_spilled(df: pd.DataFrame, unnamed: list[str], sep: str = ",") -> tuple[pd.DataFrame, list[str]]:
    """Columns with no header name, as a downloaded file has them (`label,message,,,`): empty ones
    are dropped; values in them on a few rows are the named text before them cut at unquoted
    commas, and are joined back onto it. An unnamed column filled on most rows is kept as data."""
    if not unnamed:
        return df, []
    notes = []
    empty = [c for c in unnamed if df[c].isna().all()]
    spilled = [c for c in unnamed if c not in empty and df[c].notna().mean() < 0.5]
    kept = [c for c in unnamed if c not in empty + spilled]
    cols = list(df.columns)
    named_before = [c for c in cols[: cols.index(spilled[0])] if c not in unnamed] if spilled else []
    if spilled and named_before:
        target = named_before[-1]
        rows = df[spilled].notna().any(axis=1)
        for i in df.index[rows]:
            parts = [df.at[i, target]] + [df.at[i, c] for c in spilled]
            df.at[i, target] = sep.join(str(p) for p in parts if p is not None)
        notes.append(
            f"{int(rows.sum())} row(s) had text past the named columns (commas not quoted): joined back onto '{target}'"
        )
    else:
        kept += spilled
        spilled = []
    if empty:
        notes.append(f"{len(empty)} column(s) with no name and no values dropped")
    if kept:
        notes.append(f"column(s) with no name kept as {', '.join(kept)}")
    return df.drop(columns=empty + spilled), notes


def _read_markdown(lines: list[str], name: str) -> pd.DataFrame:
    """A markdown table (models write these); ragged rows follow the CSV policy (fit_rows)."""
    rows = []
    for ln in lines:
        if not ln.startswith("|") or re.fullmatch(r"\|?[\s:|-]+\|?", ln):
            continue
        cells = ln.strip().strip("|").split("|")
        rows.append([c.strip() for c in cells])
    if len(rows) < 2:
        raise DataError(f"{name}: a markdown table needs a header row and data rows")
    header = rows[0]
    body, notes = fit_rows(rows[1:], len(header), name, "skip", "|")
    df = pd.DataFrame(body, columns=header, dtype=object)
    df = df.where(df != "", None)
    df.attrs["notes"] = ["read as a markdown table"] + notes
    return df


def fit_rows(
    records: list[list[str]], width: int, name: str, ragged: str = "skip", sep: str = ","
) -> tuple[list[list[str]], list[str]]:
    """The one policy for rows whose field count differs from the header, in every format:
    a long row is skipped (or cut with ragged="truncate"), a short row is padded with empty
    cells; each case is counted in a note naming the first. Nothing left is an error."""
    long_rows = [rec for rec in records if len(rec) > width]
    short = sum(1 for rec in records if len(rec) < width)
    kept = [
        (rec[:width] if len(rec) > width else rec + [""] * (width - len(rec)))
        for rec in records
        if len(rec) <= width or ragged == "truncate"
    ]
    if not kept:
        if long_rows:
            raise DataError(
                f"{name}: every row has more fields than the header's {width} (first: "
                f"{sep.join(long_rows[0])[:80]!r}); fix the file or quote values with commas"
            )
        raise DataError(f"{name}: has a header row but no data rows")
    notes = []
    if long_rows:
        done = "cut to the header's width" if ragged == "truncate" else "skipped"
        notes.append(
            f"{len(long_rows)} row(s) with too many fields were {done} "
            f"(first: {sep.join(long_rows[0])[:80]!r}); fix them in the file to keep them whole"
        )
    if short:
        notes.append(f"{short} row(s) had fewer fields than the header; their missing cells are left empty")
    return kept, notes


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        header = text.splitlines()[0]
        counts = {d: header.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _json_records(text: str, name: str) -> list:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{name}: is not valid JSON ({exc.msg} at line {exc.lineno}); "
            "for one record per line use the .jsonl extension"
        ) from None
    if isinstance(obj, dict):
        # {"data": [...]} or {"rows": [...]} wrappers are common API exports.
        lists = [v for v in obj.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if len(lists) == 1:
            return lists[0]
        if obj and all(isinstance(v, list) for v in obj.values()):
            return pd.DataFrame(obj).to_dict("records")
    if not isinstance(obj, list):
        raise DataError(f"{name}: JSON must be a list of records like [{{\"col\": value}}, ...]")
    return obj


def _jsonl_records(text: str, name: str) -> tuple[list, list[str]]:
    """Records of a JSON Lines file. A line that is not a JSON object is skipped and counted
    (the same policy as a CSV row with too many fields); nothing usable left is an error."""
    records, bad = [], []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(f"line {lineno}: {exc.msg}")
            continue
        if isinstance(obj, dict):
            records.append(obj)
        else:
            bad.append(f"line {lineno}: not an object")
    if bad and not records:
        raise DataError(f"{name}: no line is a JSON object ({bad[0]}); write one {{\"col\": value}} per line")
    notes = (
        [
            f"{len(bad)} line(s) that are not JSON objects were skipped (first: {bad[0]}); fix them in "
            "the file to keep them"
        ]
        if bad
        else []
    )
    return records, notes


def _records_frame(records: list, name: str, notes: list[str] | None = None) -> pd.DataFrame:
    if not records:
        raise DataError(f"{name}: contains no records")
    objs = [r for r in records if isinstance(r, dict)]
    if not objs:
        raise DataError(f"{name}: every record must be an object like {{\"col\": value}}")
    notes = list(notes or [])
    if len(objs) < len(records):
        notes.append(f"{len(records) - len(objs)} record(s) that are not objects were skipped")
    nested: dict[str, None] = {}  # flattened names, in order
    df = pd.DataFrame.from_records([_flatten(r, "", {}, nested) for r in objs])
    arrays = [c for c in df.columns if any(isinstance(v, list) for v in df[c])]  # ["a", "b"]: JSON text in a cell
    if nested:  # a field that is an object in some rows and null in others: its parts take its place
        order: list[str] = []
        for c in df.columns:
            parts = [n for n in nested if n.startswith(c + ".")] if c not in nested else []
            order += [x for x in parts or [c] if x not in order]
        df = df[order]
        notes.append(
            f"nested fields became columns ({', '.join(list(nested)[:6])}{', …' if len(nested) > 6 else ''}); "
            "JSONL exports nest them again"
        )
    df.attrs.update(notes=notes, nested=list(nested), arrays=arrays)
    return df


def _flatten(record: dict, prefix: str, into: dict, nested: dict) -> dict:
    """`{"meta": {"drug": "A"}}` as `{"meta.drug": "A"}`: each part of an object is a column the
    seed model can sample (a whole object in one cell was text the language model had to write)."""
    for k, v in record.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            _flatten(v, key + ".", into, nested)
        else:
            into[key] = v
            if prefix:
                nested[key] = None
    return into


def _as_strings(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df.shape[1] == 0 or len(df) == 0:
        raise DataError(f"{name}: no columns or no rows found")
    cols = [str(c).strip() for c in df.columns]
    cols = ["" if c.startswith("Unnamed: ") else c for c in cols]  # pandas' name for an empty header
    cols, name_notes = name_columns(cols)
    notes = list(df.attrs.get("notes", [])) + [n for n in name_notes if n not in df.attrs.get("notes", [])]
    df = df.copy()
    df.columns = cols
    out = {}
    for c in cols:
        out[c] = [None if _missing(v) else _to_str(v) for v in df[c].tolist()]
    frame = pd.DataFrame(out, dtype=object)
    frame.attrs.update({k: df.attrs[k] for k in ("nested", "arrays", "delimiter") if k in df.attrs}, notes=notes)
    return frame


def _missing(v) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _to_str(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


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


def dataset_name(path: str | Path) -> str:
    """Short dataset name for file naming: folder name for generic split files (train.csv)."""
    p = Path(path)
    stem = p.stem
    if stem.lower() in {"train", "test", "valid", "validation", "data", "dev", "seed"} and p.parent.name:
        return p.parent.name
    return stem
