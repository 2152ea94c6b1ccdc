"""The one thread that runs the model's work: results and errors come back, work already on it
runs in place, and a job still waiting can be cancelled."""

import threading

import pytest

from syngen import torch_thread


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
