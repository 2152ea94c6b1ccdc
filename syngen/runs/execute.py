"""The one way to run, for the CLI, the app and experiments.

`execute(config)` resolves the config for its seed (`resolve`: the adapter, negatives), builds and
checks the backend, owns the run's folder (`syngen.runs.store`), checkpoint, resume and export
names, runs the loop (`syngen.generate.loop.run`) and writes what the run produced.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from syngen.backends import Backend, backend_class, backend_from_config
from syngen.common.errors import BackendError, SyngenError
from syngen.common.text import count
from syngen.generate.checkpoint import config_hash
from syngen.generate.config import RunConfig
from syngen.generate.events import Event, EventKind, RunStatus
from syngen.generate.loop import RunResult, run
from syngen.runs.export import default_stem, write_rows
from syngen.runs.run_seed import keep_seed
from syngen.runs.store import (
    ACCOUNT,
    CHECKPOINT,
    CONFIG,
    find_resumable,
    read_run,
    read_state,
    save_report,
    update_state,
    write_json,
)
from syngen.seed.prepared import Seed, prepare_seed
from syngen.seed.schema import Role


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
    writer: str = ""  # which path writes the rows and why, in words (the run's summary says it)


def resolve(config: RunConfig, seed: Seed | None = None, **tune_kwargs) -> ResolvedRun:
    """Prepare the seed (unless given) and derive what the config leaves to the seed.
    `tune_kwargs` (on_progress, cancel, settings, retrain) go to the adapter's tuning."""
    seed = seed or prepare_seed(config)
    config = replace(config, negatives=negatives_as_rows(config.negatives, seed))
    config, tuned = resolve_adapter(config, seed, **tune_kwargs)
    config, writer = chosen_path(config, seed)
    return ResolvedRun(config, seed, tuned, writer)


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


def chosen_path(config: RunConfig, seed: Seed) -> tuple[RunConfig, str]:
    """Who writes the rows. With no adapter named (the default), the embedded model uses the
    adapter cached for this seed when its check chose it (k=0: the adapter needs no examples),
    else k-shot prompting; `adapter=none` keeps k-shot by name. Returns the config to run and
    the reason in words."""
    if config.backend != "hf":
        return config, ""
    option = config.adapter_option
    if option == "none":
        return config, f"k-shot prompting (k={config.k}), as asked (--adapter none)"
    if option:
        return config, f"the adapter at {option} (k={config.k}), as asked"
    from syngen.runs.path_choice import read_choice
    from syngen.tune.seed_tuning import find_adapter

    folder = find_adapter(config, seed)
    choice = read_choice(folder) if folder is not None else None
    if folder is None:
        return config, f"k-shot prompting (k={config.k}): no adapter tuned for this seed yet (`syngen tune`)"
    if choice is None:
        return config, f"k-shot prompting (k={config.k}): the adapter tuned for this seed was not checked yet"
    if choice.path != "adapter":
        return config, f"k-shot prompting (k={config.k}): the seed's check chose it: {choice.why}"
    k = 0 if not (config.like or config.like_where) else min(config.k, 2)  # chosen rows: a short prompt
    chosen = replace(config, k=k, backend_options={**config.backend_options, "adapter": str(folder)})
    return chosen, f"the adapter tuned for this seed (k={k}): the seed's check chose it: {choice.why}"


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


def run_title(config: RunConfig, seed_name: str, backend: Backend, when: float) -> str:
    """A run's default name in the history, for people: 'drug reviews, 20 rows, like 3 chosen rows,
    Dec 5 14:02' (renamed on the Compare page; the folder keeps the file-safe stem)."""
    from syngen.plan.target import target_words

    parts = [seed_name.replace("_", " "), count(config.num_samples, "row"), target_words(config)]
    if config.style != "base":
        parts.append(f"{config.style} style")
    if backend.name != "hf":
        parts.append(backend.model_label)
    parts.append(time.strftime("%b %-d %H:%M", time.localtime(when)))
    return ", ".join(p for p in parts if p)


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
    seed_key = keep_seed(folder, seed)  # every report of this run judges it against this seed
    started = time.time()
    update_state(
        folder,
        run_id=run_id,
        name=name or read_state(folder).get("name") or run_title(config, seed.name, backend, started),
        status=RunStatus.RUNNING,
        message="",
        pid=os.getpid(),
        started=read_state(folder).get("started", started),
        requested=config.num_samples,
        writer=resolved.writer,
        config_hash=config_hash(config),
        stem=stem,
        format=config.format,
        backend=backend.name,
        model=backend.model_label,
        seed_key=seed_key,
        seed_name=seed.name,
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
        update_state(folder, status=RunStatus.INTERRUPTED, message=f"{type(exc).__name__}: {exc}"[:300])
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
    write_json(folder / ACCOUNT, account)
    rep = None
    scores = {}
    message = result.message
    if report and len(result.rows):
        rep, problem = _report(config, seed, result, {"writer": resolved.writer})
        if rep is not None:
            scores = save_report(folder, rep)
        else:  # the rows are written; only the report is missing, and the state says why
            message = f"{message}; {problem}"
    update_state(
        folder,
        status=result.status,
        message=message,
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


def precheck_message(backend: Backend) -> str | None:
    """The precheck as a message (None when the backend looks reachable)."""
    try:
        backend.precheck()
    except BackendError as exc:
        return str(exc)
    return None


def _report(config: RunConfig, seed: Seed, result: RunResult, about: dict):
    """(the quality report, None), or (None, why) when it cannot be built on these rows."""
    try:
        return run_report(config, seed, result.rows, account=result.account, about=about), None
    except Exception as exc:  # noqa: BLE001  (a report bug must not lose the run's rows or its state)
        return None, f"no quality report: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"


def run_report(config: RunConfig, seed: Seed, rows, account=None, delivered: int | None = None, about=None):
    """A run's quality report, the one the CLI writes and the app shows: against the seed rows
    of the run's target and label mix, with the target checked."""
    from syngen.evaluate import build_report
    from syngen.plan.target import mix_for, resolve_target
    from syngen.tune.seed_tuning import holdout_rows

    try:
        target = resolve_target(seed, config)
    except SyngenError:  # the seed changed since the run (another upload): judged against it all
        target = None
    return build_report(
        seed.df,
        rows,
        seed.schema,
        account=account,
        requested=config.num_samples,
        delivered=delivered,
        about=about,
        holdout=holdout_rows(config),
        target=target,
        mix=mix_for(config, target),
    )
