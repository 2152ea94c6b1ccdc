"""Utility: do the synthetic rows make a classifier better on real rows than class weights or
random oversampling do? The lift table (syngen.evaluate.lift) and a real-vs-synthetic
discriminator."""

import streamlit as st

from syngen.common.errors import SyngenError
from syngen.evaluate.lift import FEATURE_NAMES, SIZES, augmentation_lift, size_name
from syngen.evaluate.target_check import slice_counts
from syngen.evaluate.utility import discriminate
from syngen.plan.target import parse_balance
from syngen.runs.store import save_utility
from syngen.seed.clean import clean_table
from syngen.seed.table import load_upload
from syngen.ui.page import pick_run, start
from syngen.ui.run import BUNDLED_TEST, bundled_held_out
from syngen.ui.utility_view import show_discriminator, show_lift

state = start(
    "Utility",
    "Would these rows make your classifier better? The same classifier is trained on your real rows "
    "alone, with class weights, with real rows drawn again (random oversampling), and with the "
    "synthetic rows added; each is tested on real rows it never saw.",
)
run = pick_run(state, "utility_run", "Generate at least two rows first.", min_rows=2)
seed = run.seed  # the rows are measured against the seed they were made from
if seed is None:
    st.warning(f"This run cannot be measured: {run.origin.problem}.")
    st.stop()
if not seed.schema.label:
    st.warning("Utility needs a label column: set one on the Data page.")
    st.stop()
test = bundled_held_out(run)
held_name = BUNDLED_TEST if test is not None else None
if test is not None:
    st.caption(f"Held-out real rows: {BUNDLED_TEST} ({len(test)} rows)")
else:
    up = st.file_uploader(
        "Held-out real rows (same columns as the seed). Without a file, each repeat holds out 30% of "
        "the seed's rows, which the synthetic rows were written from: the figures then favour them.",
        key="utility_test",
    )
    if up is not None:
        try:
            test = clean_table(load_upload(up.getvalue(), up.name))[0]
            held_name = up.name
        except SyngenError as exc:
            st.error(str(exc))
            st.stop()
with st.expander("Options"):
    c = st.columns(3)
    repeats = c[0].slider("Repeats", 2, 8, 3, key="utility_repeats", help="more repeats: a tighter spread")
    sizes = c[1].multiselect(
        "Real rows used",
        list(SIZES),
        default=[None],
        format_func=size_name,
        key="utility_sizes",
        help="smaller real sets show where synthetic rows matter most",
    )
    features = c[2].multiselect(
        "How the classifier reads text",
        list(FEATURE_NAMES),
        default=["embeddings", "tfidf"],
        format_func=FEATURE_NAMES.get,
        key="utility_features",
    )
if st.button("Evaluate", type="primary", key="utility_go", disabled=not sizes or not features):
    try:
        with st.status("Training and testing…") as status:
            lift = augmentation_lift(
                seed.df,
                run.rows,
                seed.schema,
                test,
                sizes=tuple(sizes),
                features=tuple(features),
                repeats=repeats,
                on_step=lambda m: status.write(f"done: {m}"),
            )
            disc = discriminate(seed.df, run.rows, seed.schema, features=features[0])
            status.update(label="Done", state="complete")
        st.session_state["utility_result"] = (run.run_id, lift, disc, features[0])
        save_utility(
            run.info.folder,
            lift.sentence(features[0]),
            held_out=len(test) if test is not None else 0,
            held_out_file=held_name,
            repeats=repeats,
            features=features[0],
        )
    except SyngenError as exc:
        st.error(str(exc))
balanced = parse_balance(run.config.balance)[0]
if balanced and balanced in run.rows.columns:  # a rebalanced run: what each slice gains
    with st.expander(f"Rows per {balanced}: the seed, the new rows, both together"):
        st.dataframe(slice_counts(seed.df, run.rows, balanced), hide_index=True, width="stretch")
result = st.session_state.get("utility_result")
if result and result[0] == run.run_id:
    _, lift, disc, feat = result
    show_lift(lift, len(run.rows))
    show_discriminator(disc, feat)
