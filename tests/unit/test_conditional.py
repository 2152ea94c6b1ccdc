"""The conditional plan: who produces each column, the seed's structure model, prompts that end
inside the row, answers parsed from base and chat models, the label gate, exact label mixes."""

import random
from collections import Counter

import pandas as pd
import pytest
from helpers import ROOT

from syngen.backends.scripted import ScriptedBackend
from syngen.common.errors import ConfigError
from syngen.evaluate.label_classifier import LabelGate
from syngen.generate.config import RunConfig
from syngen.generate.loop import preview, run
from syngen.plan.length_hint import hint_value
from syngen.plan.resolve import plan_for, resolve_plan
from syngen.plan.structure import StructureModel
from syngen.prompting.conditional import parse_answer
from syngen.prompting.row_sources import row_source
from syngen.seed.prepared import prepare_seed
from syngen.seed.timestamps import format_time, parse_time

REVIEWS = {
    "positive": "it worked really well and I feel great, highly recommend it to anyone",
    "negative": "awful side effects, it did not work at all and I had to stop taking it",
    "neutral": "it was okay I guess, some benefit but also some side effects",
}


def writer(prompt):
    """A scripted base model: continues `review:` with a review that fits the row's label."""
    f = prompt.fields
    return (
        f" I used {f.get('drugName')} for {f.get('condition')} since {f.get('date')} and "
        f"{REVIEWS[f['rating']]} ({random.random():.6f}).\n"
    )


def test_plan_for_the_bundled_seed(drug_seed):
    plan = resolve_plan(drug_seed.schema, drug_seed.df)
    assert plan.mode == "conditional"
    assert plan.model_columns == ["review"]
    assert set(plan.seed_columns) == {"review_id", "drugName", "condition", "rating", "date", "usefulCount"}
    table = plan.table(drug_seed.schema)
    assert table.set_index("column").loc["review", "generator"] == "written by the model"
    assert table.set_index("column").loc["drugName", "generator"] == "sampled from the seed"
    # overrides: a name can be written by the model; an ID or the label cannot
    plan = resolve_plan(drug_seed.schema, drug_seed.df, "auto", {"drugName": "model", "review_id": "model"})
    assert plan.model_columns == ["drugName", "review"] and plan.generators["review_id"] == "seed"
    assert any("review_id" in n for n in plan.notes)
    assert resolve_plan(drug_seed.schema, drug_seed.df, "rows").model_columns == drug_seed.schema.names
    with pytest.raises(ConfigError, match="unknown column"):
        resolve_plan(drug_seed.schema, drug_seed.df, "auto", {"nope": "model"})


def test_structure_model_keeps_pairs_formats_and_ranges(drug_seed):
    sch = drug_seed.schema
    sm = StructureModel(
        drug_seed.df,
        sch,
        ["drugName", "condition", "date", "usefulCount"],
        random_seed=1,
        fixed=["drugName", "condition"],
    )
    rows = [sm.sample(lab) for lab in ["positive"] * 120 + ["negative"] * 60 + ["neutral"] * 20]
    pairs = set(zip(drug_seed.df["drugName"], drug_seed.df["condition"]))
    unseen = sum((r["drugName"], r["condition"]) not in pairs for r in rows) / len(rows)
    assert unseen <= 0.05
    for r in rows:
        t = parse_time(r["date"], sch.col("date").fmt)  # the seed's format, days unpadded as the seed's
        assert t is not None and format_time(t, sch.col("date").fmt) == r["date"]
        assert sch.col("usefulCount").check(r["usefulCount"])[1] is None  # whole number in range
    # the spread of dates follows the seed (not one date, not a narrow window)
    years = Counter(r["date"][-4:] for r in rows)
    assert len(years) >= 5 and len({r["date"] for r in rows}) > 100
    # vote counts follow the label as in the seed: negatives get fewer helpful votes than positives
    mean = lambda lab: pd.Series(
        [
            int(r["usefulCount"])
            for r, x in zip(rows, ["positive"] * 120 + ["negative"] * 60 + ["neutral"] * 20)
            if x == lab
        ]
    ).mean()
    assert mean("negative") < mean("positive")


