"""Identifier shapes learned from the seed, so new rows get fresh IDs that look like the seed's.

Two shapes: a constant prefix and characters of one class (`B0` + 8 upper-case letters and
digits for an ASIN, 3-6 digits for a review ID), and IDs made of parts between separators
(`SKU-525-N`, `ORD-2024-00017`, UUIDs), where each part is learned on its own: one class of
characters for `B0...` read as a whole would turn `SKU-525-N` into `SKU-HhblZ`.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter
from dataclasses import dataclass

_SEPARATORS = re.compile(r"([^A-Za-z0-9]+)")
MAX_CHOICES = 10  # a part with this few values, each seen at least twice, keeps the seed's values


class _Shape:
    """An ID shape as a regex (`body`, without anchors, so a shape can be part of another)."""

    @property
    def regex(self) -> str:
        return f"^{self.body}$"

    def matches(self, value: str) -> bool:
        return re.fullmatch(self.body, value) is not None


def _weighted(rng: random.Random, pairs) -> object:
    """A value drawn from (value, count) pairs as often as the seed has it."""
    return rng.choices([v for v, _ in pairs], [c for _, c in pairs])[0]


@dataclass
class IdPattern(_Shape):
    """A learned identifier shape: a constant prefix, then characters of one class."""

    prefix: str
    charset: str  # "digits", "hex", "upper", "lower", "letters", "upper_alnum", "lower_alnum", "alnum", "any"
    min_len: int  # length of the part after the prefix
    max_len: int
    # How many seed IDs have each length, as (length, count) pairs: drug review IDs run from 3 to 6
    # digits, but 96% have 5 or 6, and a uniform length made every fourth new ID 3 digits long.
    lengths: tuple[tuple[int, int], ...] = ()

    _CLASSES = {
        "digits": "0-9",
        "hex": "0-9a-f",
        "upper": "A-Z",
        "lower": "a-z",
        "letters": "A-Za-z",
        "upper_alnum": "A-Z0-9",
        "lower_alnum": "a-z0-9",
        "alnum": "A-Za-z0-9",
        "any": r"A-Za-z0-9_\-",
    }
    _CHARS = {
        "digits": string.digits,
        "hex": "0123456789abcdef",
        "upper": string.ascii_uppercase,
        "lower": string.ascii_lowercase,
        "letters": string.ascii_letters,
        "upper_alnum": string.ascii_uppercase + string.digits,
        "lower_alnum": string.ascii_lowercase + string.digits,
        "alnum": string.ascii_letters + string.digits,
        "any": string.ascii_letters + string.digits + "_-",
    }

    @property
    def body(self) -> str:
        """The regex without its anchors (a part of a longer ID)."""
        n = f"{{{self.min_len}}}" if self.min_len == self.max_len else f"{{{self.min_len},{self.max_len}}}"
        return f"{re.escape(self.prefix)}[{self._CLASSES[self.charset]}]{n}"

    def sample(self, rng: random.Random) -> str:
        if self.lengths:
            length = _weighted(rng, self.lengths)
        else:
            length = rng.randint(self.min_len, self.max_len)
        chars = self._CHARS[self.charset]
        body = "".join(rng.choice(chars) for _ in range(length))
        if self.charset == "digits" and not self.prefix and length > 1 and body[0] == "0":
            body = rng.choice("123456789") + body[1:]  # numeric IDs rarely start with 0
        return self.prefix + body


@dataclass
class IdParts(_Shape):
    """An identifier of parts between separators. Each part is fixed text (`SKU-`), one of the
    seed's few values for it (a year, a region code: `choices`, (value, count) pairs) or an
    `IdPattern` of its own (`525`: 3 digits; `N`: one upper-case letter)."""

    parts: tuple  # each: str | tuple[tuple[str, int], ...] | IdPattern

    @property
    def body(self) -> str:
        out = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(re.escape(p))
            elif isinstance(p, IdPattern):
                out.append(p.body)
            else:
                out.append("(?:" + "|".join(re.escape(v) for v, _ in p) + ")")
        return "".join(out)

    def sample(self, rng: random.Random) -> str:
        out = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            elif isinstance(p, IdPattern):
                out.append(p.sample(rng))
            else:
                out.append(_weighted(rng, p))
        return "".join(out)


def learn_id_pattern(values: list[str]) -> IdPattern | IdParts:
    """The shape of the seed's IDs: parts between separators when every ID has the same
    separators in the same places, else a prefix + one class of characters."""
    return _learn_parts(values) or _learn_one(values)


def _learn_parts(values: list[str]) -> IdParts | None:
    split = [_SEPARATORS.split(v) for v in values]
    skeleton = {tuple(s[1::2]) for s in split}  # the separators of each ID, in order
    if len(values) < 2 or len(skeleton) != 1 or not next(iter(skeleton)):
        return None
    parts: list = []
    for i in range(len(split[0])):
        column = [s[i] for s in split]
        counts = Counter(column)
        if len(counts) == 1 or i % 2:  # fixed text (separators are the same in every ID)
            piece = column[0]
            if parts and isinstance(parts[-1], str):
                parts[-1] += piece
            else:
                parts.append(piece)
        elif len(counts) <= min(MAX_CHOICES, len(column) // 2):
            parts.append(tuple(sorted(counts.items())))
        elif any(not v for v in column):
            return None  # a part that some IDs lack: not one shape
        else:
            parts.append(_learn_one(column, min_varying=1))
    if not any(isinstance(p, IdPattern) for p in parts):
        return None  # nothing varies enough to draw new IDs from
    return IdParts(tuple(p for p in parts if p != ""))


def _learn_one(values: list[str], min_varying: int = 3) -> IdPattern:
    """Prefix + character class + lengths (e.g. ASIN `B0` + 8 upper-case letters and digits)."""
    common = _common_prefix(values)
    # A few seed IDs share long prefixes by chance (B0001... for neighbouring ASINs); a quarter
    # of the length is as much as is plausibly fixed (ASIN: `B0` + 8)...
    prefix = common[: max(1, min(len(v) for v in values) // 4)] if common else common
    # ...unless the shared part ends in a separator: `CU-` of CU-12345 is the prefix, not `CU`.
    sep = max((i for i, ch in enumerate(common) if not ch.isalnum()), default=-1)
    if sep >= len(prefix):
        prefix = common[: sep + 1]
    # Keep some varying characters (3 in a whole ID) so the pattern does not memorise the seed.
    min_rest = min(len(v) for v in values) - len(prefix)
    if min_rest < min_varying:
        prefix = prefix[: max(0, len(prefix) - (min_varying - min_rest))]
    rests = [v[len(prefix) :] for v in values]
    lens = Counter(len(r) for r in rests)
    return IdPattern(prefix, _charset("".join(rests)), min(lens), max(lens), tuple(sorted(lens.items())))


def _charset(chars: str) -> str:
    for name, pattern in (
        ("digits", r"[0-9]+"),
        ("upper", r"[A-Z]+"),
        ("lower", r"[a-z]+"),
        ("letters", r"[A-Za-z]+"),
    ):
        if re.fullmatch(pattern, chars):
            return name
    if re.fullmatch(r"[0-9a-f]+", chars) and re.search(r"\d", chars):
        return "hex"
    for name, pattern in (("upper_alnum", r"[A-Z0-9]+"), ("lower_alnum", r"[a-z0-9]+"), ("alnum", r"[A-Za-z0-9]+")):
        if re.fullmatch(pattern, chars):
            return name
    return "any"


def _common_prefix(values: list[str]) -> str:
    if len(values) < 2:
        return ""
    first = min(values)
    last = max(values)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    return first[:i]
