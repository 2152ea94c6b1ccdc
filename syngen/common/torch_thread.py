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
from concurrent.futures import Future
from typing import Callable, TypeVar

T = TypeVar("T")
NAME = "syngen-torch"
_JOBS: queue.Queue = queue.Queue()
_STARTED = threading.Lock()
_THREAD: list[threading.Thread] = []


def _serve() -> None:
    while True:
        fn, future = _JOBS.get()
        if future.set_running_or_notify_cancel():  # False: cancelled while it waited
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the caller, who raises it
                future.set_exception(exc)


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
