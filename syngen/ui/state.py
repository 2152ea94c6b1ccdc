"""One typed state object under one session-state key, shared by every page."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from ..config import RunConfig
from ..data import CleanOptions

KEY = "syngen_state"
BUNDLED = "data/drug_reviews/train.csv"
OUT_DIR = "output"


@dataclass(eq=False)  # identity: rows are DataFrames, which have no truth value
class RunRecord:
    """A finished run, for Quality, Compare and Download."""

    run_id: str
    config: RunConfig
    rows: pd.DataFrame
    status: str
    message: str
    account: object | None = None
    report: object | None = None      # QualityReport, built once on first view
    seconds: float = 0.0


@dataclass(eq=False)
class AppState:
    source: str = BUNDLED             # BUNDLED or the uploaded file's name
    raw: pd.DataFrame | None = None   # the table as loaded, before cleaning
    clean: CleanOptions = field(default_factory=CleanOptions)
    roles: dict = field(default_factory=dict)
    label: str | None = None
    seed: object | None = None        # syngen.pipeline.Seed
    load_error: str | None = None
    config: RunConfig = field(default_factory=lambda: RunConfig(num_samples=5, out=OUT_DIR))
    api_key: str | None = None        # typed in the app; session memory only, never written
    job: object | None = None         # syngen.jobs.GenerationJob
    feedback: pd.DataFrame | None = None  # the current rows with like / dislike / edits
    runs: list[RunRecord] = field(default_factory=list)

    @property
    def current(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None


def get_state() -> AppState:
    if KEY not in st.session_state:
        st.session_state[KEY] = AppState()
    return st.session_state[KEY]
