"""Text files as rows: CSV, TSV, markdown tables, JSON and JSONL, read the way people's files and
models' answers come (an unknown encoding, garbled characters, nameless or repeated header names,
text cut at unquoted commas, ragged rows). Every decision is a note; nothing here raises but a
DataError naming the problem."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd

from syngen.common.errors import DataError

csv.field_size_limit(2**31 - 1)  # reviews can be long; the default 128 KB limit is an error, not a guard


def read_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """The file's text and what reading it decided: an encoding other than UTF-8, and mojibake
    (UTF-8 that was once read as cp1252: "cafÃ©") repaired by ftfy where it is sure."""
    text = decode(data, name)
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


def decode(data: bytes, name: str) -> str:
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


def read_delimited(text: str, name: str, delimiter: str | None, ragged: str = "skip") -> pd.DataFrame:
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


def json_records(text: str, name: str) -> list:
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


def jsonl_records(text: str, name: str) -> tuple[list, list[str]]:
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


def records_frame(records: list, name: str, notes: list[str] | None = None) -> pd.DataFrame:
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