def test_conditional_run_meets_the_label_mix_exactly_with_fresh_ids(drug_seed):
    cfg = RunConfig(
        num_samples=10, k=3, batch_size=4, random_seed=2, label_mix={"negative": 0.5, "neutral": 0.5}, label_gate=False
    )  # the gate has its own tests; here every answer is usable
    backend = ScriptedBackend(outputs=[writer])
    res = run(cfg, backend, drug_seed)
    assert res.status == "complete" and res.plan.mode == "conditional"
    assert Counter(res.rows["rating"]) == {"negative": 5, "neutral": 5}
    assert not any("quota" in k for k in res.account.rejected)
    seed_ids = set(drug_seed.df["review_id"])
    assert res.rows["review_id"].is_unique and not set(res.rows["review_id"]) & seed_ids
    for row in res.rows.to_dict("records"):
        assert drug_seed.schema.validate(row)[1] == []
    # each prompt ends inside its row: the fields, then `review:` for the model to continue
    p = backend.calls[0]
    assert p.completion.endswith("review:") and p.written == ["review"]
    assert f"rating: {p.fields['rating']}\ndrugName: {p.fields['drugName']}\n" in p.completion
    # exemplars: same label, and where the seed has one, the same drug or condition
    assert {e["rating"] for e in p.exemplars} == {p.fields["rating"]}
    shares = [
        any(e["drugName"] == q.fields["drugName"] or e["condition"] == q.fields["condition"] for e in q.exemplars)
        for q in backend.calls
    ]
    assert sum(shares) >= 0.8 * len(shares)
    # no rejects, and no batch asked for more rows than were still needed: exactly 10 prompts
    assert len(backend.calls) == 10 and not res.account.rejected


def test_each_text_is_given_a_length_from_its_label_s_seed_texts_and_rows_do_not_keep_it(drug_seed):
    df = drug_seed.df
    lengths = {lab: {hint_value(t) for t in df[df["rating"] == lab]["review"]} for lab in df["rating"].unique()}
    cfg = RunConfig(num_samples=12, k=2, batch_size=4, random_seed=2, label_gate=False)
    backend = ScriptedBackend(outputs=[writer])
    res = run(cfg, backend, drug_seed)
    assert res.status == "complete" and "review words" not in res.rows.columns
    assert set(drug_seed.schema.names) <= set(res.rows.columns)
    given = [p.fields["review words"] for p in backend.calls]
    for p, n in zip(backend.calls, given):
        assert p.completion.endswith(f"usefulCount: {p.fields['usefulCount']}\nreview words: {n}\nreview:")
        assert n in lengths[p.fields["rating"]]
        for e in p.exemplars:  # each exemplar shows its own text's length on the same line
            assert f"review words: {hint_value(e['review'])}\nreview: {' '.join(e['review'].split())}" in p.completion
    assert len(set(given)) > 3  # drawn, not one length for all
    off = ScriptedBackend(outputs=[writer])
    run(RunConfig(num_samples=2, k=2, random_seed=2, label_gate=False, length_hint=False), off, drug_seed)
    assert all("words" not in p.completion and "review words" not in p.fields for p in off.calls)


def test_the_first_batch_writes_the_shortest_of_a_full_batch_and_every_drawn_row_is_written(drug_seed):
    """The first rows show sooner: the first (small) batch takes the shortest texts of a full
    batch's draw, and the rest lead the next batch (no drawn row is dropped, the mix holds)."""
    from syngen.generate.loop import FIRST_BATCH

    for seed in (1, 2, 3):
        backend = ScriptedBackend(outputs=[writer])
        res = run(RunConfig(num_samples=8, k=2, batch_size=8, random_seed=seed, label_gate=False), backend, drug_seed)
        given = [p.fields["review words"] for p in backend.calls]
        assert res.status == "complete" and len(given) == 8  # one prompt per row: none drawn in vain
        first, rest = given[:FIRST_BATCH], given[FIRST_BATCH:]
        assert max(first) <= min(rest), (seed, given)
        assert Counter(res.rows["rating"]) == Counter(p.fields["rating"] for p in backend.calls)


