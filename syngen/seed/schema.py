"""Column roles inferred from the seed, and the contracts generated rows must satisfy.

A role says what a column is (free text, label, ID...). The contract derived from it says what
a generated value must look like: allowed labels, the seed's numeric range, the ID pattern, the
date format and range. Users can override any role; contracts follow the role.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import Enum

import numpy as np
import pandas as pd

from syngen.common.errors import ConfigError
from syngen.common.text import has_date
from syngen.seed.id_pattern import IdParts, IdPattern, learn_id_pattern
from syngen.seed.number_format import NumberFormat, learn_number_format
from syngen.seed.personal import personal_kind
from syngen.seed.timestamps import detect_format, epoch_format, format_time, ordinal, parse_time


class Role(str, Enum):
    TEXT = "text"  # free text: reviews, comments
    SHORT_TEXT = "short_text"  # open vocabulary names and titles (drug name, review title)
    LABEL = "label"  # the categorical target (rating, sentiment)
    CATEGORICAL = "categorical"  # other closed sets (booleans, small categories)
    NUMERIC = "numeric"  # real numbers
    COUNT = "count"  # non-negative integers (helpful votes)
    ID = "id"  # identifiers with a learned pattern, unique per row
    KEY = "key"  # an identifier that repeats: an entity (a product, a person) with several rows
    PERSONAL = "personal"  # people: names, handles, emails, phones, addresses, locations (never copied)
    TIMESTAMP = "timestamp"  # dates / times in the seed's format


_ID_NAME = re.compile(r"(^|_)(id|uuid|asin|sku|key|code)$|id$|^id", re.I)
_COUNT_NAME = re.compile(r"count|vote|helpful|likes|views|num_|_num|^n_|clicks|shares", re.I)
_LABEL_NAME = re.compile(r"rating|label|class|sentiment|category|stars|score|target|polarity|outcome|verdict", re.I)
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_BOOLS = {"true", "false"}
LONG_ID_DIGITS = 12  # whole numbers this long, all different, are identifiers whatever their name


@dataclass
class ColumnSpec:
    """One column: its role and the contract generated values must meet."""

    name: str
    role: Role
    allowed: list[str] | None = None  # label / categorical
    minimum: float | None = None  # numeric / count / timestamp (as ordinal seconds)
    maximum: float | None = None
    fmt: str | None = None  # timestamp format
    id_pattern: IdPattern | IdParts | None = None
    unique: bool = False  # IDs that are unique in the seed must stay unique
    rows_per_key: float | None = None  # key: the seed's mean rows per entity
    personal: str | None = None  # personal: what it holds (syngen.seed.personal.KINDS)
    max_chars: int | None = None  # text: 2x the longest seed value
    median_chars: int | None = None  # text: the seed values' median length
    needs_letters: bool = False  # free text: every seed value has a letter (so "11" is not a review)
    nullable: bool = False  # the seed itself has missing values here
    unit: NumberFormat | None = None  # numbers written $46.28, 12%, 1,234: read and written that way
    seed_min: str | None = None  # display form of the range
    seed_max: str | None = None

    def check(self, value) -> tuple[str | None, str | None]:
        """Return (normalised value, None) when the contract holds, else (value, reason)."""
        v = None if value is None else str(value).strip()
        if not v:
            return (None, None) if self.nullable else (None, "empty")
        r = self.role
        if r in (Role.LABEL, Role.CATEGORICAL):
            if not self.allowed:
                return v, "must stay empty (the column is empty in every seed row)"
            if v in self.allowed:
                return v, None
            folded = {a.casefold(): a for a in self.allowed}
            if v.casefold() in folded:  # 'Positive' for 'positive': same label
                return folded[v.casefold()], None
            return v, f"'{_short(v)}' is not one of {', '.join(self.allowed[:8])}"
        if r in (Role.NUMERIC, Role.COUNT):
            x = self.number(v)
            if x is None:
                return v, f"'{_short(v)}' is not a number" + (f" like {self.seed_min}" if self.unit else "")
            if r == Role.COUNT and not (x.is_integer() and (self.unit or _INT.match(v))):
                return v, f"'{_short(v)}' is not a whole number"
            if self.minimum is not None and not (self.minimum <= x <= self.maximum):
                return v, f"{v} is outside the seed range {self.seed_min}..{self.seed_max}"
            return (self.unit.show(x, r == Role.COUNT) if self.unit else v), None
        if r in IDS:
            if self.id_pattern and not self.id_pattern.matches(v):
                return v, f"'{_short(v)}' does not match the ID pattern {self.id_pattern.regex}"
            return v, None
        if r == Role.TIMESTAMP:
            t = parse_time(v, self.fmt)
            if t is None:
                return v, f"'{_short(v)}' does not parse as {self.fmt}"
            x = ordinal(t)
            if self.minimum is not None and not (self.minimum <= x <= self.maximum):
                return v, f"{v} is outside the seed range {self.seed_min}..{self.seed_max}"
            return v, None
        # text and short text
        if "\n" in v and r == Role.SHORT_TEXT:
            return v, "contains a line break"
        if self.max_chars and len(v) > self.max_chars:
            return v, too_long(len(v), self.max_chars)
        if self.needs_letters and not any(ch.isalpha() for ch in v):
            return v, f"'{_short(v)}' has no letters (every seed value has some)"
        return v, None

    def number(self, value) -> float | None:
        """A numeric column's value as a number (None if it is not one)."""
        if self.unit:
            return self.unit.parse(value)
        v = str(value).strip()
        return float(v) if _FLOAT.match(v) else None

    def describe(self) -> str:
        """The contract in words, for prompts, `syngen inspect` and the app."""
        r = self.role
        if r in (Role.LABEL, Role.CATEGORICAL):
            return "one of: " + ", ".join(self.allowed) if self.allowed else "always empty"
        if r in (Role.NUMERIC, Role.COUNT):
            kind = "whole number" if r == Role.COUNT else "number"
            return f"{kind} from {self.seed_min} to {self.seed_max}"
        if r == Role.ID:
            return f"identifier matching {self.id_pattern.regex}" + (", unique" if self.unique else "")
        if r == Role.KEY:
            return f"entity key matching {self.id_pattern.regex}, {self.rows_per_key:.1f} rows per key in the seed"
        if r == Role.PERSONAL:
            return f"personal data ({self.personal}): fresh values, never the seed's"
        if r == Role.TIMESTAMP:
            rng = f", from {self.seed_min} to {self.seed_max}" if self.minimum is not None else ""
            return f"date/time formatted {self.fmt}{rng}"
        return f"{'free text' if r == Role.TEXT else 'short text'} up to {self.max_chars} characters"

    def words(self, example: str | None = None) -> str:
        """The contract for people (the app's Data page): IDs and dates by an example of the
        seed's, not by a regular expression or strftime codes."""
        r, like = self.role, f" like {example}" if example else ""
        if r == Role.ID:
            return f"an identifier{like}; new rows get fresh ones" + (", unique" if self.unique else "")
        if r == Role.KEY:
            return f"an identifier{like} shared by {self.rows_per_key:.1f} rows on average (one per entity)"
        if r == Role.TIMESTAMP:
            rng = f", from {self.seed_min} to {self.seed_max}" if self.minimum is not None else ""
            return f"a date or time written{like}{rng}"
        return self.describe()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["role"] = self.role.value
        return d


