"""A generation run in a background thread, for front-ends that must not block (the app).

The thread runs the same `pipeline.run`; the job keeps what the front-end shows (rows so far,
reject reasons, status) in plain Python objects that any rerun or page can read.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

from .backends import Backend
from .config import RunConfig
from .errors import SyngenError
from .pipeline import Checkpoint, RunResult, Seed, config_hash, run


class GenerationJob:
    def __init__(self, config: RunConfig, seed: Seed, backend: Backend, checkpoint: Path | None = None,
                 resume: bool = False):
        self.config, self.seed, self.backend = config, seed, backend
        self.checkpoint, self.resume = checkpoint, resume
        self.cancel = threading.Event()
        self.rows: list[dict] = []
        self.rejects: Counter = Counter()
        self.accepted = 0
        self.target = config.num_samples
        self.status = "starting"        # starting | running | complete | exhausted | cancelled | failed
        self.message = ""
        self.result: RunResult | None = None
        self.started = time.time()
        self.finished: float | None = None
        self.heartbeat = None           # the last Heartbeat of the running batch
        self.plan_mode = ""
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="syngen-job", daemon=True)

    def start(self) -> "GenerationJob":
        self.thread.start()
        return self

    @property
    def done(self) -> bool:
        return self.status not in ("starting", "running")

    def eta_seconds(self) -> float | None:
        el = time.time() - self.started
        return (self.target - self.accepted) * el / self.accepted if self.accepted and not self.done else None

    def snapshot(self) -> tuple[list[dict], Counter]:
        with self._lock:
            return list(self.rows), Counter(self.rejects)

    def _on_event(self, ev) -> None:
        with self._lock:
            self.status = "running" if self.status == "starting" else self.status
            self.accepted = ev.accepted
            if ev.kind == "row_accepted":
                self.rows.append(ev.row)
            elif ev.kind == "row_rejected":
                self.rejects[ev.reason] += 1
            elif ev.kind == "batch_finished":
                self.message, self.heartbeat = ev.message, None
            elif ev.kind == "heartbeat":
                self.heartbeat = ev.heartbeat
            elif ev.kind == "started":
                self.message = ev.message

    def _run(self) -> None:
        try:
            if self.resume and self.checkpoint and Path(self.checkpoint).exists():
                _, kept = Checkpoint(Path(self.checkpoint)).load(config_hash(self.config))
                with self._lock:
                    self.rows = list(kept)
            result = run(self.config, self.backend, self.seed, on_event=self._on_event, cancel=self.cancel,
                         checkpoint=self.checkpoint, resume=self.resume)
            with self._lock:
                self.result = result
                self.rows = result.rows.to_dict("records")
                self.status, self.message = result.status, result.message
        except SyngenError as exc:
            self.status, self.message = "failed", str(exc)
        except Exception as exc:  # a bug must reach the user as a message, not kill the page
            self.status, self.message = "failed", f"unexpected error: {type(exc).__name__}: {exc}"
        finally:
            self.finished = time.time()


def unfinished_runs(out_dir: str | Path) -> list[dict]:
    """Checkpoints left by runs that did not finish (crash, closed browser), newest first."""
    found = []
    for p in sorted(Path(out_dir).glob(".*.checkpoint.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            head = Checkpoint(p).header()
            rows = sum(1 for line in p.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
        except (OSError, ValueError):
            continue
        if head.get("config"):
            found.append({"path": p, "config": head["config"], "rows": rows, "run_id": head.get("_checkpoint")})
    return found
