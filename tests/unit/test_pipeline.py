import threading
from collections import Counter

import pytest

from syngen.backends.scripted import ScriptedBackend
from syngen.common.errors import ConfigError
from syngen.common.provenance import PROVENANCE
from syngen.generate.config import RunConfig
from syngen.generate.loop import FIRST_BATCH, run
from syngen.plan.labels import label_targets


def writer(counter=[0]):
    """A scripted model that continues the row it was given with a fresh, valid review."""

    def answer(prompt):
        counter[0] += 1
        i = counter[0]
        return (
            f'{1000 + i * 7},"Entry {i}: a distinct story about a drug and how it went, number {i}",'
            f'"March {1 + i % 28}, 2015",{i % 30}\n'
        )

    return answer


def cfg(path, **kw):
    base = dict(
        data=str(path),
        num_samples=6,
        k=2,
        batch_size=3,
        random_seed=1,
        label="rating",
        plan="rows",
        completion_format="csv",
    )
    base.update(kw)
    return RunConfig(**base)


def test_exact_n_valid_rows_with_provenance_and_seed_label_mix(small_seed):
    backend = ScriptedBackend(outputs=[writer([0])])
    events = []
    res = run(cfg(small_seed), backend, on_event=events.append)
    assert res.status == "complete" and len(res.rows) == 6
    assert list(res.rows.columns) == ["review_id", "review", "rating", "date", "usefulCount"] + PROVENANCE
    assert Counter(res.rows["rating"]) == {"positive": 2, "negative": 2, "neutral": 2}
    assert set(res.rows["is_synthetic"]) == {True} and set(res.rows["backend"]) == {"scripted"}
    schema = res.seed.schema
    for r in res.rows.to_dict("records"):
        assert schema.validate(r)[1] == []
    kinds = Counter(e.kind for e in events)
    assert kinds["started"] == 1 and kinds["finished"] == 1 and kinds["row_accepted"] == 6
    # the prompt really was label-first with the prefill for a completion backend
    assert backend.calls[0].completion.endswith("\n" + backend.calls[0].target_label + ",")


def test_user_label_mix_is_met_exactly(small_seed):
    res = run(cfg(small_seed, num_samples=5, label_mix={"negative": 1.0}), ScriptedBackend(outputs=[writer([0])]))
    assert Counter(res.rows["rating"]) == {"negative": 5}
    assert res.message == "5 rows generated"


def test_one_row_is_a_row(small_seed):
    res = run(cfg(small_seed, num_samples=1), ScriptedBackend(outputs=[writer([0])]))
    assert res.status == "complete" and res.message == "1 row generated"
    assert res.account.summary()[0].startswith("1 row accepted from ")


def test_label_targets_largest_remainder(drug_seed):
    assert label_targets(drug_seed, 20, None) == {"positive": 13, "negative": 5, "neutral": 2}
    assert label_targets(drug_seed, 3, {"positive": 1, "neutral": 1}) == {"positive": 2, "neutral": 1}
    with pytest.raises(ConfigError, match="not in column 'rating'"):
        label_targets(drug_seed, 3, {"great": 1})


def test_every_reject_is_counted_with_its_reason(small_seed):
    outputs = [
        "1300,Fine text about the drug that worked well for me,\"March 9, 2015\",999\n",  # count out of range
        "1301,Fine text about the drug that worked well for me,\"Mar 9th\",3\n",  # bad date
        "Sure! Here are the rows you asked for:\n",  # prose
        "1302,Worked wonders for my back pain within a week!,\"March 1, 2015\",5\n",  # near copy of seed
        "",  # empty output
    ]
    res = run(cfg(small_seed, num_samples=2, max_prompts=5), ScriptedBackend(outputs=outputs))
    assert res.status == "exhausted" and len(res.rows) == 0
    assert (
        "attempt budget" in res.message and "Resuming the run keeps its rows and tries another 5 prompts" in res.message
    )
    r = res.account.rejected
    assert r["usefulCount: # is outside the seed range #..#"] == 1
    assert r["date: '…' does not parse as %B %-d, %Y"] == 1
    assert r["ragged row: # fields, expected #"] == 1  # the prose line after the label prefill
    assert r["near copy of seed row # (similarity #)"] == 1
    assert r["empty output"] == 1


