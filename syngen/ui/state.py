"""One typed state object under one session-state key, shared by every page."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

KEY = "syngen_state"
BUNDLED = "data/drug_reviews/train.csv"


@dataclass
class AppState:
    data_name: str = BUNDLED
    seed: object | None = None            # syngen.pipeline.Seed
    load_error: str | None = None
    rows: pd.DataFrame | None = None      # last generated rows
    account: object | None = None         # last RunAccount
    status: str = ""
    message: str = ""
    history: list = field(default_factory=list)


def get_state() -> AppState:
    if KEY not in st.session_state:
        st.session_state[KEY] = AppState()
    return st.session_state[KEY]
