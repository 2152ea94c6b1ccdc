"""One definition of a word and one of "does this format carry a date / a time", shared by the
copy gate, the quality report, prompts and the schema, so they never judge differently.

A word: lower case, apostrophes dropped (don't -> dont), any other punctuation a separator.
str.translate + split run in C: several times faster than a regex over 100k texts."""

from __future__ import annotations

import string

_DROP = {ord(c): None for c in "'\u2019\u2018"}
_SEPARATE = {ord(c): " " for c in string.punctuation.replace("'", "") + "\u201c\u201d\u2014\u2013\u2026\u00ab\u00bb"}
_TABLE = {**_SEPARATE, **_DROP}

DATE_DIRECTIVES = ("%Y", "%y", "%m", "%d", "%B", "%b", "%j", "%a", "%A", "%U", "%W")
TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%p", "%f")


def count(n: int, noun: str) -> str:
    """'1 row', '2 rows': a count with its noun in the number it needs."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def words(text) -> list[str]:
    return str(text or "").lower().translate(_TABLE).split()


def word_count(text) -> int:
    return len(words(text))


def shingles(text, n: int = 3) -> set[tuple]:
    """Word n-grams of a text (a text shorter than n words is one shingle of its words)."""
    w = words(text)
    if len(w) < n:
        return {tuple(w)} if w else set()
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def has_date(fmt: str | None) -> bool:
    return bool(fmt) and (fmt.startswith("epoch") or any(d in fmt for d in DATE_DIRECTIVES))


def has_time(fmt: str | None) -> bool:
    return bool(fmt) and (fmt.startswith("epoch") or any(d in fmt for d in TIME_DIRECTIVES))
