"""AppTest of the Generate page: paints without loading a model, handles bad uploads."""
from streamlit.testing.v1 import AppTest

from helpers import ROOT


def app():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_first_paint_shows_the_bundled_seed_without_loading_a_model():
    from syngen.backends import hf
    hf._LOADED.clear()
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "syngen"
    assert any("600 rows x 7 columns" in e.label for e in at.expander)
    assert at.button(key="gen_go").label == "Generate"
    assert hf._LOADED == {}  # nothing loaded before the user asks for rows


def test_upload_mode_without_file_asks_for_one():
    at = app().run()
    at.radio(key="gen_source").set_value("Upload a file").run()
    assert not at.exception
    assert any("upload a table" in i.value for i in at.info)
