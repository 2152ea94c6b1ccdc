import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backends"))
from helpers import ROOT  # noqa: E402


def new_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "workbench.py"), default_timeout=120)
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    return at


@pytest.fixture
def app_in(tmp_path, monkeypatch):
    """The app with its output folder in a temp dir."""
    monkeypatch.chdir(ROOT)
    from syngen.ui import state as st_state

    monkeypatch.setattr(st_state, "OUT_DIR", str(tmp_path / "output"))
    return new_app
