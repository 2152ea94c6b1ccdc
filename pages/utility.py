"""Utility: can a model trained on the synthetic rows work on real ones? TSTR and a discriminator."""

import pandas as pd
import plotly.express as px
import streamlit as st

from syngen.common.errors import SyngenError
from syngen.evaluate.utility import discriminate, utility
from syngen.seed.clean import clean_table
from syngen.seed.table import load_table, load_upload
from syngen.ui.page import pick_run, start
from syngen.ui.state import BUNDLED

BUNDLED_TEST = "data/drug_reviews/test.csv"
MEANINGFUL = 50  # synthetic rows below which TSTR figures are noise
state = start(
    "Utility",
    "Train the same classifier on real rows, on synthetic rows and on mixes; test each on "
    "held-out real rows. Then ask a classifier to tell real from synthetic.",
)
if not state.seed.schema.label:
    st.warning("Utility needs a label column: set one on the Data page.")
    st.stop()
run = pick_run(state, "utility_run", "Generate at least two rows first.", min_rows=2)
if state.source == BUNDLED:
    test = clean_table(load_table(BUNDLED_TEST))[0]
    st.caption(f"Held-out real rows: {BUNDLED_TEST} ({len(test)} rows)")
else:
    up = st.file_uploader("Held-out real rows (same columns as the seed)", key="utility_test")
    if up is None:
        st.stop()
    try:
        test = clean_table(load_upload(up.getvalue(), up.name))[0]
    except SyngenError as exc:
        st.error(str(exc))
        st.stop()
repeats = st.slider("Repeats", 1, 5, 3, key="utility_repeats")
if st.button("Evaluate", type="primary", key="utility_go"):
    try:
        with st.spinner("Training and testing…"):
            table = utility(state.seed.df, run.rows, test, state.seed.schema, repeats=repeats)
            disc = discriminate(state.seed.df, run.rows, state.seed.schema)
        st.session_state["utility_result"] = (run.run_id, table, disc)
    except SyngenError as exc:
        st.error(str(exc))
result = st.session_state.get("utility_result")
if result and result[0] == run.run_id:
    _, table, disc = result
    n_syn = len(run.rows)
    if n_syn < MEANINGFUL:
        st.warning(
            f"Only {n_syn} synthetic rows: every setting below trains on {n_syn} rows (real only too, "
            f"for a fair comparison), which is too few for the figures to mean much. Generate at least "
            f"{MEANINGFUL} rows before drawing conclusions."
        )
    trtr = table.iloc[0]
    tstr = table.set_index("setting").loc["TSTR (synthetic only)"]
    base = trtr["majority_baseline"]
    c = st.columns(4)
    c[0].metric("Majority-class baseline", f"{base:.3f}", help="always predicting the most common label")
    c[1].metric(
        "Real only (TRTR)", f"{trtr['accuracy']:.3f}", f"{trtr['accuracy'] - base:+.3f} vs baseline", delta_color="off"
    )
    c[2].metric(
        "Synthetic only (TSTR)",
        f"{tstr['accuracy']:.3f}",
        f"{tstr['accuracy'] - base:+.3f} vs baseline",
        delta_color="off",
    )
    c[3].metric("Discriminator AUC", f"{disc.auc:.3f}", help="0.5 = cannot tell synthetic from real")
    st.caption(
        "A model is only useful above the baseline; TSTR close to TRTR means the synthetic rows teach "
        "what the real ones teach."
    )
    st.subheader("Accuracy on held-out real rows, by training set")
    st.dataframe(table, hide_index=True, width="stretch")
    st.plotly_chart(
        px.bar(
            table,
            x="setting",
            y="accuracy",
            error_y="accuracy_sd",
            title="Accuracy by training set (dashed: majority baseline)",
        ).add_hline(y=base, line_dash="dash"),
        width="stretch",
        key="utility_chart",
    )
    st.subheader("What gives the synthetic rows away")
    st.caption("Features the real-vs-synthetic classifier leans on (positive: synthetic).")
    st.dataframe(pd.DataFrame(disc.giveaways, columns=["feature", "weight"]), hide_index=True, width="stretch")
    st.subheader("The most detectable synthetic rows")
    st.dataframe(disc.detectable, hide_index=True, width="stretch")
