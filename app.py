"""syngen workbench: `streamlit run app.py`. Pages live in pages/; logic lives in syngen/."""
import streamlit as st

st.set_page_config(page_title="syngen", page_icon=":material/dataset:", layout="wide")

pages = [
    st.Page("pages/generate.py", title="Generate", icon=":material/auto_awesome:", default=True),
]
st.navigation(pages).run()
