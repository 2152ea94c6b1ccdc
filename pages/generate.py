"""Generate: N rows in the background with live progress, cancel, review and feedback."""
import pandas as pd
import streamlit as st

from syngen.jobs import unfinished_runs
from syngen.ui.run import apply_feedback, finish_job, start_job
from syngen.ui.page import start
from syngen.ui.state import OUT_DIR

state = start("Generate")
cfg = state.config

running = state.job is not None and not state.job.done
c = st.columns(4)
cfg.num_samples = int(c[0].number_input("Rows to generate", 1, 10_000, cfg.num_samples, key="gen_n",
                                        disabled=running))
cfg.batch_size = int(c[1].number_input("Prompts per batch", 1, 64, cfg.batch_size, key="gen_batch",
                                       disabled=running))
cfg.seed = int(c[2].number_input("Random seed", 0, 2**31 - 1, cfg.seed, key="gen_seed", disabled=running))
c[3].write("")
c[3].caption(f"{cfg.backend} · {cfg.model or 'default model'} · style {cfg.style} · k={cfg.k}")

left, right = st.columns([1, 1])
if left.button("Generate", type="primary", key="gen_go", disabled=running):
    problem = start_job(state)
    if problem:
        st.error(problem)
    else:
        st.rerun()
if running and right.button("Cancel", key="gen_cancel"):
    state.job.cancel.set()
if running and state.job.cancel.is_set():
    st.info("Cancelling… the current batch stops within a second; rows already accepted are kept.")

if state.job is None:
    for u in unfinished_runs(OUT_DIR)[:3]:
        n = u["config"].get("num_samples")
        st.info(f"An unfinished run kept {u['rows']} of {n} rows ({u['config'].get('backend')}, "
                f"style {u['config'].get('style')}).")
        if st.button("Resume it", key=f"gen_resume_{u['run_id']}"):
            problem = start_job(state, resume_config=u["config"])
            st.error(problem) if problem else st.rerun()


@st.fragment(run_every=1.0 if running else None)
def progress():
    job = state.job
    if job is None:
        return
    rows, rejects = job.snapshot()
    eta = job.eta_seconds()
    st.progress(min(1.0, job.accepted / max(1, job.target)),
                text=f"{job.accepted}/{job.target} rows accepted · {sum(rejects.values())} fragments rejected"
                     + (f" · about {eta:.0f}s left" if eta else "") + f" · {job.status}")
    hb = job.heartbeat
    if hb is not None and not job.done:
        st.caption(f"Working on a batch: {hb.describe()}")
    elif not job.done and not rows:
        st.caption("Preparing: fitting the seed model and loading the language model (first run: up to a minute)…")
    if job.message:
        st.caption(job.message)
    if rejects:
        with st.expander("Rejected, and why"):
            st.dataframe(pd.DataFrame(rejects.most_common(), columns=["reason", "count"]), hide_index=True,
                         width="stretch")
    if not job.done:
        if rows:
            st.dataframe(pd.DataFrame(rows), width="stretch", height=240)
    elif running:  # it just finished: redraw the page with the review table
        st.rerun()


progress()

job = state.job
if job is not None and job.done:
    finish_job(state)
    (st.success if job.status == "complete" else st.warning)(job.message)
    if state.feedback is not None and len(state.feedback):
        st.subheader("Review")
        st.caption("Tick like or dislike, edit any cell, then apply. Disliked rows are removed and become "
                   "negative examples for the next run.")
        edited = st.data_editor(state.feedback, key=f"gen_editor_{state.current.run_id}",
                                width="stretch", hide_index=True,
                                disabled=[c for c in state.feedback.columns if c in ("is_synthetic", "run_id")])
        if st.button("Apply review", key="gen_apply"):
            n = apply_feedback(state, edited)
            st.success(f"Saved. {n} disliked row(s) added to the negative examples.")
