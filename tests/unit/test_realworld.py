"""Tables no one here wrote: timestamps as people write them, entity keys, people's data, files as
they are downloaded, model answers that are tables, reports on degenerate rows. Built from the
shapes of public tables (airline tweets, SMS spam, Amazon reviews); the two public tables in
../shared/data/realworld are used when present."""

import itertools
import random

import pandas as pd
import pytest
from helpers import ROOT, tweets_table

from syngen.backends.scripted import ScriptedBackend
from syngen.evaluate import build_report
from syngen.evaluate.privacy import find_personal, seed_personal_values
from syngen.generate.config import RunConfig
from syngen.plan.resolve import plan_for
from syngen.prompting.conditional import parse_answer
from syngen.prompting.row_sources import row_source
from syngen.runs.execute import execute
from syngen.runs.store import read_run
from syngen.seed.prepared import prepare_seed
from syngen.seed.schema import Role, infer_schema
from syngen.seed.table import load_table
from syngen.seed.timestamps import EPOCH_MS, EPOCH_S, detect_format, format_time, parse_time

REAL = ROOT.parent / "shared" / "data" / "realworld"
INSTRUMENTS = REAL / "amazon_musical_instruments.csv"


_ANSWERS = itertools.count()


def _answer(prompt) -> str:
    """A chat model's answer: each written column on its own line, a new text every time, naming
    the row's airline as a tweet does (the gate refuses a tweet that names none or another)."""
    n = next(_ANSWERS)
    words = ["late", "rude", "kind", "lost", "quick", "cold", "loud", "calm", "tired", "happy"]
    to = f"@{prompt.fields['airline']} " if prompt.fields.get("airline") else ""
    return "\n".join(
        f"{c}: {to}the {words[n % 10]} crew and the {words[n // 10 % 10]} gate made flight {n} one to remember"
        for c in prompt.written
    )


# 1. a report on rows a library refuses never ends the run in a traceback
def test_a_constant_synthetic_column_gives_a_reason_not_a_traceback(tmp_path):
    seed = pd.DataFrame({"a": [str(i) for i in range(30)], "b": [str(i * i % 17) for i in range(30)]}, dtype=object)
    synth = pd.DataFrame({"a": ["1"] * 10, "b": [str(i) for i in range(10)]}, dtype=object)
    sch = infer_schema(seed, overrides={"a": "numeric", "b": "numeric"})
    rep = build_report(seed, synth, sch)
    pair = rep.find("pair trend (SDMetrics CorrelationSimilarity)", "a × b")
    assert pair.verdict == "n/a" and "constant" in pair.detail
    assert rep.overall == rep.overall  # a number, not NaN


def test_a_run_on_the_tweets_table_finishes_with_its_state_and_report(tmp_path):
    path = tmp_path / "tweets.csv"
    tweets_table().to_csv(path, index=False)
    cfg = RunConfig(data=str(path), num_samples=6, out=str(tmp_path / "out"), k=2, label_gate=False)
    out = execute(cfg, backend=ScriptedBackend(outputs=[_answer], kind="chat"), check=False)
    info = read_run(out.folder)
    assert out.result.status == "complete" and info.status == "complete"
    assert (out.folder / "report.json").exists()


# 2. timestamps from the values
@pytest.mark.parametrize(
    "values, fmt",
    [
        (["24-02-2015 11:35", "13-03-2015 09:02", "01-02-2015 23:59"], "%d-%m-%Y %H:%M"),  # day first: 24, 13
        (["02 28, 2014", "07 6, 2008", "12 31, 2013"], "%m %-d, %Y"),  # month day, year; days unpadded
        (["31-Jul-18", "02-Jun-18", "16-May-18"], "%d-%b-%y"),
        (["2015-02-24T11:35:52-08:00", "2015-02-25T01:02:03+01:00"], "%Y-%m-%dT%H:%M:%S%:z"),
        (["Tue Feb 24 11:35:52 +0000 2015", "Wed Feb 25 01:02:03 +0000 2015"], "%a %b %d %H:%M:%S %z %Y"),
        (["04/13/2015", "12/01/2015", "01/02/2015"], "%m/%d/%Y"),
        (["13/04/2015", "01/12/2015", "02/01/2015"], "%d/%m/%Y"),
    ],
)
def test_timestamp_formats_are_found_from_the_values(values, fmt):
    assert detect_format(values) == fmt
    for v in values:  # read and written back exactly as the seed writes them
        assert format_time(parse_time(v, fmt), fmt) == v


