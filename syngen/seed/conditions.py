"""Conditions on a table's columns: `airline=United`, `usefulCount>=10`, `condition!=Acne`.

Ranges work on numbers, counts and dates (`date>=2015-01-01`, in ISO or the column's own format).
A run's target (`--where`, `--like-where`) is a list of these, kept in the run config as the text
the user typed, so the config stays readable and replays. `meets` says which rows of a table meet
them; it serves both the seed (which rows a scenario draws from) and the output (the report's
"rows meeting the target").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from syngen.common.errors import ConfigError
from syngen.seed.schema import Role, Schema
from syngen.seed.timestamps import parse_time

OPS = (">=", "<=", "!=", "=", ">", "<")  # longest first: ">=" is not ">" then "=10"
RANGED = (Role.NUMERIC, Role.COUNT)
_SPLIT = re.compile(r"^\s*([^<>=!]+?)\s*(>=|<=|!=|==|=|>|<)\s*(.*?)\s*$")


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.column} {self.op} {self.value}"

    @property
    def exact(self) -> bool:
        return self.op == "="


def parse_condition(text: str) -> Condition:
    m = _SPLIT.match(str(text))
    if not m or not m.group(3):
        raise ConfigError(
            f"condition '{text}': write COLUMN=VALUE, COLUMN!=VALUE or a range such as COLUMN>=10 (also <=, >, <)"
        )
    col, op, value = m.group(1).strip(), m.group(2), m.group(3).strip().strip("\"'")
    return Condition(col, "=" if op == "==" else op, value)


def parse_conditions(texts) -> list[Condition]:
    """Conditions from `--where` texts; one text may hold several joined by ' and ' or ';'."""
    out = []
    for text in texts or []:
        for clause in str(text).split(";"):
            parts: list[str] = []
            for piece in re.split(r"\s+and\s+", clause):
                if parts and not _SPLIT.match(piece):  # "condition=Anxiety and Stress": one value
                    parts[-1] += " and " + piece
                else:
                    parts.append(piece)
            out += [parse_condition(p) for p in parts if p.strip()]
    return out


def check_conditions(conds: list[Condition], schema: Schema) -> None:
    """Every condition names a column of the seed, and ranges are on numbers."""
    for c in conds:
        if c.column not in schema.names:
            raise ConfigError(f"condition '{c}': no column '{c.column}'; the seed has {', '.join(schema.names)}")
        spec = schema.col(c.column)
        if c.op in ("=", "!="):
            continue
        if spec.role == Role.TIMESTAMP:
            if _instant(c.value, spec.fmt) is None:
                raise ConfigError(
                    f"condition '{c}': '{c.value}' is not a date; write it as the column does or as 2014-06-30"
                )
            continue
        if spec.role not in RANGED:
            raise ConfigError(
                f"condition '{c}': '{c.column}' is {spec.role.value}, so it takes = or != only "
                "(ranges are for numbers, counts and dates)"
            )
        if _number(c.value) is None:
            raise ConfigError(f"condition '{c}': '{c.value}' is not a number")


def _instant(v, fmt: str | None) -> float | None:
    """A date or time as seconds: in the column's own format, or ISO (2014-06-30)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    t = parse_time(v, fmt) if fmt else None
    if t is None:
        try:
            t = datetime.fromisoformat(str(v).strip())
        except ValueError:
            return None
    return t.replace(tzinfo=t.tzinfo or timezone.utc).timestamp()


def _number(v) -> float | None:
    try:
        x = float(str(v).replace(",", ""))
    except ValueError:
        return None
    return None if np.isnan(x) else x


def meets(df: pd.DataFrame, schema: Schema, conds: list[Condition]) -> np.ndarray:
    """Which rows of `df` meet every condition (a boolean array; all True without conditions)."""
    ok = np.ones(len(df), dtype=bool)
    if not conds or df.empty:
        return ok
    plain = schema.plain_numbers(df[list(dict.fromkeys(c.column for c in conds if c.column in df.columns))])
    for c in conds:
        if c.column not in plain.columns:
            return np.zeros(len(df), dtype=bool)
        col = plain[c.column]
        if c.op in ("=", "!="):
            same = (col.astype(str).str.strip().str.casefold() == c.value.casefold()).to_numpy()
            if schema.col(c.column).role in RANGED and _number(c.value) is not None:  # 10 == 10.0
                same |= (pd.to_numeric(col, errors="coerce") == _number(c.value)).to_numpy()
            ok &= same if c.op == "=" else ~same
            continue
        spec = schema.col(c.column)
        if spec.role == Role.TIMESTAMP:
            x = np.array([np.nan if (t := _instant(a, spec.fmt)) is None else t for a in col], dtype=float)
            v = _instant(c.value, spec.fmt)
        else:
            x, v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float), _number(c.value)
        with np.errstate(invalid="ignore"):
            ok &= {">=": x >= v, "<=": x <= v, ">": x > v, "<": x < v}[c.op]
    return ok


def seed_value(df: pd.DataFrame, cond: Condition) -> str:
    """The seed's own spelling of an exact condition's value ('depression' -> 'Depression')."""
    col = df[cond.column].dropna().astype(str)
    hit = col[col.str.strip().str.casefold() == cond.value.casefold()]
    return str(hit.iloc[0]).strip() if len(hit) else cond.value


def describe(conds: list[Condition]) -> str:
    return " and ".join(str(c) for c in conds)
