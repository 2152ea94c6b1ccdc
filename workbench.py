"""The workbench's pages (`streamlit run app.py` serves this script; AppTest runs it directly).
Pages live in pages/; logic lives in syngen/."""

from pathlib import Path

import streamlit as st

# A local favicon: an icon name would be fetched from the internet, which an offline machine cannot reach.
st.set_page_config(page_title="syngen", page_icon=str(Path(__file__).parent / "static" / "favicon.png"), layout="wide")

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/table:", default=True),
    st.Page("pages/prompt.py", title="Prompt", icon=":material/edit_note:"),
    st.Page("pages/backend.py", title="Backend", icon=":material/memory:"),
    st.Page("pages/generate.py", title="Generate", icon=":material/auto_awesome:"),
    st.Page("pages/quality.py", title="Quality", icon=":material/query_stats:"),
    st.Page("pages/utility.py", title="Utility", icon=":material/model_training:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/download.py", title="Download", icon=":material/download:"),
]
st.navigation(pages).run()
