"""Augmentation lift and the sentence encoder, on data where the answer is known: new real rows of
the rare label must beat drawing the old ones again; mislabelled rows must lose to it."""

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT

from syngen.common.errors import ConfigError
from syngen.engine.sentence_encoder import DIM, SentenceEncoder
from syngen.evaluate.lift import (
    AUGMENTED,
    AUGMENTED_WEIGHTS,
    OVERSAMPLED,
    SETTINGS,
    WEIGHTS,
    augmentation_lift,
    label_leaks,
)
from syngen.evaluate.utility import discriminate
from syngen.generate.config import RunConfig
from syngen.seed.prepared import prepare_seed
from syngen.seed.schema import ColumnSpec as Column
from syngen.seed.schema import Role, Schema


@pytest.fixture(scope="module")
def drugs():
    train = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    test = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/test.csv"))).df
    # positive vs negative (neutral, in between, is beyond this classifier with any rows): a seed
    # with 12 negative reviews; 40 other real negative reviews play "synthetic" rows
    df, test = train.df[train.df["rating"] != "neutral"], test[test["rating"] != "neutral"]
    negative = df[df["rating"] == "negative"]
    real = pd.concat([df[df["rating"] == "positive"], negative.iloc[:12]])
    return train.schema, real, negative.iloc[12:52], test


def _gain(lift, metric="minority_f1", setting=AUGMENTED, base=OVERSAMPLED):
    v = lift.verdicts.set_index(["features", "size", "setting", "baseline", "metric"])
    return v.loc[("tfidf", "all", setting, base, metric)]


def test_new_rows_of_the_rare_label_beat_oversampling(drugs):
    schema, real, fresh, test = drugs
    lift = augmentation_lift(real, fresh, schema, test, sizes=(None,), features=("tfidf",), repeats=3)
    assert lift.minority == "negative"
    t = lift.table.set_index("setting")
    assert list(t.index) == list(SETTINGS)
    assert t.loc[AUGMENTED, "train_rows"] == t.loc[OVERSAMPLED, "train_rows"] == len(real) + len(fresh)
    # 12 against 385 rows: unweighted, the classifier never says "negative", whatever it is fed;
    # with class weights, 40 new negative reviews teach it what weights alone cannot
    g = _gain(lift, setting=AUGMENTED_WEIGHTS, base=WEIGHTS)
    assert g["gain"] > max(0.05, g["gain_sd"]) and "help, by more than the spread" in g["verdict"]
    assert g["finding"] == "helps"
    assert lift.headline("tfidf")["setting"] == AUGMENTED_WEIGHTS
    assert all(0 <= x <= 1 for x in t["minority_f1"]) and (t["minority_f1_sd"] >= 0).all()


def test_mislabelled_rows_lose_to_class_weights_alone(drugs):
    schema, real, _, test = drugs
    wrong = real[real["rating"] == "positive"].iloc[:60].assign(rating="negative")
    lift = augmentation_lift(real, wrong, schema, test, sizes=(None,), features=("tfidf",), repeats=3)
    g = _gain(lift, "accuracy", setting=AUGMENTED_WEIGHTS, base=WEIGHTS)
    assert g["gain"] < -g["gain_sd"] and "do worse, by more than the spread" in g["verdict"]
    assert g["finding"] == "does worse"


def test_sizes_cap_each_label_and_without_held_out_rows_it_says_so(drugs):
    schema, real, fresh, _ = drugs
    lift = augmentation_lift(real, fresh, schema, None, sizes=(25,), features=("tfidf",), repeats=2)
    t = lift.table.set_index("setting")
    # 70% of the real rows are the pool; at most 25 per label of it: 25 positive + 8 negative
    assert t.loc["real only", "train_rows"] == 25 + round(12 * 0.7)
    assert any("favour the synthetic rows" in n for n in lift.notes)
    assert any("smaller real sets" in n for n in lift.notes)


def test_bad_inputs_get_messages(drugs):
    schema, real, fresh, test = drugs
    with pytest.raises(ConfigError, match="2\\+ labels"):
        augmentation_lift(real[real["rating"] == "positive"], fresh, schema, test, features=("tfidf",))
    with pytest.raises(ConfigError, match="no 'rating' values"):
        augmentation_lift(real, fresh.drop(columns="rating"), schema, test, features=("tfidf",))
    with pytest.raises(ConfigError, match="held-out rows have none"):
        augmentation_lift(real, fresh, schema, test.assign(rating="other"), features=("tfidf",))


def test_a_column_that_is_the_label_in_disguise_is_left_out():
    rng = np.random.default_rng(0)
    stars = rng.integers(1, 6, 200)
    df = pd.DataFrame(
        {
            "stars": stars,
            "colour": rng.choice(["black", "white"], 200),
            "text": ["fine"] * 200,
            "feedback": (stars >= 3).astype(int),
        }
    )
    schema = Schema(
        [
            Column("stars", Role.CATEGORICAL),
            Column("colour", Role.CATEGORICAL),
            Column("text", Role.TEXT),
            Column("feedback", Role.LABEL),
        ],
        label="feedback",
    )
    assert label_leaks(df, schema, "feedback") == ["stars"]
    assert label_leaks(df.assign(stars=rng.integers(1, 6, 200)), schema, "feedback") == []


