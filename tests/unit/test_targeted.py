"""Targeted generation: scenarios (--where), more like these (--like, --like-where), rebalancing
(--balance), the target in the config and the report, and the per-seed workspace of liked rows
and negatives."""

import json
import random
import subprocess
import sys
from collections import Counter

import pandas as pd
import pytest
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_conditional import writer

from syngen.backends.scripted import ScriptedBackend
from syngen.common.errors import ConfigError
from syngen.evaluate.target_check import reference_rows, slice_counts
from syngen.generate.checkpoint import config_hash
from syngen.generate.config import RunConfig
from syngen.generate.loop import run
from syngen.plan.structure import StructureModel
from syngen.plan.target import mix_for, resolve_target, target_words
from syngen.runs import workspace
from syngen.runs.execute import run_report
from syngen.seed.conditions import check_conditions, meets, parse_conditions

SAMPLED = ["drugName", "condition", "date", "usefulCount"]
WORDS = "sleep rash dose week nausea doctor pharmacy pills morning night skin pain hair weight mood refill".split()


def varied(prompt):
    """The scripted writer with a random tail: a small scenario repeats its fields, and rows with
    the same fields would otherwise be near copies of each other."""
    return writer(prompt).rstrip("\n") + " " + " ".join(random.choices(WORDS, k=10)) + "\n"


def test_conditions_parse_check_and_select_rows(drug_seed):
    conds = parse_conditions(["condition = depression; usefulCount>=20", "rating!=positive"])
    assert [(c.column, c.op, c.value) for c in conds] == [
        ("condition", "=", "depression"),
        ("usefulCount", ">=", "20"),
        ("rating", "!=", "positive"),
    ]
    both = parse_conditions(["condition=Anxiety and Stress and usefulCount>=3"])  # a value with "and" in it
    assert [str(c) for c in both] == ["condition = Anxiety and Stress", "usefulCount >= 3"]
    df = drug_seed.df
    hit = meets(df, drug_seed.schema, conds)
    expected = (
        (df["condition"].str.lower() == "depression")
        & (df["usefulCount"].astype(int) >= 20)
        & (df["rating"] != "positive")
    )
    assert hit.sum() == expected.sum() > 0
    for bad, why in (
        (["nope=1"], "no column 'nope'"),
        (["drugName>=3"], "takes = or != only"),
        (["usefulCount>=lots"], "not a number"),
        (["usefulCount"], "write COLUMN=VALUE"),
    ):
        with pytest.raises(ConfigError, match=why):
            check_conditions(parse_conditions(bad), drug_seed.schema)
    with pytest.raises(ConfigError, match="write COLUMN=VALUE"):
        RunConfig(where=["just words"])  # the syntax is checked when the config is made


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_scenario_s_rows_always_meet_it_however_rare(drug_seed, data):
    """Fitting to the scenario's rows conditions exactly: rare combinations (a condition with 2 seed
    rows, a count range) still give rows, and every row meets the scenario."""
    df = drug_seed.df
    condition = data.draw(st.sampled_from(sorted(df["condition"].dropna().unique())))
    rows = df[df["condition"] == condition]
    floor = data.draw(st.sampled_from(sorted(rows["usefulCount"].astype(int).unique())))
    conds = parse_conditions([f"condition={condition}", f"usefulCount>={floor}"])
    sm = StructureModel(df, drug_seed.schema, SAMPLED, random_seed=1, fixed=["drugName", "condition"])
    sm.add_slice("s", meets(df, drug_seed.schema, conds))
    label = data.draw(st.sampled_from(["positive", "negative", "neutral"]))
    got = pd.DataFrame([sm.sample(label, "s") for _ in range(15)])
    assert (got["condition"] == condition).all()
    assert (got["usefulCount"].astype(int) >= floor).all()


def test_a_larger_scenario_gets_its_own_copula_not_copies(drug_seed):
    df = drug_seed.df
    sm = StructureModel(df, drug_seed.schema, SAMPLED, random_seed=1, fixed=["drugName", "condition"])
    sm.add_slice("s", meets(df, drug_seed.schema, parse_conditions(["condition=Birth Control"])))
    got = pd.DataFrame([sm.sample("positive", "s") for _ in range(60)])
    assert (got["condition"] == "Birth Control").all()
    seed_counts = set(df[df["condition"] == "Birth Control"]["usefulCount"])
    assert got["usefulCount"].nunique() > 10 and not set(got["usefulCount"]) <= seed_counts  # drawn, not copied


