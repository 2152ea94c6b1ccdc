import csv
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syngen.cli.main import main
from syngen.common.errors import ConfigError
from syngen.generate.config import RunConfig, parse_mix
from syngen.runs.export import default_stem, safe_cell, write_rows
from syngen.seed.table import load_table

OWASP = [
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(1,2)",
    "\t=cmd|' /C calc'!A0",
    "\r=1+2",
    "=HYPERLINK(\"http://x\")",
    "-2+3+cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "@A1",
    "- $B$2",
]
# What people write, which no spreadsheet runs: exported as it is (a model trained on the export
# must not see a quote the real data never has).
TEXT = ["@united thanks for nothing", "-5", "+1 555 123 4567", "- great product", "+ works well", "@ home", "\tcmd"]


@pytest.mark.parametrize("text", TEXT)
def test_text_that_only_looks_like_a_formula_round_trips(tmp_path, text):
    assert safe_cell(text) == text
    p = write_rows(pd.DataFrame({"a": [text]}), tmp_path / "x.csv")
    assert list(csv.DictReader(open(p, newline="", encoding="utf-8")))[0]["a"] == text


def test_default_name_follows_the_seed_convention():
    assert (
        default_stem("drug_reviews", "diversity", "hf", "gemma3-270m", 20)
        == "drug_reviews_diversity_hf_gemma3-270m_20_output"
    )
    # model ids and odd names cannot put the file elsewhere
    assert default_stem("../../etc", "base", "hf", "Qwen/Qwen2.5-1.5B", 5) == "etc_base_hf_Qwen2.5-1.5B_5_output"


@pytest.mark.parametrize("payload", OWASP)
def test_formula_cells_are_neutralised(tmp_path, payload):
    assert safe_cell(payload) == "'" + payload
    p = write_rows(pd.DataFrame({"a": [payload], "n": ["-5"]}), tmp_path / "x.csv")
    back = list(csv.DictReader(open(p, newline="", encoding="utf-8")))
    assert back[0]["a"] == "'" + payload and back[0]["n"] == "-5"  # numbers stay numbers
    raw = write_rows(pd.DataFrame({"a": [payload]}), tmp_path / "y.csv", safe_csv=False)
    assert list(csv.DictReader(open(raw, newline="", encoding="utf-8")))[0]["a"] == payload


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "xlsx"])
def test_formats_round_trip(tmp_path, fmt):
    df = pd.DataFrame({"a": ["x", None], "b": ["1", "2"]}, dtype=object)
    p = write_rows(df, tmp_path / f"out.{fmt}", fmt)
    if fmt == "csv":
        back = pd.read_csv(p, dtype=str)
    elif fmt == "jsonl":
        back = pd.DataFrame([json.loads(line) for line in p.read_text().splitlines()])
    elif fmt == "xlsx":
        back = pd.read_excel(p, dtype=str)
    else:
        back = pd.read_parquet(p)
    assert back["b"].tolist() == ["1", "2"] and back["a"].tolist()[0] == "x"
    assert not list(tmp_path.glob("*.part"))


def test_run_config_round_trip_without_secrets(tmp_path):
    cfg = RunConfig(
        num_samples=7, backend_options={"temperature": 0.5, "api_key": "sk-SECRET"}, label_mix={"negative": 1.0}
    )
    p = tmp_path / "c.json"
    cfg.save(p)
    assert "sk-SECRET" not in p.read_text()
    back = RunConfig.load(p)
    assert back.num_samples == 7 and back.label_mix == {"negative": 1.0}
    assert back.backend_options == {"temperature": 0.5}
    p.write_text('{"num_samplez": 3}')
    with pytest.raises(ConfigError, match="unknown field"):
        RunConfig.load(p)


def test_parse_mix():
    assert parse_mix("negative") == {"negative": 1.0}
    assert parse_mix("positive=0.5, negative=0.5") == {"positive": 0.5, "negative": 0.5}
    with pytest.raises(ConfigError):
        parse_mix("a=x")


def test_inspect_prints_roles_and_contracts(capsys):
    assert main(["inspect", "--data", "data/drug_reviews/train.csv"]) == 0
    out = capsys.readouterr().out
    assert "600 rows x 7 columns" in out and "wrapping quotes: 600" in out
    assert "rating       label" in out and "%B %-d, %Y" in out


