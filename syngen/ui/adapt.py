"""The Backend page's "Adapt the embedded model to this table": LoRA tuning in the background,
with progress, ETA and a cancel that keeps the best adapter so far."""

from __future__ import annotations

import streamlit as st

from syngen.backends.hf import ADAPTER_SAMPLING
from syngen.engine.adapter import read_info
from syngen.runs.jobs import TuneJob, active_tune
from syngen.tune.seed_tuning import TuneSettings, find_adapter

JOB = "adapt_job"


def _job() -> TuneJob | None:
    job = st.session_state.get(JOB) or active_tune()  # a reload finds the tuning still going
    st.session_state[JOB] = job
    return job


def adapt_section(state) -> None:
    cfg = state.config
    st.subheader("Adapt the embedded model to this table")
    st.caption(
        "LoRA fine-tuning of the embedded model on the seed's rows, on this computer's CPU (a few "
        "minutes). An adapted model writes rows in the seed's style without examples in the prompt "
        "(k=0 works). 10% of the rows are held out to pick the best adapter; it is kept for this seed."
    )
    job = _job()
    running = job is not None and not job.done
    on = st.toggle("Adapt the embedded model to this table", value=bool(cfg.adapter), key="adapt_on", disabled=running)
    opts = dict(cfg.backend_options)
    if not on:
        opts.pop("adapter", None)
        state.edit(backend_options=opts)
        return
    if state.seed is None:
        st.info("Load a seed on the Data page first: the adapter is tuned on its rows.")
        return
    st.caption(
        "Rows from an adapted model are sampled from its whole learned distribution: temperature "
        f"{ADAPTER_SAMPLING['temperature']:g}, top-k off, top-p {ADAPTER_SAMPLING['top_p']:g}, unless you change "
        "these from their defaults in the options above."
    )
    minutes = st.number_input("Time budget (minutes)", 1.0, 120.0, 10.0, step=1.0, format="%.0f", key="adapt_minutes")
    settings = TuneSettings(max_minutes=float(minutes))
    cached = find_adapter(cfg, state.seed, settings)
    if running:
        _progress(job)
    elif cached is not None:
        opts["adapter"] = str(cached)
        st.success(f"Adapter ready for this seed: {read_info(cached).get('message', '')}.")
        st.caption(f"Folder: {cached}")
    else:
        opts["adapter"] = "auto"
        st.info(
            "Not tuned for this seed yet. Tune now to watch it, or Generate tunes it first "
            "(with the default 10-minute budget)."
        )
    cfg = state.edit(backend_options=opts)
    if job is not None and job.done and job.status == "failed":
        st.error(f"Tuning failed: {job.message}")
    label = "Tune again" if cached is not None else "Tune now"
    if not running and st.button(label, key="adapt_go"):
        st.session_state[JOB] = TuneJob(cfg, state.seed, settings, retrain=cached is not None).start()
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
        job.cancel.set()