def test_a_length_is_a_count_of_words_to_the_nearest_ten_from_twenty():
    assert [hint_value(t) for t in ["", None, "one two", " ".join(["w"] * 19), " ".join(["w"] * 24)]] == [
        0,
        0,
        2,
        19,
        20,
    ]
    assert hint_value(" ".join(["w"] * 87)) == 90


def test_a_table_without_free_text_uses_whole_rows_and_works_conditionally_too(tmp_path):
    rng = random.Random(0)
    rows = [
        {
            "sku": f"X{rng.randrange(10**5, 10**6)}",
            "region": rng.choice(["north", "south", "east"]),
            "channel": rng.choice(["web", "store"]),
            "units": str(rng.randrange(1, 50)),
            "price": f"{rng.uniform(1, 20):.2f}",
            "sold_on": f"2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}",
        }
        for _ in range(60)
    ]
    path = tmp_path / "sales.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    cfg = RunConfig(data=str(path), num_samples=6, k=3, batch_size=3, random_seed=1, rows_per_prompt=2)
    seed = prepare_seed(cfg)
    assert plan_for(seed, cfg).mode == "rows"

    def whole_rows(prompt):  # a model that writes plausible records
        return (
            "\n".join(
                f"{c}: {v}"
                for r in prompt.exemplars[:2]
                for c, v in {**r, "units": str(rng.randrange(1, 50)), "price": f"{rng.uniform(1, 20):.2f}"}.items()
            )
            + "\n"
        )

    res = run(cfg, ScriptedBackend(outputs=[whole_rows]), seed)
    assert res.status == "complete" and len(res.rows) == 6 and res.plan.mode == "rows"
    # forced conditional with nothing for a model to write: every row from the structure model
    cfg2 = RunConfig(data=str(path), num_samples=6, random_seed=1, plan="conditional")
    backend = ScriptedBackend(outputs=[""])
    res2 = run(cfg2, backend, seed)
    assert res2.status == "complete" and len(res2.rows) == 6 and backend.calls == []
    for r in res2.rows.to_dict("records"):
        assert seed.schema.validate(r)[1] == []
    assert not set(res2.rows["sku"]) & {r["sku"] for r in rows}
    # the app's "Preview 1 row" goes through the same source and gate, and asks no model here
    row, note = preview(cfg2, seed, backend)
    assert row is not None and seed.schema.validate(row)[1] == [] and backend.calls == [], note
    assert "not saved" in note


def test_preview_shows_a_row_or_says_why_not(drug_seed):
    cfg = RunConfig(k=2, random_seed=1, novelty=0.0)
    ok = ScriptedBackend(outputs=[writer])
    row, note = preview(cfg, drug_seed, ok)
    assert len(ok.calls) == 1 and row["review"].startswith("I used") and "not saved" in note
    row, note = preview(cfg, drug_seed, ScriptedBackend(outputs=["\n"]))
    assert row is None and "not usable" in note and "a run would retry" in note
    row, note = preview(cfg, drug_seed, ScriptedBackend(outputs=[ConnectionError("refused")]))
    assert row is None and "refused" in note


def _prompt(drug_seed, written=("review",), label="negative"):
    cfg = RunConfig(k=2, random_seed=1, novelty=0.0)
    plan = resolve_plan(drug_seed.schema, drug_seed.df, "auto", {c: "model" for c in written if c != "review"})
    src = row_source(drug_seed, cfg, plan, random.Random(1), lambda c: "123456")
    return src.prompts([label])[0]