def test_duplicates_and_negatives_are_rejected(small_seed):
    same = "1400,A brand new text about a brand new drug experience here,\"March 2, 2015\",1\n"
    neg = [{"review": "Everything about this pill was simply perfect and wonderful for me"}]
    outputs = [
        same,
        same,
        "1401,Everything about this pill was simply perfect and wonderful for me,\"March 2, 2015\",1\n",
    ]
    res = run(
        cfg(small_seed, num_samples=2, max_prompts=3, negatives=neg, label_mix={"positive": 1}),
        ScriptedBackend(outputs=outputs),
    )
    assert len(res.rows) == 1
    reasons = res.account.rejected
    assert reasons["duplicate of an accepted synthetic row"] == 1
    assert reasons["resembles negative example # (similarity #)"] == 1


def test_invalid_and_seed_ids_are_repaired(small_seed):
    outputs = [
        "1000,An entirely new account of taking this medicine daily,\"March 2, 2015\",1\n",  # seed ID
        "B0XYZ,Another new account of a different medicine taken,\"March 2, 2015\",1\n",
    ]  # wrong shape
    res = run(cfg(small_seed, num_samples=2, label_mix={"positive": 1}), ScriptedBackend(outputs=outputs))
    ids = res.rows["review_id"].tolist()
    pat = res.seed.schema.col("review_id").id_pattern
    assert all(pat.matches(i) for i in ids) and "1000" not in ids and "B0XYZ" not in ids
    assert sum(res.account.repaired.values()) == 2


def test_failing_backend_stops_with_a_clear_message(small_seed):
    res = run(cfg(small_seed), ScriptedBackend(outputs=[ConnectionError("connection refused")]))
    assert res.status == "failed" and "connection refused" in res.message
    assert res.account.batches == 3 and len(res.rows) == 0


def test_seeded_runs_are_reproducible(small_seed):
    a = ScriptedBackend(outputs=[writer([0])])
    b = ScriptedBackend(outputs=[writer([0])])
    ra, rb = run(cfg(small_seed), a), run(cfg(small_seed), b)
    assert [p.completion for p in a.calls] == [p.completion for p in b.calls]
    cols = ["review_id", "review", "rating", "date", "usefulCount"]
    assert ra.rows[cols].equals(rb.rows[cols])
    rc = ScriptedBackend(outputs=[writer([0])])
    run(cfg(small_seed, random_seed=2), rc)
    assert [p.completion for p in rc.calls] != [p.completion for p in a.calls]


def test_checkpoint_and_resume_end_with_exactly_n(small_seed, tmp_path):
    ck = tmp_path / "run.ckpt.jsonl"
    w = writer([0])
    first = run(cfg(small_seed, max_prompts=3), ScriptedBackend(outputs=[w]), checkpoint=ck)
    assert first.status == "exhausted" and 0 < len(first.rows) < 6
    lines = ck.read_text().splitlines()
    assert len(lines) == 1 + len(first.rows)
    second = run(cfg(small_seed, max_prompts=30), ScriptedBackend(outputs=[w]), checkpoint=ck, resume=True)
    assert second.status == "complete" and len(second.rows) == 6
    assert second.run_id == first.run_id
    assert second.rows["review"].is_unique
    assert second.rows["review"].tolist()[: len(first.rows)] == first.rows["review"].tolist()
    with pytest.raises(ConfigError, match="different configuration"):
        run(cfg(small_seed, k=3), ScriptedBackend(outputs=[w]), checkpoint=ck, resume=True)


def test_cancel_stops_between_batches(small_seed):
    cancel = threading.Event()
    w = writer([0])

    def answer(prompt):
        cancel.set()
        return w(prompt)

    res = run(cfg(small_seed, num_samples=6), ScriptedBackend(outputs=[answer]), cancel=cancel)
    # the first batch is small (FIRST_BATCH prompts, one row each here): those rows are kept
    assert res.status == "cancelled" and len(res.rows) == FIRST_BATCH and res.account.batches == 1


def test_chat_backend_gets_no_prefill(small_seed):
    out = "review_id,review,rating,date,usefulCount\n1500,A chat model wrote this whole new row here,positive,\"March 2, 2015\",3\n"
    b = ScriptedBackend(outputs=[out], kind="chat")
    res = run(cfg(small_seed, num_samples=1, label_mix={"positive": 1}), b)
    assert len(res.rows) == 1 and res.rows.loc[0, "review_id"] == "1500"


def test_k_larger_than_seed_is_a_config_error(small_seed):
    with pytest.raises(ConfigError, match="larger than the seed"):
        run(cfg(small_seed, k=50), ScriptedBackend())