def test_epoch_times_by_name_and_range_never_land_in_1970():
    secs = ["1393545600", "1405382400", "1140912000"]
    assert detect_format(secs, "unixReviewTime") == EPOCH_S
    assert detect_format([s + "123" for s in secs], "created_at") == EPOCH_MS
    assert detect_format(secs, "review_id") is None  # a 10-digit ID is not a time
    df = pd.DataFrame({"unixReviewTime": secs * 5, "text": ["words of a review here"] * 15}, dtype=object)
    sch = infer_schema(df)
    spec = sch.col("unixReviewTime")
    assert spec.role == Role.TIMESTAMP and spec.fmt == EPOCH_S and spec.seed_min == "1140912000"
    assert "outside the seed range" in spec.check("5")[1]  # 1970 is not in the seed's years
    # chosen by hand on a column with another name, the values decide
    assert (
        infer_schema(df.rename(columns={"unixReviewTime": "x"}), overrides={"x": "timestamp"}).col("x").fmt == EPOCH_S
    )


def test_sampled_timestamps_keep_format_spread_and_agree_with_each_other(tmp_path):
    if not INSTRUMENTS.exists():
        pytest.skip("../shared/data/realworld is not here")
    seed = prepare_seed(RunConfig(data=str(INSTRUMENTS)))
    cfg = RunConfig(data=str(INSTRUMENTS), random_seed=3)
    src = row_source(seed, cfg, plan_for(seed, cfg), random.Random(3), lambda c: c.id_pattern.sample(random.Random()))
    rows = [src.structure.sample(lab) for lab in ["5"] * 150]
    unix, written = seed.schema.col("unixReviewTime"), seed.schema.col("reviewTime")
    for r in rows:  # the same instant in both columns, at the seed's whole days
        t = parse_time(r["unixReviewTime"], unix.fmt)
        assert format_time(t, written.fmt) == r["reviewTime"] and int(r["unixReviewTime"]) % 86400 == 0
        assert unix.check(r["unixReviewTime"])[1] is None
    assert len({r["reviewTime"][-4:] for r in rows}) >= 5  # spread over the seed's years


# 3 and 4. people and keys
def test_people_and_keys_are_understood_on_the_instruments_table():
    if not INSTRUMENTS.exists():
        pytest.skip("../shared/data/realworld is not here")
    sch = prepare_seed(RunConfig(data=str(INSTRUMENTS))).schema
    roles = {c.name: c.role for c in sch.columns}
    assert roles["asin"] == Role.KEY and roles["reviewerID"] == Role.KEY
    assert roles["reviewerName"] == Role.PERSONAL and sch.col("reviewerName").personal == "name"
    assert sch.col("asin").rows_per_key == pytest.approx(499 / 44, rel=0.01)


def test_generated_rows_never_carry_seed_people_and_keep_keys_consistent(tmp_path):
    df = tweets_table(80)
    people = {"saraholbrook0", "jnardino1"}
    df["user_key"] = [f"U{i % 20:04d}" for i in range(len(df))]  # 20 users, 4 tweets each
    df["name"] = [f"handle{i % 20}" for i in range(len(df))]  # each user's handle
    df.loc[0, "text"] = "@United call me at 555-123-4567 or mail sara@example.com, says handle3 about it"
    path = tmp_path / "tweets.csv"
    df.to_csv(path, index=False)
    seed = prepare_seed(RunConfig(data=str(path)))
    sch = seed.schema
    assert sch.col("name").role == Role.PERSONAL and sch.col("tweet_location").role == Role.PERSONAL
    assert sch.col("user_key").role == Role.KEY

    def leaky(prompt):  # a model that copies a seed person and their contacts into the text
        to = f"@{prompt.fields['airline']}"
        said = "thanks handle3 for finding my lost bag at the gate today, call 555-123-4567 or sara@example.com"
        return "\n".join(f"{c}: {to} {said}" for c in prompt.written)

    cfg = RunConfig(
        data=str(path), num_samples=30, out=str(tmp_path / "out"), k=2, label_gate=False, near_duplicate=1.0
    )
    out = execute(cfg, seed=seed, backend=ScriptedBackend(outputs=[leaky], kind="chat"), check=False)
    rows = out.result.rows
    assert len(rows) == 30 and not (set(rows["name"]) & set(df["name"]) | set(rows["name"]) & people)
    assert not set(rows["tweet_location"].dropna()) & set(df["tweet_location"].dropna())
    assert not rows["text"].str.contains("555-123-4567|sara@example.com|handle3").any()
    people = ("name", "tweet_location")
    assert find_personal(seed_personal_values(sch, seed.df), rows, ["name", "text", *people], whole=people) == []
    assert out.report.find("seed personal values in the output").value == 0
    # one handle per user key, users with several tweets, and no seed user key
    per_key = rows.groupby("user_key")["name"].nunique()
    assert (per_key == 1).all() and (rows["user_key"].value_counts() > 1).any()
    assert not set(rows["user_key"]) & set(df["user_key"])


