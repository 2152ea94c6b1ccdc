"""What models and users really write, through `syngen report` and the one synthetic reader:
no tracebacks, the rows a careful reader would count, one line when nothing can be read; the
report's copy counts equal the pipeline gate's on the same rows."""

import json
import random
import re

import pandas as pd
import pytest
from helpers import AMAZON_COLS, FIXTURES

from syngen.cli.main import main
from syngen.common.errors import DataError
from syngen.evaluate import build_report
from syngen.evaluate.synthetic_reader import read_synthetic
from syngen.generate.account import RunAccount
from syngen.generate.config import RunConfig
from syngen.generate.gate import RowGate
from syngen.seed.prepared import prepare_seed

CORPUS = FIXTURES / "model_outputs"
SEED = FIXTURES / "llm_outputs" / "prompt_seed_rows.csv"
COLS = AMAZON_COLS

# rows read (counted by hand from each file), or the start of the one-line error
EXPECTED = {
    "all_placeholders.csv": 3,
    "bom_crlf.csv": 2,
    "empty.csv": "the file is empty",
    "fenced_trailing_chatter.csv": 2,
    "header_only.csv": "no data rows could be read",
    "json_array.json": 3,
    "json_wrapper.json": 2,  # {"reviews": [...]} after "Here you go:"
    "jsonl_one_bad_line.jsonl": 3,  # the broken line is skipped with a note
    "markdown_table_with_intro.md": 3,
    "missing_columns.csv": 3,  # rating, title, text only
    "no_shared_columns.csv": "shares no column with the seed",
    "numbered_header.csv": 3,  # "1. rating, title, ..." then "2. 4, ..."
    "numbered_rows.csv": 3,  # "1) 4,Works well,..."
    "preamble_and_epilogue.csv": 2,
    "preamble_blank_line.csv": 4,  # "Here are 4 synthetic examples ...", blank line, CSV
    "quoted_multiline.csv": 2,
    "ragged_rows.csv": 2,  # a long row and a 2-field line skipped, both counted
    "refusal.txt": "no table with the seed's columns found",
    "renamed_columns.csv": 2,  # helpful_votes / date for helpful_vote / data
    "semicolons.csv": 2,
    "suppl_base_cohere_command-r-plus_10_output.csv": 10,
    "suppl_base_hf_qwen_10_output.csv": 10,
    "suppl_base_ollama_llama3.2_10_output.csv": 10,
    "suppl_diversity_cohere_command-r-plus_10_output.csv": 10,  # 4 commas inside sentences re-joined
    # 10 cells for 11 columns (date and time joined in one cell, split where the contracts say);
    # the last row is cut off mid-cell and skipped
    "suppl_diversity_hf_qwen_10_output.csv": 8,
    # an extra 1234567890 in every row shifts all of them: nothing usable, said in one line
    "suppl_diversity_ollama_llama3.2_10_output.csv": "none of its 10 row(s) fit the seed's columns",
}


def test_the_corpus_is_complete():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_report_reads_every_model_output_without_a_traceback(name, tmp_path, capsys):
    want = EXPECTED[name]
    code = main(["report", "--data", str(SEED), "--synthetic", str(CORPUS / name), "--out", str(tmp_path / "r.html")])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if isinstance(want, int):
        assert code == 0, err
        assert f"read {want} synthetic row(s)" in err
        assert (tmp_path / "r.json").exists() and "overall score" in out
    else:
        assert code == 2
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and want in lines[0], err


def test_notes_say_what_was_assumed():
    df = read_synthetic(CORPUS / "preamble_blank_line.csv", COLS)
    assert "skipped 1 fragment(s): 1 not a data row" in df.attrs["notes"][0] and "Here are 4" in df.attrs["notes"][0]
    df = read_synthetic(CORPUS / "missing_columns.csv", COLS)
    assert list(df.columns) == ["rating", "title", "text"]
    df = read_synthetic(CORPUS / "jsonl_one_bad_line.jsonl", COLS)
    assert any("1 line(s) that are not JSON objects were skipped (first: line 3" in n for n in df.attrs["notes"])
    df = read_synthetic(CORPUS / "renamed_columns.csv", COLS)
    assert df.loc[0, "helpful_vote"] == "3" and df.loc[0, "data"] == "2016-04-02"


def test_a_report_on_degenerate_input_is_nan_with_a_reason():
    seed = prepare_seed(RunConfig(data=str(SEED)))
    only_ids = pd.DataFrame({"asin": ["B00AB12CD3", "B00AB12CD4"]})
    report = build_report(seed.df, only_ids, seed.schema)
    copies = report.find("exact copies of seed rows")
    assert copies.value != copies.value and "shares no content column" in copies.detail  # NaN, with why


