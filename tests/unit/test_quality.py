"""Quality metrics with hand-computed expectations, degenerate inputs, and the seed SynGen's
own by-hand findings on its published outputs."""

import json
import math
import re

import pandas as pd
import pytest
from helpers import FIXTURES

from syngen.cli.main import main
from syngen.evaluate import build_report
from syngen.evaluate import metrics as m
from syngen.seed.schema import infer_schema, learn_id_pattern
from syngen.seed.table import load_table

OUT = FIXTURES / "llm_outputs"


def test_distribution_distances_by_hand():
    assert m.tvd(list("aabb"), list("aaab")) == pytest.approx(0.25)
    assert m.tvd(list("ab"), list("cd")) == 1.0
    assert m.ks_statistic([1, 2, 3], [1, 2, 3]) == 0.0
    assert m.ks_statistic([1, 2, 3], [4, 5, 6]) == 1.0
    assert m.ks_statistic([1, 2, 3, 4], [3, 4, 5, 6]) == pytest.approx(0.5)
    assert math.isnan(m.tvd([], ["a"])) and math.isnan(m.ks_statistic([], [1]))


def test_text_statistics_by_hand():
    assert m.distinct_n(["a b a b"], 1) == pytest.approx(0.5)
    assert m.distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)
    assert m.repeated_opening_share(["i love it so", "i love it not", "great"]) == 1.0
    assert m.repeated_opening_share(["one two three", "four five six"]) == 0.0
    assert m.sentence_count("One. Two! Three?") == 3
    fre, grade = m.readability(["The cat sat on the mat. It was a good cat."])
    assert 90 < fre < 120 and grade < 3  # very easy text, computed offline with the packaged CMU dict


def test_id_metrics_by_hand():
    pat = learn_id_pattern(["B00012ND5G", "B00013Z0ZQ", "B0C1XYZ999"])
    got = {
        x.name: x
        for x in m.id_metrics(
            "asin",
            ["B00012ND5G", "B00013Z0ZQ", "B0C1XYZ999"],
            ["1234567890", "B0EXAMPLE1", "B00012ND5G", "B0ZZZZZZZZ"],
            pat,
        )
    }
    assert got["pattern conformity"].value == 0.75
    assert got["uniqueness (distinct / rows)"].value == 1.0
    assert got["collisions with seed values"].value == 0.25
    assert got["placeholder-looking values"].value == 0.75  # 1234567890, EXAMPLE, ZZZZZZZZ


def test_timestamp_consistency_by_hand():
    rows = [
        {"ts": "2020-01-01 10:30:00", "d": "2020-01-01", "t": "10:30"},
        {"ts": "2020-01-02 11:00:00", "d": "2020-01-03", "t": "11:00"},
    ]
    assert m.timestamp_consistency("ts", "%Y-%m-%d %H:%M:%S", "d", "%Y-%m-%d", rows).value == 0.5
    assert m.timestamp_consistency("ts", "%Y-%m-%d %H:%M:%S", "t", "%H:%M", rows).value == 1.0


@pytest.mark.parametrize(
    "seed,synth",
    [
        ({"x": ["1", "2"], "k": ["a", "b"]}, {"x": ["1"], "k": ["a"]}),  # no text column
        ({"t": ["a long text about things here", "another long text about stuff"]}, {"t": ["one more text"]}),
        ({"t": ["only one seed row of words here"], "n": ["3"]}, {"t": [None], "n": [None]}),  # 1 row, missing
        ({"t": ["some words in a row"], "n": ["1"]}, {"t": [], "n": []}),  # empty synthetic
    ],
)
def test_any_table_gives_a_report_never_a_crash(seed, synth):
    r = build_report(pd.DataFrame(seed, dtype=object), pd.DataFrame(synth, dtype=object))
    t = r.table()
    assert len(t) > 0
    for row in t.to_dict("records"):
        if isinstance(row["value"], float) and math.isnan(row["value"]):
            assert row["detail"], row  # NaN always comes with its reason
    assert json.loads(r.to_json())["rows"]["synthetic"] == len(next(iter(synth.values())))