def test_a_targeted_run_meets_its_scenario_and_says_so_in_its_report(drug_seed):
    cfg = RunConfig(num_samples=8, k=2, batch_size=4, random_seed=3, label_gate=False, where=["condition=depression"])
    res = run(cfg, ScriptedBackend(outputs=[varied]), drug_seed)
    assert res.status == "complete" and (res.rows["condition"] == "Depression").all()  # the seed's spelling
    rep = run_report(cfg, drug_seed, res.rows)
    meet = rep.find("rows meeting the target")
    assert meet.value == 1.0 and "8 of 8 meet condition = Depression" in meet.detail
    assert "target" in rep.parts and any("seed rows of the run's target" in n for n in rep.notes)
    assert json.loads(rep.to_json())["parts"]["target"] is not None
    assert resolve_target(drug_seed, RunConfig()) is None
    # replayable: the target is in the config, and a config without one hashes as before it existed
    assert RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))).where == ["condition=depression"]
    assert config_hash(RunConfig()) == config_hash({k: v for k, v in RunConfig().to_dict().items() if k != "where"})
    assert target_words(cfg) == "condition = depression"


def test_a_scenario_the_seed_never_has_names_what_to_do_or_is_invented_with_novelty(drug_seed):
    with pytest.raises(ConfigError, match="no seed row meets condition = Long COVID.*--novelty"):
        resolve_target(drug_seed, RunConfig(where=["condition=Long COVID"]))
    with pytest.raises(ConfigError, match="drop the range"):
        resolve_target(drug_seed, RunConfig(where=["usefulCount>=100000"], novelty=0.2))
    cfg = RunConfig(num_samples=4, k=2, random_seed=1, label_gate=False, where=["condition=Long COVID"], novelty=0.2)
    res = run(cfg, ScriptedBackend(outputs=[varied]), drug_seed)
    assert res.status == "complete" and (res.rows["condition"] == "Long COVID").all()
    with pytest.raises(ConfigError, match="made new by syngen"):
        resolve_target(drug_seed, RunConfig(where=["review_id=1"]))


def test_more_like_these_uses_neighbours_and_shows_close_rows_of_another_label(drug_seed):
    df = drug_seed.df
    chosen = df[(df["condition"] == "Acne") & (df["rating"] == "negative")].head(3)
    cfg = RunConfig(num_samples=6, k=3, random_seed=2, label_gate=False, like=chosen.to_dict("records"))
    t = resolve_target(drug_seed, cfg)
    assert mix_for(cfg, t) == {"negative": 3.0}  # the chosen rows' label
    assert (t.pool["rating"] == "negative").all() and len(t.pool) > len(chosen)  # plus neighbours
    assert t.contrast and all(r["rating"] != "negative" for r in t.contrast)  # close rows of another label
    assert [str(c) for c in t.conditions] == ["condition = Acne"]  # the value they share
    backend = ScriptedBackend(outputs=[varied])
    res = run(cfg, backend, drug_seed)
    assert res.status == "complete" and set(res.rows["rating"]) == {"negative"}
    assert (res.rows["condition"] == "Acne").all()
    pool_texts = set(t.pool["review"])
    for p in backend.calls:  # exemplars from the chosen rows and their neighbours; contrast first
        assert all(e["review"] in pool_texts for e in p.exemplars)
        first_contrast = " ".join(t.contrast[0]["review"].split())[:60]
        assert p.completion.index(first_contrast) < p.completion.index(" ".join(p.exemplars[0]["review"].split())[:60])
    # --like-where selects the seed rows itself
    t2 = resolve_target(drug_seed, RunConfig(like_where=["condition=Sinusitis"]))
    assert len(t2.chosen) == (df["condition"] == "Sinusitis").sum()
    with pytest.raises(ConfigError, match="no seed row meets it"):
        resolve_target(drug_seed, RunConfig(like_where=["condition=Nothing"]))


def test_balance_lifts_rare_values_and_refuses_an_impossible_share(drug_seed):
    t = resolve_target(drug_seed, RunConfig(balance="rating"))
    assert t.label_mix == {"positive": 1.0, "negative": 1.0, "neutral": 1.0}
    t = resolve_target(drug_seed, RunConfig(balance="rating=0.25"))
    assert t.label_mix["neutral"] == pytest.approx(0.25) and sum(t.label_mix.values()) == pytest.approx(1)
    with pytest.raises(ConfigError, match="more than every row"):
        resolve_target(drug_seed, RunConfig(balance="condition=0.05"))
    with pytest.raises(ConfigError, match="balance a label or categorical"):
        resolve_target(drug_seed, RunConfig(balance="usefulCount"))
    cfg = RunConfig(num_samples=12, k=2, batch_size=4, random_seed=1, label_gate=False, balance="condition=0.005")
    res = run(cfg, ScriptedBackend(outputs=[varied]), drug_seed)
    seed_share = drug_seed.df["condition"].value_counts(normalize=True)
    got = res.rows["condition"].value_counts(normalize=True)
    assert res.status == "complete"
    assert got.get("Birth Control", 0) < seed_share["Birth Control"]  # the common value gives way
    table = slice_counts(drug_seed.df, res.rows, "condition")
    assert table["synthetic"].sum() == 12 and table["seed"].sum() == len(drug_seed.df)
    rep = run_report(cfg, drug_seed, res.rows)  # the report shows the slices and checks the shares
    assert rep.slices is not None and rep.slices["synthetic"].sum() == 12
    assert "Rows per condition" in rep.to_html() and rep.find("shares as set (1 - TVD)", "condition")


