"""A run in a background thread, for front-ends that must not block (the app).

The thread calls the same `runs.execute` as the CLI; the job keeps what the front-end shows
(rows so far, reject reasons, the batch heartbeat, status) in plain Python objects. Jobs are
also registered per process (`active()`), so a browser reload, whose new session has an empty
state, finds the run that is still going and attaches to it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

from syngen.backends import Backend
from syngen.common.errors import SyngenError
from syngen.generate.config import RunConfig
from syngen.generate.eta import RunEta
from syngen.generate.events import EventKind, RunStatus
from syngen.seed.prepared import Seed

_ACTIVE: dict[str, "GenerationJob"] = {}
_LOCK = threading.Lock()


def active() -> list["GenerationJob"]:
    """Jobs of this process that have not finished, oldest first."""
    with _LOCK:
        return [j for j in _ACTIVE.values() if not j.done]


class GenerationJob:
    def __init__(
        self,
        config: RunConfig,
        seed: Seed,
        backend: Backend | None = None,
        api_key: str | None = None,
        resume: str | Path | None = None,
        name: str | None = None,
    ):
        self.config, self.seed, self.backend, self.api_key = config, seed, backend, api_key
        self.resume, self.name = resume, name
        self.cancel = threading.Event()
        self.rows: list[dict] = []
        self.rejects: Counter = Counter()
        self.accepted = 0
        self.target = config.num_samples
        self.status = RunStatus.STARTING
        self.message = ""
        self.outcome = None  # runs.Outcome when the run finished
        self.heartbeat = None  # the last Heartbeat of the running batch
        self._eta = RunEta()
        self.finished: float | None = None
        self.key = f"job-{id(self)}"
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="syngen-job", daemon=True)

    @property
    def result(self):
        return self.outcome.result if self.outcome is not None else None

    def start(self) -> "GenerationJob":
        with _LOCK:
            _ACTIVE[self.key] = self
        self.thread.start()
        return self

    @property
    def done(self) -> bool:
        return self.status not in (RunStatus.STARTING, RunStatus.RUNNING)

    def eta_seconds(self) -> float | None:
        with self._lock:
            return None if self.done else self._eta.seconds_left()

    def snapshot(self) -> tuple[list[dict], Counter]:
        with self._lock:
            return list(self.rows), Counter(self.rejects)

    def _on_event(self, ev) -> None:
        with self._lock:
            self.status = RunStatus.RUNNING if self.status == RunStatus.STARTING else self.status
            self.accepted = ev.accepted
            self._eta(ev)
            if ev.kind == EventKind.ROW_ACCEPTED:
                self.rows.append(ev.row)
            elif ev.kind == EventKind.ROW_REJECTED:
                self.rejects[ev.reason] += 1
            elif ev.kind == EventKind.BATCH_FINISHED:
                self.message, self.heartbeat = ev.message, None
            elif ev.kind == EventKind.HEARTBEAT:
                self.heartbeat = ev.heartbeat
            elif ev.kind == EventKind.STARTED:
                self.message = ev.message
            elif ev.kind == EventKind.FINISHED:  # generation ended; the run is written and scored next
                self.message = f"{ev.message}; saving the run and scoring it…"

    def _run(self) -> None:
        from syngen.runs.execute import execute

        try:
            out = execute(
                self.config,
                seed=self.seed,
                backend=self.backend,
                api_key=self.api_key,
                on_event=self._on_event,
                cancel=self.cancel,
                resume=self.resume or False,
                name=self.name,
            )
            with self._lock:
                self.outcome = out
                self.rows = out.result.rows.to_dict("records")
                self.status, self.message = out.result.status, out.result.message
        except SyngenError as exc:
            self.status, self.message = RunStatus.FAILED, str(exc)
        except Exception as exc:  # a bug must reach the user as a message, not kill the page
            self.status, self.message = RunStatus.FAILED, f"unexpected error: {type(exc).__name__}: {exc}"
        finally:
            self.finished = time.time()
            with _LOCK:
                _ACTIVE.pop(self.key, None)


_TUNES: dict[str, "TuneJob"] = {}
_STOPPED: set[str] = set()  # adapter folders whose background tuning a user cancelled (this process)


def active_tune() -> "TuneJob | None":
    """The tuning job of this process that is still going (a reload attaches to it)."""
    with _LOCK:
        return next((j for j in _TUNES.values() if not j.done), None)


def tune_for_folder(folder) -> "TuneJob | None":
    """The latest tuning job of this process for the adapter at `folder`, going or ended."""
    with _LOCK:
        return next((j for j in reversed(_TUNES.values()) if j.folder == str(folder)), None)


def was_stopped(folder) -> bool:
    return str(folder) in _STOPPED


class TuneJob:
    """`tune.tune_for_seed` in a background thread, for the app: progress, cancel (which keeps
    the best adapter so far) and the result. With `check`, the check that picks who writes the
    table's rows (runs.path_choice) follows the tuning; its verdict is kept with the adapter."""

    def __init__(self, config: RunConfig, seed: Seed, settings=None, retrain: bool = False, check: bool = False):
        from syngen.tune.seed_tuning import adapter_folder_for

        self.config, self.seed, self.settings = config, seed, settings  # a RunConfig never changes
        self.retrain, self.check = retrain, check
        self.folder = str(adapter_folder_for(config, seed, settings))
        self.cancel = threading.Event()
        self.progress = None  # the last tune.TuneProgress
        self.result = None  # tune.TuneResult when it ended
        self.choice = None  # path_choice.PathChoice when the check ran
        self.phase = "tuning"  # tuning | checking
        self.status = "running"  # running | complete | early-stop | time-budget | cancelled | reused | failed
        self.message = "starting…"
        self.started = time.time()
        self.key = f"tune-{id(self)}"
        self.thread = threading.Thread(target=self._run, name="syngen-tune", daemon=True)

    @property
    def done(self) -> bool:
        return self.status != "running"

    def start(self) -> "TuneJob":
        with _LOCK:
            _TUNES[self.key] = self
        self.thread.start()
        return self

    def stop(self) -> None:
        """Cancel, and do not start again for this seed in this process."""
        self.cancel.set()
        _STOPPED.add(self.folder)

    def eta_seconds(self) -> float | None:
        p = self.progress
        return p.eta_seconds if self.phase == "tuning" and p is not None and p.phase == "training" else None

    def _on_progress(self, p) -> None:
        self.progress, self.message = p, p.describe()

    def _on_check(self, message: str) -> None:
        self.phase, self.message = "checking", message

    def _run(self) -> None:
        from syngen.tune.seed_tuning import tune_for_seed

        try:
            self.result = tune_for_seed(
                self.config,
                self.seed,
                settings=self.settings,
                on_progress=self._on_progress,
                cancel=self.cancel,
                retrain=self.retrain,
            )
            if self.check and not self.cancel.is_set() and self.result.status != "cancelled":
                from syngen.runs.path_choice import check_paths

                self.choice = check_paths(
                    self.config, self.seed, self.result.folder, cancel=self.cancel, on_progress=self._on_check
                )
            self.status, self.message = self.result.status, self.result.message
            if self.cancel.is_set():
                self.status = "cancelled"
        except SyngenError as exc:
            self.status, self.message = "failed", str(exc)
        except Exception as exc:  # a bug reaches the page as a message
            self.status, self.message = "failed", f"unexpected error: {type(exc).__name__}: {exc}"