def test_encoder_matches_meaning_and_keeps_vectors_on_disk(tmp_path):
    enc = SentenceEncoder(store=tmp_path / "v.sqlite")
    texts = ["This medicine took my pain away.", "The drug relieved my pain.", "Alexa plays my music.", ""]
    v = enc.encode(texts)
    assert v.shape == (4, DIM) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-3)
    sim = v @ v.T
    assert sim[0, 1] > 0.6 and sim[0, 2] < 0.2  # paraphrase close, other topic far
    again = SentenceEncoder(folder=enc.folder, store=tmp_path / "v.sqlite")
    assert np.allclose(again.encode(texts[::-1]), v[::-1], atol=1e-3)
    assert again._model is None  # read from disk: the model never loaded


def test_embedding_discriminator_cannot_tell_real_from_real_and_spots_a_template(drugs):
    schema, real, _, _ = drugs
    a = real.sample(150, random_state=1)
    b = real.drop(a.index).sample(150, random_state=2)
    assert discriminate(a, b, schema, folds=3, features="embeddings").auc < 0.65
    templ = b.assign(review=[f"I took this drug for {n} days and it was okay." for n in range(len(b))])
    assert discriminate(a, templ, schema, folds=3, features="embeddings").auc > 0.95


def test_a_paraphrase_is_a_semantic_copy_and_one_text_over_and_over_has_no_diversity(drugs):
    from syngen.evaluate.report import build_report

    schema, real, _, _ = drugs
    seed = real.iloc[:80]
    fresh = real.iloc[80:120].copy()  # other real reviews: neither copies nor less diverse
    para = fresh.iloc[:3].assign(
        review=[
            "I took this medicine for my pain and it helped me a lot, with no side effects at all.",
            "This medicine helped a lot with my pain, and I had no side effects whatsoever.",
            "Helped my pain a great deal and gave me no side effects.",
        ]
    )
    seed = pd.concat([seed, para.iloc[[0]]])  # the seed says it once; the rows say it again in other words
    r = build_report(seed, pd.concat([fresh.iloc[3:], para.iloc[1:]]), schema)
    near = r.find("semantic near copies of seed rows")
    assert r.find("near copies of seed rows").value == 0  # no word 3-gram copy
    assert 0 < near.value <= 2 / 39 and "mean what a seed text says" in near.detail
    assert 0.8 < r.find("semantic diversity (Vendi score) vs seed").value < 1.25
    same = fresh.assign(review="The medicine worked for my pain and I had no side effects.")
    assert build_report(seed, same, schema).find("semantic diversity (Vendi score) vs seed").value < 0.1


def test_the_command_prints_the_table_and_the_verdict_and_refuses_bad_flags(drugs, tmp_path, capsys):
    from syngen.cli.main import main

    schema, real, fresh, test = drugs
    paths = {}
    for name, df in (("real", real), ("fresh", fresh), ("test", test)):
        paths[name] = tmp_path / f"{name}.csv"
        df.to_csv(paths[name], index=False)
    base = ["utility", "--data", str(paths["real"]), "--synthetic", str(paths["fresh"])]
    out = tmp_path / "lift.csv"
    assert main(base + ["--real", str(paths["test"]), "--sizes", "all", "--features", "tfidf", "--repeats", "2",
                        "--out", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "real + random oversampling" in printed and "verdict: real + synthetic" in printed
    assert "discriminator ROC AUC (TF-IDF)" in printed
    assert len(pd.read_csv(out)) == len(SETTINGS) and (tmp_path / "lift.verdicts.csv").exists()
    for flags, message in (
        (["--features", "vibes"], "--features takes embeddings, tfidf or both"),
        (["--sizes", "all,1"], "--sizes takes 'all' and whole numbers"),
        (["--repeats", "0"], "--repeats must be at least 1"),
    ):
        assert main(base + flags) == 2
        assert message in capsys.readouterr().err


def test_a_difference_counts_only_beyond_its_spread_as_shown():
    from syngen.evaluate.lift import beyond_spread, finding, verdict_sentence

    # -0.0034 ± 0.0031 reads as -0.003 ± 0.003: no difference a reader could see
    assert beyond_spread(-0.0034, 0.0031) == 0 and finding(-0.0034, 0.0031, 3) == "no clear difference"
    assert finding(-0.0104, 0.0098, 3) == "no clear difference"  # -0.010 ± 0.010
    assert finding(0.02, 0.01, 3) == "helps" and finding(-0.02, 0.01, 3) == "does worse"
    head = {"setting": AUGMENTED_WEIGHTS, "baseline": WEIGHTS, "gain": -0.010, "gain_sd": 0.006, "baseline_score": 0.4}
    words = verdict_sentence(head, "positive")
    assert words.startswith("Adding these rows did not help a classifier find 'positive' rows")
    assert "giving the real rare rows more weight" in words and "real, class weights" not in words
    tie = verdict_sentence(head | {"gain": -0.003, "gain_sd": 0.003}, "positive")
    assert tie.startswith("No clear difference")
    never = verdict_sentence(head | {"gain": 0.0, "gain_sd": 0.0, "baseline_score": 0.0}, "neutral")
    assert "never finds a 'neutral' row" in never and "0.000" not in never
