"""Data: the bundled sample or an upload, cleaning toggles, editable column roles."""

import streamlit as st

from syngen.common.text import count
from syngen.seed.schema import Role
from syngen.seed.table import SUPPORTED, max_bytes_default
from syngen.ui.auto_tune import tuning_status
from syngen.ui.run import QUICK_ROWS, filtered_rows, start_like, start_quick
from syngen.ui.seed import ensure_seed, is_new_upload, load_source, rebuild_seed, set_role
from syngen.ui.state import BUNDLED, get_state
from syngen.ui.widgets import example_conditions

state = get_state()
ensure_seed(state)  # a reload opens the upload the URL names
st.title("syngen")
st.caption("Synthetic rows that look and behave like your real ones. Start with the data.")

choice = st.radio(
    "Seed data",
    ["Bundled drug reviews (600 rows)", "Upload a file"],
    horizontal=True,
    key="data_source",
    index=0 if state.source == BUNDLED else 1,
)
if choice == "Upload a file":
    up = st.file_uploader(
        f"{SUPPORTED} — up to {max_bytes_default() / 2**20:.0f} MB",
        key="data_upload",
        type=[e.strip(".") for e in SUPPORTED.split()],
    )
    if is_new_upload(state, up):
        load_source(state, up)
        rebuild_seed(state)
    elif up is None and state.source == BUNDLED:
        st.info("Choose a file to upload, or switch back to the bundled sample.")
elif state.source != BUNDLED or state.raw is None:
    load_source(state)
    rebuild_seed(state)
ensure_seed(state)
tuning_status(state)  # an upload starts tuning in the background

if state.load_error:
    st.error(state.load_error)
seed = state.seed
if seed is None:
    st.stop()

st.caption(f"Seed in use: **{state.source}**")
c = st.columns([1, 1, 3, 1])  # the label tile is wide: "airline_sentiment" whole, not "airline_senti…"
c[0].metric("Rows", len(seed.df))
c[1].metric("Columns", len(seed.df.columns))
c[2].metric("Label column", seed.schema.label or "none")
c[3].metric("Text columns", len(seed.schema.by_role(Role.TEXT)))

q = st.columns([2, 5])
if q[0].button(
    f"Quick start: {QUICK_ROWS} rows",
    type="primary",
    key="data_quick",
    help="the recommended settings with the embedded model; lands on the summary",
):
    problem = start_quick(state)
    if problem:
        st.error(problem)
    else:
        st.session_state["quick_start"] = True
        st.session_state["gen_seed_next"] = (state.config.random_seed + 1) % 2**31
        st.switch_page("pages/generate.py")
q[1].caption(
    f"Writes {QUICK_ROWS} rows of this table with the recommended settings, then shows what was made, how close "
    "it is to your rows, whether it is private and whether it helps a classifier. Or set each step on the "
    "pages on the left."
)

if seed.shift:  # the seed is not the table the user gave: said in view, with the way back
    st.warning(
        f"{seed.shift[0].upper()}{seed.shift[1:]}. Switch off **Drop duplicates** or **Drop empty text** "
        "under Cleaning to keep those rows."
    )
with st.expander("Cleaning: " + (seed.clean.summary() if seed.clean else ""), expanded=False):
    opts = state.clean
    cols = st.columns(5)
    new = dict(
        html_entities=cols[0].toggle("HTML entities", opts.html_entities, key="data_html"),
        wrapping_quotes=cols[1].toggle("Wrapping quotes", opts.wrapping_quotes, key="data_quotes"),
        whitespace=cols[2].toggle("Whitespace", opts.whitespace, key="data_ws"),
        drop_empty_text=cols[3].toggle("Drop empty text", opts.drop_empty_text, key="data_empty"),
        drop_duplicates=cols[4].toggle("Drop duplicates", opts.drop_duplicates, key="data_dupes"),
    )
    if new != vars(opts):
        for k, v in new.items():
            setattr(opts, k, v)
        rebuild_seed(state)
        st.rerun()
for note in seed.clean.notes if seed.clean else []:  # how the file was read: in view, not folded away
    st.warning(note)

st.subheader("Columns and what generated values must satisfy")
roles = [r.value for r in Role]
# Each change draws new boxes, so each shows its column's role: a new label makes the old label
# categorical, and the old box, left at "label" in the browser, took the label back (the page
# reran forever); an impossible role, undone, stayed in its box.
drawn = st.session_state.setdefault("data_role_boxes", 0)
for spec in seed.schema.columns:
    a, b, cc = st.columns([2, 2, 6])
    a.write(f"**{spec.name}**")
    picked = b.selectbox(
        "role",
        roles,
        index=roles.index(spec.role.value),
        key=f"data_role_{spec.name}_{drawn}",
        label_visibility="collapsed",
    )
    first = seed.df[spec.name].dropna()
    cc.caption(spec.words(str(first.iloc[0]) if len(first) else None))
    if picked != spec.role.value:
        st.session_state["data_role_problem"] = set_role(state, spec.name, picked)
        st.session_state["data_role_boxes"] = drawn + 1
        st.rerun()
if problem := st.session_state.pop("data_role_problem", None):  # an impossible role, undone
    st.error(problem)
for note in seed.schema.notes:
    st.info(note)

st.subheader("Seed rows: generate more like them")
st.caption(
    "Select rows (the boxes on the left) or filter them, then ask for more like them: exemplars are those rows "
    "and their nearest neighbours of the same label; close rows of another label are shown to the model as "
    "different; the other columns are drawn from the chosen rows' values."
)
filter_text = st.text_input(
    "Filter",
    key="data_filter",
    placeholder="; ".join(example_conditions(seed)),
    help="COLUMN = VALUE, != , >=, <=; join with ';'",
)
shown, problem = filtered_rows(seed, filter_text)
if problem:
    st.error(problem)
picked_at = st.dataframe(
    shown,
    width="stretch",
    height=300,
    on_select="rerun",
    selection_mode="multi-row",
    key=f"data_rows_{filter_text.strip()}",  # another filter, another grid: a selection never moves rows
).selection.rows
picked = shown.iloc[[i for i in picked_at if i < len(shown)]]
c = st.columns([1, 2, 2])
n_like = int(c[0].number_input("Rows to write", 1, 10_000, 20, key="data_like_n"))
like_selected = c[1].button(
    f"Generate {n_like} like the {count(len(picked), 'selected row')}", key="data_like_go", disabled=picked.empty
)
like_filtered = c[2].button(
    f"Generate {n_like} like the {count(len(shown), 'filtered row')}",
    key="data_like_where_go",
    disabled=not filter_text or problem is not None or shown.empty,
)
if like_selected or like_filtered:
    problem = start_like(state, n_like, picked if like_selected else None, None if like_selected else filter_text)
    if problem:
        st.error(problem)
    else:
        st.session_state["gen_seed_next"] = (state.config.random_seed + 1) % 2**31  # the next run writes new rows
        st.switch_page("pages/generate.py")
