"""The workbench generating with the real embedded model (no fakes): slow, marked `model`."""

import pytest
from app_helpers import wait_for_job

pytestmark = pytest.mark.model


def test_generate_with_the_embedded_model(app_in):
    at = app_in("backend")
    assert at.radio(key="backend_name").value == "hf"
    at.number_input(key="backend_hf_max_new_tokens").set_value(300).run()
    at.switch_page("pages/generate.py").run()
    at.number_input(key="gen_n").set_value(2).run()
    at.number_input(key="gen_batch").set_value(4).run()
    at.button(key="gen_go").click().run()
    state = wait_for_job(at, 600)
    assert state.job.status == "complete", state.job.message
    rows = state.current.rows
    assert len(rows) == 2 and set(rows["model"]) == {"gemma3-270m"}
    for r in rows.to_dict("records"):
        assert state.seed.schema.validate(r)[1] == []
    assert not at.exception
