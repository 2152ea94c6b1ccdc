"""Download: rows as CSV / JSONL / Parquet, the HTML report, the run config for the CLI."""
import json

import streamlit as st

from syngen.export import default_stem, rows_bytes
from syngen.ui.page import pick_run, start
from syngen.ui.reports import report_for

state = start("Download")
run = pick_run(state, "download_run", "Nothing to download yet: generate rows first.")
cfg = run.config
stem = default_stem(state.seed.name, cfg.style, cfg.backend, cfg.model or ("gemma3-270m" if cfg.backend == "hf"
                                                                          else "default"), len(run.rows))
safe = st.toggle("Neutralise spreadsheet formulas in CSV (recommended)", True, key="download_safe")
c = st.columns(3)
c[0].download_button("CSV", rows_bytes(run.rows, "csv", safe), f"{stem}.csv", "text/csv", key="download_csv")
c[1].download_button("JSONL", rows_bytes(run.rows, "jsonl"), f"{stem}.jsonl", "application/jsonl",
                     key="download_jsonl")
c[2].download_button("Parquet", rows_bytes(run.rows, "parquet"), f"{stem}.parquet", "application/octet-stream",
                     key="download_parquet")
c = st.columns(2)
if c[0].button("Prepare the HTML report", key="download_prepare"):
    with st.spinner("Building the report…"):
        st.session_state["download_html"] = report_for(state, run).to_html()
if "download_html" in st.session_state:
    c[0].download_button("HTML report", st.session_state["download_html"], f"{stem}.report.html", "text/html",
                         key="download_report")
c[1].download_button("Run config (replay with `syngen generate --config`)",
                     json.dumps(cfg.to_dict(), indent=2), f"{stem}.config.json", "application/json",
                     key="download_config")
st.caption("The run config never contains API keys.")
