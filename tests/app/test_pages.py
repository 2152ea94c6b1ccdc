"""AppTest of every page: first paint, widgets, bad inputs, a run through a wire server,
review feedback, quality, compare and downloads."""

import itertools
import json
import time

import pytest
from app_helpers import wait_for_job
from helpers import ROOT
from streamlit.testing.v1 import AppTest
from wire import Reply, WireServer

from syngen.backends import hf

PAGES = ["data", "prompt", "backend", "generate", "quality", "utility", "compare", "download"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_paints_without_loading_a_model(page, app_in):
    hf._LOADED.clear()
    at = app_in(page)
    assert not at.exception
    assert at.title
    assert hf._LOADED == {}  # first paint never waits for the model


def role_box(at, column: str):
    """The Data page's role box of a column (its key changes with each change of role)."""
    return next(b for b in at.selectbox if b.key.startswith(f"data_role_{column}_"))


def test_data_page_shows_roles_and_cleaning(app_in):
    at = app_in()
    assert [m.value for m in at.metric][:2] == ["600", "7"]
    assert any("wrapping quotes: 600" in e.label for e in at.expander)
    assert role_box(at, "rating").value == "label"
    at.toggle(key="data_quotes").set_value(False).run()
    state = at.session_state["syngen_state"]
    assert state.seed.clean.changes["wrapping_quotes"] == 0
    role_box(at, "drugName").set_value("timestamp").run()  # impossible: explained, undone
    assert any("cannot be a timestamp" in e.value for e in at.error)
    assert state.seed.schema.col("drugName").role.value == "short_text"
    assert role_box(at, "drugName").value == "short_text"  # shown undone
    at.run()
    assert not at.error  # said once
    # another label: the old one's box shows categorical (left at "label", it took the label back
    # and the page reran forever)
    role_box(at, "condition").set_value("label").run()
    at.run()
    assert state.seed.schema.label == "condition" and at.metric[2].value == "condition"
    assert role_box(at, "rating").value == "categorical"


def test_upload_mode_and_a_broken_file(app_in):
    at = app_in()
    at.radio(key="data_source").set_value("Upload a file").run()
    assert not at.exception
    assert any("Choose a file" in i.value for i in at.info)
    from syngen.ui.seed import load_source

    state = at.session_state["syngen_state"]

    class Upload:
        name = "broken.json"

        def getvalue(self):
            return b'[{"a": 1},'

    load_source(state, Upload())
    at.run()
    assert any("not valid JSON" in e.value for e in at.error) and not at.exception


def test_cleaning_that_changes_the_label_mix_is_said_outside_the_fold(app_in):
    """Alexa-like reviews: many exact duplicates of the positive rows. The Data page says what
    cleaning did to the rows and the label mix in view, with the way back; switching duplicates
    off keeps every row and the warning goes."""
    from syngen.ui.seed import load_source, rebuild_seed

    at = app_in()
    at.radio(key="data_source").set_value("Upload a file").run()
    state = at.session_state["syngen_state"]
    rows = ["rating,verified_reviews"] + ["5,Love my Echo and the sound is great"] * 30
    rows += [f"1,It stopped working after {i} days and support did not help" for i in range(10)]

    class Upload:
        name = "alexa_like.csv"

        def getvalue(self):
            return "\n".join(rows).encode()

    load_source(state, Upload())
    rebuild_seed(state)
    at.run()
    warned = [w.value for w in at.warning if "cleaning kept 11 of 40 rows" in w.value.lower()]
    assert warned and "5 75% -> 9%" in warned[0] and "Drop duplicates" in warned[0]
    at.toggle(key="data_dupes").set_value(False).run()
    assert state.seed.shift is None and len(state.seed.df) == 40
    assert not [w for w in at.warning if "cleaning kept" in w.value.lower()]


def test_a_reload_opens_the_uploaded_table_with_its_roles_and_run(app_in):
    """A new session (a reload) whose address names the upload (`?seed=`) and a run (`&run=`)
    gets the same table, its role overrides and that run back, not the bundled drug reviews."""
    from helpers import tweets_table

    from syngen.ui.seed import load_source, rebuild_seed, set_role

    at = app_in()
    at.radio(key="data_source").set_value("Upload a file").run()
    state = at.session_state["syngen_state"]
    data = tweets_table(40).to_csv(index=False).encode()

    class Upload:
        name = "airline_tweets.csv"

        def getvalue(self):
            return data

    load_source(state, Upload())
    rebuild_seed(state)
    assert set_role(state, "retweet_count", "numeric") is None
    at.run()
    key = at.query_params["seed"][0] if isinstance(at.query_params["seed"], list) else at.query_params["seed"]
    assert key == state.upload_key and state.seed.name == "airline_tweets"

    again = AppTest.from_file(str(ROOT / "workbench.py"), default_timeout=120)
    again.query_params["seed"] = key
    again.run()
    restored = again.session_state["syngen_state"]
    assert not again.exception and restored.source == "airline_tweets.csv"
    assert restored.seed.schema.col("retweet_count").role.value == "numeric"  # the override came back
    assert any("Seed in use: **airline_tweets.csv**" in c.value for c in again.caption)
    nowhere = AppTest.from_file(str(ROOT / "workbench.py"), default_timeout=120)
    nowhere.query_params["seed"] = "0123456789abcdef"  # a key with no kept upload: the bundled sample
    nowhere.run()
    assert not nowhere.exception and nowhere.session_state["syngen_state"].source.endswith("train.csv")


def test_prompt_page_previews_the_exact_prompt(app_in):
    at = app_in("prompt")
    code = at.code[0].value
    assert code.startswith("rating: ") or "review_id" in code
    assert any("tokens" in c.value for c in at.caption)
    at.radio(key="prompt_mix_mode").set_value("One label").run()
    at.selectbox(key="prompt_one_label").set_value("neutral").run()
    code = at.code[0].value  # conditional plan: the prompt ends inside a neutral row, at its text
    assert code.rstrip().endswith("review:") and "\n\nrating: neutral\n" in code
    at.number_input(key="prompt_k").set_value(700).run()  # more than the seed has
    assert not at.exception
    at.toggle(key="prompt_chat").set_value(True).run()
    assert "[user]" in at.code[0].value


def test_prompt_page_edits_the_generation_plan(app_in):
    at = app_in("prompt")
    state = at.session_state["syngen_state"]
    assert at.selectbox(key="prompt_plan").value == "auto" and not at.exception
    assert any("Who produces each column" in c.value for c in at.caption)  # the editable plan table
    at.slider(key="prompt_novelty").set_value(0.25).run()
    assert state.config.novelty == 0.25
    at.toggle(key="prompt_label_gate").set_value(False).run()
    assert state.config.label_gate is False
    assert "\nreview words: " in at.code[0].value  # the preview gives the text a length
    at.toggle(key="prompt_length_hint").set_value(False).run()
    assert state.config.length_hint is False and "review words" not in at.code[0].value
    at.selectbox(key="prompt_plan").set_value("rows").run()
    assert not at.exception and state.config.plan == "rows"
    plan = at.dataframe[0].value.set_index("column")["generator"]
    assert set(plan) == {"written by the model"}
    assert "review_id" in at.code[0].value  # whole rows: the exemplars show every column


def test_backend_page_keys_never_shown(app_in, monkeypatch):
    monkeypatch.setenv("COHERE_API_KEY", "sk-secret-APP-123")
    at = app_in("backend")
    at.radio(key="backend_name").set_value("cohere").run()
    assert any("COHERE_API_KEY from the environment" in s.value for s in at.success)
    page_text = " ".join(str(getattr(e, "value", "")) for e in at.main)
    assert "sk-secret-APP-123" not in page_text
    at.radio(key="backend_name").set_value("openai").run()
    at.text_input(key="backend_url_openai").set_value("http://127.0.0.1:9/v1").run()
    at.number_input(key="backend_openai_max_retries").set_value(0).run()
    at.button(key="backend_test").click().run()
    assert any("cannot reach" in e.value and "connection refused" in e.value for e in at.error) and not at.exception


def test_backend_page_adapts_the_embedded_model(app_in, monkeypatch, tmp_path):
    """Who writes the rows: automatic by default (k-shot until a checked adapter exists), the
    adapter by name (auto until tuned, the cached folder once there is one), k-shot by name; a
    failed tuning is one message (no model is loaded here)."""
    import json

    import syngen.tune.seed_tuning as tune_mod
    from syngen.common.errors import BackendError
    from syngen.runs.path_choice import PathChoice

    monkeypatch.setattr(tune_mod, "cache_root", lambda: tmp_path / "cache")
    at = app_in("backend")
    state = at.session_state["syngen_state"]
    assert "adapter" not in state.config.backend_options
    assert any("written by k-shot prompting (k=" in c.value and "no adapter tuned" in c.value for c in at.caption)
    at.radio(key="adapt_writer").set_value("adapter").run()
    assert state.config.backend_options["adapter"] == "auto"
    assert any("Not tuned for this seed yet" in i.value for i in at.info)

    def broken(*args, **kwargs):
        raise BackendError("the embedded model package is missing")

    monkeypatch.setattr(tune_mod, "tune_for_seed", broken)
    at.button(key="adapt_go").click().run()
    at.session_state["adapt_job"].thread.join(10)
    at.run()
    assert any("Tuning failed: the embedded model package is missing" in e.value for e in at.error)
    assert not at.exception

    folder = tune_mod.adapter_folder_for(state.config, state.seed)
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    (folder / "tune.json").write_text(json.dumps({"model": "gemma3-270m", "message": "36 steps in 285s"}))
    PathChoice("adapter", "each label's candidates read as that label", {}, "2026-12-08 02:00").save(folder)
    at.run()
    assert state.config.backend_options["adapter"] == str(folder)
    assert any("Adapter ready for this seed: 36 steps in 285s" in s.value for s in at.success)
    assert any("Check (2026-12-08 02:00): adapter writes this table's rows" in c.value for c in at.caption)
    at.radio(key="adapt_writer").set_value("none").run()
    assert state.config.backend_options["adapter"] == "none" and state.config.adapter == ""
    at.radio(key="adapt_writer").set_value("").run()
    assert "adapter" not in state.config.backend_options
    assert any("written by the adapter tuned for this seed (k=0)" in c.value for c in at.caption)


def test_an_upload_tunes_in_the_background_with_its_eta_and_a_cancel(app_in, monkeypatch, tmp_path):
    """An uploaded seed starts tuning by itself; every page's sidebar says so with an ETA and a
    cancel; after a cancel runs stay with k-shot and the tuning does not start again."""
    import syngen.tune.seed_tuning as tune_mod
    from syngen.runs.jobs import tune_for_folder, was_stopped
    from syngen.tune.seed_tuning import TuneProgress, TuneResult

    monkeypatch.setattr(tune_mod, "cache_root", lambda: tmp_path / "cache")
    monkeypatch.setenv("SYNGEN_AUTO_TUNE", "1")
    calls = []

    def slow(config, seed, settings=None, on_progress=None, cancel=None, retrain=False):
        calls.append(settings)
        on_progress(TuneProgress("training", step=3, steps=40, eta_seconds=250.0))
        cancel.wait(30)
        return TuneResult(tmp_path / "none", "cancelled", "cancelled; the best adapter so far is kept")

    monkeypatch.setattr(tune_mod, "tune_for_seed", slow)
    at = app_in("generate")
    assert not calls  # the bundled sample is not tuned by itself: only an upload is
    state = at.session_state["syngen_state"]
    state.upload_key = "an-upload"
    at.run()
    job = tune_for_folder(tune_mod.adapter_folder_for(state.config, state.seed, tune_mod.TuneSettings()))
    for _ in range(50):  # the thread reports its first progress
        if job.progress is not None:
            break
        time.sleep(0.1)
    at.run()
    side = " ".join(c.value for c in at.sidebar.caption)
    assert "In the background: adapting the model to this table, about 4 min left" in side, side
    assert "Runs use k-shot prompting until it is ready" in side
    at.sidebar.button(key="auto_tune_cancel").click().run()
    job.thread.join(10)
    at.run()
    assert job.status == "cancelled" and was_stopped(job.folder) and len(calls) == 1
    at.switch_page("pages/data.py").run()  # another page: no second tuning
    assert len(calls) == 1 and not at.exception
    side = " ".join(c.value for c in at.sidebar.caption)
    assert "Rows: written by k-shot prompting" in side, side


def _csv_server(delay: float = 0.0):
    """An OpenAI-compatible server answering with two valid drug-review rows per request."""
    counter = itertools.count(1)

    def reply(path, body):
        user = body["messages"][-1]["content"]
        import re

        if "Write the review for this new row" in user:  # the conditional plan: only the text
            i = next(counter)
            label = re.search(r"its rating is (\w+)", user).group(1)
            mood = {
                "positive": "it worked and I feel much better, would recommend",
                "negative": "it did not work, awful side effects, I stopped",
                "neutral": "some benefit, some side effects, not sure yet",
            }[label]
            text = f"review: App test story {i}: after {i % 9 + 2} weeks {mood}; note {i * 7}, day {i}"
            return Reply(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 1,
                    "model": "m",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
                },
                delay=delay,
            )
        label = re.search(r"must have rating=(\w+)", user).group(1)
        rows = "\n".join(
            f'{300000 + i},Drugname{i},Condition {i},"App test story {i}: this pill changed how I sleep at '
            f'night and I would tell a friend",{label},"May {i % 27 + 1}, 2015",{i % 50}'
            for i in (next(counter), next(counter))
        )
        text = "review_id,drugName,condition,review,rating,date,usefulCount\n" + rows
        return Reply(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 40, "total_tokens": 50},
            },
            delay=delay,
        )

    s = WireServer(default=reply)
    return s


