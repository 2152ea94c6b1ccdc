"""Numbers written with a currency, a unit or grouped thousands: `$46.28`, `12%`, `5 kg`, `1,234`.

Such a column is numeric: its contract, the joint model of the seed and the report work on the
numbers, and generated values are written back in the seed's form. Read as text, `$46.28` looked
like an identifier, and new rows got prices like `$a-QFP`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CURRENCY = "$€£¥₹"
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<pre>[" + _CURRENCY + r"]\s?|[A-Z]{3}\s)?(?P<sign2>[+-]?)"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?P<frac>\.\d+)?"
    r"(?P<suf>\s?%|\s?[" + _CURRENCY + r"]|\s[A-Za-zµ°/]+\.?|[a-zµ°]{1,3})?"
)


def _read(value) -> re.Match | None:
    """The parts of a number with its currency or unit (one sign, some digits), or None."""
    m = _NUMBER.fullmatch(str(value).strip())
    return m if m and (m["int"] or m["frac"]) and not (m["sign"] and m["sign2"]) else None


@dataclass(frozen=True)
class NumberFormat:
    """How the seed writes a column's numbers: text before and after, grouped thousands, and
    the digits after the point (the most any seed value has: $5 and $5.50 are written $5.00, $5.50)."""

    prefix: str = ""
    suffix: str = ""
    grouped: bool = False
    decimals: int = 0

    def parse(self, value) -> float | None:
        """The number in `value`, written in this format or as a plain number; else None."""
        m = _read(value)
        if m is None:
            return None
        if (m["pre"] or "") not in ("", self.prefix) or (m["suf"] or "") not in ("", self.suffix):
            return None  # another currency or unit: not this column's number
        return float((m["sign"] or m["sign2"]) + (m["int"] or "0").replace(",", "") + (m["frac"] or ""))

    def show(self, x: float, integer: bool = False) -> str:
        """`x` written the way the seed writes its numbers (-$5.00, 1,234, 12.5%)."""
        body = f"{abs(x):{',' if self.grouped else ''}.{0 if integer else self.decimals}f}"
        negative = x < 0 and float(body.replace(",", "")) != 0
        return ("-" if negative else "") + self.prefix + body + self.suffix


def learn_number_format(values: list[str]) -> NumberFormat | None:
    """The format of a column whose every value is a number with the same currency or unit
    (or grouped thousands); None for plain numbers and for anything else."""
    prefixes, suffixes, decimals, grouped = set(), set(), set(), False
    for v in values:
        m = _read(v)
        if m is None:
            return None
        prefixes.add(m["pre"] or "")
        suffixes.add(m["suf"] or "")
        decimals.add(len(m["frac"] or ".") - 1)
        grouped = grouped or "," in (m["int"] or "")
    if len(prefixes) != 1 or len(suffixes) != 1:
        return None  # mixed currencies or units: not one numeric column
    fmt = NumberFormat(prefixes.pop(), suffixes.pop(), grouped, max(decimals))
    return fmt if fmt.prefix or fmt.suffix or fmt.grouped else None
