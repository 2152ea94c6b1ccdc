"""Turn whatever a model wrote into rows. Never raises: every dropped fragment gets a reason.

Handles CSV with or without a header row (also `, `-separated), markdown tables, JSON arrays,
JSON objects wrapping a list, JSONL, code fences, chatty preambles and epilogues, numbered
lines, and ragged rows. A row with too many fields is repaired only when it is unambiguous:
exactly one free-text column can absorb the surplus and every surplus piece starts with a space
(a comma inside a sentence), never when the pieces look like values (`,1234567890,`).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field

_FENCE = re.compile(r"^\s*```")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+")
_MD_SEP = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass
class Reject:
    fragment: str
    reason: str


@dataclass
class ParseResult:
    rows: list[dict] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    fmt: str = "none"
    repaired: int = 0  # rows whose unquoted commas were re-joined
    cut: int = 0  # texts past the seed's longest, ended at a sentence end (conditional answers)


def norm_name(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(s).lower())


def _short(s: str, n: int = 120) -> str:
    s = s.strip()
    return s if len(s) <= n else s[: n - 1] + "…"


def parse_output(
    text,
    columns: list[str],
    text_columns: list[str] = (),
    exemplars: list[dict] = (),
    truncated: bool | None = None,
    partial: bool = False,
) -> ParseResult:
    """Parse model output into dicts keyed by `columns` (the order the prompt showed).
    `truncated`: the backend stopped at its token limit (None: unknown, assume a short last
    row was cut off). `partial`: keep rows that carry only some of the columns (a file judged
    by the report may lack some), the missing ones absent from the row."""
    try:
        return _parse(text, list(columns), list(text_columns), list(exemplars), truncated, partial)
    except Exception as exc:  # a parser bug must not kill a run: report it as a reject
        return ParseResult(rejects=[Reject(_short(str(text)), f"parser error: {type(exc).__name__}: {exc}")])


def _parse(text, columns, text_columns, exemplars, truncated, partial=False) -> ParseResult:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ParseResult(rejects=[Reject("", "empty output")])
    lines = [ln for ln in text.split("\n") if not _FENCE.match(ln)]
    body = "\n".join(lines).strip()
    result = _try_json(body, columns, partial)
    if result is None:
        result = _try_records(lines, columns, truncated is not False)
    if result is None:
        markdown = sum(1 for ln in lines if ln.strip().startswith("|")) >= 2
        result = _parse_table(
            lines, columns, text_columns, markdown=markdown, cut=truncated is not False, partial=partial
        )
    _flag_exemplar_copies(result, columns, exemplars)
    return result


# ---------------------------------------------------------------- JSON


def _try_json(body: str, columns: list[str], partial: bool = False) -> ParseResult | None:
    if not body or body[0] not in "[{":
        # JSON after a preamble: start at the first line that opens an array or object
        m = re.search(r"^\s*[\[{]", body, flags=re.M)
        if m is None:
            return None
        body = body[m.start() :].strip()
    objs = None
    try:
        obj = json.loads(body)
        objs = obj if isinstance(obj, list) else [obj]
        fmt = "json"
    except json.JSONDecodeError:
        end = body.rfind("]")
        try:
            obj = json.loads(body[: end + 1]) if end > 0 else None
            objs = obj if isinstance(obj, list) else None
            fmt = "json"
        except json.JSONDecodeError:
            pass
    if objs is None:
        objs, fmt = [], "jsonl"
        for ln in body.split("\n"):
            ln = ln.strip().rstrip(",")
            if not ln:
                continue
            try:
                objs.append(json.loads(ln))
            except json.JSONDecodeError:
                objs.append(ln)
        if not any(isinstance(o, dict) for o in objs):
            return None
    # {"rows": [...]} style wrappers
    if len(objs) == 1 and isinstance(objs[0], dict):
        lists = [v for v in objs[0].values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if len(lists) == 1:
            objs = lists[0]
    res = ParseResult(fmt=fmt)
    want = {norm_name(c): c for c in columns}
    for o in objs:
        if not isinstance(o, dict):
            res.rejects.append(Reject(_short(str(o)), "not a JSON object with the columns"))
            continue
        row = {}
        for k, v in o.items():
            c = want.get(norm_name(k))
            if c is not None:
                row[c] = None if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else str(v))
        missing = [c for c in columns if c not in row]
        if len(missing) == len(columns):
            res.rejects.append(Reject(_short(json.dumps(o)), "JSON object has none of the expected columns"))
        elif missing and not partial:
            res.rejects.append(Reject(_short(json.dumps(o)), f"missing column(s) {', '.join(missing)}"))
        else:
            res.rows.append(row)
    return res


# ---------------------------------------------------------------- records ("column: value")


def _try_records(lines: list[str], columns: list[str], cut: bool) -> ParseResult | None:
    """Blocks of `column: value` lines; a blank line or a repeated column starts a new row."""
    want = {norm_name(c): c for c in columns}
    key_re = re.compile(r"^\s*([\w][\w .-]{0,60}?)\s*:\s?(.*)$")

    def key_of(line):
        m = key_re.match(line)
        return (want.get(norm_name(m.group(1))), m.group(2)) if m else (None, None)

    keyed = {key_of(ln)[0] for ln in lines} - {None}
    if len(keyed) < min(2, len(columns)):
        return None
    res = ParseResult(fmt="records")
    blocks, cur, raw = [], {}, []
    last_key = None

    def close():
        if cur or raw:
            blocks.append((dict(cur), "\n".join(raw)))

    for ln in lines:
        if not ln.strip():
            close()
            cur, raw, last_key = {}, [], None
            continue
        key, value = key_of(ln)
        if key is not None:
            if key in cur:  # the model skipped the blank line between rows
                close()
                cur, raw = {}, []
            cur[key] = value.strip()
            last_key = key
        elif last_key is not None:
            cur[last_key] = (cur[last_key] + " " + ln.strip()).strip()  # a wrapped long value
        else:
            res.rejects.append(Reject(_short(ln), "not a data row (prose or commentary)"))
            continue
        raw.append(ln)
    close()
    for i, (row, text) in enumerate(blocks):
        missing = [c for c in columns if c not in row]
        if not row:
            continue
        if missing and len(missing) == len(columns) - 1 and len(blocks) > 1 and i == len(blocks) - 1 and not cut:
            res.rejects.append(Reject(_short(text), "not a data row (prose or commentary)"))
        elif missing and i == len(blocks) - 1 and cut:
            res.rejects.append(
                Reject(_short(text), f"incomplete last row ({len(row)} of {len(columns)} fields; output was cut off)")
            )
        elif missing:
            res.rejects.append(Reject(_short(text), f"missing column(s) {', '.join(missing)}"))
        else:
            res.rows.append(row)
    return res


# ---------------------------------------------------------------- CSV and markdown


def _records(lines: list[str], markdown: bool, spaced: bool, delim: str):
    """Yield (raw_fragment, fields, is_last) per logical record; joins quoted line breaks."""
    i = 0
    n = len(lines)
    while n and not lines[n - 1].strip():
        n -= 1  # so that the last record with content knows it is last
    while i < n:
        raw = lines[i]
        j = i
        if not markdown:
            while raw.count('"') % 2 == 1 and j + 1 < n and j - i < 5:
                j += 1
                raw += "\n" + lines[j]
        i = j + 1
        if not raw.strip():
            continue
        if markdown:
            s = raw.strip()
            if not s.startswith("|"):
                yield raw, None, i >= n
                continue
            if _MD_SEP.match(s):
                continue
            cells = s.split("|")
            cells = cells[1:-1] if s.endswith("|") and len(cells) > 2 else cells[1:]
            yield raw, [c.strip() for c in cells], i >= n
        else:
            try:
                fields = next(csv.reader([raw], delimiter=delim, skipinitialspace=spaced))
            except (csv.Error, StopIteration):
                fields = None
            yield raw, fields, i >= n


def _detect_delim(lines: list[str], columns: list[str]) -> tuple[str, bool]:
    cands = [ln for ln in lines if ln.strip()][:20]
    best, best_score = ",", -1
    for d in (",", "\t", ";", "|"):
        score = sum(1 for ln in cands if ln.count(d) >= max(1, len(columns) - 1))
        if score > best_score:
            best, best_score = d, score
    # `, `-separated output (every delimiter followed by a space) makes commas in text
    # indistinguishable from delimiters, so repairs are disabled in that mode.
    sample = [ln for ln in cands if ln.count(best) >= max(1, len(columns) - 1)][:5]
    total = sum(ln.count(best) for ln in sample)
    spaced = total > 0 and sum(ln.count(best + " ") for ln in sample) >= 0.9 * total
    return best, spaced


def _header_map(fields: list[str], columns: list[str]) -> list[str | None] | None:
    """If `fields` is a header row, map each field to an expected column (None: drop)."""
    want = {norm_name(c): c for c in columns}
    names = [norm_name(f) for f in fields]
    hits = sum(1 for n in names if n in want)
    if not fields or hits < max(1, (len(fields) + 1) // 2):
        return None
    by_name = [want.get(n) for n in names]
    if len(fields) == len(columns) and None in by_name:
        return list(columns)  # same width, some names differ (helpful_votes): positional
    return by_name


def _parse_table(lines, columns, text_columns, markdown: bool, cut: bool = True, partial: bool = False) -> ParseResult:
    res = ParseResult(fmt="markdown" if markdown else "csv")
    delim, spaced = ("|", False) if markdown else _detect_delim(lines, columns)
    mapping: list[str | None] = list(columns)
    m = len(columns)
    for raw, fields, is_last in _records(lines, markdown, spaced, delim):
        if fields is None:
            res.rejects.append(Reject(_short(raw), "not a data row (prose or commentary)"))
            continue
        header = _header_map(fields, columns)
        if header is not None:
            mapping = header
            continue
        width = len(mapping)
        if not markdown and _LIST_MARK.match(raw) and _LIST_MARK.sub("", fields[0], count=1):
            fields = [_LIST_MARK.sub("", fields[0], count=1)] + fields[1:]  # "1. " list numbering
        if len(fields) > width and all(f.strip() == "" for f in fields[width:]):
            fields = fields[:width]  # trailing delimiters
        if len(fields) > width and not spaced:
            fixed = _merge_text_commas(fields, mapping, text_columns)
            if fixed is not None:
                fields = fixed
                res.repaired += 1
        if len(fields) != width:
            if len(fields) <= max(1, m // 3):
                reason = "not a data row (prose or commentary)"
            elif is_last and cut and len(fields) < width:
                reason = f"incomplete last row ({len(fields)} of {width} fields; output was cut off)"
            else:
                reason = f"ragged row: {len(fields)} fields, expected {width}"
            res.rejects.append(Reject(_short(raw), reason))
            continue
        row = {c: (v.strip() if v is not None else None) for c, v in zip(mapping, fields) if c}
        missing = [c for c in columns if c not in row]
        if missing and not (partial and row):
            res.rejects.append(Reject(_short(raw), f"missing column(s) {', '.join(missing)}"))
            continue
        res.rows.append(row)
    return res


def _merge_text_commas(fields, mapping, text_columns) -> list[str] | None:
    extra = len(fields) - len(mapping)
    fits = []
    for t, name in enumerate(mapping):
        if name not in text_columns:
            continue
        pieces = fields[t + 1 : t + 1 + extra]
        if pieces and all(p.startswith(" ") and p.strip() for p in pieces):
            fits.append(fields[:t] + [",".join(fields[t : t + 1 + extra])] + fields[t + 1 + extra :])
    return fits[0] if len(fits) == 1 else None


def _flag_exemplar_copies(res: ParseResult, columns, exemplars) -> None:
    if not exemplars:
        return

    def key(r):
        return tuple(str(r.get(c) or "").strip().casefold() for c in columns)

    seen = {key(e) for e in exemplars}
    keep = []
    for r in res.rows:
        if key(r) in seen:
            res.rejects.append(Reject(_short(",".join(str(r.get(c)) for c in columns)), "copies a prompt exemplar"))
        else:
            keep.append(r)
    res.rows = keep
