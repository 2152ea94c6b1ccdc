"""Helpers for the Generate page: seed loading with messages, progress, downloads."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from ..config import RunConfig
from ..data import clean_table, load_upload
from ..errors import SyngenError
from ..pipeline import Seed, prepare_seed, run
from ..schema import infer_schema
from ..backends import backend_from_config
from .models import warm_model
from .state import BUNDLED, AppState


def load_seed_ui(state: AppState, upload, use_bundled: bool) -> Seed | None:
    """Load the chosen seed once; a broken file becomes a message, never a traceback."""
    wanted = BUNDLED if use_bundled else (upload.name if upload is not None else None)
    if wanted is None:
        state.seed, state.load_error = None, None
        return None
    if state.seed is not None and state.data_name == wanted:
        return state.seed
    state.data_name, state.load_error, state.rows = wanted, None, None
    try:
        if use_bundled:
            state.seed = prepare_seed(RunConfig(data=BUNDLED))
        else:
            df, report = clean_table(load_upload(upload.getvalue(), upload.name))
            if len(df) == 0:
                raise SyngenError(f"{upload.name}: no rows left after cleaning")
            state.seed = Seed(df, infer_schema(df), report, upload.name.rsplit(".", 1)[0])
    except SyngenError as exc:
        state.seed, state.load_error = None, str(exc)
    return state.seed


def roles_frame(schema) -> pd.DataFrame:
    return pd.DataFrame([{"column": c.name, "role": c.role.value, "contract": c.describe()}
                         for c in schema.columns])


def run_with_progress(state: AppState, cfg: RunConfig, seed: Seed) -> None:
    with st.status("Loading the embedded model…", expanded=True) as status:
        warm_model(cfg.backend, cfg.model)
        backend = backend_from_config(cfg)
        status.update(label=f"Generating {cfg.num_samples} rows with {backend.model_label}…")
        bar = st.progress(0.0)
        note = st.empty()
        rejected = [0]

        def on_event(ev):
            if ev.kind == "row_rejected":
                rejected[0] += 1
            bar.progress(min(1.0, ev.accepted / max(1, ev.target)),
                         text=f"{ev.accepted}/{ev.target} rows accepted, {rejected[0]} fragments rejected")
            if ev.kind == "batch_finished":
                note.caption(ev.message)

        result = run(cfg, backend, seed, on_event=on_event)
        state.rows, state.account = result.rows, result.account
        state.status, state.message = result.status, result.message
        status.update(label=result.message, state="complete" if result.status == "complete" else "error")