def test_copies_name_the_closest_seed_row(drug_seed):
    seed = drug_seed.df
    synth = seed.iloc[[3, 10]].copy()
    synth.loc[synth.index[1], "review"] = synth.iloc[1]["review"] + " Thanks."
    synth = pd.concat([synth, synth.iloc[[0]]])
    r = build_report(seed, synth, drug_seed.schema)
    assert r.find("exact copies of seed rows").value == pytest.approx(2 / 3)
    assert r.find("near copies of seed rows").value == pytest.approx(1 / 3)
    assert r.find("exact duplicates within synthetic").value == pytest.approx(1 / 3)
    assert r.copies.to_dict("records")[1]["seed_row"] == 10 and r.copies.iloc[1]["kind"] == "near copy"
    dcr = r.find("distance to closest record vs random (SDMetrics DCRBaselineProtection)")
    assert dcr.value == 0.0  # every synthetic row sits on a seed row
    assert r.find("semantic near copies of seed rows").value == 1.0  # all three say what a seed row says
    runs = r.find("texts sharing a longer run of words with a seed text than real texts do")
    assert runs.value == 1.0 and runs.score == 0.0  # every text repeats a seed text's words at length
    # copies, near copies, semantic near copies, DCR, memorised text
    assert r.parts["privacy and novelty"] == pytest.approx((1 / 3 + 2 / 3 + 0.0 + 0.0 + 0.0) / 5)


def _fixture_report(name):
    seed = load_table(OUT / "prompt_seed_rows.csv")
    return build_report(seed, load_table(OUT / name, ragged="truncate"), infer_schema(seed))


def test_llama_diversity_findings_match_the_seed_readme():
    # README: ratings 1-10 "serially", ASIN the generic "1234567890", all user ids the same
    r = _fixture_report("suppl_diversity_ollama_llama3.2_10_output.csv")
    unseen = r.find("share of values never seen in the seed", "rating")
    assert unseen.value == 0.8 and all(v in unseen.detail for v in ("6", "7", "8", "9", "10"))
    assert r.find("placeholder-looking values", "parent_asin").detail == "1234567890"
    assert r.find("uniqueness (distinct / rows)", "user_id").value == 0.1
    assert "helpful_votes -> helpful_vote" in r.notes[0]  # its header renamed two columns
    assert r.find("pattern conformity", "user_id").verdict == "poor"


def test_qwen_and_llama_base_findings_match_the_seed_readme():
    # README (base prompt): Qwen and Llama repeat the few-shot user ids and timestamps
    for name in ("suppl_base_hf_qwen_10_output.csv", "suppl_base_ollama_llama3.2_10_output.csv"):
        r = _fixture_report(name)
        assert r.find("collisions with seed values", "user_id").value >= 0.9
        assert r.find("uniqueness (distinct / rows)", "user_id").value <= 0.4
    q = _fixture_report("suppl_base_hf_qwen_10_output.csv")
    assert q.find("exact copies of seed rows").value == pytest.approx(0.3)  # the 3 copied exemplars


def test_cohere_base_has_no_copies_and_valid_timestamps():
    r = _fixture_report("suppl_base_cohere_command-r-plus_10_output.csv")
    assert r.find("exact copies of seed rows").value == 0
    assert r.find("parse rate", "timestamp").value == 1.0
    assert r.find("parse rate", "data").value == pytest.approx(0.9)  # '2Multiplier016-05-17'
    assert r.find("agrees with timestamp", "time").value == 1.0


