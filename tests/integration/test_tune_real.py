"""Tuning the real embedded model for a few steps on a tiny seed, then generating valid rows from
the adapter (conditional plan with k=0, whole rows), reuse, cancel and the CLI."""

import threading
from dataclasses import replace

import pandas as pd
import pytest

import syngen.tune.seed_tuning as tune_mod
from syngen.cli.main import main
from syngen.generate.config import RunConfig
from syngen.runs.execute import execute
from syngen.seed.prepared import prepare_seed
from syngen.tune.seed_tuning import TuneSettings, tune_for_seed

pytestmark = pytest.mark.model
TINY = TuneSettings(max_steps=3, batch_size=4, max_tokens=64, evals_per_epoch=2)


@pytest.fixture
def adapters(tmp_path, monkeypatch):
    """Adapters in a temporary folder (the model cache stays where it is)."""
    monkeypatch.setattr(tune_mod, "cache_root", lambda: tmp_path / "cache")
    return tmp_path / "cache" / "adapters"


def test_tune_a_few_steps_then_generate_rows_from_the_adapter(small_seed, adapters, tmp_path):
    cfg = RunConfig(data=str(small_seed), k=0, num_samples=2, out=str(tmp_path / "out"), random_seed=1)
    seed = prepare_seed(cfg)
    seen = []
    result = tune_for_seed(cfg, seed, settings=TINY, on_progress=seen.append)
    assert result.status == "complete" and result.info["steps"] == 3, result.message
    folder = result.folder
    assert folder.parent == adapters and (folder / "adapter_model.safetensors").exists()
    held = pd.read_csv(folder / "holdout.csv", dtype=str)
    assert len(held) == 1 and result.info["train_rows"] == 11
    assert [p.phase for p in seen][0] == "loading" and any(p.phase == "training" and p.step == 3 for p in seen)
    assert result.info["best_val_loss"] > 0 and result.info["head_size"] < 20_000

    again = tune_for_seed(cfg, seed, settings=TINY)
    assert again.status == "reused" and again.folder == folder

    cfg = replace(cfg, backend_options={"adapter": str(folder), "max_new_tokens": 48})
    out = execute(cfg, seed=seed)
    rows = out.result.rows
    assert out.result.status == "complete", out.result.message
    labels = set(seed.df["rating"])
    assert len(rows) == 2 and set(rows["rating"]) <= labels
    assert all(isinstance(t, str) and t.strip() for t in rows["review"])
    privacy = {m.name: m for m in out.report.metrics}
    assert any(name.startswith("closer to held-out") for name in privacy)

    whole = RunConfig(data=str(small_seed), k=2, plan="rows", num_samples=1, out=str(tmp_path / "out"), random_seed=2)
    whole = replace(whole, backend_options={"adapter": str(folder), "max_new_tokens": 96})
    got = execute(whole, seed=prepare_seed(whole), report=False)
    assert len(got.result.rows) == 1, got.result.message
    assert got.result.rows.iloc[0]["rating"] in labels


def test_a_cancel_before_the_first_step_saves_nothing(small_seed, adapters):
    cfg = RunConfig(data=str(small_seed))
    cancel = threading.Event()
    cancel.set()
    result = tune_for_seed(cfg, prepare_seed(cfg), settings=TINY, cancel=cancel)
    assert result.status == "cancelled" and "no adapter saved" in result.message
    assert not (result.folder / "adapter_config.json").exists()


def test_the_cli_tunes_and_generates_with_the_adapter(small_seed, adapters, tmp_path, capsys):
    assert main(["tune", "--data", str(small_seed), "--max-steps", "2", "--quiet"]) == 0
    captured = capsys.readouterr()
    folder = captured.out.strip().splitlines()[-1]
    assert (adapters / folder.rsplit("/", 1)[-1] / "tune.json").exists()
    assert "complete: 2 steps" in captured.err
    code = main(
        ["generate", "--data", str(small_seed), "--adapter", folder, "-n", "1", "--k", "0", "--no-report"]
        + ["--out", str(tmp_path / "o"), "--max-new-tokens", "48", "--quiet"]
    )
    assert code == 0, capsys.readouterr().err
    assert main(["generate", "--data", str(small_seed), "--adapter", str(tmp_path / "nope"), "-n", "1"]) == 2
    assert "not found" in capsys.readouterr().err


def test_a_cancel_during_training_keeps_the_best_adapter_so_far(small_seed, adapters):
    cfg = RunConfig(data=str(small_seed))
    cancel = threading.Event()

    def progress(p):
        if p.phase == "training" and p.step == 2:
            cancel.set()

    settings = TuneSettings(max_steps=6, batch_size=4, max_tokens=64, evals_per_epoch=3)
    result = tune_for_seed(cfg, prepare_seed(cfg), settings=settings, cancel=cancel, on_progress=progress)
    assert result.status == "cancelled" and result.info["steps"] == 2, result.message
    assert (result.folder / "adapter_model.safetensors").exists() and "best adapter so far" in result.message


def test_the_time_budget_shrinks_the_plan(small_seed, adapters):
    """50 epochs do not fit in half a minute: the schedule is planned for the steps that do."""
    cfg = RunConfig(data=str(small_seed))
    # no early stop (a fast host reaches a held-out-loss plateau inside the half minute)
    settings = TuneSettings(max_minutes=0.5, epochs=50, batch_size=4, max_tokens=64, patience=10_000)
    result = tune_for_seed(cfg, prepare_seed(cfg), settings=settings)
    assert result.status in ("complete", "time-budget"), result.message
    assert 1 <= result.info["steps"] < 50 * 3 and result.info["epochs"] < 50
