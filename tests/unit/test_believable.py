"""Rows a reader believes: text that agrees with its own row (columns the text gives away), texts
with something in them, personal values in the seed's shape."""

import random
import re

import pandas as pd
from helpers import tweets_table

from syngen.evaluate import build_report
from syngen.generate.account import RunAccount
from syngen.generate.config import RunConfig
from syngen.generate.gate import RowGate
from syngen.plan.people import People
from syngen.plan.places import _cities
from syngen.plan.resolve import plan_for
from syngen.plan.revealed import content_words, revealed_columns
from syngen.prompting.row_sources import row_source
from syngen.seed.prepared import Seed, prepare_seed
from syngen.seed.schema import infer_schema


def tweets(n=120, seed=0) -> pd.DataFrame:
    df = tweets_table(n, seed)
    df["name"] = [
        ["CamiCorreaBal", "mbelliss", "rkjohnson2", "JetLagged_Jo", "saraholbrook"][i % 5] + str(i // 5)
        for i in range(n)
    ]
    return df


def test_the_column_a_text_names_is_found_and_one_it_does_not_is_not(drug_seed):
    df = tweets()
    found = {r.column: r for r in revealed_columns(df, infer_schema(df))}
    assert set(found) == {"airline"} and found["airline"].seed_rate == 1.0
    assert found["airline"].chance < 0.4 and "@delta" in found["airline"].names["Delta"]
    assert "airline" in found["airline"].words() and "100%" in found["airline"].words()
    shuffled = df.assign(airline=df["airline"].sample(frac=1, random_state=1).values)
    assert revealed_columns(shuffled, infer_schema(shuffled)) == []  # names no longer follow the column
    assert revealed_columns(drug_seed.df, drug_seed.schema) == []  # reviews do not name their rating's word


def _gate(df):
    sch = infer_schema(df)
    return RowGate(Seed(df, sch, None, "tweets"), RunConfig(label_gate=False), random.Random(0)), sch


def test_the_gate_refuses_a_text_that_names_another_value_and_says_which():
    df = tweets()
    gate, _ = _gate(df)
    row = df.iloc[0].to_dict() | {
        "airline": "Delta",
        "text": "@JetBlue thanks for the smooth flight and the kind crew today",
    }
    kept, why = gate.check(row, RunAccount())
    assert kept is None and why == "names @JetBlue; the row's airline is Delta"
    none = row | {"text": "thanks for the smooth flight and the kind crew today, truly"}
    assert gate.check(none, RunAccount())[1].startswith("names no airline; 100% of seed texts name theirs")
    good = row | {"text": "@Delta thanks for the smooth flight and the kind crew today"}
    assert gate.check(good, RunAccount())[1] is None


def test_a_text_with_nothing_in_it_is_refused():
    df = tweets()
    gate, _ = _gate(df)
    assert content_words("@JetBlue 432456259671978821 https://t.co/x") == 0
    row = df.iloc[0].to_dict() | {"text": f"@{df.iloc[0]['airline']} 432456259671978821"}
    kept, why = gate.check(row, RunAccount())
    assert kept is None and why.startswith("says too little: 0 words beyond handles, numbers and links")


def test_the_report_measures_agreement_next_to_the_seeds_own_rate():
    df = tweets()
    sch = infer_schema(df)
    synth = df.head(20).copy()
    synth["text"] = [f"@{a} rebooked me fast, new story {i}" for i, a in enumerate(synth["airline"])]
    synth.loc[:4, "text"] = "@united nobody answers the phone, story"  # 5 name another (or their own) airline
    rep = build_report(df, synth, sch)
    m = rep.find("text names its row's airline", "airline")
    wrong = sum(a != "United" for a in synth["airline"].head(5))
    assert m.value == (20 - wrong) / 20 and "the seed's texts: 100%" in m.detail
    story = dict(rep.story())
    assert "Texts name their row's airline in" in story["Does each text fit its row?"]


def test_exemplars_of_a_revealed_column_share_the_rows_value():
    df = tweets(200)
    seed = Seed(df, infer_schema(df), None, "tweets")
    cfg = RunConfig(k=4, label_gate=False)
    src = row_source(seed, cfg, plan_for(seed, cfg), random.Random(3), lambda c: "570306133677760513")
    for p in src.prompts(["negative", "positive", "neutral", "negative"]):
        airline = p.fields["airline"]
        shown = re.findall(r"^text: (.*)$", p.completion or "\n".join(m["content"] for m in p.messages), re.M)
        examples = shown[:-1] if shown and not shown[-1] else shown
        assert examples and all(t.startswith(f"@{airline} ") for t in examples if t), (airline, examples)


def test_handles_and_places_keep_the_seeds_shape_and_are_never_seed_values():
    df = tweets(200)
    df["tweet_coord"] = [None if i % 3 else "[40.750000, -73.990000]" for i in range(len(df))]
    sch = infer_schema(df)
    assert sch.col("name").personal == "handle" and sch.col("tweet_location").personal == "location"
    people = People(df, sch, random_seed=4)
    rows = [people.fill({}) for _ in range(300)]
    handles = [r["name"] for r in rows if r["name"]]
    assert not set(handles) & set(df["name"]) and all(" " not in h for h in handles)
    assert sum(bool(re.search(r"[a-z][A-Z]", h)) for h in handles) > 0.1 * len(handles)  # CamelCase, as the seed
    assert sum(any(ch.isdigit() for ch in h) for h in handles) > 0.3 * len(handles)
    _, by_name, _ = _cities()
    places = [r["tweet_location"] for r in rows if r["tweet_location"]]
    assert places and all(p.split(",")[0].lower() in by_name for p in places)  # real towns
    assert not set(places) & set(df["tweet_location"].dropna())
    for r in rows:
        if r["tweet_location"] and r["tweet_coord"]:
            lat, lon = map(float, r["tweet_coord"].strip("[]").split(","))
            town = by_name[r["tweet_location"].split(",")[0].lower()]
            assert any(abs(lat - t["latitude"]) < 0.1 and abs(lon - t["longitude"]) < 0.1 for t in town), r


def test_a_drug_seed_still_generates_with_the_new_gates(drug_seed):
    seed = prepare_seed(RunConfig(data="data/drug_reviews/train.csv"))
    gate = RowGate(seed, RunConfig(), random.Random(0))
    assert gate.revealed == [] and gate.least[None] >= 1  # nothing revealed; the floor is the seed's


def test_a_name_column_gets_the_forms_the_seed_mixes():
    """Reviewer names as Amazon shows them: full names, "Andrew F.", handles, quoted nicknames."""
    forms = ['Andrew F.', 'fendertele67', 'Marc Bolan', 'R. Milyard "GearJunky"', 'Julia Stone', 'Chris30542']
    df = pd.DataFrame(
        {
            "reviewerName": [
                f"{forms[i % 6]}{'' if i < 6 else i}" if i % 6 in (1, 5) else forms[i % 6] for i in range(60)
            ],
            "reviewText": [f"the strings held their tune for week {i} and sound warm" for i in range(60)],
            "overall": [str(1 + i % 5) for i in range(60)],
        }
    )
    sch = infer_schema(df)
    assert sch.col("reviewerName").personal == "name"
    people = People(df, sch, random_seed=2)
    names = [people.value("reviewerName") for _ in range(400)]
    assert 0.08 < sum(bool(re.search(r" [A-Z]\.$", n)) for n in names) / 400 < 0.3  # "Andrew F." (seed: 1 in 6)
    assert sum('"' in n for n in names) > 20 and sum(" " not in n for n in names) > 60
    assert not set(names) & set(df["reviewerName"])
