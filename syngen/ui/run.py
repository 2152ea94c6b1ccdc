"""Starting, watching and finishing a generation job from the app."""
from __future__ import annotations

import pandas as pd

from ..backends import backend_class, backend_from_config
from ..config import RunConfig
from ..errors import SyngenError
from ..export import checkpoint_path
from ..jobs import GenerationJob
from .backend_form import secret_key
from .state import AppState, RunRecord

FEEDBACK = ["like", "dislike"]


def start_job(state: AppState, resume_config: dict | None = None) -> str | None:
    """Start a run in the background; returns an error message instead of raising."""
    try:
        cfg = RunConfig.from_dict(resume_config) if resume_config else RunConfig.from_dict(state.config.to_dict())
        cfg.check()
        key = state.api_key or secret_key(backend_class(cfg.backend).key_env)
        backend = backend_from_config(cfg, key)
        seed = state.seed
        ckpt = checkpoint_path(cfg, seed.name, backend.name, backend.model_label)
        state.job = GenerationJob(cfg, seed, backend, ckpt, resume=resume_config is not None).start()
        state.feedback = None
        return None
    except SyngenError as exc:
        return str(exc)


def finish_job(state: AppState) -> None:
    """Move a finished job into the run history (once)."""
    job = state.job
    if job is None or not job.done or any(r.run_id == getattr(job.result, "run_id", None) for r in state.runs):
        return
    rows = job.result.rows if job.result is not None else pd.DataFrame(job.rows)
    run_id = job.result.run_id if job.result is not None else f"failed-{len(state.runs)}"
    state.runs.append(RunRecord(run_id, job.config, rows, job.status, job.message,
                                job.result.account if job.result else None,
                                seconds=(job.finished or job.started) - job.started))
    state.feedback = rows.assign(like=False, dislike=False)[FEEDBACK + list(rows.columns)]
    if job.result is not None and job.status == "complete" and job.checkpoint:
        job.checkpoint.unlink(missing_ok=True)


def apply_feedback(state: AppState, edited: pd.DataFrame) -> int:
    """Keep edits in the current run's rows; disliked rows become negative examples."""
    state.feedback = edited
    run = state.current
    content = [c for c in edited.columns if c not in FEEDBACK]
    if run is not None:
        run.rows = edited.loc[~edited["dislike"], content].reset_index(drop=True)
        run.report = None  # edited rows: the report is built again on view
    disliked = edited.loc[edited["dislike"], content].to_dict("records")
    names = state.seed.schema.names if state.seed is not None else content
    new = [{k: v for k, v in r.items() if k in names} for r in disliked]
    state.config.negatives += [r for r in new if r not in state.config.negatives]
    return len(new)
