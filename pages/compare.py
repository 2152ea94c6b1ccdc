"""Compare: past runs of this session side by side (style x backend x k and their metrics)."""
import pandas as pd
import streamlit as st

from syngen.ui.reports import summary_row
from syngen.ui.page import start

state = start("Compare runs")
runs = [r for r in state.runs if len(r.rows)]
if not runs:
    st.info("Each finished run is listed here with its quality scores, so prompt styles, backends and k "
            "can be compared side by side.")
    st.stop()
with st.spinner("Scoring runs…"):
    table = pd.DataFrame([summary_row(state, r) for r in runs])
st.dataframe(table, width="stretch", hide_index=True)
metric = st.selectbox("Chart", [c for c in table.columns if c in ("overall", "column fidelity", "privacy and novelty",
                                                                  "diversity", "delivery")], key="compare_metric")
if metric:
    import plotly.express as px
    st.plotly_chart(px.bar(table, x="run", y=metric, color="style", hover_data=["backend", "k", "rows"]),
                    width="stretch", key="compare_chart")
