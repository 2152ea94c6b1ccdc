"""The one thread that runs the model's work: results and errors come back, work already on it
runs in place, a job still waiting can be cancelled, and a preloaded model is loaded there once."""

import threading
import time

import pytest

from syngen.common import torch_thread


def test_work_runs_on_the_torch_thread_and_errors_come_back():
    assert torch_thread.call(lambda: threading.current_thread().name) == torch_thread.NAME
    assert not torch_thread.on_torch_thread()
    with pytest.raises(ZeroDivisionError):
        torch_thread.call(lambda: 1 / 0)
    nested = torch_thread.call(lambda: torch_thread.call(lambda: "inner"))  # no deadlock
    assert nested == "inner"


def test_a_waiting_job_can_be_cancelled_and_never_runs():
    release, ran = threading.Event(), []
    busy = torch_thread.submit(lambda: release.wait(10))
    waiting = torch_thread.submit(lambda: ran.append(1))
    assert waiting.cancel()
    release.set()
    assert busy.result(timeout=10) is True
    assert torch_thread.call(lambda: "after") == "after" and ran == []


class _Loads:
    """An embedded backend whose loading is counted instead of done (no weights read)."""

    def __init__(self, monkeypatch, fail=False):
        from syngen.backends import hf

        self.calls, self.threads, self.fail = 0, [], fail
        monkeypatch.setattr(hf, "_LOADED", {})
        monkeypatch.setattr(hf, "_LOADING", {})

        def load_prepared(backend):
            self.calls += 1
            self.threads.append(threading.current_thread().name)
            if self.fail:
                raise OSError("weights unreadable")
            return object(), object(), "cache", 0.1

        monkeypatch.setattr(hf.HFBackend, "_load_prepared", load_prepared)
        self.backend = hf.HFBackend(mode="completion")


def test_preload_starts_the_load_on_the_torch_thread_and_load_collects_it(monkeypatch):
    loads = _Loads(monkeypatch)
    release = threading.Event()
    busy = torch_thread.submit(lambda: release.wait(10))  # the torch thread is busy: preload must not wait
    loads.backend.preload()
    loads.backend.preload()  # a second call starts nothing more
    assert loads.calls == 0
    release.set()
    busy.result(timeout=10)
    torch_thread.call(lambda: None)  # the queue is first in, first out: the preload has run
    assert loads.calls == 1  # before anyone asked for the model
    loads.backend.load()
    assert loads.calls == 1 and loads.threads == [torch_thread.NAME]
    loads.backend.preload()
    assert loads.calls == 1  # loaded already


def test_a_failed_preload_is_raised_by_load_and_not_kept(monkeypatch):
    loads = _Loads(monkeypatch, fail=True)
    loads.backend.preload()
    for _ in range(2):
        with pytest.raises(OSError, match="weights unreadable"):
            loads.backend.load()
    assert loads.calls == 2  # the second load tried again


def test_load_asked_from_the_torch_thread_does_not_wait_for_its_own_queue(monkeypatch):
    loads = _Loads(monkeypatch)
    release = threading.Event()

    def job():  # e.g. tuning, on the torch thread, while a preload waits behind it in the queue
        loads.backend.preload()
        release.set()
        return loads.backend.load()

    torch_thread.call(job)
    assert release.is_set() and loads.calls == 1


def test_a_long_job_serves_the_jobs_queued_behind_it_and_leaves_their_time_out():
    """Tuning in the background runs on the torch thread for minutes; a run's batches queued
    behind it are served between its steps, so k-shot rows keep coming meanwhile."""
    started, release = threading.Event(), threading.Event()
    lent = []

    def long_job():
        started.set()
        while not release.is_set():
            lent.append(torch_thread.serve_waiting())
            time.sleep(0.01)
        return "tuned"

    first = torch_thread.submit(long_job)
    started.wait(10)
    second = torch_thread.submit(lambda: (time.sleep(0.2), threading.current_thread().name)[1])
    assert second.result(timeout=10) == torch_thread.NAME  # done while the long job still runs
    assert not first.done()
    release.set()
    assert first.result(timeout=10) == "tuned"
    assert max(lent) >= 0.2 and torch_thread.serve_waiting() == 0.0  # off the thread: nothing to serve
