"""Label-faithful tuning data and the choice of who writes a table's rows (the adapter or k-shot),
without the model: the split and the balance of the training rows, the decision rule, and how a
run follows a kept verdict (the CLI says which path wrote its rows)."""

import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syngen.engine.loading import EMBEDDED
from syngen.generate.config import RunConfig
from syngen.runs.execute import chosen_path
from syngen.runs.path_choice import PathChoice, PathFigures, decide, read_choice
from syngen.tune.lora_trainer import balanced_rows, split_rows
from syngen.tune.seed_tuning import TuneSettings, adapter_folder_for, find_adapter


@given(st.lists(st.sampled_from("abcd"), min_size=4, max_size=200), st.integers(1, 6))
def test_a_rare_label_is_repeated_towards_the_largest_at_most_cap_times(labels, cap):
    rows = list(range(len(labels)))
    out = Counter(labels[i] for i in balanced_rows(rows, labels, cap))
    have = Counter(labels)
    most = max(have.values())
    for lab, n in have.items():
        assert out[lab] == min(most, n * cap)  # towards the largest, never past the cap
    assert set(balanced_rows(rows, labels, cap)) == set(rows)  # every row is still learnt


def test_an_sms_spam_like_seed_learns_spam_at_four_times_its_share():
    labels = ["ham"] * 251 + ["spam"] * 49
    train, held = split_rows(len(labels), 0.1, 0, labels)
    held_labels = Counter(labels[i] for i in held)
    assert held_labels == {"ham": 25, "spam": 5}  # the rare label is held out too, to be measured
    out = Counter(labels[i] for i in balanced_rows(train, labels, 4))
    assert out["ham"] == 226 and out["spam"] == 44 * 4  # 16% of the seed, 44% of what is learnt


def test_a_label_too_small_to_hold_out_is_all_training():
    labels = ["a"] * 20 + ["b"] * 3
    train, held = split_rows(len(labels), 0.1, 0, labels)
    assert {labels[i] for i in held} == {"a"} and sum(labels[i] == "b" for i in train) == 3
    assert split_rows(3, 0.1, 0) == ([0, 1, 2], [])


def _figs(reads: dict, auc=None, kept=4, seconds=30.0, parsed=10):
    return PathFigures(
        kept={k: kept for k in reads},
        parsed={k: parsed for k in reads},
        off_label={k: round(parsed * (1 - v)) for k, v in reads.items()},
        seconds=seconds,
        auc=auc,
    )


def test_the_adapter_writes_when_every_label_reads_as_itself_and_it_is_no_easier_to_spot():
    path, why = decide(_figs({"ham": 1.0, "spam": 0.9}, 0.62, seconds=20), _figs({"ham": 1.0, "spam": 1.0}, 0.80))
    assert path == "adapter" and "at least 90%" in why and "AUC 0.62 against 0.80" in why and "1.5x" in why


def test_k_shot_writes_when_the_adapter_ignores_a_rare_label():
    path, why = decide(_figs({"ham": 1.0, "spam": 0.1}, 0.5), _figs({"ham": 1.0, "spam": 0.9}, 0.8))
    assert path == "k-shot" and "'spam' candidates read as 'spam' 10%" in why and "k-shot: 90%" in why


def test_a_label_k_shot_misses_as_well_does_not_count_against_the_adapter():
    path, _ = decide(_figs({"ham": 1.0, "spam": 0.5}, 0.6), _figs({"ham": 1.0, "spam": 0.4}, 0.8))
    assert path == "adapter"
    # a row's difference on a small check is noise: within 0.1 of k-shot's share is level
    assert decide(_figs({"x": 0.7}, 0.6, parsed=20), _figs({"x": 0.75}, 0.6, parsed=20))[0] == "adapter"
    assert decide(_figs({"x": 0.6}, 0.6, parsed=20), _figs({"x": 0.75}, 0.6, parsed=20))[0] == "k-shot"


def test_k_shot_writes_when_it_keeps_more_rows_per_minute():
    path, why = decide(_figs({"x": 1.0}, 0.6, seconds=60), _figs({"x": 1.0}, 0.6, seconds=30))
    assert path == "k-shot" and "k-shot kept more rows per minute (8.0 against 4.0" in why


