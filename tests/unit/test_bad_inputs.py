"""The bad-input corpus (tests/fixtures/make_bad_inputs.py): each file loads correctly or gives
one clear line naming the problem, from `syngen inspect`, never a traceback."""

import subprocess
import sys

import pytest
from helpers import FIXTURES, ROOT

from syngen.cli.main import main

BAD = FIXTURES / "bad_inputs"
LIMIT_MB = str(1_000_000 / 1024 / 1024)

FAILS = {
    "empty.csv": "the file is empty",
    "header_only.csv": "has a header row but no data rows",
    "binary_junk.csv": "looks like a binary file",
    "just_over_limit.csv": "MB limit",
    "json_not_records.json": "JSON must be a list of records",
    "json_scalar_list.json": "every record must be an object",
    "broken.json": "is not valid JSON",
    "not_a_table.parquet": "could not be read as .parquet",
}
LOADS = {  # file -> text that `inspect` must print
    "latin1.csv": "2 rows x 3 columns",
    "duplicate_columns.csv": "the repeat is called 'review_2'",
    "utf16_bom.csv": "3 rows x 3 columns",
    "semicolon.csv": "3 rows x 3 columns",
    "tab_delimited.csv": "3 rows x 3 columns",
    "ragged_rows.csv": "1 row(s) with too many fields were skipped",
    "one_column.csv": "only one column found",
    "all_nan_column.csv": "always empty",
    "mixed_types.csv": "value  short_text",
    "long_cells.csv": "2 rows x 2 columns",
    "several_sheets.xlsx": "read the first sheet 'reviews' of 2",
}


def test_corpus_is_complete():
    assert sorted(p.name for p in BAD.iterdir()) == sorted(FAILS | LOADS)


@pytest.mark.parametrize("name", sorted(FAILS))
def test_unloadable_files_give_one_line(name, capsys, monkeypatch):
    monkeypatch.setenv("SYNGEN_MAX_MB", LIMIT_MB)
    assert main(["inspect", "--data", str(BAD / name)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"syngen: error: {name}") and FAILS[name] in err and "\n" not in err


@pytest.mark.parametrize("name", sorted(LOADS))
def test_loadable_files_load_and_say_what_happened(name, capsys, monkeypatch):
    monkeypatch.setenv("SYNGEN_MAX_MB", LIMIT_MB)
    assert main(["inspect", "--data", str(BAD / name)]) == 0
    assert LOADS[name] in capsys.readouterr().out


def test_short_rows_are_reported_too(capsys):
    main(["inspect", "--data", str(BAD / "ragged_rows.csv")])
    assert "1 row(s) had fewer fields than the header" in capsys.readouterr().out


def test_latin1_text_survives(capsys):
    main(["inspect", "--data", str(BAD / "latin1.csv")])
    from syngen.seed.table import load_table

    assert load_table(BAD / "latin1.csv").loc[0, "review"] == "Café au lait made me jittery"


def test_real_subprocess_exit_code_and_no_traceback():
    r = subprocess.run(
        [sys.executable, "-m", "syngen", "inspect", "--data", str(BAD / "binary_junk.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and "binary" in r.stderr
