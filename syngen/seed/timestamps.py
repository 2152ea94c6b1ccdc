"""Dates and times as people's tables write them, found from the values, not from one seed.

A timestamp column's format is the strftime pattern that reads (nearly) all of its values:
candidates come from pandas' own guesser (`guess_datetime_format`, asked both day-first and
month-first), which knows ISO 8601 with zones and most written shapes, and from a short list of
shapes it does not guess (`31-Jul-18`, Twitter's `Tue Feb 24 11:35:52 +0000 2015`). When day and
month could be either way round, the values decide: `13/04/2015` reads only day-first. Whole
numbers are epoch seconds or milliseconds when the column's name says time and the values fall
where such times do (2001-2096 for seconds, as milliseconds too).
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone

EPOCH_S, EPOCH_MS = "epoch seconds", "epoch milliseconds"
EPOCHS = (EPOCH_S, EPOCH_MS)
_EPOCH_RANGE = {EPOCH_S: (1e9, 4e9), EPOCH_MS: (1e12, 4e12)}  # 2001-09 .. 2096
_TIME_NAME = re.compile(r"time|date|epoch|_at$|^at_|created|updated|posted|stamp|when", re.I)
_WHOLE = re.compile(r"^\d+$")

# Shapes pandas' guesser misses or that it should not have to guess, in the order ties go.
KNOWN_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%m %d, %Y",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %b %y",
    "%a %b %d %H:%M:%S %z %Y",
    "%H:%M:%S",
    "%H:%M",
]


def _reads(fmt: str, value: str) -> bool:
    try:
        datetime.strptime(value, plain(fmt))
        return True
    except ValueError:
        return False


def _guesses(values: list[str]) -> list[str]:
    from pandas.tseries.api import guess_datetime_format

    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when a guess disagrees with `dayfirst`
        for v in values[:20]:
            for dayfirst in (False, True):
                g = guess_datetime_format(v, dayfirst=dayfirst)
                if g and g not in out:
                    out.append(g)
    return out


def detect_format(values: list[str], name: str = "") -> str | None:
    """The format that reads at least 95% of the values (all of a small seed), the one reading
    the most when several do; epoch seconds or milliseconds for whole numbers named like a time."""
    sample = [str(v).strip() for v in values[:200] if str(v).strip()]
    if not sample:
        return None
    if all(_WHOLE.match(v) for v in sample):
        return epoch_format(sample, name)
    need = len(sample) if len(sample) < 20 else int(0.95 * len(sample))
    best, best_ok = None, 0
    for fmt in KNOWN_FORMATS + [g for g in _guesses(sample) if g not in KNOWN_FORMATS]:
        ok = sum(_reads(fmt, v) for v in sample)
        if ok >= need and ok > best_ok:
            best, best_ok = fmt, ok
    return _zone_colon(_padding(best, sample), sample) if best else None


def _padding(fmt: str, values: list[str]) -> str:
    """`fmt` with `%-d` (and `%-m`, `%-H`, `%-I`) where the seed writes that number unpadded
    ("07 6, 2008"), so new values are written as the seed's are. strptime reads both."""
    for directive in ("%d", "%m", "%H", "%I"):
        if directive not in fmt:
            continue
        variant = fmt.replace(directive, "%-" + directive[1])
        times = [(v, parse_time(v, fmt)) for v in values]
        same = sum(t is not None and t.strftime(fmt) == v for v, t in times)
        unpadded = sum(t is not None and t.strftime(variant) == v for v, t in times)
        if unpadded > same:
            fmt = variant
    return fmt


def _zone_colon(fmt: str, values: list[str]) -> str:
    """`%:z` where the seed writes zones as ISO 8601 does (`-08:00`, not `-0800`)."""
    if "%z" in fmt and sum(bool(re.search(r"[+-]\d{2}:\d{2}$", v)) for v in values) >= 0.5 * len(values):
        return fmt.replace("%z", "%:z")
    return fmt


def plain(fmt: str) -> str:
    """The format as strptime and pandas read it (`%-d` is a glibc strftime extension, `%:z`
    Python's only from 3.12; strptime's `%z` reads `-08:00` as well)."""
    return fmt.replace("%:z", "%z").replace("%-", "%")


def epoch_format(values: list[str], name: str = "", by_name: bool = True) -> str | None:
    """EPOCH_S or EPOCH_MS when every value falls in that unit's range (and, with `by_name`, the
    column's name says time: IDs and counts can be 10-digit numbers too)."""
    if by_name and not _TIME_NAME.search(name):
        return None
    nums = [int(v) for v in values if _WHOLE.match(str(v).strip())]
    if not nums or len(nums) < len(values):
        return None
    for fmt, (lo, hi) in _EPOCH_RANGE.items():
        if all(lo <= x < hi for x in nums):
            return fmt
    return None


def parse_time(value, fmt: str) -> datetime | None:
    """The value as a datetime (naive, UTC for epochs), or None when it does not read as `fmt`."""
    v = str(value).strip()
    if fmt in EPOCHS:
        if not _WHOLE.match(v):
            return None
        x = int(v) / (1000 if fmt == EPOCH_MS else 1)
        return datetime.fromtimestamp(x, tz=timezone.utc).replace(tzinfo=None)
    try:
        return datetime.strptime(v, plain(fmt))
    except ValueError:
        return None


def format_time(t: datetime, fmt: str) -> str:
    if fmt in EPOCHS:
        seconds = t.replace(tzinfo=timezone.utc).timestamp() if t.tzinfo is None else t.timestamp()
        return str(int(round(seconds * (1000 if fmt == EPOCH_MS else 1))))
    if "%:z" in fmt:
        zone = t.strftime("%z")
        marker = "\u2060zone\u2060"  # strftime stops at a NUL, so a marker it leaves alone
        return t.strftime(fmt.replace("%:z", marker)).replace(marker, f"{zone[:3]}:{zone[3:]}" if zone else "")
    return t.strftime(fmt)


def ordinal(t: datetime) -> float:
    """Seconds since 1900, zone dropped: one scale for every format's range checks."""
    return (t.replace(tzinfo=None) - datetime(1900, 1, 1)).total_seconds()
