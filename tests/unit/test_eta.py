"""The run's time-left estimate, driven by pipeline events on a fake clock."""

import pytest

from syngen.backends.base import Heartbeat
from syngen.generate.eta import RunEta, left_words
from syngen.generate.events import Event


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def feed(eta, clock, at, kind, accepted, target=10, hb=None):
    clock.now = at
    eta(Event(kind, accepted, target, heartbeat=hb))


def first_batch(target=10):
    """The app's case: 8 s of model load inside the first batch's call, then the batch's own
    clock (heartbeats) runs 9.5 s, and both its rows come at its end."""
    clock = Clock()
    eta = RunEta(clock)
    feed(eta, clock, 0.0, "started", 0, target)
    feed(eta, clock, 9.0, "heartbeat", 0, target, Heartbeat(0, 1.0, 2, reading=0.6))
    feed(eta, clock, 13.0, "heartbeat", 0, target, Heartbeat(40, 5.0, 2, writing_seconds=3.5))
    feed(eta, clock, 17.5, "row_accepted", 1, target)
    assert eta.seconds_left() is None  # no batch has ended: nothing to go on
    feed(eta, clock, 17.5, "row_accepted", 2, target)
    feed(eta, clock, 17.5, "batch_finished", 2, target)
    return eta, clock


def test_time_left_leaves_the_model_load_out():
    eta, _ = first_batch()
    # 8 rows left at 4.75 s a row (2 rows in the batch's 9.5 s). Counting from the start, the
    # 17.5 s with the load would say 70 s.
    assert eta.seconds_left() == pytest.approx(8 * 4.75)


def test_time_left_counts_down_between_batches_and_ends_at_none():
    eta, clock = first_batch()
    feed(eta, clock, 27.5, "row_accepted", 3)
    assert eta.seconds_left() == pytest.approx(38.0 - 10.0)  # counts down; 7 x 19.5 / 3 would be later
    feed(eta, clock, 28.0, "row_accepted", 7)
    assert eta.seconds_left() == pytest.approx(3 * 20.0 / 7)  # a burst of rows: the rate so far is sooner
    clock.now = 90.0
    assert eta.seconds_left() == 0.0  # over its estimate: never negative
    feed(eta, clock, 30.0, "heartbeat", 3, hb=Heartbeat(90, 12.0, 5, writing_seconds=8.0))
    feed(eta, clock, 35.5, "batch_finished", 8)
    # The rate from both batches: 8 rows since 8.0 s, 27.5 s; 2 rows left.
    assert eta.seconds_left() == pytest.approx(2 * 27.5 / 8)
    feed(eta, clock, 40.0, "row_accepted", 10)
    assert eta.seconds_left() is None  # target reached


def test_a_backend_without_heartbeats_is_timed_from_the_start():
    clock = Clock()
    eta = RunEta(clock)
    feed(eta, clock, 0.0, "started", 0, 6)
    feed(eta, clock, 3.0, "row_accepted", 1, 6)
    feed(eta, clock, 4.0, "row_rejected", 1, 6)
    feed(eta, clock, 5.0, "batch_finished", 1, 6)
    assert eta.seconds_left() == pytest.approx(5 * 5.0)
    feed(eta, clock, 6.0, "batch_finished", 1, 6)  # a batch of rejects: the rate falls
    assert eta.seconds_left() == pytest.approx(5 * 6.0)


def test_a_resumed_run_counts_only_the_rows_it_made():
    clock = Clock()
    eta = RunEta(clock)
    feed(eta, clock, 0.0, "started", 6, 10)  # 6 rows from the checkpoint
    assert eta.seconds_left() is None
    feed(eta, clock, 4.0, "batch_finished", 8, 10)
    assert eta.seconds_left() == pytest.approx(2 * 2.0)


def test_time_left_in_words():
    assert left_words(None) == "" and left_words(3.0) == "a few seconds left"
    assert "longer than the last batches" in left_words(0.0)  # the estimate ran out: never "seconds"
    assert left_words(42.4) == "about 42s left" and left_words(150) == "about 2 min left"


def test_the_batch_heartbeat_counts_in_words():
    assert Heartbeat(595, 8.0, 1, writing_seconds=5.0).describe() == (
        "595 tokens in 8s (119.0 tok/s while writing, 1 sequence)"
    )
    assert Heartbeat(0, 1.0, 2, reading=0.5).describe() == "reading 2 prompts: 50% after 1s"


def test_a_slow_batch_never_reads_as_a_few_seconds():
    """A loaded machine: batches of 60 s. Past the estimate with rows still missing, the line says
    the batch takes longer, not "a few seconds left" for two minutes."""
    clock = Clock()
    eta = RunEta(clock)
    feed(eta, clock, 0.0, "started", 0, 20)
    feed(eta, clock, 60.0, "batch_finished", 10, 20)
    clock.now = 100.0
    assert eta.seconds_left() == pytest.approx(20.0) and left_words(eta.seconds_left()) == "about 20s left"
    clock.now = 190.0  # 130 s into a batch that should have taken 60
    assert eta.seconds_left() == 0.0 and "longer than the last batches" in left_words(eta.seconds_left())
