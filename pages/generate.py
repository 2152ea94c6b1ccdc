"""Generate: preview one row, run N rows in the background with live progress and cancel,
resume unfinished runs, review (like / dislike / edit)."""

import pandas as pd
import streamlit as st

from syngen.common.text import count
from syngen.generate.eta import left_words
from syngen.generate.events import RunStatus
from syngen.plan.target import target_words
from syngen.runs.execute import chosen_path
from syngen.ui.backend_form import display_name
from syngen.ui.page import URL_RUN, start
from syngen.ui.reports import report_for
from syngen.ui.run import (
    CHOICES,
    again_for_target,
    apply_feedback,
    attach_running,
    finish_job,
    open_latest_for_review,
    preview_row,
    quick_utility,
    reason_words,
    review_run,
    start_job,
)
from syngen.ui.widgets import STYLE_WORDS

state = start("Generate")
cfg = state.config
attach_running(state)

running = state.job is not None and not state.job.done
c = st.columns(4)
cfg = state.edit(
    num_samples=int(c[0].number_input("Rows to generate", 1, 10_000, cfg.num_samples, key="gen_n", disabled=running))
)
cfg = state.edit(
    batch_size=int(c[1].number_input("Prompts per batch", 1, 64, cfg.batch_size, key="gen_batch", disabled=running))
)
# The box's value lives in session state alone (no `value=`), so a run can move it on: it is set
# when a run started, before the box is drawn.
st.session_state.setdefault("gen_seed", cfg.random_seed)
if "gen_seed_next" in st.session_state:
    st.session_state["gen_seed"] = st.session_state.pop("gen_seed_next")
cfg = state.edit(
    random_seed=int(
        c[2].number_input(
            "Random seed",
            0,
            2**31 - 1,
            key="gen_seed",
            disabled=running,
            help="The same seed and settings write the same rows; each run moves it on by one, so Generate "
            "again writes new rows. A run's seed is saved in its config.json.",
        )
    )
)
c[3].write("")
writer = chosen_path(cfg, state.seed)[1]
c[3].caption(
    f"{display_name(cfg.backend, cfg.model)} · {STYLE_WORDS[cfg.style].lower()} · "
    + (f"written by {writer.split(':')[0]}" if writer else f"{cfg.k} example rows per prompt")
)
aim = target_words(cfg)
if aim:
    t = st.columns([5, 1])
    t[0].info(f"Target: {aim}. Set it on the Data page (rows like these) or the Prompt page (scenario, balance).")
    if t[1].button("Clear target", key="gen_clear_target", disabled=running):
        state.edit(where=[], like=[], like_where=[], balance=None)
        st.rerun()

previewing = st.session_state.get("gen_previewing", False)  # one row being written: no run meanwhile
b = st.columns([1, 1, 1, 3])
if b[0].button("Generate", type="primary", key="gen_go", disabled=running or previewing):
    problem = start_job(state)
    if problem:
        st.error(problem)
    else:
        st.session_state["gen_seed_next"] = (cfg.random_seed + 1) % 2**31
        st.rerun()
if b[1].button(
    "Preview 1 row",
    key="gen_preview",
    disabled=running or previewing,
    help="one prompt, one answer, nothing saved: see what a run would write",
):
    st.session_state["gen_previewing"] = True
    st.session_state.pop("gen_preview_result", None)
    st.rerun()  # drawn again with Generate disabled, then the row is written
if previewing:
    with st.spinner("Writing one row… (the first use loads the model)"):
        row, note = preview_row(state)
    st.session_state["gen_preview_result"] = (row, note, id(state.job))  # shown until another run starts
    st.session_state["gen_previewing"] = False
    st.rerun()
if running and b[2].button("Cancel", key="gen_cancel"):
    state.job.cancel.set()
if running and state.job.cancel.is_set():
    st.info("Cancelling… the current batch stops within a second; rows already accepted are kept.")
if st.session_state.get("gen_preview_result", (None, None, None))[2] != id(state.job):
    st.session_state.pop("gen_preview_result", None)  # a run started since (here, or from the Data page)
if "gen_preview_result" in st.session_state and not running:
    row, note, _ = st.session_state["gen_preview_result"]
    (st.caption if row is not None else st.error)(f"Preview: {note}")
    if row is not None:
        st.dataframe(pd.DataFrame([row]), hide_index=True, width="stretch")


@st.fragment(run_every=(0.5 if state.job.cancel.is_set() else 1.0) if running else None)
def progress():
    job = state.job
    if job is None:
        return
    rows, rejects = job.snapshot()
    eta = job.eta_seconds()
    done = state.run(job.outcome.result.run_id) if job.done and job.outcome is not None else None
    reviewed = (  # a review since: the counts the run has now
        f" · {done.delivered - done.info.rows} removed in review, {count(done.info.rows, 'row')} kept"
        if done is not None and done.info.rows < done.delivered
        else ""
    )
    st.progress(
        min(1.0, job.accepted / max(1, job.target)),
        text=f"{job.accepted}/{job.target} rows accepted · {count(sum(rejects.values()), 'rejected candidate')}"
        + (f" · {left_words(eta)}" if eta is not None else "")
        + f" · {job.status}{reviewed}",
    )
    hb = job.heartbeat
    if hb is not None and not job.done:
        st.caption(f"Working on a batch: {hb.describe()}")
    elif not job.done and not rows:
        st.caption("Preparing: fitting the seed model and loading the language model (first run: up to a minute)…")
    if job.message and not job.done:
        st.caption(job.message)
    if rejects:
        with st.expander("Rejected, and why"):
            st.dataframe(
                pd.DataFrame([(reason_words(k), n) for k, n in rejects.most_common()], columns=["reason", "count"]),
                hide_index=True,
                width="stretch",
            )
    if not job.done:
        if rows:
            st.dataframe(pd.DataFrame(rows), width="stretch", height=240)
    elif running:  # it just finished: redraw the page with the review table
        st.rerun()


