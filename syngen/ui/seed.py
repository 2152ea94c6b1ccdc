"""Seed loading for the app: load, clean with the user's toggles, infer roles with overrides.
An upload is kept on disk with the choices made for it (syngen.runs.uploads) and named in the
page's URL (`?seed=<key>`), so a reload opens the same table with the same roles."""

from __future__ import annotations

import streamlit as st

from syngen.common.errors import SyngenError
from syngen.generate.config import RunConfig
from syngen.runs.uploads import find_upload, keep_upload, load_choices, save_choices, upload_key
from syngen.seed.clean import CleanOptions
from syngen.seed.prepared import prepare_seed
from syngen.seed.table import load_table, load_upload
from syngen.ui.state import BUNDLED, AppState

URL_SEED = "seed"


def load_source(state: AppState, upload=None) -> None:
    """Read the bundled sample (upload=None) or an uploaded file into state.raw; an upload is
    kept on disk (its config then names a file that exists)."""
    state.load_error, state.seed = None, None
    try:
        if upload is None:
            state.raw, state.source, state.upload_key, state.data_file = load_table(BUNDLED), BUNDLED, None, BUNDLED
        else:
            data = upload.getvalue()
            state.raw = load_upload(data, upload.name)
            state.upload_key, path = keep_upload(state.config.out, data, upload.name)
            state.source, state.data_file = upload.name, str(path)
        state.roles, state.label, state.clean = {}, None, CleanOptions()
    except SyngenError as exc:
        state.raw, state.load_error = None, str(exc)


def is_new_upload(state: AppState, upload) -> bool:
    return upload is not None and upload_key(upload.getvalue()) != state.upload_key


def restore_upload(state: AppState, key: str) -> bool:
    """Open a kept upload again (a reload): the table, its roles, label and cleaning. False when
    the key names no kept upload."""
    path = find_upload(state.config.out, key)
    if path is None:
        return False
    try:
        state.raw = load_table(path)
    except SyngenError:
        return False
    choices = load_choices(state.config.out, key)
    state.source, state.upload_key, state.data_file, state.load_error = path.name, key, str(path), None
    state.roles, state.label = dict(choices.get("roles") or {}), choices.get("label")
    try:
        state.clean = CleanOptions(**(choices.get("clean") or {}))
    except TypeError:  # choices from another version
        state.clean = CleanOptions()
    rebuild_seed(state)
    return True


def rebuild_seed(state: AppState) -> None:
    """Clean and infer the schema again after a toggle or role change."""
    if state.raw is None:
        state.seed = None
        return
    try:
        state.seed = prepare_seed(
            RunConfig(data=state.data_file, roles=state.roles, label=state.label), df=state.raw, clean_opts=state.clean
        )
        state.edit(data=state.data_file, label=state.seed.schema.label)
        state.open_workspace(state.seed.df)
        state.load_error = None
        if state.upload_key:
            save_choices(
                state.config.out, state.upload_key, roles=state.roles, label=state.label, clean=vars(state.clean)
            )
    except SyngenError as exc:
        state.seed, state.load_error = None, str(exc)


def ensure_seed(state: AppState) -> None:
    """A new session opens the upload its URL names (a reload), else the bundled sample; and the
    URL names the current upload, so the next reload finds it."""
    if state.raw is None and state.load_error is None:
        key = st.query_params.get(URL_SEED)
        if not (key and restore_upload(state, key)):
            load_source(state)
    if state.seed is None and state.raw is not None:
        rebuild_seed(state)
    if state.upload_key:
        st.query_params[URL_SEED] = state.upload_key
    elif URL_SEED in st.query_params:
        del st.query_params[URL_SEED]


def set_role(state: AppState, column: str, role: str) -> str | None:
    """Override one role; if the seed cannot take it, undo and return why."""
    before_roles, before_label = dict(state.roles), state.label
    state.roles[column] = role
    if role == "label":
        state.label = column
    elif state.label == column:
        state.label = None
    rebuild_seed(state)
    if state.seed is None:
        problem = state.load_error
        state.roles, state.label = before_roles, before_label
        rebuild_seed(state)
        return problem
    return None
