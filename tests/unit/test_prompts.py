import random
from collections import Counter

import pytest

from syngen.common.errors import ConfigError
from syngen.prompting.prompts import PromptSpec, build_prompt, select_exemplars


def test_k_exemplars_are_seed_rows_and_fresh_per_prompt(drug_seed):
    rng = random.Random(0)
    spec = PromptSpec(k=4, completion_format="csv")
    a = build_prompt(drug_seed.df, drug_seed.schema, spec, rng)
    b = build_prompt(drug_seed.df, drug_seed.schema, spec, rng)
    seed_ids = set(drug_seed.df["review_id"])
    assert len(a.exemplars) == 4 and all(e["review_id"] in seed_ids for e in a.exemplars)
    assert {e["review_id"] for e in a.exemplars} != {e["review_id"] for e in b.exemplars}
    # completion rendering: header + k rows, ends on a line break ready for the next row
    assert a.completion.startswith("review_id,drugName,condition,review,rating,date,usefulCount\n")
    assert a.completion.endswith("\n") and a.prefill == ""


def test_stratified_selection_follows_the_seed_mix(drug_seed):
    # seed mix 385/161/54 of 600; k=10 -> quotas 6.42/2.68/0.90 -> largest remainder 6/3/1
    ex = select_exemplars(drug_seed.df, drug_seed.schema, 10, "stratified", "base", random.Random(3))
    assert Counter(e["rating"] for e in ex) == {"positive": 6, "negative": 3, "neutral": 1}


def test_target_label_forces_the_row_for_completion_models(drug_seed):
    p = build_prompt(
        drug_seed.df,
        drug_seed.schema,
        PromptSpec(k=3, completion_format="csv"),
        random.Random(1),
        target_label="neutral",
    )
    assert p.columns[0] == "rating" and p.completion.startswith("rating,review_id,")
    assert p.completion.endswith("\nneutral,") and p.prefill == "neutral,"
    assert {e["rating"] for e in p.exemplars} == {"neutral"}
    assert "Every row you write must have rating=neutral." in p.messages[1]["content"]


def test_styles_choose_exemplars_differently(drug_seed):
    rng = random.Random(5)
    by_len = select_exemplars(drug_seed.df, drug_seed.schema, 5, "auto", "text_length", rng)
    lengths = sorted(len(e["review"].split()) for e in by_len)
    assert lengths[0] < 50 and lengths[-1] > 110  # one row from each length quintile
    div = select_exemplars(drug_seed.df, drug_seed.schema, 5, "diverse", "base", rng)
    assert len({e["review_id"] for e in div}) == 5


def test_chat_prompt_carries_contracts_negatives_and_context(drug_seed):
    neg = [
        {
            "review_id": "1",
            "drugName": "X",
            "condition": "Y",
            "review": "Too generic to be real.",
            "rating": "positive",
            "date": "May 1, 2010",
            "usefulCount": "1",
        }
    ]
    spec = PromptSpec(k=2, style="diversity", context="patient reviews of drugs", negatives=neg, rows_per_prompt=7)
    p = build_prompt(drug_seed.df, drug_seed.schema, spec, random.Random(0))
    user = p.messages[1]["content"]
    assert "The dataset: patient reviews of drugs." in user
    assert "- rating: one of: positive, negative, neutral" in user
    assert "date/time formatted %B %-d, %Y" in user
    assert "Too generic to be real." in user and "Write 7 new rows" in user
    assert "vary topics" in user
    assert p.completion.startswith("# patient reviews of drugs\n")


def test_custom_template_is_plain_substitution(drug_seed):
    tpl = "Data: {context}\n{examples}\nMake {n} more. {examples.__class__} {unknown}"
    spec = PromptSpec(k=2, style="custom", template=tpl, context="drugs", rows_per_prompt=3)
    p = build_prompt(drug_seed.df, drug_seed.schema, spec, random.Random(0))
    user = p.messages[1]["content"]
    assert user.startswith("Data: drugs\nreview_id,drugName")
    assert "Make 3 more. {examples.__class__} {unknown}" in user  # nothing evaluated
    assert p.completion == user + "\n"


def test_bad_prompt_settings_name_the_fix():
    with pytest.raises(ConfigError, match="--k 3 or less"):
        PromptSpec(k=10).check_prompt(3)
    with pytest.raises(ConfigError, match="unknown prompt style"):
        PromptSpec(style="fancy").check_prompt(10)
    with pytest.raises(ConfigError, match="needs a template"):
        PromptSpec(style="custom").check_prompt(10)


def test_records_rendering_for_completion_models(drug_seed):
    p = build_prompt(
        drug_seed.df, drug_seed.schema, PromptSpec(k=2, rows_per_prompt=3), random.Random(1), target_label="negative"
    )
    blocks = p.completion.split("\n\n")
    assert len(blocks) == 3 and blocks[-1] == "rating: negative" and p.prefill == "rating: negative"
    first = blocks[0].splitlines()
    assert [ln.split(":")[0] for ln in first] == [
        "rating",
        "review_id",
        "drugName",
        "condition",
        "review",
        "date",
        "usefulCount",
    ]
    assert first[0] == "rating: negative"
    assert p.rows == 3 and p.lines_per_row == 8
