"""How long a run has left, from its own events: the CLI's bar and the app's progress line.

The time since the run started, divided by the rows accepted, overestimated a fresh run's first
minutes 3-5 times over: that time includes loading the language model, and the first rows come
one by one from a small first batch. Here the clock starts when the first batch began (the
backend's own batch clock leaves the load out). The rate taken at a batch's end counts down until
the next one ends, unless the rows accepted since then make the rate so far the sooner one: a
batch's rows come in a burst near its end, and a long wait for the next burst should not swing the
estimate up. `bench/eta.py` measures the old and new estimates on a real run.
"""

from __future__ import annotations

import time

from syngen.generate.events import EventKind


class RunEta:
    """Feed it every pipeline Event; `seconds_left()` is None until a batch has ended with rows."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.began: float | None = None  # when the first batch began
        self.rows = 0  # rows accepted when the last batch ended
        self.ended: float | None = None  # when it ended
        self.accepted = self.target = 0
        self._from = 0  # rows the run started with (a resumed run's checkpoint)
        self.batches = 0  # batches ended

    def __call__(self, ev) -> None:
        now = self.clock()
        self.accepted, self.target = ev.accepted, ev.target
        if ev.kind == EventKind.STARTED and not self.ended:
            self.began, self._from = now, ev.accepted  # for a backend without heartbeats
        elif ev.kind == EventKind.HEARTBEAT and not self.ended:
            self.began = now - ev.heartbeat.seconds  # first batch: its own clock excludes the load
        elif ev.kind == EventKind.BATCH_FINISHED:
            self.rows, self.ended = ev.accepted, now
            self.batches += 1

    def seconds_left(self) -> float | None:
        made = self.rows - self._from
        if made <= 0 or self.began is None or self.accepted >= self.target:
            return None
        now = self.clock()
        countdown = (self.target - self.rows) * (self.ended - self.began) / made - (now - self.ended)
        # Rows accepted since that batch ended count too: when they come fast, the rate so far wins.
        so_far = (self.target - self.accepted) * (now - self.began) / (self.accepted - self._from)
        left = min(countdown, so_far)
        if left < 5 and self.accepted < self.target and self.batches:
            # Rows are still missing, so a batch is still writing: it takes as long as batches take,
            # not "a few seconds" (on a loaded machine one batch can be minutes).
            left = max(left, (self.ended - self.began) / self.batches - (now - self.ended))
        return max(0.0, left)


def left_words(seconds: float | None) -> str:
    """Words for a progress line, such as "about 40s left"; once the estimate has run out while
    rows are still missing, that the batch takes longer than the last ones did."""
    if seconds is None:
        return ""
    if seconds <= 0:
        return "taking longer than the last batches: waiting for this one"
    if seconds < 5:
        return "a few seconds left"
    return f"about {seconds:.0f}s left" if seconds < 90 else f"about {seconds / 60:.0f} min left"
