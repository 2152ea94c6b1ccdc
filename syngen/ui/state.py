"""One typed state object under one session-state key, shared by every page. Runs come from
the run folders on disk (syngen.runs.execute), so a reload or a restart shows every run again."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import pandas as pd
import streamlit as st

from syngen.generate.config import RunConfig
from syngen.runs import workspace
from syngen.runs.judge import delivered, run_account
from syngen.runs.run_seed import RunSeed, load_run_seed
from syngen.runs.store import RunInfo, list_runs, load_rows
from syngen.seed.clean import CleanOptions

KEY = "syngen_state"
BUNDLED = "data/drug_reviews/train.csv"
OUT_DIR = os.environ.get("SYNGEN_OUT_DIR", "output")  # where run folders live (the run history)


@dataclass(eq=False)  # identity: rows are DataFrames, which have no truth value
class RunRecord:
    """A run of the history, for Generate (review), Quality, Utility, Compare and Download."""

    info: RunInfo
    config: RunConfig
    _rows: pd.DataFrame | None = None
    report: object | None = None  # QualityReport, built once on first view
    _seed: RunSeed | None = None

    @property
    def origin(self) -> RunSeed:
        """The seed this run was made from (kept in its folder), or why it cannot be found:
        the run is judged against this, whatever table the app holds now."""
        if self._seed is None:
            self._seed = load_run_seed(self.info.folder, self.info.config)
        return self._seed

    @property
    def seed(self):
        return self.origin.seed

    @property
    def rows(self) -> pd.DataFrame:
        if self._rows is None:
            self._rows = load_rows(self.info)
        return self._rows

    @rows.setter
    def rows(self, df: pd.DataFrame) -> None:
        self._rows = df

    run_id = property(lambda self: self.info.run_id)
    status = property(lambda self: self.info.status)
    message = property(lambda self: self.info.message)
    seconds = property(lambda self: self.info.seconds)
    name = property(lambda self: self.info.name)

    @property
    def account(self) -> dict | None:
        return run_account(self.info)

    @property
    def delivered(self) -> int:
        """Rows the run produced (before any review removed some)."""
        return delivered(self.info)


@dataclass(eq=False)
class AppState:
    source: str = BUNDLED  # BUNDLED or the uploaded file's name
    data_file: str = BUNDLED  # the seed file runs name: BUNDLED or the kept copy of the upload
    upload_key: str | None = None  # the kept upload (syngen.runs.uploads), named in the page's URL
    raw: pd.DataFrame | None = None  # the table as loaded, before cleaning
    clean: CleanOptions = field(default_factory=CleanOptions)
    roles: dict = field(default_factory=dict)
    label: str | None = None
    seed: object | None = None  # syngen.generate.loop.Seed
    load_error: str | None = None
    config: RunConfig = field(default_factory=lambda: RunConfig(num_samples=5, out=OUT_DIR))
    api_key: str | None = None  # typed in the app; session memory only, never written
    job: object | None = None  # syngen.runs.jobs.GenerationJob
    feedback: pd.DataFrame | None = None  # the current rows with a like / dislike column and edits
    feedback_run: str | None = None  # the run those rows belong to
    runs: list[RunRecord] = field(default_factory=list)  # oldest first
    workspace: str | None = None  # the seed's key: its liked rows, negatives and target on disk

    def edit(self, **changes) -> RunConfig:
        """The run settings with `changes`: a new config (checked as it is made), kept as current.
        Liked rows, negatives and the target are saved with the seed's workspace as they change."""
        changed = [k for k, v in changes.items() if getattr(self.config, k) != v]
        if changed:
            self.config = replace(self.config, **changes)
            if self.workspace and set(changed) & set(workspace.FIELDS):
                workspace.save(self.config.out, self.workspace, {k: getattr(self.config, k) for k in workspace.FIELDS})
        return self.config

    def open_workspace(self, df: pd.DataFrame) -> None:
        """A seed was loaded: bring back what was liked, disliked and targeted for it (or start
        clean for a seed never seen)."""
        key = workspace.seed_key(df)
        if key == self.workspace:
            return
        self.workspace = None  # loading, not editing: nothing to save back
        saved = workspace.load(self.config.out, key)
        fresh = RunConfig()
        self.edit(**{k: saved.get(k, getattr(fresh, k)) for k in workspace.FIELDS})
        self.workspace = key

    @property
    def current(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None

    def refresh_runs(self) -> None:
        """Re-read the run folders (keeping reports already built for unchanged runs)."""
        known = {r.run_id: r for r in self.runs}
        fresh = []
        for info in reversed(list_runs(self.config.out)[:50]):
            old = known.get(info.run_id)
            if old is not None and old.info.rows == info.rows and old.info.status == info.status:
                old.info = info
                fresh.append(old)
                continue
            try:
                cfg = RunConfig.from_dict(info.config)
            except Exception:  # a folder from another version: list it with defaults, never crash
                cfg = RunConfig(out=self.config.out)
            fresh.append(RunRecord(info, cfg))
        self.runs = fresh

    def run(self, run_id: str) -> RunRecord | None:
        return next((r for r in self.runs if r.run_id == run_id), None)


def get_state() -> AppState:
    if KEY not in st.session_state:
        state = AppState()
        state.edit(out=OUT_DIR)
        state.refresh_runs()
        # A new session (a reload, a new tab) starts past every seed the history used, as a run
        # moves the seed on: Generate then writes new rows, not the first run's again.
        state.edit(random_seed=max((r.config.random_seed for r in state.runs), default=-1) + 1)
        st.session_state[KEY] = state
    return st.session_state[KEY]