progress()

job = state.job
if job is not None and job.done:
    finish_job(state)
    quick = st.session_state.pop("quick_start", False) and job.status == RunStatus.COMPLETE
    if quick and state.run(job.outcome.result.run_id) is not None:  # the quick start lands on the summary
        rec = state.run(job.outcome.result.run_id)
        with st.spinner("Measuring the rows: quality, privacy, and whether they help a classifier…"):
            quick_utility(state, rec)
            report_for(state, rec)
        st.switch_page("pages/quality.py")
    if job.status == RunStatus.COMPLETE:
        st.success(job.message)
    else:
        st.warning(job.message if job.message.startswith(job.status) else f"{job.status}: {job.message}")
# Runs that stopped short (the one just finished too): resuming keeps their rows and goes on
# with a new attempt budget.
if state.job is None or state.job.done:
    for r in [r for r in state.runs if r.info.resumable][-3:]:
        st.info(f"Run “{r.name}” stopped ({r.status}) and kept {r.info.checkpoint_rows} of {r.info.requested} rows.")
        if st.button("Resume it", key=f"gen_resume_{r.run_id}", help="keeps its rows and tries more prompts"):
            problem = start_job(state, resume_folder=r.info.folder)
            st.error(problem) if problem else st.rerun()
open_latest_for_review(state, st.query_params.get(URL_RUN))
reviewable = {str(r.info.folder): r for r in state.runs[::-1] if r.info.rows}  # newest first
if (state.job is None or state.job.done) and reviewable:
    st.subheader("Review")
    shown = str(state.feedback_run) if str(state.feedback_run) in reviewable else next(iter(reviewable))
    pick = st.selectbox(
        "Run to review",
        list(reviewable),
        index=list(reviewable).index(shown),
        # not the row count: a review changes it, and a changed label would be another option
        format_func=lambda f: f"{reviewable[f].name} · {reviewable[f].run_id}",
        key=f"gen_review_run_{len(reviewable)}",  # a new run draws a new box that shows it
    )
    if pick != str(state.feedback_run):
        review_run(state, reviewable[pick])
        st.rerun()
    st.query_params[URL_RUN] = reviewable[pick].run_id  # a reload reviews this run again
    if state.feedback is not None and len(state.feedback):
        cfg = state.config
        st.caption(
            f"Kept for this seed (they survive a reload): {count(len(cfg.liked), 'liked row')}, used as examples; "
            f"{count(len(cfg.negatives), 'negative example')}, which new rows must not resemble."
        )
        st.caption(
            "Mark rows as like or dislike and edit any cell, then apply. Disliked rows leave the run and "
            "become negative examples; liked rows are preferred as examples in the next run's prompts."
        )
        locked = [c for c in state.feedback.columns if c in ("is_synthetic", "run_id", "backend", "model")]
        edited = st.data_editor(
            state.feedback,
            key=f"gen_editor_{state.feedback_run}_{len(state.feedback)}",  # a new grid after Apply
            width="stretch",
            hide_index=True,
            disabled=locked,
            column_config={
                state.feedback.columns[0]: st.column_config.SelectboxColumn(
                    state.feedback.columns[0],
                    options=CHOICES,
                    required=True,
                    help="keep, like or dislike (one of them)",
                )
            },
        )
        if st.button("Apply review", key="gen_apply"):
            n = apply_feedback(state, edited)
            st.session_state["gen_review_note"] = (
                state.feedback_run,
                (
                    f"Removed {count(n['removed'], 'disliked row')} "
                    f"({count(n['new_negatives'], 'new negative example')}, {n['negatives']} in total); "
                    f"{count(n['liked'], 'liked row')} will be preferred as examples; {count(n['kept'], 'row')} kept."
                ),
            )
            st.rerun()
        reviewed, note = st.session_state.get("gen_review_note", (None, None))
        if note and reviewed == state.feedback_run:  # the note of this run's review, not an earlier one's
            st.success(note)
            run = next((r for r in state.runs if str(r.info.folder) == str(state.feedback_run)), None)
            aim = target_words(run.config) if run is not None else ""
            if run is not None and st.button(
                "Generate again for this target" if aim else "Generate again with this review",
                key="gen_again",
                type="primary",
                help="the same target and row count; disliked rows are negatives, liked rows exemplars",
            ):
                problem = again_for_target(state, run)
                if problem:
                    st.error(problem)
                else:
                    st.session_state["gen_seed_next"] = (state.config.random_seed + 1) % 2**31
                    st.rerun()