IDS = (Role.ID, Role.KEY)  # identifier roles: a learned pattern, never written by the model
NOT_CONTENT = (Role.ID, Role.KEY, Role.PERSONAL)  # left out when rows are compared as content


def too_long(chars: int, limit: int) -> str:
    """Why a text is refused for its length (the contract, and a model's line that ran on)."""
    return f"{chars} characters, over the limit of {limit}"


def _short(v: str, n: int = 40) -> str:
    return v if len(v) <= n else v[: n - 1] + "…"


@dataclass
class Schema:
    columns: list[ColumnSpec]
    label: str | None = None
    notes: list[str] = field(default_factory=list)
    # A JSON seed's shapes, given back in JSONL: `meta.drug` nested again, list cells as lists.
    nested: list[str] = field(default_factory=list)
    arrays: list[str] = field(default_factory=list)
    csv_sep: str = ","  # ";" for a seed saved that way (a spreadsheet where the comma is the decimal point)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def col(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def by_role(self, *roles: Role) -> list[ColumnSpec]:
        return [c for c in self.columns if c.role in roles]

    @property
    def prose_columns(self) -> list[str]:
        """Columns whose values may contain commas in sentences (free text, else short text):
        where a row with too many fields may be re-joined when that is unambiguous."""
        return [c.name for c in (self.by_role(Role.TEXT) or self.by_role(Role.SHORT_TEXT))]

    def plain_numbers(self, df: pd.DataFrame) -> pd.DataFrame:
        """`df` with numbers written with a unit ($46.28) as plain numbers, for the report and the
        classifiers, which read numbers with pandas."""
        out = df
        for c in self.columns:
            if c.unit and c.name in df.columns:
                out = out if out is not df else df.copy()
                out[c.name] = [None if pd.isna(v) else c.number(v) for v in df[c.name]]
        return out

    def validate(self, row: dict) -> tuple[dict, list[str]]:
        """Check every column; return the normalised row and 'column: reason' problems."""
        out, problems = {}, []
        for c in self.columns:
            value, problem = c.check(row.get(c.name))
            out[c.name] = value
            if problem:
                problems.append(f"{c.name}: {problem}")
        return out, problems


