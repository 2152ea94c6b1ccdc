"""Prompts and answers for the conditional plan: the model writes only the text of a row whose
other fields (label, sampled values) are fixed.

Completion (base) models see k seed rows as `column: value` records, given fields first and the
model-written columns last, and the prompt ends inside the new row (`review:`), so the model
writes that row's text and stops at its line break. Chat models get the same examples and row
as an instruction and answer with the missing `column: value` lines.
"""

from __future__ import annotations

import csv
import json
import random
import re

import pandas as pd

from syngen.plan.length_hint import hint_name, with_hints
from syngen.prompting.parsing import ParseResult, Reject
from syngen.prompting.prompts import (
    STYLES,
    Prompt,
    PromptSpec,
    _fill,
    _one_line,
    prefer_liked,
    rows_to_records,
    select_exemplars,
)
from syngen.seed.schema import IDS, Role, Schema, too_long

_FENCE = re.compile(r"^```\w*\s*$")


def _matching(
    records: list[dict], pool: list[int], fields: dict, match_cols: list[str], limit: int, rng: random.Random
) -> list[int]:
    """Seed rows sharing the most given field values (same drug, same condition), best first."""
    scored = [
        (sum(fields.get(c) is not None and records[i].get(c) == fields.get(c) for c in match_cols), rng.random(), i)
        for i in pool
    ]  # two empty cells are no match: an empty column would make every row look alike
    scored = [s for s in scored if s[0] > 0]
    scored.sort(reverse=True)
    return [i for _, _, i in scored[:limit]]