def test_reuse_keeps_seed_keys_and_their_columns(tmp_path):
    df = pd.DataFrame(
        {
            "asin": [f"B00{i % 6:07d}" for i in range(60)],
            "section": [["Guitars", "Drums", "Cables"][i % 6 % 3] for i in range(60)],
            "rating": [["5", "4", "1"][i % 3] for i in range(60)],
            "review": [f"this item number {i} works well for the money" for i in range(60)],
        },
        dtype=object,
    )
    path = tmp_path / "p.csv"
    df.to_csv(path, index=False)
    seed = prepare_seed(RunConfig(data=str(path)))
    truth = dict(zip(df["asin"], df["section"]))
    for policy in ("reuse", "fresh"):
        cfg = RunConfig(
            data=str(path), key_policy=policy, num_samples=24, out=str(tmp_path / policy), k=2, label_gate=False
        )
        rows = execute(cfg, seed=seed, backend=ScriptedBackend(outputs=[_answer], kind="chat"), check=False).result.rows
        assert len(rows) == 24 and rows.groupby("asin")["section"].nunique().max() == 1  # a product keeps its section
        if policy == "reuse":
            assert set(rows["asin"]) <= set(truth) and rows["asin"].nunique() >= 3
            assert all(truth[a] == c for a, c in zip(rows["asin"], rows["section"]))
        else:
            assert not set(rows["asin"]) & set(truth) and rows["asin"].value_counts().max() > 1


# 5. files as they are downloaded
def test_the_spam_file_as_people_have_it_loads(tmp_path):
    lines = [
        "label,masseges,,,",
        'ham,"Go until jurong point, crazy.. Available only in bugis",,,',
        "ham,Ok lar... Joking wif u oni...,,,",
        "spam,Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005,,,",
        "ham,Nah I don't think he goes to usf, he lives around here though,,",
        "ham,I'm gonna be home soon, k? I've cried enough today.,,,",
        "spam,WINNER!! As a valued network customer you have been selected to receive a \u00a3900 prize!,,,",
        "ham,\u00c3\u00bc say caf\u00c3\u00a9 ok,,,",
    ]
    path = tmp_path / "spam.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    df = load_table(path)
    notes = " ".join(df.attrs["notes"])
    assert df.columns.tolist() == ["label", "masseges"] and len(df) == 7
    assert "Nah I don't think he goes to usf, he lives around here though" in df["masseges"].tolist()
    assert "I'm gonna be home soon, k? I've cried enough today." in df["masseges"].tolist()
    assert "ü say café ok" in df["masseges"].tolist() and "£900" in df["masseges"].iloc[5]
    assert "cp1252" in notes and "garbled" in notes and "joined back" in notes


def test_cleaning_that_moves_the_label_mix_is_said(tmp_path):
    rows = [("5", "love it")] * 40 + [("1", f"broken number {i}") for i in range(10)] + [("1", None)] * 10
    path = tmp_path / "r.csv"
    pd.DataFrame(rows, columns=["rating", "verified_reviews"]).to_csv(path, index=False)
    seed = prepare_seed(RunConfig(data=str(path)))
    assert "kept 12 of 60 rows (80% removed)" in seed.shift and "5 67% -> 8%" in seed.shift
    assert prepare_seed(RunConfig(data=str(path), clean=False)).shift is None


def test_rows_all_missing_one_column_are_read_with_it_empty(tmp_path):
    from syngen.evaluate.synthetic_reader import read_synthetic

    src = ROOT / "tests/fixtures/llm_outputs/prompt_seed_rows.csv"
    seed = prepare_seed(RunConfig(data=str(src)))
    cols = seed.schema.names
    real = pd.read_csv(src, dtype=str)
    table = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for i in range(9):
        r = real.iloc[i % len(real)]
        table.append("| " + " | ".join(str(r[c]) for c in cols if c != "verified_purchase") + " |")
    path = tmp_path / "qwen_text_length.md"
    path.write_text("Here are the rows:\n\n" + "\n".join(table) + "\n")
    got = read_synthetic(path, cols, seed.schema.prose_columns, seed.schema)
    assert len(got) == 9 and got["verified_purchase"].isna().all() and (got["time"] == real["time"].iloc[0]).any()
    assert "read with 'verified_purchase' empty" in got.attrs["notes"][0]


