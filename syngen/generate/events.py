"""What a run reports while it works (events) and how it ends (its status)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventKind(StrEnum):
    STARTED = "started"
    HEARTBEAT = "heartbeat"  # signs of life inside a batch (tokens so far)
    ROW_ACCEPTED = "row_accepted"
    ROW_REJECTED = "row_rejected"
    BATCH_FINISHED = "batch_finished"
    FINISHED = "finished"  # generation ended; the run is written and scored next


class RunStatus(StrEnum):
    """A run's state as its folder and the history show it (strings on disk)."""

    STARTING = "starting"  # an app job before its run begins
    RUNNING = "running"
    COMPLETE = "complete"  # exactly the rows asked for
    EXHAUSTED = "exhausted"  # the attempt budget ran out first
    CANCELLED = "cancelled"
    FAILED = "failed"  # the backend kept failing
    INTERRUPTED = "interrupted"  # the process died while it ran (crash, kill, restart)


@dataclass
class Event:
    kind: EventKind
    accepted: int
    target: int
    row: dict | None = None
    reason: str | None = None
    message: str = ""
    heartbeat: object | None = None  # backends.base.Heartbeat during a batch
