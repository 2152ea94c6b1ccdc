"""The run config: checked once when made, never changed, saved configs replay under new names;
the command line's renamed flags keep their old names for a release."""

import dataclasses

import pytest

from syngen.cli.args import config_from_args, parser, settle_renamed
from syngen.cli.main import main
from syngen.common.errors import ConfigError
from syngen.generate.checkpoint import config_hash
from syngen.generate.config import RunConfig


def test_a_config_is_checked_when_made_and_cannot_be_changed():
    with pytest.raises(ConfigError, match="num-samples"):
        RunConfig(num_samples=0)
    cfg = RunConfig(num_samples=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.num_samples = 4
    with pytest.raises(ConfigError, match="plan"):
        dataclasses.replace(cfg, plan="everything")  # a changed setting is a new, checked config
    assert cfg.num_samples == 3


def test_a_config_saved_before_the_rename_replays_with_the_same_hash(tmp_path):
    new = RunConfig(random_seed=7, num_samples=5)
    old = {k: v for k, v in new.to_dict().items() if k != "random_seed"} | {"seed": 7}
    assert RunConfig.from_dict(old) == new
    assert config_hash(old) == config_hash(new)  # runs saved earlier still resume and still match
    assert config_hash(dataclasses.replace(new, random_seed=8)) != config_hash(new)


def test_the_cli_builds_the_config_once_with_the_table_file_and_the_seed(tmp_path):
    a = parser().parse_args(["generate", "--seed", "4", "--out", str(tmp_path / "rows.jsonl"), "-n", "3"])
    cfg = config_from_args(a)
    assert (cfg.random_seed, cfg.num_samples, cfg.format, cfg.out) == (4, 3, "jsonl", str(tmp_path))
    with pytest.raises(ConfigError, match="drop one of them"):
        config_from_args(parser().parse_args(["generate", "--out", "x.csv", "--format", "parquet"]))


def test_old_flag_names_still_work_with_a_note():
    a = parser().parse_args(["utility", "--seed", "s.csv", "--synthetic", "y.csv", "--test", "t.csv"])
    notes = settle_renamed(a)
    assert (a.data, a.real) == ("s.csv", "t.csv")
    assert notes == [
        "--seed is now --data; the old name goes in the next release",
        "--test is now --real; the old name goes in the next release",
    ]
    e = parser().parse_args(["experiment", "--data", "s.csv", "--real", "t.csv", "--seed-value", "3"])
    assert settle_renamed(e) and e.seed == 3
    with pytest.raises(ConfigError, match="needs --real FILE"):
        settle_renamed(parser().parse_args(["experiment", "--data", "s.csv"]))
    with pytest.raises(ConfigError, match="needs --data FILE"):
        settle_renamed(parser().parse_args(["utility", "--synthetic", "y.csv"]))
    # utility without held-out rows holds out part of --data (and says so)
    assert settle_renamed(parser().parse_args(["utility", "--data", "s.csv", "--synthetic", "y.csv"])) == []


def test_a_missing_file_flag_is_a_message_not_a_traceback(capsys):
    assert main(["report", "--synthetic", "y.csv"]) == 2
    assert "syngen report needs --data FILE" in capsys.readouterr().err