def _openai_app(app_in, server):
    """The app pointed at the wire server as an OpenAI-compatible backend, on the Generate page."""
    at = app_in("backend")
    at.radio(key="backend_name").set_value("openai").run()
    at.text_input(key="backend_url_openai").set_value(server.url + "/v1").run()
    at.switch_page("pages/generate.py").run()
    return at


def test_full_loop_through_a_server(app_in, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-app-test")
    server = _csv_server()
    try:
        at = _openai_app(app_in, server)
        at.number_input(key="gen_n").set_value(6).run()
        at.number_input(key="gen_seed").set_value(5).run()
        at.button(key="gen_go").click().run()
        state = wait_for_job(at, 60)
        assert state.job.status == "complete" and not at.exception
        assert len(state.current.rows) == 6
        # the run keeps its seed; the box moves on, so Generate again writes new rows
        assert state.job.config.random_seed == 5 and state.current.info.config["random_seed"] == 5
        assert at.number_input(key="gen_seed").value == 6
        assert app_in("generate").number_input(key="gen_seed").value == 6  # a reload too
        # review: one feedback column, so like and dislike exclude each other
        from syngen.ui.run import apply_feedback

        editor = state.feedback.copy()
        editor.loc[0, "feedback"] = "dislike"
        editor.loc[1, "feedback"] = "like"
        counts = apply_feedback(state, editor)
        assert counts == {"removed": 1, "new_negatives": 1, "negatives": 1, "liked": 1, "new_liked": 1, "kept": 5}
        assert len(state.current.rows) == 5 and len(state.feedback) == 5  # gone from the grid too
        assert len(state.config.negatives) == 1 and len(state.config.liked) == 1
        again = apply_feedback(state, state.feedback.copy())  # nothing marked: nothing added, true counts
        assert again["removed"] == 0 and again["new_negatives"] == 0 and again["negatives"] == 1
        # curation never lowers the run's delivery score
        from syngen.ui.reports import report_for

        rep = report_for(state, state.current)
        assert rep.find("rows delivered / requested").value == 1.0
        assert "1 removed in review, 5 kept" in rep.find("rows delivered / requested").detail
        # the saved scores (Compare, the history) are those of the reviewed rows, as on the Quality page
        from syngen.runs.store import read_run

        assert read_run(state.current.info.folder).scores["overall"] == pytest.approx(rep.overall)
        assert list(state.feedback["feedback"]).count("like") == 1  # the like stays marked after Apply
        made = dict(rep.story())["What was made"]
        assert "6 rows of 6 asked for" in made and "1 row removed in review, 5 kept" in made
        at.switch_page("pages/quality.py").run()
        assert not at.exception and any(m.label == "Overall" for m in at.metric)
        at.switch_page("pages/utility.py").run()
        at.multiselect(key="utility_features").set_value(["embeddings"]).run()
        at.button(key="utility_go").click().run(timeout=300)
        assert not at.exception, at.exception[0].stack_trace[-6:] if at.exception else ""
        assert any(m.label.startswith("F1 of 'neutral'") for m in at.metric)
        assert any(m.label.startswith("Discriminator ROC AUC") for m in at.metric)
        at.switch_page("pages/generate.py").run()
        at.button(key="gen_go").click().run()  # the same settings again: a run of the same name
        wait_for_job(at, 60)
        at.switch_page("pages/compare.py").run()
        assert not at.exception, at.exception[0].stack_trace[-6:] if at.exception else ""
        assert len(at.dataframe) >= 1
        bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["x"]
        assert len(bars) == len(set(bars)) == 2  # one bar per run, not the two stacked as one
        at.switch_page("pages/download.py").run()
        assert not at.exception
        labels = [b.label for b in at.get("download_button")]
        assert {"CSV", "JSONL", "Parquet"} <= set(labels)
    finally:
        server.close()


def test_dead_backend_fails_with_a_message_not_a_traceback(app_in):
    at = app_in("backend")
    at.radio(key="backend_name").set_value("ollama").run()
    at.text_input(key="backend_url_ollama").set_value("http://127.0.0.1:9").run()
    at.switch_page("pages/generate.py").run()
    at.number_input(key="gen_n").set_value(3).run()
    import time

    t = time.monotonic()
    at.button(key="gen_go").click().run()
    state = at.session_state["syngen_state"]
    assert time.monotonic() - t < 10 and state.job is None  # checked before the run started
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "ollama serve" in errors[0] and not at.exception


def test_cancel_stops_a_run(app_in, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-app-test")
    server = _csv_server(delay=0.5)
    try:
        at = _openai_app(app_in, server)
        at.number_input(key="gen_n").set_value(200).run()
        at.button(key="gen_go").click().run()
        at.button(key="gen_cancel").click().run()
        state = wait_for_job(at, 60)
        assert state.job.status == "cancelled" and len(state.current.rows) < 200 and not at.exception
    finally:
        server.close()


def test_a_new_session_resumes_an_unfinished_run(app_in, monkeypatch):
    """Cancel (or a closed browser) leaves a checkpoint; a new session offers to resume it."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-app-test")
    server = _csv_server(delay=0.3)
    try:
        at = _openai_app(app_in, server)
        at.number_input(key="gen_n").set_value(12).run()
        at.number_input(key="gen_batch").set_value(2).run()
        at.button(key="gen_go").click().run()
        state = at.session_state["syngen_state"]
        import time

        while state.job.accepted < 2 and not state.job.done:
            time.sleep(0.05)
        at.button(key="gen_cancel").click().run()
        wait_for_job(at, 60)
        kept = len(state.current.rows)
        assert 2 <= kept < 12
        # the same session offers to resume the run it just stopped, as a reload does
        at.run()
        assert any(f"kept {kept} of 12 rows" in i.value for i in at.info), [i.value for i in at.info]
        assert any(b.label == "Resume it" for b in at.button)
        fresh = app_in("generate")  # a browser reload: a new session with empty state
        assert any(f"kept {kept} of 12 rows" in i.value for i in fresh.info), [i.value for i in fresh.info]
        resume = [b for b in fresh.button if b.label == "Resume it"][0]
        resume.click().run()
        new_state = wait_for_job(fresh, 60)
        assert new_state.job.status == "complete" and not fresh.exception
        rows = new_state.current.rows
        assert len(rows) == 12 and rows["review"].is_unique and set(rows["run_id"]) == set(state.current.rows["run_id"])
    finally:
        server.close()
