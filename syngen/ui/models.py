"""Models load once per process, lazily: the first page paints before any model loads."""
from __future__ import annotations

import streamlit as st

from ..backends import create_backend


@st.cache_resource(show_spinner=False)
def warm_model(name: str, model: str | None) -> bool:
    """Load the backend's model into the process cache; later backends reuse it."""
    backend = create_backend(name, model)
    if hasattr(backend, "load"):
        backend.load()
    return True