def test_parse_answer_from_base_and_chat_models(drug_seed):
    p = _prompt(drug_seed)
    ok = parse_answer(" It made me sick for a week and did nothing.\n", p, chat=False, truncated=False)
    assert ok.rows[0]["review"] == "It made me sick for a week and did nothing." and not ok.rejects
    assert ok.rows[0]["drugName"] == p.fields["drugName"]
    cut = parse_answer(" It made me sick and", p, chat=False, truncated=True)
    assert not cut.rows and "cut off" in cut.rejects[0].reason
    empty = parse_answer("\n", p, chat=False, truncated=False)
    assert not empty.rows and empty.rejects[0].reason == "empty output"
    other = parse_answer(" \ndrugName: Advil\n", p, chat=False, truncated=False)
    assert not other.rows and other.rejects[0].reason == "no review in the answer"
    chat = parse_answer(
        "Sure! Here is the review:\n```\nreview: \"Awful. Stopped after 3 days.\"\n```", p, chat=True, truncated=False
    )
    assert chat.rows[0]["review"] == "Awful. Stopped after 3 days."
    bare = parse_answer("Awful stuff, I stopped after 3 days.", p, chat=True, truncated=False)
    assert bare.rows[0]["review"] == "Awful stuff, I stopped after 3 days."
    # a chat model that repeats the given fields back: those are ignored, the row's fields stand
    echo = parse_answer("rating: positive\nreview: Bad.", p, chat=True, truncated=False)
    assert echo.rows[0]["rating"] == "negative" and echo.rows[0]["review"] == "Bad."
    # two written columns (a name the model invents, then the text)
    p2 = _prompt(drug_seed, written=("drugName", "review"))
    assert p2.completion.endswith("drugName:") and p2.written == ["drugName", "review"]
    two = parse_answer(" Zentrova\nreview: Did nothing for me.\n", p2, chat=False, truncated=False)
    assert two.rows[0]["drugName"] == "Zentrova" and two.rows[0]["review"] == "Did nothing for me."
    # completion backends give the next key after the name's line break, and end a name that runs on
    limits = [drug_seed.schema.col(c).max_chars for c in ("drugName", "review")]
    assert p2.line_keys == ["review:"] and p2.line_limits == limits
    on = parse_answer(" Zentrova " + "x" * limits[0], p2, chat=False, truncated=False)
    assert on.rejects[0].reason == f"drugName: {limits[0] + 9} characters, over the limit of {limits[0]}"


def test_novelty_lets_the_model_write_names(drug_seed):
    cfg = RunConfig(num_samples=6, k=2, batch_size=6, random_seed=4, novelty=1.0, label_mix={"negative": 1})
    words = "pain dizzy awful week nausea stopped worse doctor sleep headache rash tired".split()
    backend = ScriptedBackend(
        outputs=[
            lambda p: (
                " Novadrex\ncondition: Back Pain\nreview: It did not help, " + " ".join(random.sample(words, 8)) + ".\n"
            )
        ]
    )
    res = run(cfg, backend, drug_seed)
    assert res.status == "complete", res.account.summary()
    assert all(p.written == ["drugName", "condition", "review"] for p in backend.calls)
    assert all(p.completion.endswith("drugName:") and "drugName" not in p.fields for p in backend.calls)
    assert set(res.rows["drugName"]) == {"Novadrex"} and set(res.rows["condition"]) == {"Back Pain"}
    for r in res.rows.to_dict("records"):
        assert drug_seed.schema.validate(r)[1] == []  # a new name still meets the column's contract
    # at the default novelty 0 every name comes from the seed
    plain = ScriptedBackend(outputs=[writer])
    run(RunConfig(num_samples=3, k=2, random_seed=4, label_gate=False), plain, drug_seed)
    assert all(p.written == ["review"] for p in plain.calls)


def test_label_gate_rejects_text_that_reads_as_another_label(drug_seed):
    gate = LabelGate(drug_seed.df, "review", "rating")
    assert gate.active and 0.5 <= gate.threshold < 1.0
    wrong = {
        "rating": "negative",
        "review": "It worked great, best medicine ever, I recommend it. Amazing "
        "results, no side effects, life changing.",
    }
    right = dict(wrong, rating="positive")
    assert "reads as rating=positive" in gate.check(wrong)
    assert gate.check(right) is None
    assert not LabelGate(drug_seed.df, None, "rating").active


