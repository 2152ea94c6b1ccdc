"""Seed loading for the app: load, clean with the user's toggles, infer roles with overrides."""

from __future__ import annotations

from syngen.common.errors import SyngenError
from syngen.generate.config import RunConfig
from syngen.seed.prepared import prepare_seed
from syngen.seed.table import load_table, load_upload
from syngen.ui.state import BUNDLED, AppState


def load_source(state: AppState, upload=None) -> None:
    """Read the bundled sample (upload=None) or an uploaded file into state.raw."""
    state.load_error, state.seed = None, None
    try:
        if upload is None:
            state.raw, state.source = load_table(BUNDLED), BUNDLED
        else:
            state.raw, state.source = load_upload(upload.getvalue(), upload.name), upload.name
        state.roles, state.label = {}, None
    except SyngenError as exc:
        state.raw, state.load_error = None, str(exc)


def rebuild_seed(state: AppState) -> None:
    """Clean and infer the schema again after a toggle or role change."""
    if state.raw is None:
        state.seed = None
        return
    try:
        state.seed = prepare_seed(
            RunConfig(data=state.source, roles=state.roles, label=state.label), df=state.raw, clean_opts=state.clean
        )
        state.edit(data=state.source, label=state.seed.schema.label)
        state.open_workspace(state.seed.df)
        state.load_error = None
    except SyngenError as exc:
        state.seed, state.load_error = None, str(exc)


def ensure_seed(state: AppState) -> None:
    """Pages other than Data start from the bundled sample when nothing was chosen yet."""
    if state.raw is None and state.load_error is None:
        load_source(state)
    if state.seed is None and state.raw is not None:
        rebuild_seed(state)


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