@pytest.mark.parametrize(
    "content,args,needle",
    [
        (None, [], "file not found"),
        (b"", [], "the file is empty"),
        (b"a;b\n", [], "no data rows"),
        (b"id,review,rating\n1,fine,pos\n2,bad,neg\n", ["--k", "9"], "--k 2 or less"),
        (b"id,review,rating\n1,fine,pos\n2,bad,neg\n", ["--backend", "nope"], "unknown backend 'nope'"),
        (b"id,review,rating\n1,fine,pos\n2,bad,neg\n", ["--k", "1", "--label-mix", "great"], "not in column 'rating'"),
        (b"id,review,rating\n1,fine,pos\n2,bad,neg\n", ["--role", "nosuch=text"], "unknown column"),
    ],
)
def test_generate_bad_input_is_one_line(tmp_path, capsys, content, args, needle):
    path = tmp_path / "seed.csv"
    if content is not None:
        path.write_bytes(content)
    code = main(["generate", "--data", str(path), "-n", "2", "--out", str(tmp_path / "o"), "-q"] + args)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("syngen: error:") and needle in err and "\n" not in err
    assert "Traceback" not in err


def test_no_text_column_and_wrong_delimiter_are_explained(tmp_path, capsys):
    p = tmp_path / "nums.csv"
    p.write_text("x,kind\n1.5,a\n2.5,b\n3.5,a\n4.5,b\n5.5,a\n6.5,b\n")
    assert main(["inspect", "--data", str(p)]) == 0
    assert "no free-text column found" in capsys.readouterr().out
    p.write_text("x:kind\n1:a\n2:b\n")
    assert main(["inspect", "--data", str(p)]) == 0
    assert "only one column found" in capsys.readouterr().out


def test_jsonl_and_parquet_keep_the_types_a_csv_reader_sees(drug_seed, tmp_path):
    # as the app reads a run back from its CSV: every value text, provenance included
    rows = drug_seed.df.head(5).assign(is_synthetic="True", k="4", batch_id=["0", "0", "1", "1", None])
    from_csv = pd.read_csv(write_rows(rows, tmp_path / "r.csv", "csv", schema=drug_seed.schema))
    from_jsonl = pd.DataFrame(
        [
            json.loads(line)
            for line in write_rows(rows, tmp_path / "r.jsonl", "jsonl", schema=drug_seed.schema)
            .read_text()
            .splitlines()
        ]
    )
    from_parquet = pd.read_parquet(write_rows(rows, tmp_path / "r.parquet", "parquet", schema=drug_seed.schema))
    for col in ("review_id", "usefulCount"):  # integers in all three, equal values
        assert from_csv[col].tolist() == from_jsonl[col].tolist() == from_parquet[col].tolist()
        assert all(isinstance(v, int) for v in from_jsonl[col])
        assert str(from_parquet[col].dtype) == "Int64"
    assert from_jsonl["rating"].tolist() == rows["rating"].tolist()  # text stays text
    assert from_csv["is_synthetic"].tolist() == from_jsonl["is_synthetic"].tolist() == [True] * 5
    assert str(from_parquet["is_synthetic"].dtype) == "boolean"
    assert from_jsonl["k"].tolist() == [4] * 5 and from_jsonl["batch_id"].tolist()[:4] == [0, 0, 1, 1]
    assert str(from_parquet["batch_id"].dtype) == "Int64" and from_jsonl["batch_id"].isna().tolist()[4]


def test_excel_keeps_text_as_text_and_types_like_the_csv(drug_seed, tmp_path):
    """A user who brings a spreadsheet gets one back: a formula-like cell stays the text it is
    (not a formula Excel would run), counts are numbers, True/False are booleans."""
    from openpyxl import load_workbook

    rows = drug_seed.df.head(3).assign(review=OWASP[:3], is_synthetic="True", k="4")
    p = write_rows(rows, tmp_path / "r.xlsx", "xlsx", schema=drug_seed.schema)
    sheet = load_workbook(p).active
    header = [c.value for c in sheet[1]]
    cells = {h: c for h, c in zip(header, sheet[2])}
    assert cells["review"].value == OWASP[0] and cells["review"].data_type == "s"  # not "f"
    assert isinstance(cells["usefulCount"].value, int) and cells["is_synthetic"].value is True
    back = load_table(p)  # and syngen reads it back as the seed's values
    assert back["review"].tolist() == OWASP[:3] and back["drugName"].tolist() == rows["drugName"].tolist()


