"""Tuning without the model: how rows become training text, k=0 only with an adapter, adapter
checks and cache keys, and the distance-to-closest-record metrics of the privacy part."""

import json
import random

import numpy as np
import pandas as pd
import pytest

from syngen.cli.main import main
from syngen.common.errors import BackendError, ConfigError
from syngen.engine.adapter import check_adapter
from syngen.evaluate.dcr import dcr_metrics
from syngen.generate.config import RunConfig
from syngen.plan.length_hint import hint_value
from syngen.plan.resolve import plan_for, resolve_plan
from syngen.prompting.conditional import build_row_prompt
from syngen.prompting.prompts import rows_to_records, select_exemplars
from syngen.seed.schema import Role
from syngen.tune.seed_tuning import (
    TuneSettings,
    adapter_key,
    holdout_rows,
    render_row,
    training_columns,
    training_texts,
)


def test_training_rows_put_the_label_first_the_text_last_and_shuffle_the_rest(drug_seed):
    plan = resolve_plan(drug_seed.schema, drug_seed.df)
    rng = random.Random(0)
    orders = [training_columns(drug_seed.schema, plan, rng) for _ in range(30)]
    assert all(o[0] == "rating" and o[-1] == "review" for o in orders)
    assert all("review_id" not in o for o in orders)  # the conditional plan makes IDs itself
    assert len({tuple(o) for o in orders}) > 3  # the given fields come in several orders
    rows_plan = resolve_plan(drug_seed.schema, drug_seed.df, "rows")
    whole = [training_columns(drug_seed.schema, rows_plan, rng) for _ in range(5)]
    assert whole[0][0] == "rating" and set(whole[0]) == set(drug_seed.schema.names)
    assert all(o == whole[0] for o in whole)  # whole rows: the prompts' order, every time


def test_a_training_row_is_rendered_the_way_prompts_render_rows(drug_seed):
    row = drug_seed.df.iloc[0].to_dict()
    cols = ["rating", "drugName", "review"]
    assert render_row(row, cols) == rows_to_records([row], cols)
    plan = plan_for(drug_seed, RunConfig())
    texts = training_texts(drug_seed.df.head(5), drug_seed.schema, plan)
    assert len(texts) == 5 and all(t.startswith("rating: ") and t.endswith("\n\n") for t in texts)
    assert training_texts(drug_seed.df.head(5), drug_seed.schema, plan) == texts  # seeded
    # the text's own length in words comes right before it, as generation prompts give it
    for t, review in zip(texts, drug_seed.df.head(5)["review"]):
        assert f"review words: {hint_value(review)}\nreview: {' '.join(review.split())}\n\n" in t
    unhinted = plan_for(drug_seed, RunConfig(length_hint=False))
    assert not any("words:" in t for t in training_texts(drug_seed.df.head(5), drug_seed.schema, unhinted))
    settings = TuneSettings()
    assert adapter_key(drug_seed.df, drug_seed.schema, plan, "m", settings) != adapter_key(
        drug_seed.df, drug_seed.schema, unhinted, "m", settings
    )


def test_k_zero_needs_an_adapter(drug_seed):
    with pytest.raises(ConfigError, match="syngen tune"):
        RunConfig(k=0).check_prompt(600)
    RunConfig(k=0, backend_options={"adapter": "/some/adapter"}).check_prompt(600)
    with pytest.raises(ConfigError):  # an adapter is an embedded-model thing
        RunConfig(k=0, backend="ollama", backend_options={"adapter": "/x"}).check_prompt(600)
    rng = random.Random(0)
    assert select_exemplars(drug_seed.df, drug_seed.schema, 0, "diverse", "base", rng) == []
    cfg = RunConfig(k=0, backend_options={"adapter": "/x"})
    fields = {"rating": "positive", "drugName": "Zoloft", "condition": "Depression"}
    p = build_row_prompt(drug_seed.df, drug_seed.schema, cfg, fields, ["review"], ["drugName"], rng)
    assert p.exemplars == [] and p.completion.startswith("rating: positive\n") and p.completion.endswith("review:")


def test_generate_with_k_zero_and_no_adapter_says_what_to_do(capsys):
    assert main(["generate", "-n", "1", "--k", "0"]) == 2
    assert "syngen tune" in capsys.readouterr().err