def test_a_rare_label_run_is_compared_with_that_label_s_seed_rows(drug_seed):
    ref = reference_rows(drug_seed.df, drug_seed.schema, None, {"neutral": 1.0})
    assert set(ref["rating"]) == {"neutral"} and len(ref) == (drug_seed.df["rating"] == "neutral").sum()
    ref = reference_rows(drug_seed.df, drug_seed.schema, None, {"neutral": 1, "positive": 1})
    assert Counter(ref["rating"]) == {"neutral": 54, "positive": 54}


def test_targets_checked_on_the_command_line(tmp_path):
    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "syngen", "generate", "-n", "2", "--out", str(tmp_path), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    for args, says in (
        (["--where", "nope=1"], "no column 'nope'"),
        (["--where", "condition>=3"], "takes = or != only"),
        (["--balance", "condition=0.5"], "more than every row"),
        (["--like", str(tmp_path / "missing.csv")], "file not found"),
        (["--where", "condition=Long COVID"], "--novelty 0.1"),
    ):
        p = cli(*args)
        assert p.returncode == 2 and says in p.stderr and "Traceback" not in p.stderr, (args, p.stderr)


def test_liked_rows_negatives_and_target_are_kept_per_seed(tmp_path, drug_seed):
    from syngen.ui.state import AppState

    state = AppState(config=RunConfig(out=str(tmp_path)))
    state.open_workspace(drug_seed.df)
    state.edit(negatives=[{"review": "bad row"}], liked=[{"review": "good row"}], where=["condition=Acne"])
    again = AppState(config=RunConfig(out=str(tmp_path)))  # a reload: a new session
    again.open_workspace(drug_seed.df)
    assert again.config.negatives == [{"review": "bad row"}] and again.config.liked == [{"review": "good row"}]
    assert again.config.where == ["condition=Acne"]
    other = drug_seed.df.head(50)
    again.open_workspace(other)  # another table starts clean
    assert again.config.negatives == [] and again.config.where == []
    assert workspace.seed_key(drug_seed.df) != workspace.seed_key(other)
    (tmp_path / workspace.FOLDER / f"{workspace.seed_key(drug_seed.df)}.json").write_text("{broken")
    assert workspace.load(tmp_path, workspace.seed_key(drug_seed.df)) == {}


def test_a_date_range_is_a_scenario_too(drug_seed):
    """Dates take ranges, in ISO or the column's own format; sampled dates stay inside."""
    from syngen.seed.timestamps import parse_time

    conds = parse_conditions(["date>=2016-01-01", "date<=December 31, 2016"])
    check_conditions(conds, drug_seed.schema)
    df = drug_seed.df
    hit = meets(df, drug_seed.schema, conds)
    years = {parse_time(d, drug_seed.schema.col("date").fmt).year for d in df.loc[hit, "date"]}
    assert hit.sum() > 20 and years == {2016}
    sm = StructureModel(df, drug_seed.schema, SAMPLED, random_seed=4, fixed=["drugName", "condition"])
    sm.add_slice("s", hit)
    got = [sm.sample("positive", "s")["date"] for _ in range(40)]
    assert {parse_time(d, drug_seed.schema.col("date").fmt).year for d in got} == {2016}
    with pytest.raises(ConfigError, match="not a date"):
        check_conditions(parse_conditions(["date>=soon"]), drug_seed.schema)


def test_a_targeted_runs_charts_show_the_rows_it_was_compared_with(drug_seed):
    from syngen.evaluate import build_report
    from syngen.evaluate.story import closeness

    neutral = drug_seed.df[drug_seed.df["rating"] == "neutral"].head(20).copy()
    neutral["review"] = [f"{t} (written again)" for t in neutral["review"]]
    neutral["empty"] = None
    seed = drug_seed.df.assign(empty=None)
    from syngen.seed.schema import infer_schema

    schema = infer_schema(seed, label="rating")
    rep = build_report(seed, neutral, schema, mix={"neutral": 1.0})
    assert len(rep.reference) == (seed["rating"] == "neutral").sum()
    bars = rep.figures()["rating"].data[0]  # the seed side of the label chart: the neutral rows only
    assert list(bars.x) == ["neutral"] and list(bars.y) == [1.0]
    assert "empty" not in rep.figures()  # nothing to draw, no empty chart
    _, findings = closeness(rep)
    columns = [f.split(":")[0] for f in findings]
    assert len(columns) == len(set(columns))  # one finding per column
