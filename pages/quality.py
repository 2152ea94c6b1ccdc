"""Quality: the report of the latest run, seed vs synthetic per column, with a scorecard."""
import math

import streamlit as st

from syngen.ui.page import pick_run, start
from syngen.ui.reports import report_for

state = start("Quality")
run = pick_run(state, "quality_run", "Generate some rows first: the report compares them with the seed, column by column.")
with st.spinner("Measuring…"):
    rep = report_for(state, run)

cols = st.columns(1 + len(rep.parts))
cols[0].metric("Overall", "n/a" if math.isnan(rep.overall) else f"{rep.overall:.2f}",
               help="mean of the parts; 1 = like the seed on these measures")
for c, (k, v) in zip(cols[1:], rep.parts.items()):
    c.metric(k, "n/a" if math.isnan(v) else f"{v:.2f}")
for note in rep.notes:
    st.caption(note)

table = rep.table()
only_bad = st.toggle("Only fair and poor", key="quality_bad")
if only_bad:
    table = table[table["verdict"].isin(["fair", "poor"])]
st.dataframe(table, width="stretch", hide_index=True, height=320)

st.subheader("Seed vs synthetic")
figs = rep.figures()
grid = st.columns(2)
for i, (name, fig) in enumerate(figs.items()):
    grid[i % 2].plotly_chart(fig, width="stretch", key=f"quality_fig_{name}")
if rep.copies is not None and len(rep.copies):
    st.subheader("Rows that copy the seed")
    st.dataframe(rep.copies, width="stretch", hide_index=True)