def infer_role(name: str, values: list[str], n_rows: int) -> Role:
    """Guess a column's role from its name and non-missing values."""
    if not values:
        return Role.SHORT_TEXT
    kind = personal_kind(name, values)
    whole, real = all(_INT.match(v) for v in values), all(_FLOAT.match(v) for v in values)
    if kind and (kind == "phone" or not whole) and (kind == "coordinates" or not real):
        return Role.PERSONAL
    role = _infer_role(name, values, n_rows)
    if role == Role.ID and len(set(values)) <= 0.95 * len(values):
        return Role.KEY  # asin: 499 reviews of 44 products
    return role


def _infer_role(name: str, values: list[str], n_rows: int) -> Role:
    distinct = len(set(values))
    if all(_INT.match(v) for v in values):
        if epoch_format(values, name):  # 1393545600 in a column named like a time
            return Role.TIMESTAMP
        if _ID_NAME.search(name) and not _COUNT_NAME.search(name):
            return Role.ID
        if distinct == len(values) > 1 and min(len(v.lstrip("+-")) for v in values) >= LONG_ID_DIGITS:
            return Role.ID  # 18-digit tweet IDs: no count or measure has that many digits, all different
        if _COUNT_NAME.search(name):
            return Role.COUNT if all(int(v) >= 0 for v in values) else Role.NUMERIC
        if _LABEL_NAME.search(name) or distinct <= min(10, max(2, n_rows // 3)):
            return Role.CATEGORICAL
        if distinct == len(values) and len(values) >= 20:
            return Role.ID
        return Role.COUNT if all(int(v) >= 0 for v in values) else Role.NUMERIC
    if all(_FLOAT.match(v) for v in values):
        return Role.CATEGORICAL if _LABEL_NAME.search(name) and distinct <= 20 else Role.NUMERIC
    if {v.lower() for v in values} <= _BOOLS:
        return Role.CATEGORICAL
    if detect_format(values, name):
        return Role.TIMESTAMP
    unit = learn_number_format(values)
    if unit:  # $46.28, 12%, 1,234
        numbers = [unit.parse(v) for v in values]
        if _LABEL_NAME.search(name) and distinct <= 20:
            return Role.CATEGORICAL
        whole = all(x.is_integer() and x >= 0 for x in numbers)
        return Role.COUNT if whole and _COUNT_NAME.search(name) else Role.NUMERIC
    mean_words = sum(len(v.split()) for v in values) / len(values)
    if mean_words >= 6 or max(len(v) for v in values) > 120:
        return Role.TEXT
    no_spaces = all(" " not in v for v in values)
    if no_spaces and _ID_NAME.search(name):
        return Role.ID
    if no_spaces and distinct == len(values) and len(values) >= 20 and all(re.search(r"\d", v) for v in values):
        return Role.ID
    if _LABEL_NAME.search(name) and distinct <= 20:
        return Role.CATEGORICAL
    if distinct <= min(30, max(1, n_rows // 3)):
        return Role.CATEGORICAL
    return Role.SHORT_TEXT


def build_spec(name: str, role: Role, values: list[str], nullable: bool) -> ColumnSpec:
    """Derive the contract for a column from its role and the seed values."""
    spec = ColumnSpec(name=name, role=role, nullable=nullable)
    if not values:  # empty in every seed row: generated rows leave it empty too
        spec.role, spec.allowed = Role.CATEGORICAL, []
        return spec
    if role in (Role.LABEL, Role.CATEGORICAL):
        counts = pd.Series(values).value_counts()
        spec.allowed = [str(v) for v in counts.index]
        if {v.lower() for v in values} <= _BOOLS:
            spec.allowed = sorted(
                set(spec.allowed) | {"True", "False"}
                if "True" in values or "False" in values
                else set(spec.allowed) | {"true", "false"}
            )
    elif role in (Role.NUMERIC, Role.COUNT):
        spec.unit = learn_number_format(values)
        nums = [spec.number(v) for v in values]
        bad = [v for v, x in zip(values, nums) if x is None]
        if bad:
            raise ConfigError(f"column '{name}' cannot be {role.value}: '{_short(bad[0])}' is not a number")
        spec.minimum, spec.maximum = min(nums), max(nums)
        if role == Role.COUNT:
            spec.minimum = min(0.0, spec.minimum)
        show = (lambda x: spec.unit.show(x, role == Role.COUNT)) if spec.unit else _num_str
        spec.seed_min, spec.seed_max = show(spec.minimum), show(spec.maximum)
    elif role in IDS:
        spec.id_pattern = learn_id_pattern(values)
        spec.unique = role == Role.ID and len(set(values)) == len(values) and len(values) > 1
        if role == Role.KEY:
            spec.rows_per_key = len(values) / len(set(values))
    elif role == Role.PERSONAL:
        spec.personal = personal_kind(spec.name, values) or ("handle" if all(" " not in v for v in values) else "name")
        spec.allowed = None
    elif role == Role.TIMESTAMP:
        # Chosen by hand, whole numbers in an epoch range are epoch times whatever the name.
        spec.fmt = detect_format(values, name) or epoch_format(values, name, by_name=False)
        if spec.fmt is None:
            raise ConfigError(
                f"column '{name}' cannot be a timestamp: no known date format fits values like '{_short(values[0])}'"
            )
        times = [t for t in (parse_time(v, spec.fmt) for v in values) if t is not None]
        lo, hi = min(times, key=ordinal), max(times, key=ordinal)
        if has_date(spec.fmt):  # time-of-day columns have no range
            spec.minimum, spec.maximum = ordinal(lo), ordinal(hi)
        spec.seed_min, spec.seed_max = format_time(lo, spec.fmt), format_time(hi, spec.fmt)
    else:
        spec.max_chars = 2 * max(len(v) for v in values)
        spec.median_chars = int(np.median([len(v) for v in values]))
        spec.needs_letters = role == Role.TEXT and all(any(ch.isalpha() for ch in v) for v in values)
    return spec


def _num_str(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def infer_schema(df: pd.DataFrame, overrides: dict[str, str] | None = None, label: str | None = None) -> Schema:
    """Infer a role and a contract for every column; `overrides` maps column -> role name."""
    overrides = dict(overrides or {})
    unknown = [c for c in list(overrides) + ([label] if label else []) if c not in df.columns]
    if unknown:
        raise ConfigError(f"unknown column(s) {unknown}; the seed has {list(df.columns)}")
    roles: dict[str, Role] = {}
    for c in df.columns:
        values = [v for v in df[c].tolist() if isinstance(v, str) and v.strip()]
        if c in overrides:
            try:
                roles[c] = Role(overrides[c])
            except ValueError:
                raise ConfigError(
                    f"unknown role '{overrides[c]}' for column '{c}'; use one of {[r.value for r in Role]}"
                ) from None
        else:
            roles[c] = infer_role(c, values, len(df))
    if label is None:
        label = _pick_label(df, roles)
    if label is not None:
        roles[label] = Role.LABEL
    for c, r in roles.items():
        if r == Role.LABEL and c != label:
            roles[c] = Role.CATEGORICAL
    specs = []
    for c in df.columns:
        col = df[c].tolist()
        values = [v for v in col if isinstance(v, str) and v.strip()]
        specs.append(build_spec(c, roles[c], values, nullable=len(values) < len(col)))
    shapes = {k: [c for c in df.attrs.get(k, []) if c in df.columns] for k in ("nested", "arrays")}
    sep = ";" if df.attrs.get("delimiter") == ";" else ","
    schema = Schema(specs, label, **shapes, csv_sep=sep)
    if not schema.by_role(Role.TEXT):
        schema.notes.append(
            "no free-text column found: rows are generated as plain table values; "
            "if a column holds text, give it the role text (on the command line: --role COLUMN=text)"
        )
    if len(specs) == 1:
        schema.notes.append(
            "only one column found: if the file uses another delimiter, save it as comma-separated CSV or as .tsv"
        )
    return schema


def _pick_label(df: pd.DataFrame, roles: dict[str, Role]) -> str | None:
    cats = [c for c, r in roles.items() if r in (Role.CATEGORICAL, Role.LABEL)]
    named = [c for c in cats if _LABEL_NAME.search(c)]
    if named:
        return named[0]
    multi = [c for c in cats if df[c].nunique() >= 2]
    return min(multi, key=lambda c: df[c].nunique()) if multi else None
