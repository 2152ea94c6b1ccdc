"""The opening every page shares: state, seed, title, and (for result pages) a run picker."""

from __future__ import annotations

import streamlit as st

from syngen.common.text import count
from syngen.ui.auto_tune import tuning_status
from syngen.ui.seed import ensure_seed
from syngen.ui.state import AppState, RunRecord, get_state

URL_RUN = "run"


def start(title: str, caption: str | None = None, need_seed: bool = True) -> AppState:
    """Title the page and make sure a seed is loaded; stop with a message when there is none."""
    state = get_state()
    ensure_seed(state)
    tuning_status(state)
    st.title(title)
    if caption:
        st.caption(caption)
    if need_seed and state.seed is None:
        st.error(state.load_error or "Load a seed on the Data page first.")
        st.stop()
    return state


def pick_run(state: AppState, key: str, empty: str, min_rows: int = 1) -> RunRecord:
    """A selectbox over the run history (newest first); stops the page with `empty` if none."""
    state.refresh_runs()
    runs = [r for r in state.runs if r.info.rows >= min_rows]
    if not runs:
        st.info(empty)
        st.stop()
    by_id = {r.run_id: r for r in runs[::-1]}
    wanted = st.query_params.get(URL_RUN)  # a reload shows the run that was shown before it
    chosen = st.selectbox(
        "Run",
        list(by_id),
        index=list(by_id).index(wanted) if wanted in by_id else 0,
        key=key,
        format_func=lambda i: f"{by_id[i].name} · {count(by_id[i].info.rows, 'row')} · {by_id[i].status} · {i}",
    )
    st.query_params[URL_RUN] = chosen
    return by_id[chosen]
