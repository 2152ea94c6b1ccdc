"""A run is judged against the seed it was made from: the run folder keeps that seed, and the
report, `syngen report --run` and the app read it whatever table is loaded now."""

import json
import math

import pandas as pd
import pytest
from test_pipeline import cfg, writer

from syngen.backends.scripted import ScriptedBackend
from syngen.cli import main
from syngen.common.errors import DataError
from syngen.generate.config import RunConfig
from syngen.runs.execute import execute
from syngen.runs.judge import judge_run
from syngen.runs.run_seed import load_run_seed, seed_file
from syngen.runs.store import read_run, read_state
from syngen.seed.prepared import content_key


@pytest.fixture
def run_folder(small_seed, tmp_path):
    out = execute(
        cfg(small_seed, out=str(tmp_path / "out")), backend=ScriptedBackend(outputs=[writer([0])]), check=False
    )
    assert out.result.status == "complete"
    return out


def test_the_run_folder_keeps_its_prepared_seed(run_folder, small_seed):
    from syngen.seed.prepared import prepare_seed

    folder = run_folder.folder
    kept = load_run_seed(folder)
    assert seed_file(folder, kept.key).exists() and seed_file(folder, kept.key).parent.parent == folder.parent
    original = prepare_seed(RunConfig(data=str(small_seed), label="rating"))
    assert kept.problem is None and kept.key == content_key(original.df)
    pd.testing.assert_frame_equal(kept.seed.df.reset_index(drop=True), original.df.reset_index(drop=True))
    assert [c.to_dict() for c in kept.seed.schema.columns] == [c.to_dict() for c in original.schema.columns]
    assert kept.seed.schema.label == "rating"
    assert read_state(folder)["seed_key"] == kept.key and read_run(folder).seed_name == original.name


def test_a_run_is_judged_against_its_own_seed_after_the_seed_file_is_gone(run_folder, small_seed):
    saved = read_state(run_folder.folder)["scores"]
    small_seed.unlink()  # the table the run was made from is no longer on disk (or the app holds another)
    report = judge_run(run_folder.folder)
    assert report.overall == pytest.approx(saved["overall"])  # the same number every time it is asked
    assert {c for c in report.table()["column"] if c} <= {"review_id", "review", "rating", "date", "usefulCount"}


def test_a_run_whose_seed_is_lost_gets_no_score_never_a_perfect_one(run_folder, small_seed, capsys):
    key = read_state(run_folder.folder)["seed_key"]
    seed_file(run_folder.folder, key).unlink()
    small_seed.unlink()
    origin = load_run_seed(run_folder.folder)
    assert origin.seed is None and "missing" in origin.problem
    with pytest.raises(DataError, match="no report"):
        judge_run(run_folder.folder)
    assert main(["report", "--run", str(run_folder.folder), "--out", str(run_folder.folder / "r.html")]) == 2
    err = capsys.readouterr()
    assert "no report" in err.err and "overall" not in err.out
    assert not math.isnan(read_state(run_folder.folder)["scores"]["overall"])  # the saved scores stay


def test_a_changed_seed_copy_is_refused(run_folder):
    folder = run_folder.folder
    path = seed_file(folder, read_state(folder)["seed_key"])
    kept = json.loads(path.read_text())
    kept["rows"][0][1] = "someone edited this"
    path.write_text(json.dumps(kept))
    assert "changed" in load_run_seed(folder).problem


def test_a_run_from_before_seeds_were_kept_falls_back_to_its_seed_file(run_folder, small_seed):
    from syngen.runs.store import update_state

    update_state(run_folder.folder, seed_key=None)
    assert load_run_seed(run_folder.folder).seed is not None  # its config's seed file is still there
    small_seed.unlink()
    assert "not on disk" in load_run_seed(run_folder.folder).problem


def test_syngen_report_run_writes_and_saves_the_runs_scores(run_folder, tmp_path, capsys):
    html = tmp_path / "r.html"
    assert main(["report", "--run", str(run_folder.folder), "--out", str(html)]) == 0
    out = capsys.readouterr().out
    saved = json.loads((run_folder.folder / "report.json").read_text())
    assert f"overall score {saved['overall']:.2f}" in out and html.exists()


def test_report_without_run_or_synthetic_says_what_it_needs(capsys):
    assert main(["report", "--data", "data/drug_reviews/train.csv"]) == 2
    assert "--run FOLDER" in capsys.readouterr().err
