import random
from collections import Counter

import pandas as pd
import pytest

from syngen.common.errors import ConfigError
from syngen.seed.schema import IdPattern, Role, infer_schema, learn_id_pattern


def test_drug_review_roles_and_contracts(drug_seed):
    s = drug_seed.schema
    roles = {c.name: c.role for c in s.columns}
    assert roles == {
        "review_id": Role.ID,
        "drugName": Role.SHORT_TEXT,
        "condition": Role.SHORT_TEXT,
        "review": Role.TEXT,
        "rating": Role.LABEL,
        "date": Role.TIMESTAMP,
        "usefulCount": Role.COUNT,
    }
    assert s.label == "rating"
    assert sorted(s.col("rating").allowed) == ["negative", "neutral", "positive"]
    assert s.col("date").fmt == "%B %-d, %Y"  # the seed writes "May 2, 2012": days unpadded
    assert (s.col("date").seed_min, s.col("date").seed_max) == ("March 12, 2008", "December 11, 2017")
    assert (s.col("usefulCount").minimum, s.col("usefulCount").maximum) == (0, 239)
    assert s.col("review_id").id_pattern.regex == "^[0-9]{3,6}$" and s.col("review_id").unique
    # every seed review has letters: a number alone (a tuned model once wrote "11") is not a review
    review = s.col("review")
    assert review.check("11") == ("11", "'11' has no letters (every seed value has some)")
    assert review.check("5 stars")[1] is None and review.check("Works.")[1] is None


def test_amazon_seed_roles(amazon_rows):
    s = infer_schema(pd.DataFrame(amazon_rows, dtype=object))
    roles = {c.name: c.role.value for c in s.columns}
    # asin repeats in these rows: an entity key (a product); every user_id is new: an ID
    assert roles["rating"] == "label" and roles["asin"] == "key" and roles["user_id"] == "id"
    assert roles["timestamp"] == "timestamp" and roles["data"] == "timestamp" and roles["time"] == "timestamp"
    assert roles["helpful_vote"] == "count" and roles["verified_purchase"] == "categorical"
    assert s.col("asin").id_pattern.regex == "^B0[A-Z0-9]{8}$"
    assert s.col("user_id").id_pattern.regex == "^A[A-Z0-9]{27}$"
    assert not s.col("asin").unique  # the seed repeats ASINs
    assert s.col("time").minimum is None  # a time of day has no seed range


def test_id_pattern_learning_and_sampling():
    p = learn_id_pattern(["B00012ND5G", "B00013Z0ZQ", "B0C1XYZ999"])
    assert (p.prefix, p.charset, p.min_len, p.max_len) == ("B0", "upper_alnum", 8, 8)
    rng = random.Random(0)
    for _ in range(50):
        assert p.matches(p.sample(rng))
    assert not p.matches("1234567890") and not p.matches("B0abc")
    num = learn_id_pattern(["48134", "43221", "109628"])
    assert num.regex == "^[0-9]{5,6}$"
    assert all(num.sample(rng)[0] != "0" for _ in range(50))
    assert IdPattern("", "hex", 4, 4).regex == "^[0-9a-f]{4}$"


def test_new_ids_have_the_seeds_mix_of_lengths():
    # The drug reviews' shape: a few short IDs, most of 5 or 6 digits.
    seed = ["538"] + [str(1000 + i) for i in range(20)] + [str(10000 + 7 * i) for i in range(180)]
    seed += [str(100000 + 13 * i) for i in range(400)]
    p = learn_id_pattern(seed)
    assert (p.min_len, p.max_len, p.lengths) == (3, 6, ((3, 1), (4, 20), (5, 180), (6, 400)))
    rng = random.Random(1)
    drawn = Counter(len(p.sample(rng)) for _ in range(3000))
    assert drawn[3] < 30 and drawn[4] < 200  # uniform lengths would give ~750 of each
    assert 0.6 < drawn[6] / 3000 < 0.73  # 400 of 601 in the seed


def test_contract_checks():
    df = pd.DataFrame(
        {
            "rating": ["pos", "neg", "pos"],
            "votes": ["0", "5", "10"],
            "day": ["2020-01-01", "2020-06-01", "2021-01-01"],
            "comment": ["a fine long comment of words", "another long comment of words", "x y z w v u"],
        },
        dtype=object,
    )
    s = infer_schema(df)
    assert s.col("rating").check("POS") == ("pos", None)  # case folded to the seed's label
    assert "not one of" in s.col("rating").check("great")[1]
    assert s.col("votes").check("7") == ("7", None)
    assert "outside the seed range 0..10" in s.col("votes").check("11")[1]
    assert "not a whole number" in s.col("votes").check("2.5")[1]
    assert "does not parse" in s.col("day").check("01/02/2020")[1]
    assert "outside the seed range" in s.col("day").check("2022-01-01")[1]
    row, problems = s.validate({"rating": "neg", "votes": "3", "day": "2020-03-03", "comment": ""})
    assert problems == ["comment: empty"]


def test_overrides_and_errors():
    df = pd.DataFrame({"a": ["1", "2", "3"], "b": ["x y z w v u t", "p q r s t u v", "k l m n o p q"]}, dtype=object)
    s = infer_schema(df, overrides={"a": "short_text"})
    assert s.col("a").role == Role.SHORT_TEXT
    with pytest.raises(ConfigError, match="unknown column"):
        infer_schema(df, overrides={"zz": "text"})
    with pytest.raises(ConfigError, match="unknown role 'blob'"):
        infer_schema(df, overrides={"a": "blob"})
    with pytest.raises(ConfigError, match="cannot be a timestamp"):
        infer_schema(df, overrides={"b": "timestamp"})


def test_table_without_text_gets_a_note():
    df = pd.DataFrame({"x": ["1.5", "2.5", "3.0"], "kind": ["a", "b", "a"]}, dtype=object)
    s = infer_schema(df)
    assert s.col("x").role == Role.NUMERIC
    assert any("no free-text column" in n for n in s.notes)


def test_id_prefix_keeps_its_separator():
    from syngen.seed.schema import learn_id_pattern

    p = learn_id_pattern([f"CU-{n}" for n in (12345, 23456, 98765, 55555)])
    assert p.regex == r"^CU\-[0-9]{5}$"
    assert learn_id_pattern(["B0001ABCDE", "B0047XYZ12", "B00Q9RRT55"]).prefix == "B0"  # ASIN unchanged


def test_an_outcome_column_is_the_label_over_a_yes_no_flag():
    """With no name that says "label", the fewest-valued column won: a case table's True/False
    `Escalated` flag became the label rather than its `Outcome`."""
    df = pd.DataFrame(
        {
            "Escalated": ["True", "False"] * 6,
            "Notes": [f"the patient said the dose number {i} helped a lot overall" for i in range(12)],
            "Outcome": ["positive", "negative", "neutral"] * 4,
        },
        dtype=object,
    )
    s = infer_schema(df)
    assert s.label == "Outcome" and s.col("Escalated").role == Role.CATEGORICAL
