"""Membership inference on constructed cases: rows copied from the training part are caught,
rows drawn like the real ones are not."""

import pytest

from syngen.evaluate.membership import ATTACK, CLOSER, membership


@pytest.fixture(scope="module")
def split(drug_seed):
    df = drug_seed.df.sample(frac=1, random_state=3).reset_index(drop=True)
    return drug_seed.schema, df.iloc[:300], df.iloc[300:400], df.iloc[400:500]


def test_copies_of_training_rows_are_caught(split):
    schema, train, held, _ = split
    copies = train.head(80)
    closer, attack = membership(schema, train, held, copies)
    # a third of the copies' originals are in each draw of 100 of the 300 training rows: (1 + 2 x 0.5) / 3
    assert closer.name == CLOSER and closer.value > 0.6 and closer.verdict != "good"
    assert attack.name == ATTACK and attack.value > 0.55


def test_unseen_real_rows_show_no_sign_of_memorising(split):
    schema, train, held, fresh = split  # real rows the "generator" never saw: nothing memorised
    closer, attack = membership(schema, train, held, fresh)
    assert 0.35 <= closer.value <= 0.65, closer.detail
    assert attack.value <= 0.6, attack.detail


def test_too_few_held_out_rows_say_so(split):
    schema, train, held, fresh = split
    closer, attack = membership(schema, train, held.head(2), fresh)
    assert closer.value != closer.value and "held-out" in closer.detail


def test_a_run_with_held_out_rows_says_it_in_the_privacy_line(split):
    from syngen.evaluate import build_report

    schema, train, held, fresh = split
    import pandas as pd

    rep = build_report(pd.concat([train, held]), fresh.head(40), schema, holdout=held)
    privacy = dict(rep.story())["Private?"]
    assert "of rows sit closer to them than to rows it never saw" in privacy and "AUC" in privacy