# ------------------------------------------------------------------ property-style mixtures


def _doc(rng: random.Random, rows: list[dict]) -> tuple[str, str]:
    """A random way a model might have written these rows; returns (text, file suffix)."""
    cols = list(COLS)
    if rng.random() < 0.3:
        cols = cols[: rng.randint(3, len(cols))]  # missing columns
    names = [{"helpful_vote": "helpful_votes", "data": "date"}.get(c, c) if rng.random() < 0.3 else c for c in cols]
    shape = rng.choice(["csv", "markdown", "json", "jsonl"])
    pre = rng.choice(["", "Here are some rows:\n\n", "Sure! Below is the data.\n", "```csv\n"])
    post = rng.choice(["", "\n\nLet me know if you need more.", "\n```\n", "\nThese are synthetic."])
    if shape == "json":
        return pre * (pre.startswith("Here")) + json.dumps(
            [{n: r[c] for n, c in zip(names, cols)} for r in rows]
        ), ".json"
    if shape == "jsonl":
        return "\n".join(json.dumps({n: r[c] for n, c in zip(names, cols)}) for r in rows) + "\n", ".jsonl"
    if shape == "markdown":
        lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
        lines += ["| " + " | ".join(str(r[c]).replace("|", "/") for c in cols) + " |" for r in rows]
        return pre + "\n".join(lines) + post, ".csv"
    buf = pd.DataFrame([{n: r[c] for n, c in zip(names, cols)} for r in rows]).to_csv(index=False)
    lines = buf.splitlines()
    if rng.random() < 0.3:  # a ragged row the reader must skip and count
        lines.insert(rng.randint(1, len(lines)), ",".join(["x"] * (len(cols) + 3)))
    if rng.random() < 0.3:  # numbered lines, the way chat models list things
        lines = [f"{i + 1}. {ln}" for i, ln in enumerate(lines)]
    return pre + "\n".join(lines) + post, ".csv"


def test_random_mixtures_never_crash_and_account_for_every_row(tmp_path):
    rng = random.Random(7)
    seed = prepare_seed(RunConfig(data=str(SEED)))
    base = pd.read_csv(CORPUS / "preamble_blank_line.csv", skiprows=2, dtype=str).to_dict("records")
    for i in range(60):
        rows = [dict(r, title=f"{r['title']} {i}-{j}") for j, r in enumerate(rng.sample(base * 3, rng.randint(1, 6)))]
        text, suffix = _doc(rng, rows)
        path = tmp_path / f"doc{i}{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            df = read_synthetic(path, COLS, ["text"])
        except DataError as exc:  # allowed: one line naming the problem
            assert "\n" not in str(exc) and str(exc).startswith(path.name)
            continue
        assert len(df) == len(rows), (text, df)  # every written row read, none invented
        assert set(df.columns) <= set(COLS)
        report = build_report(seed.df, df, seed.schema)
        assert 0 <= report.overall <= 1 or report.overall != report.overall


# ------------------------------------------------------------------ one notion of "near copy"


def test_report_copy_counts_equal_the_pipeline_gate(drug_seed):
    rng = random.Random(3)
    seed_rows = drug_seed.df.to_dict("records")
    rows = []
    for i in range(120):
        r = dict(rng.choice(seed_rows))
        words = r["review"].split()
        k = rng.choice([0, 1, 2, 4, 8, 16, len(words)])  # from untouched to fully rewritten
        for _ in range(k):
            words[rng.randrange(len(words))] = f"w{rng.randrange(10**6)}"
        r["review"] = " ".join(words)
        r["review_id"] = str(900000 + i)
        rows.append(r)
    synth = pd.DataFrame(rows)
    report = build_report(drug_seed.df, synth, drug_seed.schema)
    gate = RowGate(drug_seed, RunConfig(), random.Random(0))
    verdicts = []
    for r in rows:  # each row against the seed, as the gate sees a new row
        _, why = gate.check(r, RunAccount())
        verdicts.append(why or "")
    exact = sum(v.startswith("exact copy of seed row") for v in verdicts)
    near = sum(v.startswith("near copy of seed row") for v in verdicts)
    assert exact + near > 10 and near > 0  # the test data has both kinds
    assert report.find("exact copies of seed rows").detail == f"{exact} rows"
    assert re.match(rf"{near} rows share", report.find("near copies of seed rows").detail)
