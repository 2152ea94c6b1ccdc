"""Tuning the real embedded model for a few steps on a tiny seed, then generating valid rows from
the adapter (conditional plan with k=0, whole rows), reuse, cancel and the CLI."""

import json
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
    # one held-out row per label (4 rows each), so every label's loss is measured
    assert sorted(held["rating"]) == ["negative", "neutral", "positive"] and result.info["train_rows"] == 9
    assert set(result.info["val_loss_by_label"]) == {"negative", "neutral", "positive"}
    assert [p.phase for p in seen][0] == "loading" and any(p.phase == "training" and p.step == 3 for p in seen)
    assert result.info["best_val_loss"] > 0 and result.info["head_size"] < 20_000

    again = tune_for_seed(cfg, seed, settings=TINY)
    assert again.status == "reused" and again.folder == folder

    # a 3-step adapter keeps few candidates: a budget that lets it finish on any host
    cfg = replace(cfg, backend_options={"adapter": str(folder), "max_new_tokens": 48}, max_prompts=48)
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
    assert main(["tune", "--data", str(small_seed), "--max-steps", "2", "--quiet", "--no-check"]) == 0
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


def rare_seed(tmp_path):
    """The small seed with one label made rare: 8 positive rows, 2 negative (SMS spam's shape)."""
    df = pd.DataFrame(
        {
            "review": [f"Great relief number {i} and I sleep well again" for i in range(8)]
            + ["Terrible headaches and dizziness from the first dose", "Awful rash and nausea, I stopped it"],
            "rating": ["positive"] * 8 + ["negative"] * 2,
        }
    )
    path = tmp_path / "rare.csv"
    df.to_csv(path, index=False)
    return path


def test_the_rare_label_is_learnt_then_checked_and_generate_follows_the_check(tmp_path, adapters, capsys):
    """Tuning repeats the rare label's rows; the check writes rows of every label with both paths
    and keeps its verdict; `generate` with no --adapter then follows it and says so, and
    `--adapter none` keeps k-shot prompting."""
    from syngen.runs.path_choice import check_paths, read_choice

    path = rare_seed(tmp_path)
    cfg = RunConfig(data=str(path), k=3, out=str(tmp_path / "out"), backend_options={"max_new_tokens": 40})
    seed = prepare_seed(cfg)
    tuned = tune_for_seed(cfg, seed, settings=TINY)
    assert tuned.info["train_rows_by_label"] == {"positive": 7, "negative": 7}  # 2 rows, up to 4 times each
    choice = check_paths(cfg, seed, tuned.folder, rows_per_label=1)
    for path_name in ("adapter", "k-shot"):
        figs = choice.figures[path_name]
        assert set(figs["parsed"]) == {"negative", "positive"} or figs["error"], figs
    assert choice.path in ("adapter", "k-shot") and choice.why
    assert read_choice(tuned.folder).why == choice.why  # kept next to the adapter

    from syngen.runs.path_choice import PathChoice

    # the verdict decides the default; both verdicts are exercised whatever this tiny adapter got
    for verdict in ("adapter", "k-shot"):
        PathChoice(verdict, f"a {verdict} verdict", {}).save(tuned.folder)
        code = main(["generate", "--data", str(path), "-n", "1", "--k", "3", "--out", str(tmp_path / verdict)]
                    + ["--max-new-tokens", "40", "--max-prompts", "6", "--no-report"])  # fmt: skip
        err = capsys.readouterr().err
        assert code in (0, 1), err
        run_cfg = json.loads(next((tmp_path / verdict).glob("*/config.json")).read_text())
        if verdict == "adapter":
            assert (
                f"written by: the adapter tuned for this seed (k=0): the seed's check chose it: a {verdict} verdict"
                in err
            )
            assert run_cfg["backend_options"]["adapter"] == str(tuned.folder) and run_cfg["k"] == 0
        else:
            assert "written by: k-shot prompting (k=3): the seed's check chose it" in err
            assert not run_cfg["backend_options"].get("adapter") and run_cfg["k"] == 3
    PathChoice("adapter", "a verdict", {}).save(tuned.folder)
    code = main(["generate", "--data", str(path), "-n", "1", "--k", "3", "--adapter", "none", "--no-report"]
                + ["--out", str(tmp_path / "none"), "--max-new-tokens", "40", "--max-prompts", "6"])  # fmt: skip
    assert "written by: k-shot prompting (k=3), as asked (--adapter none)" in capsys.readouterr().err


def test_a_scenario_target_with_the_adapter_is_met_and_measured(small_seed, adapters, tmp_path):
    """A target (a scenario on the label) with the adapter at k=0: every row meets it, and the
    report's target part measures it as for k-shot."""
    cfg = RunConfig(data=str(small_seed), out=str(tmp_path / "out"))
    seed = prepare_seed(cfg)
    folder = tune_for_seed(cfg, seed, settings=TINY).folder
    run = replace(
        cfg,
        k=0,
        num_samples=2,
        where=["rating=negative"],
        backend_options={"adapter": str(folder), "max_new_tokens": 48},
        random_seed=3,
    )
    out = execute(run, seed=seed)
    assert len(out.result.rows) == 2 and set(out.result.rows["rating"]) == {"negative"}, out.result.message
    target = [m for m in out.report.metrics if m.name == "rows meeting the target"]
    assert target and target[0].value == 1.0