def test_a_date_and_a_time_joined_in_one_cell_are_split_where_the_contracts_say(tmp_path, capsys):
    """The seed SynGen's Qwen output (diversity prompt): 10 cells under 11 names, the last cell
    "2015-01-04 03:11" holding `data` and `time`, and a last row cut off."""
    src = ROOT / "tests/fixtures/llm_outputs/prompt_seed_rows.csv"
    out = ROOT / "tests/fixtures/llm_outputs/suppl_diversity_hf_qwen_10_output.csv"
    from syngen.evaluate.synthetic_reader import read_synthetic

    seed = prepare_seed(RunConfig(data=str(src)))
    got = read_synthetic(out, seed.schema.names, seed.schema.prose_columns, seed.schema)
    assert len(got) == 8 and list(got.columns) == seed.schema.names
    assert got.loc[1, "data"] == "2015-01-04" and got.loc[1, "time"] == "03:11"
    assert (
        "'data' and 'time' split from one cell" in got.attrs["notes"][0]
        and "1 row of another width" in got.attrs["notes"][0]
    )
    from syngen.cli.main import main

    assert main(["report", "--data", str(src), "--synthetic", str(out), "--out", str(tmp_path / "r.html")]) == 0
    assert "read 8 synthetic row(s)" in capsys.readouterr().err


# 7. a table is not a row's text
def test_a_table_answer_is_not_taken_as_one_rows_text(drug_seed):
    cfg = RunConfig(k=2)
    src = row_source(drug_seed, cfg, plan_for(drug_seed, cfg), random.Random(1), lambda c: "123456")
    prompt = src.prompts(["positive"])[0]
    llama = (ROOT / "tests/fixtures/llm_outputs/suppl_base_ollama_llama3.2_10_output.csv").read_text()
    res = parse_answer("Here are the rows you asked for:\n\n" + llama, prompt, chat=True, truncated=False)
    assert not res.rows and "is a table of" in res.rejects[0].reason
    one = "review_id,drugName,review\n1,Zoloft,It helped my mood within two weeks and I sleep better now"
    got = parse_answer(one, prompt, chat=True, truncated=False)
    assert got.rows and got.rows[0]["review"] == "It helped my mood within two weeks and I sleep better now"
    plain = parse_answer("It helped, with few side effects; I sleep better.", prompt, chat=True, truncated=False)
    assert plain.rows and plain.rows[0]["review"].startswith("It helped")


def test_rows_not_kept_give_their_keys_back(tmp_path):
    """With half the answers unusable, rows still share keys about as often as the seed's do
    (each entity keeps the rows it was given, instead of losing them to rejects)."""
    df = pd.DataFrame(
        {
            # 60 users with one row and 10 with four, as people's reviews go: 40% of rows share a user
            "user_id": [f"U{i:04d}" for i in range(60)] + [f"V{i % 10:04d}" for i in range(40)],
            "note": [f"a short note number {i} about the visit" for i in range(100)],
        },
        dtype=object,
    )
    path = tmp_path / "k.csv"
    df.to_csv(path, index=False)
    seed = prepare_seed(RunConfig(data=str(path)))
    assert seed.schema.col("user_id").role == Role.KEY
    answers = itertools.count()

    def half_empty(prompt):
        return "" if next(answers) % 2 else _answer(prompt)

    cfg = RunConfig(data=str(path), num_samples=40, out=str(tmp_path / "o"), k=2, label_gate=False, max_prompts=400)
    rows = execute(cfg, seed=seed, backend=ScriptedBackend(outputs=[half_empty], kind="chat"), check=False).result.rows
    counts = rows["user_id"].value_counts()
    shared = counts[counts > 1].sum() / len(rows)
    # rows planned as whole entities: ~40% share a user, as in the seed (keys opened one row at a
    # time, and lost to rejects, gave 5-25% here)
    assert len(rows) == 40 and 0.28 <= shared <= 0.6 and not set(rows["user_id"]) & set(df["user_id"])
