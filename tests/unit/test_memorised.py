"""Memorised text: runs of words a synthetic text shares with a seed text, against what real texts
share with each other."""

import pandas as pd

from syngen.evaluate import build_report
from syngen.evaluate.memorised import RunIndex, memorised_text


def test_the_longest_shared_run_is_found_with_its_seed_text():
    index = RunIndex(["the pump works great and the battery lasts a week", "my dog loves the new red ball"])
    assert index.longest("honestly the battery lasts a week on one charge") == (5, 0, "the battery lasts a week")
    assert index.longest("she loves the new red ball too")[:2] == (5, 1)
    assert index.longest("nothing in common here")[0] <= 1
    assert index.longest("my dog loves the new red ball", skip=1)[0] <= 1  # leave one out: not itself


def test_a_copied_phrase_is_flagged_and_unrelated_real_texts_are_not(drug_seed):
    seed = drug_seed.df["review"].tolist()
    held_out = pd.read_csv("data/drug_reviews/test.csv", dtype=str)["review"].dropna().tolist()[:60]
    plain = memorised_text(seed, held_out)  # real texts the seed never had: about 1% above the line
    assert plain.value <= 0.05, plain.detail
    copied = [seed[7][:160] + " and that is all I can say"] + held_out[:19]
    m = memorised_text(seed, copied)
    assert m.value == 1 / 20 and "row 0 shares" in m.detail and "seed row 7" in m.detail


def test_the_report_and_its_summary_say_it(drug_seed):
    synth = drug_seed.df.head(12).copy()
    synth["review"] = [t[:200] + " — and then it all changed for me." for t in synth["review"]]
    rep = build_report(drug_seed.df, synth, drug_seed.schema)
    m = rep.find("texts sharing a longer run of words with a seed text than real texts do")
    assert m.value == 1.0 and m.verdict == "poor"
    privacy = dict(rep.story())["Private?"]
    assert "12 of 12 texts reuse a longer run of a seed text's words than real texts share" in privacy


def test_memorised_text_is_told_under_privacy_not_among_the_differences(drug_seed):
    from syngen.evaluate.story import closeness

    synth = drug_seed.df.head(12).copy()
    synth["review"] = [t[:200] + " — and then it all changed for me." for t in synth["review"]]
    rep = build_report(drug_seed.df, synth, drug_seed.schema)
    assert not any("longer run of words" in f for f in closeness(rep)[1])


def test_the_gate_refuses_a_passage_copied_into_a_new_text(drug_seed):
    import random

    from syngen.generate.account import RunAccount
    from syngen.generate.config import RunConfig
    from syngen.generate.gate import RowGate

    gate = RowGate(drug_seed, RunConfig(label_gate=False), random.Random(0))
    row = drug_seed.df.iloc[0].to_dict()
    seed_text = drug_seed.df["review"].iloc[11]
    passage = " ".join(seed_text.split()[:30])
    row["review"] = f"My aunt tried something else first and hated it. {passage}. Anyway that is my story for today."
    kept, why = gate.check(row, RunAccount())
    assert kept is None and why.startswith("copies ") and "words in a row from seed text" in why
    fresh = row | {"review": "My aunt tried something else first and hated it, then this one helped her sleep again."}
    assert gate.check(fresh, RunAccount())[1] is None
