"""One-line progress bars on stderr for the CLI: a run's rows, a tuning's steps."""

from __future__ import annotations

import sys
import time

from syngen.generate.eta import RunEta
from syngen.generate.events import EventKind


class Progress:
    """A one-line progress bar on stderr, driven by pipeline events (heartbeats during a batch)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.eta = RunEta()
        self.t0 = time.perf_counter()
        self.rejected = 0
        self.working = ""

    def __call__(self, ev) -> None:
        self.eta(ev)
        if ev.kind == EventKind.ROW_REJECTED:
            self.rejected += 1
        if ev.kind == EventKind.HEARTBEAT:
            hb = ev.heartbeat
            self.working = (
                f" | reading prompts {hb.reading:.0%}"
                if hb.reading is not None
                else f" | batch: {hb.tokens} tok, {hb.tokens_per_second:.0f} tok/s"
            )
        elif ev.kind == EventKind.BATCH_FINISHED:
            self.working = ""
        if self.quiet or ev.kind not in (
            EventKind.ROW_ACCEPTED,
            EventKind.BATCH_FINISHED,
            EventKind.STARTED,
            EventKind.FINISHED,
            EventKind.HEARTBEAT,
        ):
            return
        done, n = ev.accepted, max(1, ev.target)
        el = time.perf_counter() - self.t0
        rate = done / el * 60 if el > 0 else 0.0
        left = self.eta.seconds_left()
        eta = f"{left:.0f}s" if left is not None else "-"
        bar = "#" * int(30 * done / n) + "-" * (30 - int(30 * done / n))
        sys.stderr.write(
            f"\r[{bar}] {done}/{n} rows | {self.rejected} rejected | "
            f"{rate:.1f} rows/min | ETA {eta} | {el:.0f}s{self.working}   "
        )
        if ev.kind == EventKind.FINISHED:
            sys.stderr.write("\n")
        elif ev.kind == EventKind.STARTED and ev.message:
            sys.stderr.write("\n" + ev.message + "\n")
        sys.stderr.flush()


class TuneBar:
    """One progress line on stderr."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def __call__(self, p) -> None:
        if not self.quiet:
            sys.stderr.write(f"\rtuning: {p.describe()}    ")
            sys.stderr.flush()
