"""Utility and discriminator on data where the answer is known."""

import random

import numpy as np
import pytest
from helpers import ROOT

from syngen.common.errors import ConfigError
from syngen.evaluate.utility import discriminate, utility
from syngen.generate.config import RunConfig
from syngen.seed.prepared import prepare_seed


@pytest.fixture(scope="module")
def splits():
    train = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    test = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/test.csv")))
    return train, test.df


def test_a_copy_of_real_trains_as_well_as_real(splits):
    seed, test = splits
    t = utility(seed.df, seed.df.copy(), test, seed.schema, repeats=2).set_index("setting")
    trtr, tstr = t.loc["TRTR (real only)"], t.loc["TSTR (synthetic only)"]
    assert tstr["accuracy"] == pytest.approx(trtr["accuracy"], abs=0.01)
    assert trtr["accuracy"] > trtr["majority_baseline"] + 0.03  # the classifier learns something real
    assert set(t.index) == {
        "TRTR (real only)",
        "mix 25% synthetic",
        "mix 50% synthetic",
        "mix 75% synthetic",
        "TSTR (synthetic only)",
        "real + synthetic",
    }


def test_wrong_labels_train_a_useless_model(splits):
    seed, test = splits
    wrong = seed.df.copy()
    flip = {"positive": "negative", "negative": "positive", "neutral": "positive"}
    wrong["rating"] = wrong["rating"].map(flip)
    t = utility(seed.df, wrong, test, seed.schema, repeats=2).set_index("setting")
    assert t.loc["TSTR (synthetic only)", "accuracy"] < 0.45  # below the 65% majority class, near or under chance
    assert t.loc["TSTR (synthetic only)", "accuracy_vs_trtr"] < 0.6


def test_discriminator_cannot_tell_a_copy_and_spots_junk(splits):
    seed, _ = splits
    real = seed.df.sample(300, random_state=1)
    same = seed.df.drop(real.index).sample(300, random_state=2)
    d = discriminate(real, same, seed.schema, folds=3)
    assert 0.35 < d.auc < 0.65 and d.detection_score > 0.7
    rng = random.Random(0)
    junk = same.copy()
    junk["review"] = [" ".join(rng.choice(["zorp", "blix", "quan"]) for _ in range(12)) for _ in range(len(junk))]
    d2 = discriminate(real, junk, seed.schema, folds=3)
    assert d2.auc > 0.98 and d2.detection_score < 0.05
    assert any(w in name for name, _ in d2.giveaways for w in ("zorp", "blix", "quan"))
    assert d2.detectable["p_synthetic"].iloc[0] >= d2.detectable["p_synthetic"].iloc[-1]
    assert len(d2.proba) == len(junk) and np.all((d2.proba >= 0) & (d2.proba <= 1))


def test_bad_utility_inputs_name_the_problem(splits):
    seed, test = splits
    with pytest.raises(ConfigError, match="no 'rating' values"):
        utility(seed.df, seed.df.drop(columns=["rating"]), test, seed.schema)
    with pytest.raises(ConfigError, match="at least 2 rows"):
        utility(seed.df, seed.df.head(1), test, seed.schema)
    one_class = seed.df[seed.df["rating"] == "positive"].head(50)
    t = utility(seed.df, one_class, test, seed.schema, repeats=1).set_index("setting")
    assert t.loc["TSTR (synthetic only)", "accuracy"] == pytest.approx(
        (test["rating"] == "positive").mean()
    )  # it can only ever say "positive"
