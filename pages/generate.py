"""Generate page: pick a seed, set the prompt, run the embedded model, download the rows."""
import streamlit as st

from syngen.config import RunConfig
from syngen.errors import SyngenError
from syngen.export import csv_bytes, default_stem
from syngen.prompts import STYLES
from syngen.ui.generate import load_seed_ui, roles_frame, run_with_progress
from syngen.ui.state import get_state

state = get_state()
st.title("syngen")
st.caption("Synthetic rows that look and behave like your real ones, written by a local model.")

source = st.radio("Seed data", ["Bundled drug reviews (600 rows)", "Upload a file"], horizontal=True,
                  key="gen_source")
upload = None
if source == "Upload a file":
    upload = st.file_uploader("CSV, TSV, JSON, JSONL, Parquet or Excel", key="gen_upload",
                              type=["csv", "tsv", "txt", "json", "jsonl", "ndjson", "parquet", "xlsx", "xls"])
seed = load_seed_ui(state, upload if source == "Upload a file" else None,
                    use_bundled=source != "Upload a file")
if state.load_error:
    st.error(state.load_error)
if seed is None:
    st.info("Choose the bundled sample or upload a table to start.")
    st.stop()

with st.expander(f"Seed: {len(seed.df)} rows x {len(seed.df.columns)} columns"
                 + (f" — {seed.clean.summary()}" if seed.clean else ""), expanded=False):
    st.dataframe(seed.df.head(20), use_container_width=True)
    st.dataframe(roles_frame(seed.schema), use_container_width=True, hide_index=True)
    for note in seed.schema.notes:
        st.warning(note)

c1, c2, c3, c4 = st.columns(4)
n = c1.number_input("Rows to generate", 1, 500, 5, key="gen_n")
style = c2.selectbox("Prompt style", [s for s in STYLES if s != "custom"], key="gen_style")
k = c3.number_input("Examples per prompt (k)", 1, min(30, len(seed.df)), min(4, len(seed.df)), key="gen_k")
temperature = c4.slider("Temperature", 0.0, 1.5, 0.8, 0.05, key="gen_temp")
context = st.text_input("What is this data? (optional)", key="gen_context",
                        placeholder="e.g. patient reviews of prescription drugs")

if st.button("Generate", type="primary", key="gen_go"):
    cfg = RunConfig(data=state.data_name, num_samples=int(n), k=int(k), style=style,
                    context=context or None, backend_options={"temperature": temperature})
    try:
        run_with_progress(state, cfg, seed)
    except SyngenError as exc:
        st.error(str(exc))

if state.rows is not None:
    if state.status == "complete":
        st.success(state.message)
    else:
        st.warning(state.message)
    st.dataframe(state.rows, use_container_width=True)
    if state.account is not None:
        with st.expander("What was rejected and why"):
            st.code("\n".join(state.account.summary()), language=None)
    name = default_stem(seed.name, style, "hf", "gemma3-270m", len(state.rows)) + ".csv"
    st.download_button("Download CSV", csv_bytes(state.rows), file_name=name, mime="text/csv",
                       key="gen_download")
