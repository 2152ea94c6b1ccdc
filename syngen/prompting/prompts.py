"""k-shot prompt building: exemplar selection, styles, targets, negatives. Pure functions.

One `Prompt` carries both renderings: chat messages (instruction models) and a CSV prefix that a
completion (base) model continues. For completion models a target label is enforced by moving
the label column first and ending the prefix with `label,`: the model must continue that row.
"""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass, field

import pandas as pd

from syngen.common.errors import ConfigError
from syngen.common.text import words
from syngen.seed.schema import Role, Schema

STYLES = {
    "base": "Write new rows that look like they come from the same dataset as the examples.",
    "diversity": "Make the rows diverse: vary topics, opinions, wording and writers, and do not "
    "reuse phrases from the examples or from each other.",
    "lang_complexity": "Match the language complexity of the examples: similar vocabulary, "
    "sentence structure and reading level, neither simpler nor more polished.",
    "text_length": "Match the text length of the examples: similar numbers of words and "
    "sentences per text; real users rarely write very long texts.",
    "custom": "",
}
SELECTIONS = ("auto", "random", "stratified", "diverse")
TEMPLATE_FIELDS = (
    "examples",
    "n",
    "columns",
    "contracts",
    "label",
    "context",
    "negatives",
    "style",
    "row",
)  # {row}: the conditional plan's given fields of the row to write


@dataclass(frozen=True)
class PromptSpec:
    """What the user chose for the prompt; serialisable into the run config."""

    k: int = 4
    selection: str = "auto"
    style: str = "base"
    template: str | None = None
    context: str | None = None
    negatives: list[dict] = field(default_factory=list)
    liked: list[dict] = field(default_factory=list)  # reviewed rows the user liked: preferred exemplars
    rows_per_prompt: int = 2
    completion_format: str = "records"  # what base models continue: "records" or "csv"

    def check_prompt(self, n_seed: int, tuned: bool = False) -> None:
        """`tuned`: the model was adapted to the seed (`syngen tune`), so k=0 (no exemplars) works."""
        if self.style not in STYLES:
            raise ConfigError(f"unknown prompt style '{self.style}'; use one of {list(STYLES)}")
        if self.style == "custom" and not self.template:
            raise ConfigError("prompt style 'custom' needs a template (--template FILE)")
        if self.completion_format not in ("records", "csv"):
            raise ConfigError(f"unknown completion format '{self.completion_format}'; use records or csv")
        if self.selection not in SELECTIONS:
            raise ConfigError(f"unknown exemplar selection '{self.selection}'; use one of {SELECTIONS}")
        if self.k < (0 if tuned else 1):
            raise ConfigError(
                "k must be at least 1 (the number of seed rows shown to the model); "
                "k=0 needs an adapter tuned on the seed (syngen tune)"
            )
        if self.k > n_seed:
            raise ConfigError(f"k={self.k} is larger than the seed ({n_seed} rows); use --k {n_seed} or less")


@dataclass
class Prompt:
    messages: list[dict]
    completion: str
    prefill: str
    columns: list[str]
    exemplars: list[dict]
    target_label: str | None = None
    rows: int = 1  # rows asked for
    lines_per_row: int = 1  # completion backends stop after rows * lines_per_row line breaks
    fields: dict = field(default_factory=dict)  # conditional plan: the row's given values
    written: list = field(default_factory=list)  # conditional plan: the columns the model writes
    needs_model: bool = True  # False: the row is complete already (every column sampled)
    line_keys: list = field(default_factory=list)  # completion: `column:` keys begun after each line break
    line_limits: list = field(default_factory=list)  # characters each written line may have (None: any)
    line_ends: list = field(default_factory=list)  # characters after which a sentence end ends the line
    line_mins: list = field(default_factory=list)  # characters before which a line break is not the end