def test_an_adapter_is_sampled_from_its_whole_distribution_unless_told_otherwise():
    from syngen.backends.hf import ADAPTER_SAMPLING, HFBackend

    prompting = HFBackend().settings
    tuned = HFBackend(adapter="/some/adapter").settings
    assert {k: tuned[k] for k in ADAPTER_SAMPLING} == ADAPTER_SAMPLING
    assert {k: prompting[k] for k in ADAPTER_SAMPLING} == {"temperature": 0.8, "top_k": 50, "top_p": 0.95}
    chosen = HFBackend(adapter="/some/adapter", temperature=0.5, top_k=20).settings  # what a user set stays
    assert (chosen["temperature"], chosen["top_k"], chosen["top_p"]) == (0.5, 20, ADAPTER_SAMPLING["top_p"])


def test_adapter_checks_name_the_problem(tmp_path):
    with pytest.raises(BackendError, match="syngen tune"):
        check_adapter(tmp_path / "none", "gemma3-270m")
    (tmp_path / "adapter_config.json").write_text("{}")
    (tmp_path / "tune.json").write_text(json.dumps({"model": "other-model"}))
    with pytest.raises(BackendError, match="other-model"):
        check_adapter(tmp_path, "gemma3-270m")
    (tmp_path / "tune.json").write_text(json.dumps({"model": "gemma3-270m"}))
    assert check_adapter(tmp_path, "gemma3-270m")["model"] == "gemma3-270m"


def test_the_cache_key_follows_seed_model_and_settings(drug_seed):
    plan = plan_for(drug_seed, RunConfig())
    key = adapter_key(drug_seed.df, drug_seed.schema, plan, "gemma3-270m", TuneSettings())
    assert key == adapter_key(drug_seed.df, drug_seed.schema, plan, "gemma3-270m", TuneSettings())
    assert key != adapter_key(drug_seed.df.head(500), drug_seed.schema, plan, "gemma3-270m", TuneSettings())
    assert key != adapter_key(drug_seed.df, drug_seed.schema, plan, "other", TuneSettings())
    assert key != adapter_key(drug_seed.df, drug_seed.schema, plan, "gemma3-270m", TuneSettings(rank=8))


@pytest.mark.parametrize("bad", [dict(max_minutes=0), dict(holdout=0.6), dict(rank=0)])
def test_bad_tune_settings_are_refused(bad):
    with pytest.raises(ConfigError):
        TuneSettings(**bad).check()


def test_holdout_rows_come_from_the_adapter_folder(tmp_path):
    pd.DataFrame({"a": ["1", "2"], "b": ["x", ""]}).to_csv(tmp_path / "holdout.csv", index=False)
    got = holdout_rows(RunConfig(backend_options={"adapter": str(tmp_path)}))
    assert got.to_dict("records") == [{"a": "1", "b": "x"}, {"a": "2", "b": ""}]
    assert holdout_rows(RunConfig()) is None
    assert holdout_rows(RunConfig(backend_options={"adapter": "auto"})) is None


def test_dcr_tells_copies_from_new_rows(drug_seed):
    df, schema = drug_seed.df, drug_seed.schema
    rng = np.random.default_rng(2)
    shuffled = pd.DataFrame({c: rng.permutation(df[c].values) for c in df.columns}).iloc[:200]
    copies = dcr_metrics(schema, df, df.iloc[:200])
    new = dcr_metrics(schema, df, shuffled)
    assert copies[0].value == 0.0 and new[0].value > 0.4  # copies sit on seed rows
    assert "no rows were held out" in copies[1].detail and np.isnan(copies[1].score)
    held = dcr_metrics(schema, df, df.iloc[:200], holdout=df.iloc[540:])
    fresh = dcr_metrics(schema, df, df.iloc[540:], holdout=df.iloc[480:540])  # rows of neither side
    assert held[1].name.startswith("closer to held-out") and "closer to 60 of the training rows" in held[1].detail
    assert held[1].score < fresh[1].score
    assert dcr_metrics(schema, df, df.iloc[:200]) == copies  # seeded: the same figures twice


def test_dcr_without_structured_columns_says_so():
    from syngen.seed.schema import infer_schema

    df = pd.DataFrame({"text": [f"a long free text number {i} about things" for i in range(30)]})
    schema = infer_schema(df, overrides={"text": Role.TEXT.value})
    got = dcr_metrics(schema, df, df.head(5))
    assert np.isnan(got[0].value) and "no structured columns" in got[0].detail
