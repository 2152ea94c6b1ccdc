"""The Backend page's "Adapt the embedded model to this table": LoRA tuning in the background,
with progress, ETA and a cancel that keeps the best adapter so far."""

from __future__ import annotations

import streamlit as st

from syngen.backends.hf import ADAPTER_SAMPLING
from syngen.engine.adapter import read_info
from syngen.runs.execute import chosen_path
from syngen.runs.jobs import TuneJob, active_tune
from syngen.runs.path_choice import read_choice
from syngen.tune.seed_tuning import TuneSettings, find_adapter

JOB = "adapt_job"


def _job() -> TuneJob | None:
    job = st.session_state.get(JOB) or active_tune()  # a reload finds the tuning still going
    st.session_state[JOB] = job
    return job


WRITERS = {
    "": "Automatic: the adapter when the seed's check chose it, else k-shot prompting",
    "none": "k-shot prompting (examples in every prompt)",
    "adapter": "The adapter tuned on this seed (tuned first if there is none)",
}


def adapt_section(state) -> None:
    cfg = state.config
    st.subheader("Adapt the embedded model to this table")
    st.caption(
        "LoRA fine-tuning of the embedded model on the seed's rows, on this computer's CPU (about 5 "
        "minutes; an upload starts it in the background). An adapted model writes rows in the seed's "
        "voice without examples in the prompt, about twice as fast. Rare labels are repeated so it "
        "learns every label; a check then writes a few rows of each label both ways and picks the "
        "path for this table."
    )
    job = _job()
    running = job is not None and not job.done
    option = cfg.adapter_option
    current = "" if not option else "none" if option == "none" else "adapter"
    pick = st.radio(
        "Who writes the rows",
        list(WRITERS),
        index=list(WRITERS).index(current),
        format_func=WRITERS.get,
        key="adapt_writer",
        disabled=running,
    )
    opts = dict(cfg.backend_options)
    if state.seed is None:
        st.info("Load a seed on the Data page first: the adapter is tuned on its rows.")
        return
    minutes = st.number_input(
        "Time budget (minutes)", 1.0, 120.0, TuneSettings().max_minutes, step=1.0, format="%.0f", key="adapt_minutes"
    )
    settings = TuneSettings(max_minutes=float(minutes))
    cached = find_adapter(cfg, state.seed, settings) or find_adapter(cfg, state.seed)
    if pick == "adapter":
        opts["adapter"] = str(cached) if cached is not None else "auto"
    elif pick == "none":
        opts["adapter"] = "none"
    else:
        opts.pop("adapter", None)
    cfg = state.edit(backend_options=opts)
    st.caption(f"Now: written by {chosen_path(cfg, state.seed)[1]}.")
    if running:
        _progress(job)
    elif cached is not None:
        st.success(f"Adapter ready for this seed: {read_info(cached).get('message', '')}.")
        choice = read_choice(cached)
        if choice is not None:
            st.caption(f"Check ({choice.measured}): {choice.path} writes this table's rows: {choice.why}.")
        st.caption(f"Folder: {cached}")
    elif pick == "adapter":
        st.info("Not tuned for this seed yet. Tune now to watch it, or Generate tunes it first.")
    if pick == "adapter" or cached is not None:
        st.caption(
            "Rows from an adapted model are sampled from its whole learned distribution: temperature "
            f"{ADAPTER_SAMPLING['temperature']:g}, top-k off, top-p {ADAPTER_SAMPLING['top_p']:g}, unless you "
            "change these from their defaults in the options above."
        )
    if job is not None and job.done and job.status == "failed":
        st.error(f"Tuning failed: {job.message}")
    label = "Tune again" if cached is not None else "Tune now"
    if not running and st.button(label, key="adapt_go"):
        st.session_state[JOB] = TuneJob(cfg, state.seed, settings, retrain=cached is not None, check=True).start()
        st.rerun()


@st.fragment(run_every=1.0)
def _progress(job: TuneJob) -> None:
    if job.done:
        st.rerun()  # the whole page shows the result
    p = job.progress
    share = p.step / max(1, p.steps) if p is not None and p.phase == "training" else 0.0
    st.progress(min(1.0, share), text=f"Tuning: {job.message}")
    if job.cancel.is_set():
        st.info("Cancelling… the best adapter so far is being saved.")
    elif st.button("Cancel tuning", key="adapt_cancel"):
        job.stop()
