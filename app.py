"""syngen workbench: `streamlit run app.py`. The pages are workbench.py and pages/; logic lives in
syngen/. Served as a Streamlit App so a reload of any page asks the server at its root (see
syngen/ui/serving.py), not at the page's own path."""

import streamlit as st
from starlette.middleware import Middleware

from syngen.ui.serving import RootBackend

app = st.App("workbench.py", middleware=[Middleware(RootBackend)])