def test_report_cli_writes_html_and_json(tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(
        [
            "report",
            "--data",
            str(OUT / "prompt_seed_rows.csv"),
            "--synthetic",
            str(OUT / "suppl_diversity_cohere_command-r-plus_10_output.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    html = out.read_text()
    assert "syngen quality report" in html and "plotly" in html.lower()
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["rows"] == {"seed": 3, "synthetic": 10} and set(data["parts"]) >= {"column fidelity"}
    assert "4 row(s) with commas in the text re-joined" in capsys.readouterr().err


def test_figures_cover_every_column(drug_seed):
    r = build_report(drug_seed.df, drug_seed.df.sample(30, random_state=1), drug_seed.schema)
    figs = r.figures()
    assert set(figs) == set(drug_seed.df.columns)
    assert [t.name for t in figs["rating"].data] == ["seed", "synthetic"]


def test_near_copy_search_finds_what_the_exact_index_finds(drug_seed):
    """MinHash/LSH candidates + exact Jaccard agree with the exhaustive per-row index."""
    import random

    from syngen.evaluate.copies import CopyIndex
    from syngen.evaluate.nearcopy import near_copies

    rng = random.Random(3)
    seed_texts = drug_seed.df["review"].tolist()
    synth = []
    for i in range(300):
        w = rng.choice(seed_texts).split()
        if i % 3 == 0:
            w = w + ["really"]  # near copy
        elif i % 3 == 1:
            rng.shuffle(w)  # same words, new order: not a copy
        synth.append(" ".join(w))
    best, sim, _ = near_copies(seed_texts, synth, 0.8)
    idx = CopyIndex()
    for i, t in enumerate(seed_texts):
        idx.add(i, t)
    exhaustive = [idx.nearest(t) for t in synth]
    want = {j for j, (_, s) in enumerate(exhaustive) if s >= 0.8 and len(synth[j].split()) >= 4}
    got = {j for j in range(len(synth)) if best[j] >= 0}
    assert got <= want and len(got) >= 0.95 * len(want) and len(want) >= 150


def test_text_label_and_field_consistency(drug_seed):
    seed = drug_seed.df
    same = seed.sample(120, random_state=4)
    r = build_report(seed, same, drug_seed.schema)
    good = r.find("text agrees with rating", "review")
    swapped = same.copy()
    swapped["rating"] = swapped["rating"].map({"positive": "negative", "negative": "positive", "neutral": "positive"})
    bad = build_report(seed, swapped, drug_seed.schema).find("text agrees with rating", "review")
    assert good.value > 0.9 and bad.value < 0.3 and bad.verdict == "poor"  # seen rows vs flipped labels
    shuffled = same.copy()
    shuffled["drugName"] = ["Zorblax"] * len(shuffled)
    ok = r.find("drugName words found in review", "drugName")
    off = build_report(seed, shuffled, drug_seed.schema).find("drugName words found in review", "drugName")
    assert ok.value == pytest.approx(float(ok.goal), abs=0.12) and off.value == 0.0 and off.score < ok.score
    said = [x for x in build_report(seed, shuffled, drug_seed.schema).summary() if "words found" in x]
    assert said == [said[0]] and said[0].startswith("drugName words found in review is poor (0;")  # named once


def test_large_tables_estimate_near_copies_from_a_sample(drug_seed, monkeypatch):
    from syngen.evaluate import report as rep_mod

    monkeypatch.setattr(rep_mod, "NEAR_SAMPLE", 50)
    synth = drug_seed.df.sample(200, random_state=5).reset_index(drop=True)  # all exact copies
    r = build_report(drug_seed.df, synth, drug_seed.schema)
    assert r.find("exact copies of seed rows").value == 1.0  # every row checked
    assert "estimated from a 50-row sample" in r.find("near copies of seed rows").detail


def test_share_of_model_output_accepted_is_a_share():
    """Resumed rows were never parsed and gate rejects were counted twice: the share was 1.05."""
    from syngen.evaluate.report import run_metrics

    (share,) = [
        x
        for x in run_metrics({"accepted": 21, "parsed": 18, "rejected": {"empty output": 3, "near copy": 2}})
        if x.name == "share of model output accepted"
    ]
    assert share.value == 21 / 26 and share.value <= 1


def test_the_summary_tells_the_story_in_plain_words(drug_seed):
    """What was made, how close (with the worst findings in words, the metric's name second),
    private or not (counts, not jargon), and the utility verdict once one is saved: and never a
    Python dict or a share above 1, in the story, the table or the HTML."""
    seed = drug_seed.df
    synth = seed.sample(30, random_state=1).copy()
    synth.loc[synth.index[:3], "review"] = "Short text."  # something to find
    synth["rating"] = "neutral"
    rep = build_report(
        seed.sample(200, random_state=2),
        synth,
        drug_seed.schema,
        requested=40,
        delivered=32,
        about={"utility": "The synthetic rows help: +0.05 F1 (± 0.02)."},
    )
    story = dict(rep.story())
    assert story["What was made"].startswith("32 rows of 40 asked for; 2 rows removed in review, 30 kept")
    assert "30 neutral" in story["What was made"]
    assert story["How close"].startswith("The rows are ") and "column fidelity" in story["How close"]
    assert any("differs from the seed" in f and "(" in f for f in story["What differs most"])
    private = story["Private?"]
    assert "copy a seed row exactly" in private  # the rows are seed rows here: said as a count
    assert story["Does it help a model?"] == "The synthetic rows help: +0.05 F1 (± 0.02)."
    text = json.dumps(rep.to_dict()) + re.sub(r"<script.*?</script>", "", rep.to_html(), flags=re.S)  # not plotly.js
    assert "{'" not in text and "What was made" in text
    shares = [x for x in rep.metrics if "share" in x.name and not math.isnan(x.value)]
    assert shares and all(x.value <= 1 for x in shares)
    assert "not measured" in rep.to_html() or not any(x.verdict == "n/a" for x in rep.metrics)
    label = rep.find("label distribution TVD", "rating")
    assert "neutral 100%" in label.detail and "{" not in label.detail
