"""Starting, previewing, watching and reviewing runs from the app (over syngen.runs.execute)."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from syngen.common.errors import SyngenError
from syngen.generate.config import RunConfig
from syngen.generate.loop import preview
from syngen.runs.execute import backend_for, key_env, negatives_as_rows, precheck_message
from syngen.runs.jobs import GenerationJob, active
from syngen.runs.store import save_rows, save_utility
from syngen.seed.clean import clean_table
from syngen.seed.conditions import check_conditions, meets, parse_conditions
from syngen.seed.table import load_table
from syngen.ui.backend_form import secret_key
from syngen.ui.reports import report_for
from syngen.ui.state import BUNDLED, AppState

BUNDLED_TEST = "data/drug_reviews/test.csv"  # the bundled seed's held-out real rows
QUICK_ROWS = 20  # the quick start's run: enough rows for a first look, a summary within ~90 s
FEEDBACK = "feedback"  # one column: "keep", "like" or "dislike" (exclusive by construction)


def mark_column(columns) -> str:
    """The review grid's mark column: "feedback", unless the table has a column of that name
    (the Alexa reviews' label is called feedback): then a name it does not have."""
    name = FEEDBACK
    while name in set(columns):
        name = f"your {name}"
    return name


CHOICES = ["keep", "like", "dislike"]


def _backend(state: AppState, cfg: RunConfig):
    return backend_for(cfg, state.api_key or secret_key(key_env(cfg)))


def start_job(state: AppState, resume_folder=None) -> str | None:
    """Check the backend (seconds), then start the run in the background; an error message
    instead of an exception."""
    try:
        cfg = state.config  # checked when it was made; never changed, so the job may keep it
        if resume_folder is not None:
            run = next((r for r in state.runs if str(r.info.folder) == str(resume_folder)), None)
            if run is not None:
                cfg = RunConfig.from_dict(run.info.config)
        backend = _backend(state, cfg)
        problem = precheck_message(backend)
        if problem:
            return problem
        state.job = GenerationJob(cfg, state.seed, backend, resume=resume_folder).start()
        state.feedback, state.feedback_run = None, None
        return None
    except SyngenError as exc:
        return str(exc)


def reason_words(key: str) -> str:
    """A reject reason as counted (numbers as '#', grouped by shape) in words for the page: the
    figures in brackets dropped, the rest as N ('near copy of seed row N')."""
    plain = re.sub(r"\s*\([^)]*#[^)]*\)", "", key)
    return re.sub(r"#", "N", plain).replace("'…'", "a value")


def filtered_rows(seed, text: str) -> tuple[pd.DataFrame, str | None]:
    """The seed rows a filter keeps (all without one), and the filter's problem, if any."""
    if not text or not text.strip():
        return seed.df, None
    try:
        conds = parse_conditions([text])
        check_conditions(conds, seed.schema)
    except SyngenError as exc:
        return seed.df, str(exc)
    return seed.df[meets(seed.df, seed.schema, conds)], None


def start_like(state: AppState, n: int, rows: pd.DataFrame | None, where: str | None) -> str | None:
    """Start a run of n rows like the chosen seed rows (or like those a filter selects)."""
    like = [] if rows is None else [{k: v for k, v in r.items() if v is not None} for r in rows.to_dict("records")]
    try:
        state.edit(num_samples=n, like=like, like_where=[where] if where else [], where=[], balance=None)
    except SyngenError as exc:
        return str(exc)
    return start_job(state)


def again_for_target(state: AppState, run) -> str | None:
    """Generate again with a reviewed run's target, the negatives and liked rows gathered since:
    liked rows of a "more like these" target join its chosen rows."""
    cfg = run.config
    liked = state.config.liked
    like = cfg.like + [r for r in liked if r not in cfg.like] if (cfg.like or cfg.like_where) else cfg.like
    try:
        state.edit(
            where=cfg.where,
            like=like,
            like_where=cfg.like_where,
            balance=cfg.balance,
            label_mix=cfg.label_mix,
            num_samples=cfg.num_samples,
        )
    except SyngenError as exc:
        return str(exc)
    return start_job(state)


@lru_cache(maxsize=1)
def _bundled_key() -> str:
    from syngen.seed.prepared import content_key, prepare_seed

    return content_key(prepare_seed(RunConfig(data=BUNDLED)).df)


def bundled_held_out(run) -> pd.DataFrame | None:
    """The held-out real rows that ship with the bundled seed, for a run made from that seed
    (by content: the bundled file uploaded counts too); None for a run of another table."""
    if Path(run.config.data).as_posix() != BUNDLED and run.origin.key != _bundled_key():
        return None
    return clean_table(load_table(BUNDLED_TEST))[0]


def start_quick(state: AppState) -> str | None:
    """The quick start: the recommended settings (RunConfig's defaults) on the current seed, with
    its label, roles, liked rows and negatives; QUICK_ROWS rows; no target."""
    keep = ("data", "label", "roles", "clean", "out", "random_seed", "negatives", "liked")
    fresh = RunConfig(num_samples=QUICK_ROWS)
    try:
        state.edit(**{f.name: getattr(fresh, f.name) for f in fields(RunConfig) if f.name not in keep})
    except SyngenError as exc:
        return str(exc)
    return start_job(state)


def quick_utility(state: AppState, run) -> str:
    """A first utility verdict for a quick start's rows (TF-IDF, 3 repeats: seconds), saved with
    the run for its summary; the Utility page measures more thoroughly."""
    from syngen.evaluate.lift import augmentation_lift

    test = bundled_held_out(run)
    if run.seed is None:
        return f"not measured: {run.origin.problem}"
    try:
        lift = augmentation_lift(
            run.seed.df,
            run.rows,
            run.seed.schema,
            test,
            sizes=(None,),
            features=("tfidf",),
            repeats=3,
        )
    except SyngenError as exc:
        return f"not measured: {exc}"
    sentence = lift.sentence("tfidf")
    save_utility(
        run.info.folder,
        sentence,
        held_out=0 if test is None else len(test),
        held_out_file=None if test is None else BUNDLED_TEST,
        repeats=3,
        features="tfidf",
        quick=True,
    )
    return sentence


def attach_running(state: AppState) -> None:
    """After a reload the session is new, but a run of this process may still be going."""
    if state.job is None:
        running = active()
        if running:
            state.job = running[-1]


def review_run(state: AppState, run) -> None:
    """Open a run of the history in the review grid."""
    state.feedback_run = run.info.folder
    state.feedback = review_frame(state, run)


def open_latest_for_review(state: AppState, wanted: str | None = None) -> None:
    """With no job in this session (a reload, a new tab), the run the URL names (`wanted`), else
    the newest, is open for review."""
    if state.job is not None or state.feedback is not None:
        return
    run = state.run(wanted) if wanted else None
    run = run if run is not None and run.info.rows else state.current
    if run is not None and run.info.rows:
        review_run(state, run)


def finish_job(state: AppState) -> None:
    """Show a finished job's run (read back from its folder) and open it for review."""
    job = state.job
    if job is None or not job.done or state.feedback_run == getattr(job.outcome, "folder", None):
        return
    state.refresh_runs()
    if job.outcome is None:
        return
    state.feedback_run = job.outcome.folder
    rec = state.run(job.outcome.result.run_id)
    if rec is not None:
        state.feedback = review_frame(state, rec)


def feedback_frame(rows: pd.DataFrame, liked: list[dict] = (), first: list[str] = ()) -> pd.DataFrame:
    """The review grid: every row marked "keep", or "like" when it is among the liked rows (so a
    like stays visible after Apply and after a reload); the mark, then the `first` columns (the
    text a reviewer reads), then the rest."""
    marks = [
        "like" if any(all(str(r.get(k)) == str(v) for k, v in lk.items()) for lk in liked) else "keep"
        for r in rows.to_dict("records")
    ]
    mark = mark_column(rows.columns)
    lead = [c for c in first if c in rows.columns]
    return rows.assign(**{mark: marks})[[mark] + lead + [c for c in rows.columns if c not in lead]]


def review_frame(state: AppState, run) -> pd.DataFrame:
    """A run's rows for review, its text columns first."""
    first = run.seed.schema.prose_columns if run.seed is not None else []
    return feedback_frame(run.rows, state.config.liked, first)


def apply_feedback(state: AppState, edited: pd.DataFrame) -> dict:
    """Edits stay in the run's rows; disliked rows leave the run and become negative examples;
    liked rows become preferred exemplars of the next run. Returns the true counts."""
    run = (
        state.run(state.current.run_id)
        if state.feedback_run is None
        else next((r for r in state.runs if str(r.info.folder) == str(state.feedback_run)), state.current)
    )
    mark = edited.columns[0]  # feedback_frame puts the marks first
    marks = edited[mark].fillna("keep")
    content = [c for c in edited.columns if c != mark]
    schema = run.seed.schema if run is not None and run.seed is not None else None  # the run's own seed
    names = schema.names if schema is not None else content
    disliked = [
        {k: v for k, v in r.items() if k in names} for r in edited.loc[marks == "dislike", content].to_dict("records")
    ]
    liked = [
        {k: v for k, v in r.items() if k in names} for r in edited.loc[marks == "like", content].to_dict("records")
    ]
    new_neg = [r for r in disliked if r not in state.config.negatives]
    new_liked = [r for r in liked if r not in state.config.liked]
    state.edit(negatives=state.config.negatives + new_neg, liked=state.config.liked + new_liked)
    kept = edited.loc[marks != "dislike", content].reset_index(drop=True)
    if run is not None:  # the run's own column order (the grid shows the text first)
        kept = kept[[c for c in run.rows.columns if c in kept.columns] + [c for c in kept if c not in run.rows]]
        run.rows = kept
        save_rows(
            run.info,
            kept,
            schema,
            curated=True,
            removed_by_review=run.delivered - len(kept),
        )
        run.info.rows, run.report = len(kept), None
        if len(kept):
            report_for(state, run)  # the scores of the rows as they are now, in every page and file
    state.feedback = review_frame(state, run) if run is not None else feedback_frame(kept, state.config.liked)
    return {
        "removed": len(disliked),
        "new_negatives": len(new_neg),
        "negatives": len(state.config.negatives),
        "liked": len(liked),
        "new_liked": len(new_liked),
        "kept": len(kept),
    }


def preview_row(state: AppState) -> tuple[dict | None, str]:
    """One prompt, one answer, nothing saved: what the next run would write (seconds)."""
    try:
        cfg = replace(state.config, negatives=negatives_as_rows(state.config.negatives, state.seed))
        backend = _backend(state, cfg)
        problem = precheck_message(backend)
        return (None, problem) if problem else preview(cfg, state.seed, backend)
    except SyngenError as exc:
        return None, str(exc)
