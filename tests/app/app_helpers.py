"""Helpers the app tests import by name (a conftest module is not importable by name: with two
conftests on the path, `from conftest import …` found the backends' one)."""

import time

from streamlit.testing.v1 import AppTest


def wait_for_job(at: AppTest, timeout: float = 600) -> object:
    """Rerun the page until the background job is done (AppTest does not tick fragments)."""
    state = at.session_state["syngen_state"]
    deadline = time.monotonic() + timeout
    while state.job is not None and not state.job.done and time.monotonic() < deadline:
        time.sleep(0.2)
    at.run()
    return state