def test_k_shot_writes_when_the_run_keeps_few_of_the_adapter_candidates():
    path, why = decide(_figs({"x": 1.0}, 0.5, kept=1), _figs({"x": 1.0}, 0.8, kept=8))
    assert path == "k-shot" and "kept 10% of the adapter's 'x' candidates (k-shot: 80%" in why


def test_k_shot_writes_when_the_adapter_rows_are_easier_to_tell_from_real_ones():
    path, why = decide(_figs({"x": 1.0}, 0.90), _figs({"x": 1.0}, 0.80))
    assert path == "k-shot" and "AUC 0.90 against 0.80" in why
    assert decide(_figs({"x": 1.0}, 0.84), _figs({"x": 1.0}, 0.80))[0] == "adapter"  # within the margin
    assert decide(_figs({"x": 1.0}, 0.54), _figs({"x": 1.0}, 0.05))[0] == "adapter"  # under 0.5 is noise
    broken = PathFigures(error="adapter 'x' does not fit")
    assert decide(broken, _figs({"x": 1.0}, 0.8)) == (
        "k-shot",
        "the adapter wrote nothing usable in the check (adapter 'x' does not fit)",
    )


@pytest.fixture
def adapter_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNGEN_ADAPTER_DIR", str(tmp_path / "adapters"))
    return tmp_path / "adapters"


def _fake_adapter(config, seed, choice: str | None, settings=None):
    """An adapter folder as tuning leaves it (the weights are not read here) and the check's verdict."""
    folder = adapter_folder_for(config, seed, settings)
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    (folder / "tune.json").write_text(json.dumps({"model": EMBEDDED}))
    if choice:
        PathChoice(choice, f"because of a test ({choice})", {}).save(folder)
    return folder


def test_a_run_follows_the_check_kept_with_the_seed_adapter(drug_seed, adapter_dir):
    cfg = RunConfig(k=5)
    assert "no adapter tuned for this seed yet" in chosen_path(cfg, drug_seed)[1]
    folder = _fake_adapter(cfg, drug_seed, None)
    assert chosen_path(cfg, drug_seed) == (
        cfg,
        "k-shot prompting (k=5): the adapter tuned for this seed was not checked yet",
    )
    PathChoice("adapter", "every label reads as itself", {}).save(folder)
    run, why = chosen_path(cfg, drug_seed)
    assert run.adapter == str(folder) and run.k == 0 and why.startswith("the adapter tuned for this seed (k=0)")
    like = RunConfig(k=5, like_where=["rating=10"])
    assert chosen_path(like, drug_seed)[0].k == 2  # the chosen rows still go in the prompt, briefly
    none = RunConfig(k=5, backend_options={"adapter": "none"})
    assert chosen_path(none, drug_seed) == (none, "k-shot prompting (k=5), as asked (--adapter none)")
    assert none.adapter == "" and none.adapter_option == "none"
    PathChoice("k-shot", "a rare label is ignored", {}).save(folder)
    run, why = chosen_path(cfg, drug_seed)
    assert run == cfg and why.endswith("the seed's check chose it: a rare label is ignored")
    assert read_choice(folder).path == "k-shot" and read_choice(folder.parent) is None
    assert chosen_path(RunConfig(backend="openai", model="m"), drug_seed)[1] == ""


def test_an_adapter_tuned_with_other_settings_is_found_as_the_seed_latest(drug_seed, adapter_dir):
    from syngen.plan.resolve import plan_for
    from syngen.tune import seed_tuning

    cfg = RunConfig()
    other = TuneSettings(max_minutes=2)
    folder = _fake_adapter(cfg, drug_seed, "adapter", other)
    assert find_adapter(cfg, drug_seed) is None
    latest = seed_tuning._latest_file(drug_seed.df, drug_seed.schema, plan_for(drug_seed, cfg), EMBEDDED)
    latest.parent.mkdir(parents=True)
    latest.write_text(folder.name)
    assert find_adapter(cfg, drug_seed) == folder and find_adapter(cfg, drug_seed, TuneSettings()) is None