def rows_to_csv(rows: list[dict], columns: list[str], header: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()


def rows_to_records(rows: list[dict], columns: list[str]) -> str:
    """One `column: value` line per field, a blank line between rows. Base models keep this
    shape far better than CSV quoting (bench/embedded/ measures both)."""
    return "".join("".join(f"{c}: {_one_line(r.get(c))}\n" for c in columns) + "\n" for r in rows)


def _one_line(v) -> str:
    return "" if v is None else " ".join(str(v).split())


def _words(s: str) -> set[str]:
    return set(words(s))


def _row_text(row: dict, schema: Schema) -> str:
    cols = [c.name for c in schema.by_role(Role.TEXT)] or schema.names
    return " ".join(str(row.get(c) or "") for c in cols)


def select_exemplars(
    seed: pd.DataFrame,
    schema: Schema,
    k: int,
    method: str,
    style: str,
    rng: random.Random,
    target_label: str | None = None,
) -> list[dict]:
    """Pick k seed rows. 'auto' follows the style: diversity -> diverse, text_length and
    lang_complexity -> spread over length / word-length quantiles, base -> stratified."""
    if k <= 0:  # a tuned model writes rows without exemplars
        return []
    records = seed.to_dict("records")
    label = schema.label
    pool = list(range(len(records)))
    if target_label is not None and label:
        on_target = [i for i in pool if records[i].get(label) == target_label]
        # Mostly on-target exemplars steer the model to the label; pad with others if few.
        if len(on_target) < k:
            taken = set(on_target)
            on_target += rng.sample([i for i in pool if i not in taken], k - len(on_target))
        pool = on_target
    if method == "auto":
        method = {"diversity": "diverse", "text_length": "length", "lang_complexity": "complexity"}.get(
            style, "stratified" if label and target_label is None else "random"
        )
    if method == "stratified" and label and target_label is None:
        idx = _stratified(records, pool, label, k, rng)
    elif method == "diverse":
        idx = _diverse(records, pool, schema, k, rng)
    elif method in ("length", "complexity"):
        idx = _spread(records, pool, schema, k, rng, method)
    else:
        idx = rng.sample(pool, k)
    rng.shuffle(idx)
    return [records[i] for i in idx]


def prefer_liked(
    exemplars: list[dict], liked: list[dict], label: str | None, target, k: int, rng: random.Random
) -> list[dict]:
    """Up to half of the k exemplars are rows the user liked (of the target label, if any)."""
    pool = [r for r in liked if target is None or not label or r.get(label) == target]
    if not pool or k <= 0:
        return exemplars
    take = rng.sample(pool, min(len(pool), max(1, k // 2)))
    return take + exemplars[: max(0, k - len(take))]


def _stratified(records, pool, label, k, rng) -> list[int]:
    groups: dict[str, list[int]] = {}
    for i in pool:
        groups.setdefault(str(records[i].get(label)), []).append(i)
    # Largest-remainder allocation proportional to the seed's label mix, >=1 each when k allows.
    total = len(pool)
    quotas = {g: k * len(ix) / total for g, ix in groups.items()}
    alloc = {g: int(q) for g, q in quotas.items()}
    if k >= len(groups):
        for g in alloc:
            alloc[g] = max(1, alloc[g])
    while sum(alloc.values()) > k:
        g = max(alloc, key=lambda g: alloc[g] - quotas[g])
        alloc[g] -= 1
    for g in sorted(quotas, key=lambda g: quotas[g] - alloc[g], reverse=True):
        if sum(alloc.values()) >= k:
            break
        if alloc[g] < len(groups[g]):
            alloc[g] += 1
    out = []
    for g, n in alloc.items():
        out += rng.sample(groups[g], min(n, len(groups[g])))
    taken = set(out)
    rest = [i for i in pool if i not in taken]
    return out + rng.sample(rest, k - len(out)) if len(out) < k else out


def _diverse(records, pool, schema, k, rng) -> list[int]:
    cand = rng.sample(pool, min(len(pool), max(10 * k, 50)))
    words = {i: _words(_row_text(records[i], schema)) for i in cand}
    chosen = [cand[0]]
    closest = {i: 0.0 for i in cand}  # each candidate's highest similarity to the chosen rows
    while len(chosen) < k:
        last = words[chosen[-1]]
        for i in cand:
            closest[i] = max(closest[i], len(words[i] & last) / max(1, len(words[i] | last)))
        taken = set(chosen)
        chosen.append(min((i for i in cand if i not in taken), key=closest.__getitem__))
    return chosen


def _spread(records, pool, schema, k, rng, what) -> list[int]:
    def key(i):
        t = _row_text(records[i], schema)
        ws = t.split()
        return len(ws) if what == "length" else sum(len(w) for w in ws) / max(1, len(ws))

    ranked = sorted(pool, key=key)
    out = []
    for b in range(k):  # one row from each of k equal-size quantile bins
        lo, hi = b * len(ranked) // k, max(b * len(ranked) // k + 1, (b + 1) * len(ranked) // k)
        out.append(ranked[rng.randrange(lo, hi)])
    return out


def _fill(template: str, values: dict[str, str]) -> str:
    # Plain substitution of known {names}: no format(), no eval, nothing executable.
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def build_prompt(
    seed: pd.DataFrame, schema: Schema, spec: PromptSpec, rng: random.Random, target_label: str | None = None
) -> Prompt:
    """Build one prompt with freshly drawn exemplars."""
    exemplars = select_exemplars(seed, schema, spec.k, spec.selection, spec.style, rng, target_label)
    exemplars = prefer_liked(exemplars, spec.liked, schema.label, target_label, spec.k, rng)
    columns = schema.names
    label = schema.label
    chat_examples = rows_to_csv(exemplars, columns)
    contracts = "\n".join(f"- {c.name}: {c.describe()}" for c in schema.columns)
    negatives = rows_to_csv(spec.negatives, columns, header=False).strip() if spec.negatives else ""
    n = spec.rows_per_prompt
    values = {
        "examples": chat_examples.strip(),
        "n": str(n),
        "columns": ",".join(columns),
        "contracts": contracts,
        "label": target_label or "",
        "context": spec.context or "",
        "negatives": negatives,
        "style": STYLES[spec.style],
    }
    if spec.template:
        user = _fill(spec.template, values)
    else:
        parts = ["Here are example rows of a dataset, as CSV with a header row:", chat_examples.strip()]
        if spec.context:
            parts.insert(0, f"The dataset: {spec.context}.")
        parts += ["Column rules:", contracts, STYLES[spec.style]]
        if target_label is not None and label:
            parts.append(f"Every row you write must have {label}={target_label}.")
        if negatives:
            parts += ["Do not write rows like these (they were judged unrealistic):", negatives]
        parts.append(
            f"Write {n} new rows in the same CSV format, starting with the header row. "
            "Do not copy the examples. Output only the CSV, nothing else."
        )
        user = "\n\n".join(parts)
    messages = [
        {
            "role": "system",
            "content": "You generate realistic synthetic rows for tabular datasets. You answer with CSV only.",
        },
        {"role": "user", "content": user},
    ]

    # Completion rendering: a file of rows the base model continues. With a target label the
    # label comes first and the prefix ends inside the new row, so the model must write it.
    ccols = columns
    prefill = ""
    records = spec.completion_format == "records" and not spec.template
    if target_label is not None and label and not spec.template:
        ccols = [label] + [c for c in columns if c != label]
        prefill = (
            f"{label}: {_one_line(target_label)}"
            if records
            else rows_to_csv([{label: target_label}], [label], header=False).strip() + ","
        )
    head = f"# {spec.context}\n\n" if spec.context else ""
    if spec.template:
        # The user's text is the whole prefix; its {examples} block carries the header.
        body = user.rstrip() + "\n"
    elif records:
        body = head + rows_to_records(exemplars, ccols)
    else:
        body = head + rows_to_csv(exemplars, ccols)
    return Prompt(
        messages, body + prefill, prefill, ccols, exemplars, target_label, n, len(ccols) + 1 if records else 1
    )
