"""Tuning an uploaded seed in the background, and its quiet status on every page.

An upload starts `syngen tune`'s defaults and then the check that picks who writes the table's
rows (syngen/runs/path_choice.py) in a background thread; k-shot prompting serves runs meanwhile
(the tuning lets their batches through between its steps) and runs use the adapter once the check
chose it. The sidebar says where it stands, with its ETA and a cancel. SYNGEN_AUTO_TUNE=0 turns
the start off (the Backend page still tunes on request); SYNGEN_TUNE_MINUTES sets its budget.
"""

from __future__ import annotations

import os

import streamlit as st

from syngen.runs.execute import chosen_path
from syngen.runs.jobs import TuneJob, tune_for_folder, was_stopped
from syngen.runs.path_choice import read_choice
from syngen.tune.seed_tuning import TuneSettings, adapter_folder_for, find_adapter


def auto_tune_on() -> bool:
    return os.environ.get("SYNGEN_AUTO_TUNE", "1") != "0"


def background_settings() -> TuneSettings:
    """`syngen tune`'s defaults, with SYNGEN_TUNE_MINUTES as the budget when it is a number."""
    try:
        return TuneSettings(max_minutes=float(os.environ["SYNGEN_TUNE_MINUTES"]))
    except (KeyError, ValueError):
        return TuneSettings()


def background_tuning(state) -> TuneJob | None:
    """The background tuning of the current seed: started here for an upload with no checked
    adapter yet (once per seed and process; never again after a cancel)."""
    cfg, seed = state.config, state.seed
    if seed is None or cfg.backend != "hf" or cfg.adapter_option:
        return None
    settings = background_settings()
    folder = adapter_folder_for(cfg, seed, settings)
    job = tune_for_folder(folder)
    if job is not None or not (state.upload_key and auto_tune_on()) or was_stopped(folder):
        return job
    cached = find_adapter(cfg, seed)
    if cached is not None and read_choice(cached) is not None:
        return None
    return TuneJob(cfg, seed, settings, check=True).start()


def tuning_status(state) -> None:
    """A line or two in the sidebar: tuning with its ETA and a cancel, or who writes the rows."""
    job = background_tuning(state)
    if job is None and (state.seed is None or state.config.backend != "hf"):
        return
    with st.sidebar:
        if job is not None and not job.done:
            _running(job)
        else:
            st.caption(f"Rows: written by {chosen_path(state.config, state.seed)[1]}.")
            if job is not None and job.status == "failed":
                st.caption(f"Tuning failed: {job.message}")


@st.fragment(run_every=2.0)
def _running(job: TuneJob) -> None:
    if job.done:
        st.rerun()  # every page then sees the adapter (or the check's verdict)
    eta = job.eta_seconds()
    when = "" if eta is None else ", under a minute left" if eta < 60 else f", about {round(eta / 60)} min left"
    what = (
        "checking whether the adapter or k-shot prompting writes this table's rows better"
        if job.phase == "checking"
        else f"adapting the model to this table{when}"
    )
    st.caption(f"In the background: {what}. Runs use k-shot prompting until it is ready. ({job.message})")
    if job.cancel.is_set():
        st.caption("Cancelling… the best adapter so far is kept.")
    elif st.button("Cancel tuning", key="auto_tune_cancel"):
        job.stop()
