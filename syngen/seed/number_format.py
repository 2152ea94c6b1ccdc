"""Numbers written with a currency, a unit or grouped thousands: `$46.28`, `12%`, `5 kg`, `1,234`,
and with a decimal comma: `12,50 €`, `1.234,5 kg`, `0,6`.

Such a column is numeric: its contract, the joint model of the seed and the report work on the
numbers, and generated values are written back in the seed's form. Read as text, `$46.28` looked
like an identifier, and new rows got prices like `$a-QFP`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CURRENCY = "$€£¥₹"


def _number(group: str, point: str) -> re.Pattern:
    g, p = re.escape(group), re.escape(point)
    return re.compile(
        r"(?P<sign>[+-]?)(?P<pre>[" + _CURRENCY + r"]\s?|[A-Z]{3}\s)?(?P<sign2>[+-]?)"
        rf"(?P<int>\d{{1,3}}(?:{g}\d{{3}})+|\d+)?(?P<frac>{p}\d+)?"
        r"(?P<suf>\s?%|\s?[" + _CURRENCY + r"]|\s[A-Za-zµ°/]+\.?|[a-zµ°]{1,3})?"
    )


_NUMBER = {False: _number(",", "."), True: _number(".", ",")}  # keyed by "decimal comma"


def _read(value, comma: bool = False) -> re.Match | None:
    """The parts of a number with its currency or unit (one sign, some digits), or None."""
    m = _NUMBER[comma].fullmatch(str(value).strip())
    return m if m and (m["int"] or m["frac"]) and not (m["sign"] and m["sign2"]) else None


@dataclass(frozen=True)
class NumberFormat:
    """How the seed writes a column's numbers: text before and after, grouped thousands, and
    the digits after the point (the most any seed value has: $5 and $5.50 are written $5.00, $5.50),
    and whether the point is a comma (`12,50 €`, `1.234,5`)."""

    prefix: str = ""
    suffix: str = ""
    grouped: bool = False
    decimals: int = 0
    comma: bool = False

    def parse(self, value) -> float | None:
        """The number in `value`, written in this format or as a plain number; else None."""
        m = _read(value, self.comma)
        if m is None and self.comma:  # a model's `12.5` in a decimal-comma column, not `1.234`
            m = _read(value)
            m = m if m and "," not in (m["int"] or "") else None
        if m is None:
            return None
        if (m["pre"] or "") not in ("", self.prefix) or (m["suf"] or "") not in ("", self.suffix):
            return None  # another currency or unit: not this column's number
        digits = re.sub(r"\D", "", m["int"] or "0")
        return float((m["sign"] or m["sign2"]) + digits + "." + (m["frac"] or ".0")[1:])

    def show(self, x: float, integer: bool = False) -> str:
        """`x` written the way the seed writes its numbers (-$5.00, 1,234, 12.5%, 12,50 €)."""
        body = f"{abs(x):{',' if self.grouped else ''}.{0 if integer else self.decimals}f}"
        negative = x < 0 and float(body.replace(",", "")) != 0
        if self.comma:
            body = body.translate(str.maketrans(",.", ".,"))
        return ("-" if negative else "") + self.prefix + body + self.suffix


def learn_number_format(values: list[str]) -> NumberFormat | None:
    """The format of a column whose every value is a number with the same currency or unit
    (or grouped thousands, or a decimal comma); None for plain numbers and for anything else.
    A point is read first: `1,500` alone stays one thousand five hundred."""
    matches = [_read(v) for v in values]
    comma = None in matches
    if comma:
        matches = [_read(v, comma=True) for v in values]
        if None in matches:
            return None
    prefixes = {m["pre"] or "" for m in matches}
    suffixes = {m["suf"] or "" for m in matches}
    if len(prefixes) != 1 or len(suffixes) != 1:
        return None  # mixed currencies or units: not one numeric column
    decimals = max(len(m["frac"] or ".") - 1 for m in matches)
    grouped = any(not (m["int"] or "").isdigit() for m in matches if m["int"])
    fmt = NumberFormat(prefixes.pop(), suffixes.pop(), grouped, decimals, comma)
    return fmt if fmt.prefix or fmt.suffix or fmt.grouped or fmt.comma else None
