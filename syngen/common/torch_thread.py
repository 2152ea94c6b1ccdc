"""One long-lived thread for all of the embedded model's work: loading, generating, tuning.

PyTorch's OpenMP runtime (libgomp) gives every thread that runs a parallel op a pool of its own.
Once two threads have pools there are more OpenMP threads than this machine's 2 cores, libgomp
stops spinning between ops, and each of the thousands of small ops in a decode step waits on a
futex. Decoding in a fresh worker thread after loading the model in another ran ~1.5x slower than
doing both in one thread (bench/embedded/threads.py). So whoever asks (the CLI, the app's
script threads, a tuning job), the model's work runs here, one job at a time.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from typing import Callable, TypeVar

T = TypeVar("T")
NAME = "syngen-torch"
_JOBS: queue.Queue = queue.Queue()
_STARTED = threading.Lock()
_THREAD: list[threading.Thread] = []


def _run(fn, future: Future) -> None:
    if future.set_running_or_notify_cancel():  # False: cancelled while it waited
        try:
            future.set_result(fn())
        except BaseException as exc:  # handed to the caller, who raises it
            future.set_exception(exc)


def _serve() -> None:
    while True:
        _run(*_JOBS.get())


def serve_waiting() -> float:
    """From inside a long job on the torch thread (tuning in the background): run the jobs that
    queued behind it (a run's generation batches) now, and return the seconds they took, so the
    long job can leave them out of its own clock. k-shot rows keep coming while an adapter tunes."""
    if not on_torch_thread():
        return 0.0
    t = time.perf_counter()
    while True:
        try:
            job = _JOBS.get_nowait()
        except queue.Empty:
            return time.perf_counter() - t
        _run(*job)


def on_torch_thread() -> bool:
    return threading.current_thread().name == NAME


def submit(fn: Callable[[], T]) -> Future:
    """Queue `fn` for the torch thread; its Future can be cancelled until it starts."""
    with _STARTED:
        if not _THREAD:  # a daemon: a job still running never holds up the interpreter's exit
            _THREAD.append(threading.Thread(target=_serve, name=NAME, daemon=True))
            _THREAD[0].start()
    future: Future = Future()
    _JOBS.put((fn, future))
    return future


def call(fn: Callable[[], T]) -> T:
    """Run `fn` on the torch thread and return its result (at once when already there)."""
    return fn() if on_torch_thread() else submit(fn).result()