def test_embedding_label_gate_rejects_what_reads_as_another_label_and_keeps_real_texts(drug_seed, tmp_path):
    gate = LabelGate(drug_seed.df, "review", "rating", features="embeddings")
    assert gate.active and set(gate.ensemble.floors) == {"positive", "negative", "neutral"}
    # (a weaker sentiment judge than TF-IDF on this seed: "best medicine ever ... no side effects"
    # labelled negative passes it; bench/utility.py measures both gates)
    wrong = {"rating": "positive", "review": "Terrible. Made me sick and dizzy, I stopped it after a week."}
    assert "reads too little like rating=positive" in gate.check(wrong)
    assert gate.check(dict(wrong, rating="negative")) is None
    # real reviews it never saw pass about as often as the floor promises (95% of seed texts)
    held = pd.read_csv(ROOT / "data/drug_reviews/test.csv").dropna(subset=["review"])
    held = held[held["rating"] != "neutral"].sample(120, random_state=0)
    passed = sum(gate.check(r) is None for r in held.to_dict("records"))
    assert passed >= 0.85 * len(held)


def test_label_gate_counts_rejects_and_can_be_switched_off(drug_seed):
    good = "great amazing wonderful recommend effective relief happy best excellent life changing fantastic".split()
    liar = lambda p: " It worked great, best medicine ever, I recommend it. " + " ".join(random.sample(good, 9)) + ".\n"
    on = run(
        RunConfig(num_samples=2, k=2, random_seed=1, max_prompts=8, label_mix={"negative": 1}),
        ScriptedBackend(outputs=[liar]),
        drug_seed,
    )
    assert on.status == "exhausted" and len(on.rows) == 0
    assert any("reads as rating=positive" in k for k in on.account.rejected)
    bad = "terrible awful sick dizzy nausea worst useless stopped horrible pain".split()
    words = random.Random(0)  # the same texts every time
    grump = lambda p: " Terrible, it made me sick and dizzy, I stopped it. " + " ".join(words.sample(bad, 6)) + ".\n"
    by_embeddings = run(
        RunConfig(
            num_samples=2, k=2, random_seed=1, max_prompts=8, label_mix={"positive": 1}, label_gate_model="embeddings"
        ),
        ScriptedBackend(outputs=[grump]),
        drug_seed,
    )
    assert by_embeddings.status == "exhausted" and len(by_embeddings.rows) <= 1  # word salad may slip by
    rejected = {k: n for k, n in by_embeddings.account.rejected.items() if "reads too little like rating=positive" in k}
    assert sum(rejected.values()) >= 6
    off = run(
        RunConfig(num_samples=2, k=2, random_seed=1, max_prompts=8, label_mix={"negative": 1}, label_gate=False),
        ScriptedBackend(outputs=[liar]),
        drug_seed,
    )
    assert off.status == "complete" and len(off.rows) == 2


def test_labels_interleave_so_a_partial_run_keeps_the_mix():
    from syngen.generate.batches import pick_labels as _pick_labels

    picks = _pick_labels({"positive": 128, "negative": 54, "neutral": 18}, Counter(), 20)
    assert Counter(picks) == {"positive": 12, "negative": 6, "neutral": 2}  # 64% / 27% / 9%, as targeted
    assert len(set(picks[:3])) == 3  # every label early, not the majority first


def test_the_length_hint_is_switched_off_from_the_command_line():
    from syngen.cli.args import config_from_args
    from syngen.cli.args import parser as _parser

    assert config_from_args(_parser().parse_args(["generate"])).length_hint is True
    assert config_from_args(_parser().parse_args(["generate", "--no-length-hint"])).length_hint is False
    assert _parser().parse_args(["tune", "--data", "seed.csv", "--no-length-hint"]).no_length_hint is True


def test_a_text_past_the_seeds_longest_ends_at_a_sentence_end_instead_of_being_thrown_away(drug_seed):
    from syngen.prompting.conditional import cut_at_sentence

    p = _prompt(drug_seed)
    limit = p.line_limits[0]  # twice the seed's longest review
    sentence = "It helped my back pain a lot in the first week. "
    long = sentence * (limit // len(sentence) + 2)
    got = parse_answer(" " + long.strip(), p, chat=False, truncated=False)
    assert got.rows and got.cut == 1 and not got.rejects
    text = got.rows[0]["review"]
    assert text.endswith(".") and limit // 4 <= len(text) <= limit // 2  # within the seed's longest
    assert cut_at_sentence("no sentence end in this run-on text at all " * 40, 100) is None  # refused as before
