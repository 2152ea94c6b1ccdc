"""Where a completion model's rows end, and the row's next `column:` key after a line break.

A sequence is done once it has written the line breaks its rows need. A conditional row with
two written columns (a review's title, then its text) is prompted up to `title:`; left alone,
the 270M model often ended the row after the title (a blank line, then nothing) or started
another row, and the run threw the title away ("no text in the answer"). So the line break
after each written column but the last is replaced by the line break and the next column's
key, and the model goes on with that column's value. And a line that runs past its column's
limit (twice the seed's longest value) ends the sequence: the row is rejected either way, and a
title written on to the token limit held its whole batch up. Before that, a line as long as the
seed's median value ends at its next sentence end (`.`, `!`, `?`) when another column follows: a
title the model wrote on as a review ran past the limit, and its row was lost.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_VOCAB: dict[str, "Vocab"] = {}  # per loaded model


class Vocab(NamedTuple):
    """Per vocabulary entry (padded to the model's size), what the stop and steering rules read."""

    newlines: list[int]  # line breaks in it
    pure: frozenset  # nothing but line breaks: a key may replace it
    chars: list[int]  # characters (a UTF-8 byte token is one if it starts a character, else none)
    ends: frozenset  # ends a sentence: "worked." "great!" "it?)" (not "...")
    points: frozenset  # a bare "."
    glued: frozenset  # a bare point after it ends no sentence: "2" (of 2.5), "Dr", "e" (of e.g.)


def vocab_lines(key: str, tok, size: int = 0) -> Vocab:
    """The vocabulary's `Vocab`, padded to the model's `size`. Once per loaded model."""
    if key not in _VOCAB:
        vocab = [t or "" for t in tok.convert_ids_to_tokens(list(range(len(tok))))]
        pad = [0] * (size - len(vocab))
        _VOCAB[key] = Vocab(
            newlines=[t.count("\n") for t in vocab] + pad,
            pure=frozenset(i for i, t in enumerate(vocab) if t and not t.strip("\n")),
            chars=[_chars(t) for t in vocab] + pad,
            ends=frozenset(i for i, t in enumerate(vocab) if _SENTENCE_END.search(t)),
            points=frozenset(i for i, t in enumerate(vocab) if t == "."),
            glued=frozenset(i for i, t in enumerate(vocab) if _NOT_AN_END_BEFORE.search(t)),
        )
    return _VOCAB[key]


_SENTENCE_END = re.compile(r"(?<![.!?])[.!?][\"')]?$")
_NOT_AN_END_BEFORE = re.compile(r"(\d|\b(?:Mr|Mrs|Ms|Dr|St|vs|etc|approx|[A-Za-z]))$")


def _chars(token: str) -> int:
    if len(token) == 6 and token.startswith("<0x") and token.endswith(">"):  # a UTF-8 byte
        return int(not 0x80 <= int(token[3:5], 16) <= 0xBF)
    return len(token)


def key_ids(tok, key: str) -> list[int]:
    """The tokens of a line break and `key`, as they follow text (a tokenizer may mark the start
    of a text: those of "." are taken off)."""
    before = tok(".", add_special_tokens=False)["input_ids"]
    ids = tok(".\n" + key, add_special_tokens=False)["input_ids"]
    return (
        ids[len(before) :] if ids[: len(before)] == before else tok("\n" + key, add_special_tokens=False)["input_ids"]
    )


def _space(tok) -> list[int] | None:
    """The one token that is a single space (Gemma's "▁"), or None when the vocabulary has none."""
    try:
        ids = tok(" ", add_special_tokens=False)["input_ids"]
    except (ValueError, KeyError, TypeError):
        return None
    return ids if len(ids) == 1 and tok.convert_ids_to_tokens(ids)[0] in (" ", "▁", "Ġ") else None


class RowLines:
    """One batch's stop and steering rules (the plain decode loop's `done` and `steer`)."""

    def __init__(self, tok, vocab: Vocab, prompts, stop_ids, floor: float = 0.0):
        self.vocab = vocab
        self.newlines, self.pure, self.chars = vocab.newlines, vocab.pure, vocab.chars
        self.last = [-1] * len(prompts)  # each sequence's previous token
        self.stop_ids = stop_ids
        self.need = [p.rows * p.lines_per_row for p in prompts]
        self.lines = [0] * len(prompts)
        self.keys = [[key_ids(tok, k) for k in p.line_keys] for p in prompts]
        self.limits = [list(p.line_limits) for p in prompts]
        self.ends = [list(p.line_ends) for p in prompts]
        # `floor` of each line's hinted length: a line break before it becomes a space (0: never)
        self.mins = [[int(floor * m) if m else None for m in getattr(p, "line_mins", []) or []] for p in prompts]
        self.space = _space(tok)
        self.line_chars = [0] * len(prompts)
        self.keyed = [0] * len(prompts)  # tokens of a given key still to come: not the model's text

    def done(self, i: int, new: list[int]) -> bool:
        t = new[-1]
        self.last[i] = t
        if t in self.stop_ids:
            return True
        if t >= len(self.newlines):
            return False
        if self.newlines[t]:
            self.lines[i] += self.newlines[t]
            self.line_chars[i] = 0
            return self.lines[i] >= self.need[i]
        if self.keyed[i]:
            self.keyed[i] -= 1
            return False
        self.line_chars[i] += self.chars[t]
        limits, line = self.limits[i], self.lines[i]
        # past the limit by more than the leading space the parser strips: over it for the gate too
        return line < len(limits) and limits[line] is not None and self.line_chars[i] > limits[line] + 1

    def steer(self, i: int, token: int) -> list[int] | None:
        """A space in place of a line break that comes before the line's shortest length (from
        its length hint); the next column's key in place of a line break (a blank line too) while
        one is due, and after a sentence end once the line is as long as the seed's median value."""
        mins, line = self.mins[i], self.lines[i]
        if (
            self.space
            and token < len(self.newlines)
            and self.newlines[token]
            and line < len(mins)
            and mins[line]
            and self.line_chars[i] < mins[line]
        ):
            return list(self.space)
        if not self.keys[i]:
            return None
        if token in self.pure:
            return self._next_key(i, [])
        ends, line = self.ends[i], self.lines[i]
        long = line < len(ends) and ends[line] is not None and self.line_chars[i] >= ends[line]
        v = self.vocab
        end = token in v.ends and not (token in v.points and self.last[i] in v.glued)
        return self._next_key(i, [token]) if long and end else None

    def _next_key(self, i: int, before: list[int]) -> list[int]:
        key = self.keys[i].pop(0)
        self.keyed[i] = len(key) - 1  # after the line break
        return before + key
