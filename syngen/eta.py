"""How long a run has left, from its own events: the CLI's bar and the app's progress line.

The time since the run started, divided by the rows accepted, overestimated a fresh run's first
minutes 3-4 times over: that time includes loading the language model, and the first rows come
one by one from a small first batch. Here the clock starts when the first batch began (the
backend's own batch clock leaves the load out) and the rate is taken at each batch's end, so the
estimate counts down between batches instead of jumping with every row. `bench/eta.py` measures
both on a real run.
"""

from __future__ import annotations

import time


class RunEta:
    """Feed it every pipeline Event; `seconds_left()` is None until a batch has ended with rows."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.began: float | None = None  # when the first batch began
        self.rows = 0  # rows accepted when the last batch ended
        self.ended: float | None = None  # when it ended
        self.accepted = self.target = 0
        self._from = 0  # rows the run started with (a resumed run's checkpoint)

    def __call__(self, ev) -> None:
        now = self.clock()
        self.accepted, self.target = ev.accepted, ev.target
        if ev.kind == "started" and not self.ended:
            self.began, self._from = now, ev.accepted  # for a backend without heartbeats
        elif ev.kind == "heartbeat" and not self.ended:
            self.began = now - ev.heartbeat.seconds  # first batch: its own clock excludes the load
        elif ev.kind == "batch_finished":
            self.rows, self.ended = ev.accepted, now

    def seconds_left(self) -> float | None:
        made = self.rows - self._from
        if made <= 0 or self.began is None or self.accepted >= self.target:
            return None
        per_row = (self.ended - self.began) / made
        return max(0.0, (self.target - self.rows) * per_row - (self.clock() - self.ended))
