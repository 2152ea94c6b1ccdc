"""The k x mix experiment (with its cache) and discriminator-filtered generation, orchestrated
with a scripted backend that replays real held-out rows and obvious junk."""

import itertools
import random

import pandas as pd
import pytest
from helpers import ROOT

from syngen.backends.scripted import ScriptedBackend
from syngen.common.errors import ConfigError
from syngen.generate.config import RunConfig
from syngen.prompting.prompts import rows_to_csv
from syngen.runs import experiment
from syngen.runs.experiment import filtered_generation, run_experiment, write_experiment
from syngen.seed.prepared import prepare_seed

COLS = ["review_id", "drugName", "condition", "review", "rating", "date", "usefulCount"]


@pytest.fixture(scope="module")
def data():
    seed = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/train.csv")))
    test = prepare_seed(RunConfig(data=str(ROOT / "data/drug_reviews/test.csv"))).df
    return seed, test


def replay(test: pd.DataFrame, junk_every: int = 0):
    """A chat 'model' answering each prompt with real held-out rows of the asked label, and
    every `junk_every`-th row replaced by nonsense text."""
    pools = {lab: g.to_dict("records") for lab, g in test.groupby("rating")}
    counters = {lab: itertools.count() for lab in pools}
    n = itertools.count(1)
    rng = random.Random(0)

    def answer(prompt):
        lab = prompt.target_label
        rows = []
        for _ in range(2):
            r = dict(pools[lab][next(counters[lab]) % len(pools[lab])])
            if junk_every and next(n) % junk_every == 0:
                r["review"] = " ".join(rng.choice(["zorp", "blix", "quan", "vex"]) for _ in range(15))
            rows.append(r)
        return rows_to_csv(rows, COLS)

    return answer


def test_experiment_table_and_cache(data, tmp_path):
    seed, test = data
    cfg = RunConfig(num_samples=40, batch_size=8, random_seed=1, max_prompts=400, plan="rows", label_gate=False)
    backend = ScriptedBackend(outputs=[replay(test)], kind="chat")
    table = run_experiment(cfg, seed, test.head(200), [2, 4], [1.0, 0.5], backend, tmp_path / "cache", repeats=2)
    assert list(table["synthetic_share"]) == [0.0, 0.5, 1.0, 0.5, 1.0]
    assert table["k"].tolist()[1:] == [2, 2, 4, 4] and table["rows_generated"].tolist()[1:] == [40] * 4
    # real held-out reviews as "synthetic": training on them works about as well as on real rows
    assert (table["accuracy_vs_trtr"].iloc[1:] > 0.8).all()
    calls = len(backend.calls)
    again = run_experiment(cfg, seed, test.head(200), [2, 4], [1.0], backend, tmp_path / "cache", repeats=1)
    assert len(backend.calls) == calls and set(again["source"].dropna()) >= {"cache"}  # no new generation
    lift = table.attrs["lift"]
    assert sorted(set(lift["k"])) == [2, 4] and "real + random oversampling" in set(lift["setting"])
    over = lift[lift["setting"] == "real + random oversampling"]
    assert (over["train_rows"] == len(seed.df) + 40).all()  # as many drawn-again rows as syngen gave
    paths = write_experiment(table, tmp_path / "exp")
    summary = paths["summary"].read_text()
    assert "| 2 | 100% |" in summary and paths["figure"].stat().st_size > 1000
    assert "| 4 | real, class weights |" in summary and "- k = 2: real + synthetic" in summary
    assert len(pd.read_csv(paths["table"])) == 5


def test_filtering_keeps_realistic_rows_and_learns_negatives(data, monkeypatch):
    seed, test = data
    cfg = RunConfig(num_samples=20, batch_size=8, random_seed=3, max_prompts=400, plan="rows", label_gate=False)
    backend = ScriptedBackend(outputs=[replay(test, junk_every=3)], kind="chat")
    candidates = []
    real_run = experiment.run
    monkeypatch.setattr(experiment, "run", lambda *a, **kw: candidates.append(real_run(*a, **kw)) or candidates[-1])
    kept, rounds = filtered_generation(cfg, seed, backend, rounds=2, oversample=1.5, test=test.head(150))
    assert len(kept) == 20 and len(rounds) == 2
    junk = kept["review"].str.contains("zorp|blix|quan|vex").sum()
    cand = candidates[-1].rows["review"].str.contains("zorp|blix|quan|vex")
    assert cand.sum() >= 8  # about a third of the candidates are junk
    assert junk == max(0, cand.sum() - (len(cand) - 20))  # and kept only where too few real rows are left
    for r in rounds:
        assert r["candidates"] >= 30 and r["auc_kept"] < r["auc_candidates"]
        assert 0 < r["acceptance"] <= 1 and "tstr_accuracy" in r
    # the most detectable candidates (junk) became negative examples of round 2's prompts
    assert any("zorp" in p.messages[-1]["content"] or "blix" in p.messages[-1]["content"] for p in backend.calls[-8:])


def test_filtering_by_confidence_drops_texts_that_read_as_another_label(data):
    seed, test = data
    pos = test[test["rating"] == "positive"]["review"].tolist()
    neg = test[test["rating"] == "negative"].to_dict("records")
    count = itertools.count()

    def answer(prompt):  # negative rows; every third one carries a positive review's text
        rows = []
        for _ in range(2):
            i = next(count)
            r = dict(neg[i % len(neg)])
            if i % 3 == 2:
                r["review"] = pos[i % len(pos)]
            rows.append(r)
        return rows_to_csv(rows, COLS)

    cfg = RunConfig(
        num_samples=16, batch_size=8, random_seed=3, max_prompts=400, plan="rows", label_gate=False,
        label_mix={"negative": 1},
    )  # fmt: skip
    kept, rounds = filtered_generation(
        cfg, seed, ScriptedBackend(outputs=[answer], kind="chat"), rounds=1, oversample=2.0, keep_by="confidence"
    )
    liars = kept["review"].isin(set(pos)).sum()
    assert len(kept) == 16 and rounds[0]["candidates"] >= 30
    # a third of the candidates (about 11 of 32); kept at random about 5 of 16 would be; embeddings
    # are a soft sentiment judge on this seed, so a few get through
    assert liars <= 3
    with pytest.raises(ConfigError, match="realism or confidence"):
        filtered_generation(cfg, seed, ScriptedBackend(outputs=[answer], kind="chat"), keep_by="vibes")
