"""Download: a run's rows as CSV / JSONL / Parquet (typed alike), its HTML report and its run
config for the CLI. Everything is keyed by the run, so switching runs never serves stale bytes."""

import json

import streamlit as st

from syngen.runs.export import rows_bytes
from syngen.ui.page import pick_run, start
from syngen.ui.reports import report_for

state = start("Download")
run = pick_run(state, "download_run", "Nothing to download yet: generate rows first.")
cfg = run.config
stem = run.info.folder.name  # <stem>-<run id>: two runs never share a file name
schema = run.seed.schema if run.seed is not None else None  # the run's own seed types the exports
safe = st.toggle("Neutralise spreadsheet formulas in CSV (recommended)", True, key="download_safe")
key = run.run_id
BUTTONS = [
    ("CSV", "csv", "text/csv"),
    ("JSONL", "jsonl", "application/jsonl"),
    ("Parquet", "parquet", "application/octet-stream"),
    ("Excel", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]
c = st.columns(len(BUTTONS))
for col, (label, fmt, mime) in zip(c, BUTTONS):
    data = rows_bytes(run.rows, fmt, safe, schema=schema)  # the seed's delimiter for CSV; the others typed by it
    col.download_button(label, data, f"{stem}.{fmt}", mime, key=f"download_{fmt}_{key}")
c = st.columns(2)
reports = st.session_state.setdefault("download_html", {})  # (run, rows version) -> HTML, never stale
version = (run.run_id, run.info.rows_file.stat().st_mtime if run.info.rows_file else 0)
if run.seed is None:
    c[0].caption(f"No HTML report: {run.origin.problem}.")
elif version not in reports:
    if c[0].button("Prepare the HTML report", key=f"download_prepare_{key}"):
        with st.spinner("Building the report…"):
            reports[version] = report_for(state, run).to_html()
        st.rerun()
else:
    c[0].download_button(
        "HTML report", reports[version], f"{stem}.report.html", "text/html", key=f"download_report_{key}"
    )
c[1].download_button(
    "Run config (replay with `syngen generate --config`)",
    json.dumps(cfg.to_dict(), indent=2),
    f"{stem}.config.json",
    "application/json",
    key=f"download_config_{key}",
)
st.caption(f"Run folder: {run.info.folder}. The run config never contains API keys.")