def test_records_format_for_completion_models(small_seed):
    def answer(prompt):
        assert prompt.completion.endswith("\n\nrating: " + prompt.target_label)
        i = len(b.calls)
        return (
            f"\nreview_id: {4000 + i}\nreview: Record style story {i} about a new pill and its effects\n"
            f"date: March {i}, 2015\nusefulCount: {i}\n\nrating: positive\nreview_id: 9\nreview: cut"
        )

    b = ScriptedBackend(outputs=[answer])
    res = run(cfg(small_seed, num_samples=4, completion_format="records"), b)
    assert res.status == "complete" and len(res.rows) == 4
    assert res.account.rejected["missing column(s) date, usefulCount"] >= 1  # the cut second record
    assert b.calls[0].lines_per_row == 6


def test_model_output_faults_are_counted_and_the_run_ends_with_an_account(small_seed):
    def echo(prompt):
        return prompt.messages[-1]["content"]  # the prompt echoed back, exemplars and all

    outputs = [
        "",
        "Sure! Here are some rows for you:",
        "review_id,review,rating\n1601,only three fields,positive\n",
        '{"answer": "I cannot help with that"}',
        echo,
        b"\xff\xfe\x80 broken bytes \xc3\x28\n".decode("utf-8", errors="replace"),
    ]
    res = run(
        cfg(small_seed, num_samples=3, max_prompts=6, batch_size=6), ScriptedBackend(outputs=outputs, kind="chat")
    )
    assert res.status == "exhausted" and len(res.rows) == 0
    r = res.account.rejected
    assert r["empty output"] == 1
    assert r["not a data row (prose or commentary)"] >= 3  # preamble, prose of the echo, broken bytes
    assert r["missing column(s) date, usefulCount"] == 1  # a header with three of five columns
    assert r["JSON object has none of the expected columns"] == 1
    assert r["copies a prompt exemplar"] == 2  # the echoed exemplars
    assert "attempt budget" in res.message


def test_a_looping_model_is_rejected(drug_seed):
    loop = ("I took it and I felt fine " * 12).strip()
    row = drug_seed.df.iloc[0].to_dict() | {"review": loop, "review_id": "999999"}
    out = "\n".join(f"{k}: {v}" for k, v in row.items()) + "\n\n"
    res = run(
        RunConfig(data="unused", num_samples=1, max_prompts=1, batch_size=1, k=2, plan="rows"),
        ScriptedBackend(outputs=[out], kind="chat"),
        seed=drug_seed,
    )
    assert list(res.account.rejected) == ["repetitive text (#% repeated #-grams; the model looped)"]


def test_half_written_checkpoint_line_is_dropped(small_seed, tmp_path):
    ck = tmp_path / "c.jsonl"
    w = writer([0])
    first = run(cfg(small_seed, max_prompts=3), ScriptedBackend(outputs=[w]), checkpoint=ck)
    with open(ck, "a") as f:
        f.write('{"review_id": "12')  # the process died here
    res = run(cfg(small_seed, max_prompts=30), ScriptedBackend(outputs=[w]), checkpoint=ck, resume=True)
    assert len(res.rows) == 6 and res.rows["review"].is_unique
    lines = ck.read_text().splitlines()
    assert len(lines) == 1 + 6 and all(line.startswith("{") and line.endswith("}") for line in lines)
    assert res.rows["review"].tolist()[: len(first.rows)] == first.rows["review"].tolist()


def test_reject_reasons_read_in_words_on_the_generate_page():
    """Counted by shape ('#' for numbers), shown without the figures: no '#' on the page."""
    from syngen.ui.run import reason_words

    assert reason_words("near copy of seed row # (similarity #)") == "near copy of seed row N"
    shown = reason_words("text reads as rating=positive, not negative (confidence # > #, which only #% exceed)")
    assert shown == "text reads as rating=positive, not negative"
    assert reason_words("date: '…' does not parse as %B %-d, %Y") == "date: a value does not parse as %B %-d, %Y"


def test_the_review_grid_never_shadows_a_column_called_feedback():
    """The Alexa reviews' label is called feedback: the grid's marks take another name."""
    import pandas as pd

    from syngen.ui.run import feedback_frame

    rows = pd.DataFrame({"verified_reviews": ["good", "bad"], "feedback": ["1", "0"]})
    grid = feedback_frame(rows, liked=[{"verified_reviews": "good", "feedback": "1"}])
    assert list(grid.columns) == ["your feedback", "verified_reviews", "feedback"]
    assert list(grid["your feedback"]) == ["like", "keep"] and list(grid["feedback"]) == ["1", "0"]
