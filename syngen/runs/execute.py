"""The one way to run, for the CLI, the app and experiments; and the run history on disk.

`execute(config)` prepares the seed, builds and checks the backend, owns the run's folder,
checkpoint, resume and export names, runs the pipeline and writes what the run produced:

    <out>/<dataset>_<style>_<backend>_<model>_<n>_output-<run_id>/
        <dataset>_<style>_<backend>_<model>_<n>_output.csv   rows (or .jsonl / .parquet / .xlsx)
        config.json      replays the run: syngen generate --config …/config.json
        account.json     requests, tokens, time, rejects by reason
        report.json      the quality report's scores
        state.json       status, message, name, times, counts (the history lists these)
        checkpoint.jsonl accepted rows while the run is unfinished (resume continues from it)

`list_runs(out)` reads every run folder back, so a reload, a new tab or a restart shows them all.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import pandas as pd

from syngen.backends import Backend, backend_class, backend_from_config
from syngen.common.errors import BackendError, DataError
from syngen.generate.checkpoint import config_hash
from syngen.generate.config import RunConfig
from syngen.generate.events import Event, EventKind, RunStatus
from syngen.generate.loop import RunResult, run
from syngen.runs.export import default_stem, write_rows
from syngen.seed.prepared import Seed, prepare_seed
from syngen.seed.schema import Role
from syngen.seed.table import load_table

STATE, CONFIG, ACCOUNT, REPORT, CHECKPOINT = (
    "state.json",
    "config.json",
    "account.json",
    "report.json",
    "checkpoint.jsonl",
)


@dataclass
class RunInfo:
    """One run folder as the history shows it."""

    folder: Path
    run_id: str
    name: str
    status: RunStatus
    message: str
    config: dict
    rows_file: Path | None
    rows: int
    requested: int
    started: float
    seconds: float
    scores: dict = field(default_factory=dict)  # overall and parts from report.json
    checkpoint_rows: int = 0

    @property
    def resumable(self) -> bool:
        """Unfinished, and it kept rows worth continuing from."""
        return self.status not in (RunStatus.COMPLETE, RunStatus.RUNNING) and self.checkpoint_rows > 0


@dataclass
class Outcome:
    result: RunResult
    folder: Path
    rows_file: Path
    report: object | None = None


def backend_for(config: RunConfig, api_key: str | None = None) -> Backend:
    """The backend a config names (keys from the environment or the app's session only)."""
    return backend_from_config(config, api_key)


@dataclass(frozen=True)
class ResolvedRun:
    """A run config made concrete for one seed; `execute` runs this and saves its config.

    `config` is what config.json replays: an "auto" adapter replaced by the folder of the adapter
    tuned on this seed, and negatives given as plain text turned into rows of the seed's columns.
    The config the user made is left as it was."""

    config: RunConfig
    seed: Seed
    tuned: object | None = None  # tune.TuneResult when the adapter was tuned or reused just now


def resolve(config: RunConfig, seed: Seed | None = None, **tune_kwargs) -> ResolvedRun:
    """Prepare the seed (unless given) and derive what the config leaves to the seed.
    `tune_kwargs` (on_progress, cancel, settings, retrain) go to the adapter's tuning."""
    seed = seed or prepare_seed(config)
    config = replace(config, negatives=negatives_as_rows(config.negatives, seed))
    config, tuned = resolve_adapter(config, seed, **tune_kwargs)
    return ResolvedRun(config, seed, tuned)


def resolve_adapter(config: RunConfig, seed: Seed, on_progress=None, cancel=None, settings=None, retrain=False):
    """`adapter=auto`: the adapter tuned on this seed (tuned now if there is none yet), named by
    its folder in the returned config so the run replays with the same weights. Returns (config,
    TuneResult), or (config, None) when the config names no "auto" adapter."""
    if config.adapter != "auto":
        return config, None
    from syngen.tune.seed_tuning import tune_for_seed

    result = tune_for_seed(config, seed, on_progress=on_progress, cancel=cancel, settings=settings, retrain=retrain)
    if not (result.folder / "adapter_config.json").exists():  # stopped before the first step
        raise BackendError(result.message)
    return replace(config, backend_options={**config.backend_options, "adapter": str(result.folder)}), result


def key_env(config: RunConfig) -> str | None:
    return backend_class(config.backend).key_env


def negatives_as_rows(negatives: list[dict], seed: Seed) -> list[dict]:
    """Plain-text negatives ({"__text__": line}) become rows whose text column holds the line."""
    text_cols = [c.name for c in seed.schema.by_role(Role.TEXT)] or seed.schema.names[:1]
    return [
        {text_cols[0]: r["__text__"]} if "__text__" in r else {k: v for k, v in r.items() if k in seed.schema.names}
        for r in negatives
    ]


def run_stem(config: RunConfig, seed_name: str, backend: Backend) -> str:
    return default_stem(seed_name, config.style, backend.name, backend.model_label, config.num_samples)


def _write_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def _state(folder: Path) -> dict:
    try:
        return json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _update_state(folder: Path, **changes) -> dict:
    state = _state(folder) | changes
    _write_json(folder / STATE, state)
    return state


def find_resumable(config: RunConfig, out: str | Path | None = None) -> RunInfo | None:
    """The newest unfinished run of this configuration that kept rows."""
    chash = config_hash(config)
    for info in list_runs(out or config.out):
        if info.resumable and _state(info.folder).get("config_hash") == chash:
            return info
    return None


def find_same_seed(config: RunConfig, out: str | Path | None = None) -> RunInfo | None:
    """The newest run that kept rows with these settings and seed, whatever its row count: a new
    run writes the same rows again (the seed makes a run repeatable)."""
    key = config_hash(config, ignore=("num_samples",))
    for info in list_runs(out or config.out):
        if (info.rows or info.checkpoint_rows) and config_hash(info.config, ignore=("num_samples",)) == key:
            return info
    return None


def execute(
    config: RunConfig,
    *,
    seed: Seed | None = None,
    backend: Backend | None = None,
    api_key: str | None = None,
    on_event: Callable[[Event], None] | None = None,
    cancel: threading.Event | None = None,
    resume: bool | str | Path = False,
    report: bool = True,
    check: bool = True,
    name: str | None = None,
) -> Outcome:
    """Run `config` end to end and leave a run folder. `resume`: True continues the newest
    unfinished run of this configuration; a folder continues that run."""

    def tuning(p):  # front-ends show this line while the model is adapted to the seed
        if on_event is not None:
            on_event(
                Event(
                    EventKind.STARTED, 0, config.num_samples, message=f"adapting the model to the seed: {p.describe()}"
                )
            )

    resolved = resolve(config, seed, on_progress=tuning, cancel=cancel)
    config, seed = resolved.config, resolved.seed
    if resolved.tuned is not None:
        backend = None  # built again below, with the adapter's folder
    backend = backend or backend_for(config, api_key)
    if check:
        backend.precheck()  # a dead server fails here in ~2 s, before any folder is made
    previous = None
    if resume:
        previous = read_run(Path(resume)) if not isinstance(resume, bool) else find_resumable(config)
    stem = run_stem(config, seed.name, backend)
    if previous is not None:
        folder, run_id = previous.folder, previous.run_id
    else:
        run_id = uuid.uuid4().hex[:12]
        folder = Path(config.out) / f"{stem}-{run_id}"
        folder.mkdir(parents=True, exist_ok=True)
    config.save(folder / CONFIG)
    started = time.time()
    _update_state(
        folder,
        run_id=run_id,
        name=name or _state(folder).get("name") or stem,
        status=RunStatus.RUNNING,
        message="",
        pid=os.getpid(),
        started=_state(folder).get("started", started),
        requested=config.num_samples,
        config_hash=config_hash(config),
        stem=stem,
        format=config.format,
        backend=backend.name,
        model=backend.model_label,
    )
    ckpt = folder / CHECKPOINT
    try:
        result = run(
            config,
            backend,
            seed,
            on_event=on_event,
            cancel=cancel,
            checkpoint=ckpt,
            resume=previous is not None,
            run_id=run_id,
        )
    except BaseException as exc:  # the folder must not claim to be running after a crash or Ctrl-C
        _update_state(folder, status=RunStatus.INTERRUPTED, message=f"{type(exc).__name__}: {exc}"[:300])
        raise
    rows_file = write_rows(
        result.rows, folder / f"{stem}.{config.format}", config.format, config.safe_csv, schema=seed.schema
    )
    account = result.account.to_dict() | {
        "status": result.status,
        "message": result.message,
        "run_id": result.run_id,
        "plan": result.plan.mode if result.plan else None,
    }
    _write_json(folder / ACCOUNT, account)
    rep = None
    scores = {}
    if report and len(result.rows):
        from syngen.evaluate import build_report
        from syngen.tune.seed_tuning import holdout_rows

        rep = build_report(
            seed.df,
            result.rows,
            seed.schema,
            account=result.account,
            requested=config.num_samples,
            holdout=holdout_rows(config),
        )
        _write_json(folder / REPORT, rep.to_dict())
        scores = {"overall": rep.to_dict()["overall"], **rep.to_dict()["parts"]}
    _update_state(
        folder,
        status=result.status,
        message=result.message,
        rows=len(result.rows),
        delivered=len(result.rows),
        seconds=round(time.time() - started, 1),
        finished=time.time(),
        scores=scores,
        rows_file=rows_file.name,
    )
    if result.status == RunStatus.COMPLETE:
        ckpt.unlink(missing_ok=True)
    return Outcome(result, folder, rows_file, rep)


def read_run(folder: Path) -> RunInfo | None:
    """Read one run folder (None when it is not one)."""
    st = _state(folder)
    if not st.get("run_id"):
        return None
    try:
        config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    status = RunStatus(st["status"]) if st.get("status") in set(RunStatus) else RunStatus.INTERRUPTED
    if status == RunStatus.RUNNING and not _alive(st.get("pid")):
        status = RunStatus.INTERRUPTED  # the process that ran it is gone (a crash, kill -9, a restart)
    ckpt = folder / CHECKPOINT
    kept = 0
    if ckpt.exists():
        try:
            kept = sum(1 for line in ckpt.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
        except OSError:
            kept = 0
    rows_file = folder / st["rows_file"] if st.get("rows_file") else None
    return RunInfo(
        folder,
        st["run_id"],
        st.get("name") or folder.name,
        status,
        st.get("message", ""),
        config,
        rows_file if rows_file and rows_file.exists() else None,
        int(st.get("rows") or kept),
        int(st.get("requested") or 0),
        float(st.get("started") or 0),
        float(st.get("seconds") or 0),
        st.get("scores") or {},
        kept,
    )


def _alive(pid) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True  # this process: the app's own job thread (see jobs.active)
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    return True


def list_runs(out: str | Path) -> list[RunInfo]:
    """Every run folder under `out`, newest first."""
    root = Path(out)
    if not root.is_dir():
        return []
    infos = [read_run(p) for p in root.iterdir() if p.is_dir() and (p / STATE).exists()]
    return sorted((i for i in infos if i is not None), key=lambda i: i.started, reverse=True)


def load_rows(info: RunInfo) -> pd.DataFrame:
    """The run's rows: its export, or what its checkpoint kept if it never finished."""
    if info.rows_file is not None:
        try:
            df = load_table(info.rows_file)
            df.attrs.pop("notes", None)
            return df
        except DataError:
            pass
    ckpt = info.folder / CHECKPOINT
    if ckpt.exists():
        rows = [
            json.loads(line)
            for line in ckpt.read_text(encoding="utf-8").splitlines()[1:]
            if line.strip() and line.strip().startswith("{")
        ]
        return pd.DataFrame(rows, dtype=object)
    return pd.DataFrame()


def save_rows(info: RunInfo, rows: pd.DataFrame, schema=None, **state) -> None:
    """Rewrite a run's rows after review (edits, disliked rows removed) and note it in its state."""
    fmt = info.config.get("format", "csv")
    stem = _state(info.folder).get("stem") or info.folder.name
    path = write_rows(rows, info.folder / f"{stem}.{fmt}", fmt, info.config.get("safe_csv", True), schema=schema)
    _update_state(info.folder, rows=len(rows), rows_file=path.name, **state)


def rename_run(info: RunInfo, name: str) -> None:
    name = " ".join(str(name).split())[:80]
    if not name:
        raise DataError("a run name cannot be empty")
    _update_state(info.folder, name=name)


def delete_run(info: RunInfo) -> None:
    if info.status == RunStatus.RUNNING:
        raise DataError(f"run {info.run_id} is still running: cancel it first")
    if not (info.folder / STATE).exists():
        raise DataError(f"{info.folder} is not a run folder")
    shutil.rmtree(info.folder)


def load_report_scores(info: RunInfo) -> dict:
    try:
        return json.loads((info.folder / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def precheck_message(backend: Backend) -> str | None:
    """The precheck as a message (None when the backend looks reachable)."""
    try:
        backend.precheck()
    except BackendError as exc:
        return str(exc)
    return None
