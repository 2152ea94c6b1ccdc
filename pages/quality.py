"""Quality: what to look at first, the scorecard, every metric, seed vs synthetic per column.
Judges a run of the history or an uploaded file (read as model output when it is one)."""

import math

import streamlit as st

from syngen.common.errors import SyngenError
from syngen.common.text import count
from syngen.evaluate.plots import shown_verdict
from syngen.evaluate.report import SMALL_SAMPLE
from syngen.ui.page import pick_run, start
from syngen.ui.reports import report_for, report_for_upload

state = start("Quality")
source = st.radio("Judge", ["A run", "An uploaded file"], horizontal=True, key="quality_source")
if source == "An uploaded file":
    up = st.file_uploader(
        "Synthetic rows (CSV, JSON, JSONL, markdown, model output with chatter…)", key="quality_upload"
    )
    if up is None:
        st.info("Upload a file of synthetic rows to compare it with the seed.")
        st.stop()
    try:
        with st.spinner("Reading and measuring…"):
            rep = report_for_upload(state, up.getvalue(), up.name)
    except SyngenError as exc:
        st.error(str(exc))
        st.stop()
else:
    run = pick_run(
        state, "quality_run", "Generate some rows first: the report compares them with the seed, column by column."
    )
    with st.spinner("Measuring…"):
        rep = report_for(state, run)
    if rep is None:  # never a score against another table
        st.warning(f"No scores for this run: {run.origin.problem}.")
        st.stop()

n = len(rep.synthetic)
if n < SMALL_SAMPLE:
    st.warning(
        f"Only {count(n, 'synthetic row')}: scores are noisy below {SMALL_SAMPLE} rows. Generate more before trusting them."
    )
st.subheader("Summary")
for head, text in rep.story():
    if isinstance(text, list):
        st.markdown(f"**{head}**\n" + "\n".join(f"- {x}" for x in text))
    else:
        st.markdown(f"**{head}** {text}")
with st.expander("Every fair or poor measure, worst first"):
    st.markdown("\n".join(f"- {x}" for x in rep.summary(top=50) if not x.startswith("Only ")))

cols = st.columns(1 + len(rep.parts))
cols[0].metric(
    "Overall",
    "not measured" if math.isnan(rep.overall) else f"{rep.overall:.2f}",
    help="mean of the parts; 1 = like the seed on these measures",
)
for c, (k, v) in zip(cols[1:], rep.parts.items()):
    c.metric(k, "not measured" if math.isnan(v) else f"{v:.2f}")
for note in rep.notes:
    st.caption(note)

table = rep.table()
only_bad = st.toggle("Only fair and poor", key="quality_bad")
if only_bad:
    table = table[table["verdict"].isin(["fair", "poor"])]
shown = table.assign(  # a metric that could not be computed says so, and its detail says why
    value=table["value"].map(lambda v: "" if v is None or v != v else f"{v:.3g}"),
    score=table["score"].map(lambda v: "" if v is None or v != v else f"{v:.2f}"),
    verdict=table["verdict"].map(shown_verdict),
)
st.dataframe(shown, width="stretch", hide_index=True, height=320)

if rep.slices is not None:  # a rebalanced run: its slices before and after
    st.subheader(f"Rows per {rep.slices.columns[0]}")
    st.caption("The column was rebalanced on purpose: the seed's rows, the new ones, and both together.")
    st.dataframe(rep.slices, hide_index=True, width="stretch")

st.subheader("Seed vs synthetic")
if rep.reference is not None and len(rep.reference) != len(rep.seed):
    st.caption(f"The seed bars show the {len(rep.reference)} seed rows the run was compared with (its target).")
figs = rep.figures()
grid = st.columns(2)
for i, (name, fig) in enumerate(figs.items()):
    grid[i % 2].plotly_chart(fig, width="stretch", key=f"quality_fig_{name}")
if rep.copies is not None and len(rep.copies):
    st.subheader("Rows that copy the seed")
    st.dataframe(rep.copies, width="stretch", hide_index=True)