def _same_cell(a, b, numeric: bool) -> bool:
    """A cell read back is the cell written: text exactly, numbers as the same number."""
    if a is None or b is None or a == "" or b == "":
        return (a in (None, "")) == (b in (None, ""))
    if numeric:
        return float(a) == float(b)
    return str(a) == str(b)


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f") | st.sampled_from(["\n", "\t"]),
    min_size=1,
    max_size=40,
).map(lambda t: f"a{t}z")  # text with anything inside it


@st.composite
def _export_tables(draw):
    n = draw(st.integers(2, 12))
    ids = draw(st.lists(st.integers(10**15, 10**18), min_size=n, max_size=n, unique=True))
    return pd.DataFrame(
        {
            "tweet_id": [str(i) for i in ids],
            "text": draw(st.lists(_TEXT, min_size=n, max_size=n)),
            "retweets": [str(x) for x in draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n))],
            "score": [
                f"{x:.3f}" for x in draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n))
            ],
            "flag": draw(st.lists(st.sampled_from(["True", "False"]), min_size=n, max_size=n)),
            "when": [f"2015-02-{1 + i % 28:02d} 10:{i % 60:02d}:00" for i in range(n)],
        },
        dtype=object,
    )


def _read_plainly(path, fmt: str) -> pd.DataFrame:
    """An export read back as another tool reads it (no seed cleaning, no mojibake repair),
    every cell as text."""

    def text(v):
        return None if v is None or (isinstance(v, float) and v != v) else str(v)

    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return pd.DataFrame(rows).map(text)
    if fmt == "parquet":
        return pd.read_parquet(path).astype(object).map(text)
    from openpyxl import load_workbook

    cells = list(load_workbook(path).active.iter_rows(values_only=True))
    return pd.DataFrame(cells[1:], columns=cells[0]).map(text)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_export_tables(), st.sampled_from(["csv", "jsonl", "parquet", "xlsx"]))
def test_every_export_round_trips_every_cell(df, fmt):
    """Long IDs (18 digits: past a spreadsheet's 15 and a double's 53 bits), any text, counts,
    decimals, booleans and dates come back as they went out, in every format."""
    import tempfile
    from pathlib import Path

    from syngen.seed.schema import infer_schema

    schema = infer_schema(df.assign(text=[f"{t} and more words to read" for t in df["text"]]), label="flag")
    numeric = {"retweets", "score"}
    with tempfile.TemporaryDirectory() as tmp:
        path = write_rows(df, Path(tmp) / f"rows.{fmt}", fmt, safe_csv=False, schema=schema)
        back = _read_plainly(path, fmt)
    assert list(back.columns) == list(df.columns) and len(back) == len(df)
    for c in df.columns:
        for a, b in zip(df[c], back[c]):
            if c == "flag":
                assert str(a).lower() == str(b).lower()
            else:
                assert _same_cell(a, b, c in numeric), (fmt, c, a, b)


def test_excel_stores_long_ids_as_text_and_short_numbers_as_numbers(tmp_path):
    from openpyxl import load_workbook

    from syngen.seed.schema import Role, infer_schema

    df = pd.DataFrame(
        {
            "status": ["568178223866592960", "568178223866592961"],
            "votes": ["3", "40"],
            "text": ["a b c d e f", "g h i j k"],
        },
        dtype=object,
    )
    schema = infer_schema(df)
    assert schema.col("status").role == Role.ID  # 18 digits, all different: an ID whatever its name
    path = write_rows(df, tmp_path / "rows.xlsx", "xlsx", schema=schema)
    cells = list(load_workbook(path).active.iter_rows(values_only=True))[1:]
    assert [c[0] for c in cells] == ["568178223866592960", "568178223866592961"]  # text: a spreadsheet keeps it
    assert [c[1] for c in cells] == [3, 40]  # a count stays a number