def choose_exemplars(
    seed: pd.DataFrame,
    schema: Schema,
    spec: PromptSpec,
    fields: dict,
    match_cols: list[str],
    rng: random.Random,
    same: list[str] = (),
) -> list[dict]:
    """k exemplars of the row's label: up to half share its fields, the rest follow the style.
    `same`: columns the text gives away (syngen.plan.revealed): every exemplar has the row's
    value there when the seed has enough such rows, so the model sees texts that name it."""
    if spec.k <= 0:  # a tuned model writes rows without exemplars
        return []
    label = schema.label
    target = fields.get(label) if label else None
    records = seed.to_dict("records")
    pool = [i for i, r in enumerate(records) if target is None or r.get(label) == target] or list(range(len(records)))
    k = min(spec.k, len(records))
    allowed = range(len(records))
    if same:
        alike = [i for i in range(len(records)) if all(records[i].get(c) == fields.get(c) for c in same)]
        if len(alike) >= k:
            allowed = alike
            pool = [i for i in pool if i in set(alike)] or alike
    picked = _matching(records, pool, fields, match_cols, max(1, k // 2), rng) if match_cols else []
    rest = k - len(picked)
    if rest > 0:
        taken = set(picked)
        others = seed.iloc[[i for i in allowed if i not in taken]]
        more = select_exemplars(others, schema, rest, spec.selection, spec.style, rng, target)
        return [records[i] for i in picked] + more
    return [records[i] for i in picked]


def row_columns(schema: Schema, given: list[str], written: list[str]) -> list[str]:
    """Order of a rendered row: label, given fields, length hints, then what the model writes
    (text last). ID columns are left out: they carry nothing the text depends on and cost tokens."""
    label = schema.label
    shown = [c for c in schema.names if c in given and schema.col(c).role not in IDS and c != label]
    hints = [hint_name(c) for c in written if hint_name(c) in given]
    ordered = sorted(written, key=lambda c: schema.col(c).role == Role.TEXT)
    return ([label] if label else []) + shown + hints + ordered


def build_row_prompt(
    seed: pd.DataFrame,
    schema: Schema,
    spec: PromptSpec,
    fields: dict,
    written: list[str],
    match_cols: list[str],
    rng: random.Random,
    contrast=(),
    same: list[str] = (),
) -> Prompt:
    """One prompt for one row: `fields` are fixed, the model writes the `written` columns.
    `contrast`: seed rows of another label close to the wanted ones ("different from these");
    `same`: columns every exemplar shares with the row (the ones its text gives away)."""
    exemplars = choose_exemplars(seed, schema, spec, fields, match_cols, rng, same)
    exemplars = prefer_liked(
        exemplars, spec.liked, schema.label, fields.get(schema.label) if schema.label else None, spec.k, rng
    )
    cols = row_columns(schema, list(fields), written)
    given = [c for c in cols if c not in written]
    hinted = [c for c in written if hint_name(c) in fields]
    examples = rows_to_records([with_hints(r, hinted) for r in exemplars], cols).strip()
    row_lines = "".join(f"{c}: {_one_line(fields.get(c))}\n" for c in given)
    negatives = (
        rows_to_records(spec.negatives, [c for c in cols if any(c in r for r in spec.negatives)]).strip()
        if spec.negatives
        else ""
    )
    contrast_text = rows_to_records([with_hints(r, hinted) for r in contrast], cols).strip() if contrast else ""
    what = " and ".join(written)
    values = {
        "examples": examples,
        "n": "1",
        "columns": ",".join(cols),
        "contracts": "",
        "label": str(fields.get(schema.label, "")) if schema.label else "",
        "context": spec.context or "",
        "negatives": negatives,
        "style": STYLES[spec.style],
        "row": row_lines.strip(),
    }
    if spec.template:
        user = _fill(spec.template, values)
        if "{row}" not in spec.template:
            user = user.rstrip() + "\n\n" + row_lines.strip()
    else:
        parts = [
            f"The dataset: {spec.context}." if spec.context else "",
            "Example rows of the dataset, one `column: value` line per field:",
            examples,
            STYLES[spec.style],
            ("Do not write anything like these (they were judged unrealistic):\n" + negatives) if negatives else "",
            ("These rows are close but of another kind; the new row must read differently from them:\n" + contrast_text)
            if contrast_text
            else "",
            f"Write the {what} for this new row. It must fit every given field"
            + (f" (its {schema.label} is {fields.get(schema.label)})" if schema.label else "")
            + ":",
            row_lines.strip(),
            "Answer with only these line(s), each on one line, nothing else:\n"
            + "\n".join(f"{c}: ..." for c in written),
        ]
        user = "\n\n".join(p for p in parts if p)
    messages = [
        {
            "role": "system",
            "content": "You write realistic rows for tabular datasets. "
            "You answer with the requested `column: value` lines only.",
        },
        {"role": "user", "content": user},
    ]
    if spec.template:  # the user's text is the whole prefix; the row follows it
        body = _fill(spec.template, {**values, "row": ""}).rstrip() + "\n\n"
    else:
        # a base model sees the close rows of another label as rows with their own label, first
        # (farthest from the row it writes), so its label's wording is what it continues from
        body = (
            (f"# {spec.context}\n\n" if spec.context else "")
            + (contrast_text + "\n\n" if contrast_text else "")
            + (examples + "\n\n" if examples else "")
        )
    prefill = row_lines + f"{written[0]}:"
    completion = body + prefill
    return Prompt(
        messages,
        completion,
        prefill,
        cols,
        exemplars,
        fields.get(schema.label) if schema.label else None,
        rows=1,
        lines_per_row=len(written),
        fields=dict(fields),
        written=list(written),
        line_keys=[f"{c}:" for c in written[1:]],
        line_limits=[schema.col(c).max_chars for c in written],
        line_ends=[schema.col(c).median_chars for c in written],
        line_mins=[least_chars(fields.get(hint_name(c))) for c in written],
    )


CHARS_PER_WORD = 5.5  # English text, a space included


def least_chars(hint) -> int | None:
    """The characters of a text of `hint` words: the embedded model's `length_floor` option turns
    a line break before a share of this into a space (a small model ends its line sooner than the
    seed's texts do: median 59 words for a seed's 99.5)."""
    try:
        words = int(hint)
    except (TypeError, ValueError):
        return None
    return int(words * CHARS_PER_WORD) if words > 0 else None


def _strip_chatter(lines: list[str]) -> list[str]:
    lines = [ln for ln in lines if not _FENCE.match(ln.strip())]
    while lines and not lines[0].strip():
        lines.pop(0)
    # "Sure! Here is the review:" before the answer
    if len(lines) > 1 and lines[0].rstrip().endswith(":") and len(lines[0].split()) > 1:
        lines.pop(0)
    return lines


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1].strip()
    return v


def parse_answer(text: str, prompt: Prompt, chat: bool, truncated: bool) -> ParseResult:
    """The written columns from a model's answer, merged with the row's given fields.
    Never raises: a bad answer becomes one reject with its reason."""
    res = ParseResult(fmt="conditional")
    written = prompt.written
    fragment = (text or "")[:160]
    lines = (text or "").replace("\r", "").split("\n")
    if chat:
        lines = _strip_chatter(lines)
        table = _table_rows(lines, prompt)
        if table is not None:  # a table, a list of rows or several records: not one row's text
            if len(table) != 1 or any(not _unquote(str(table[0].get(c) or "")) for c in written):
                res.rejects.append(
                    Reject(fragment, f"the answer is a table of {len(table)} row(s), not one row's text")
                )
                return res
            lines = [f"{c}: {table[0][c]}" for c in written]  # its one row: that row's own text
    keyed = re.compile(r"^\s*(" + "|".join(re.escape(c) for c in prompt.columns) + r")\s*:\s?(.*)$", re.I)
    values: dict[str, str] = {}
    current = None if chat else written[0]
    if current is not None and lines:
        values[current] = lines.pop(0)
    for ln in lines:
        m = keyed.match(ln)
        if m:
            name = next(c for c in prompt.columns if c.lower() == m.group(1).lower())
            if name not in written:
                if name in values or current is not None:
                    break  # the model started another row: everything it needed came before
                continue  # a chat model repeating a given field back
            if name in values:
                break
            current, values[name] = name, m.group(2)
        elif current is not None and ln.strip() and chat:
            values[current] = (values[current] + " " + ln.strip()).strip()  # a wrapped paragraph
        elif not ln.strip() and not chat:
            break
    if chat and not values and len(written) == 1:
        values[written[0]] = " ".join(ln.strip() for ln in lines if ln.strip())  # a bare answer
    missing = [c for c in written if not _unquote(values.get(c, ""))]
    medians = list(prompt.line_ends) + [None] * len(written)
    for c, limit, median in zip(written, prompt.line_limits, medians):  # the backend ends a line that runs on
        if limit and len(_unquote(values.get(c, ""))) > limit:
            # within the seed's longest (limit: twice that), and at most three times its median: a
            # title cut to the seed's longest title would still be far longer than titles are
            longest = min(limit // 2, 3 * median) if median else limit // 2
            cut = cut_at_sentence(_unquote(values[c]), longest)
            if cut is None:
                res.rejects.append(Reject(fragment, f"{c}: {too_long(len(_unquote(values[c])), limit)}"))
                return res
            values[c], res.cut = cut, res.cut + 1
    if truncated:  # the stop rule ends a finished answer at its line break; this one ran out
        res.rejects.append(Reject(fragment, "text cut off at the token limit (raise max_new_tokens)"))
        return res
    if missing:
        why = "empty output" if not (text or "").strip() else f"no {', '.join(missing)} in the answer"
        res.rejects.append(Reject(fragment, why))
        return res
    res.rows.append({**prompt.fields, **{c: _unquote(values[c]) for c in written}})
    return res


_SENTENCE_END = re.compile(r"[.!?…](?:[\"')\]]*)(?=\s|$)")


def cut_at_sentence(text: str, longest: int) -> str | None:
    """A text that ran past the seed's longest, ended at its last sentence end within that length,
    when that keeps at least half of it (a decode is not thrown away for its last sentence); None
    when no sentence ends there."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if m.end() <= longest]
    return text[: ends[-1]].strip() if ends and ends[-1] >= longest // 2 else None


_DELIMS = (",", "|", "\t", ";")


def _table_rows(lines: list[str], prompt: Prompt) -> list[dict] | None:
    """The rows of an answer written as a table (CSV, markdown, tab-separated, a JSON list or
    several `column: value` records), or None when it reads as plain text. A table is a header
    row naming 2+ of the columns, three or more lines splitting into the same number (3+) of
    fields, or a JSON value."""
    body = [ln for ln in lines if ln.strip()]
    joined = "\n".join(body).strip()
    if joined[:1] in "[{":
        try:
            data = json.loads(joined)
        except ValueError:
            data = None
        if isinstance(data, dict):
            data = [data]
        if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
            return [{str(k): v for k, v in r.items()} for r in data]
    cols = [c.lower() for c in prompt.columns]
    for d in _DELIMS:
        split = csv.reader([ln.strip().strip("|") if d == "|" else ln for ln in body], delimiter=d)
        rows = [[c.strip() for c in r] for r in split]
        rows = [r for r in rows if not set("".join(r)) <= set("-: ")]  # markdown's separator row
        at = next((i for i, r in enumerate(rows) if len(r) >= 3 and sum(c.lower() in cols for c in r) >= 2), None)
        if at is not None:  # a header row naming the table's columns: the rows after it, by name
            names = [next((c for c in prompt.columns if c.lower() == h.lower()), h) for h in rows[at]]
            return [dict(zip(names, r)) for r in rows[at + 1 :] if len(r) == len(names)]
        widths = [len(r) for r in rows]
        common = max(set(widths), key=widths.count) if widths else 0
        if common >= 3 and widths.count(common) >= 3:  # a table with no header we know: count its rows
            return [{} for _ in range(widths.count(common))]
    keys = [c.lower() for c in prompt.written]
    starts = [ln for ln in body if ln.split(":", 1)[0].strip().lower() in keys]
    if len(starts) > len(keys):  # the same written field more than once: several records
        return [{} for _ in range(len(starts) // max(1, len(keys)))]
    return None
