"""Compare: every run on disk side by side (key scores first, settings on demand); rename and
delete runs."""

import pandas as pd
import plotly.express as px
import streamlit as st

from syngen.common.errors import SyngenError
from syngen.common.text import count
from syngen.runs.store import delete_run, rename_run
from syngen.ui.page import start
from syngen.ui.reports import KEY_SCORES, shown_table, summary_row

SHORT = {"column fidelity": "fidelity", "privacy and novelty": "privacy"}  # headers that fit at 1400 px
WIDTH = {"name": 190, "seed": 90, "rows": 44, "asked for": 120, "utility": 120}  # pixels; scores 56
state = start("Compare runs")
state.refresh_runs()
runs = [r for r in state.runs if r.info.rows]
if not runs:
    st.info(
        "Each finished run is listed here with its quality scores, so prompt styles, backends and k "
        "can be compared side by side."
    )
    st.stop()
with st.spinner("Scoring runs…"):
    table = pd.DataFrame([summary_row(state, r) for r in runs[::-1]])
key = [c for c in ("name", "seed", "rows", "asked for", *KEY_SCORES, "utility") if c in table.columns]
st.caption(
    "Scores: 1 = like the seed on these measures, each run against the seed it was made from; the same "
    "numbers as each run's Quality page and report. Empty: not measured for that run."
)
st.dataframe(
    shown_table(table[key]),
    width="stretch",
    hide_index=True,
    column_config={c: st.column_config.TextColumn(SHORT.get(c, c), width=WIDTH.get(c, 56)) for c in key},
)
with st.expander("Settings and every score"):
    st.dataframe(shown_table(table), width="stretch", hide_index=True)
metric = st.selectbox("Chart", [c for c in KEY_SCORES if c in table.columns], key="compare_metric")
if metric:
    st.plotly_chart(
        px.bar(
            # one bar per run: runs of the same settings share a name, and px would stack their scores
            table.assign(bar=table["name"] + " · " + table["run"]),
            x="bar",
            y=metric,
            color="style",
            hover_data=["backend", "k", "rows"],
            labels={"bar": "run"},
            title=f"{metric} by run",
        ),
        width="stretch",
        key="compare_chart",
    )

st.subheader("Name and delete runs")
by_id = {r.run_id: r for r in runs[::-1]}
pick = st.selectbox(
    "Run",
    list(by_id),
    key="compare_manage",
    format_func=lambda i: f"{by_id[i].name} · {count(by_id[i].info.rows, 'row')} · {i}",
)
c = st.columns([3, 1, 1])
new_name = c[0].text_input("Name", by_id[pick].name, key=f"compare_name_{pick}")
if c[1].button("Rename", key="compare_rename"):
    try:
        rename_run(by_id[pick].info, new_name)
        st.rerun()
    except SyngenError as exc:
        st.error(str(exc))
if c[2].button("Delete", key="compare_delete", help="removes the run's folder from disk"):
    try:
        delete_run(by_id[pick].info)
        state.refresh_runs()
        st.rerun()
    except SyngenError as exc:
        st.error(str(exc))
