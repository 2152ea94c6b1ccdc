"""Seed-only fits (joint model, label gate) are kept on disk and reused by the next process."""

import pytest

from syngen.common.fitted_cache import digest, fitted
from syngen.evaluate import label_classifier
from syngen.evaluate.label_classifier import LabelGate
from syngen.plan import structure
from syngen.plan.structure import StructureModel


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SYNGEN_FIT_CACHE", raising=False)
    return tmp_path / "fitted"


def test_digest_is_stable_and_tells_nesting_apart():
    assert digest("a", ("b", "c")) == digest("a", ("b", "c"))
    assert digest("a", ("b", "c")) != digest(("a", "b"), "c")
    assert digest("ab") != digest("a", "b")


def test_a_fit_is_stored_then_loaded_and_a_broken_file_is_fitted_anew(cache, monkeypatch):
    calls = []

    def fit():
        calls.append(1)
        return {"weights": [1, 2, 3]}

    assert fitted("thing", "k1", "pandas", fit) == {"weights": [1, 2, 3]}
    assert fitted("thing", "k1", "pandas", fit) == {"weights": [1, 2, 3]}
    assert len(calls) == 1  # the second came from disk
    fitted("thing", "k2", "pandas", fit)
    assert len(calls) == 2  # another key fits
    for p in (cache / "thing").iterdir():
        p.write_bytes(b"\x80\x04garbage")  # a crash mid-write, or another program's file
    assert fitted("thing", "k1", "pandas", fit) == {"weights": [1, 2, 3]}
    assert len(calls) == 3
    assert fitted("thing", "k1", "pandas", fit) == {"weights": [1, 2, 3]} and len(calls) == 3  # rewritten
    monkeypatch.setenv("SYNGEN_FIT_CACHE", "0")
    fitted("thing", "k1", "pandas", fit)
    assert len(calls) == 4  # switched off: always fits


def test_an_unwritable_cache_does_not_stop_the_fit(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SYNGEN_CACHE_DIR", str(blocker))
    monkeypatch.delenv("SYNGEN_FIT_CACHE", raising=False)
    assert fitted("thing", "k", "pandas", lambda: 7) == 7


COLS = ["drugName", "condition", "date", "usefulCount"]


def test_the_joint_model_is_loaded_by_a_new_process_and_samples_the_same_rows(cache, drug_seed, monkeypatch):
    def sample(seed):
        sm = StructureModel(drug_seed.df, drug_seed.schema, COLS, random_seed=seed, fixed=["drugName", "condition"])
        return [sm.sample(lab) for lab in ["positive", "negative", "neutral"] * 5]

    structure._FITTED.clear()
    fresh = sample(3)
    assert len(list((cache / "joint-model").glob("*.pkl"))) == 1
    structure._FITTED.clear()  # what a new process starts with

    def no_fit(self, meta):
        raise AssertionError("fitted again instead of loading")

    monkeypatch.setattr(StructureModel, "_fit_groups", no_fit)
    assert sample(3) == fresh  # same seed, same rows
    assert sample(4) != fresh  # the run's seed still varies them
    # a changed seed table is a different key: it fits
    structure._FITTED.clear()
    with pytest.raises(AssertionError, match="fitted again"):
        StructureModel(drug_seed.df.iloc[:-1], drug_seed.schema, COLS, random_seed=3)


def test_the_label_gate_is_loaded_by_a_new_process(cache, drug_seed, monkeypatch):
    df, label = drug_seed.df, drug_seed.schema.label
    label_classifier._CACHE.clear()
    first = LabelGate(df, "review", label)
    assert first.active and len(list((cache / "text-classifier").glob("*.pkl"))) == 1
    label_classifier._CACHE.clear()
    monkeypatch.setattr(label_classifier, "_fit", lambda *a: (_ for _ in ()).throw(AssertionError("fitted again")))
    again = LabelGate(df, "review", label)
    assert again.threshold == first.threshold and again.clf.classes == first.clf.classes
    row = {"review": df["review"].iloc[0], label: df[label].iloc[0]}
    assert again.check(row) == first.check(row)
    label_classifier._CACHE.clear()
    with pytest.raises(AssertionError, match="fitted again"):
        LabelGate(df.iloc[:-1], "review", label)
