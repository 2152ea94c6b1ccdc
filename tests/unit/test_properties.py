"""Property-based: random tables (constant, all-empty, single-row, one-column, mixed types,
unicode, huge cells, duplicate and empty headers) through inspect, a generate, the report and
every export. Whatever the table, no exception escapes: a table syngen cannot use gives a
SyngenError (one line for the user), never a traceback."""

import csv
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syngen.backends.scripted import ScriptedBackend
from syngen.cli.main import main
from syngen.common.errors import SyngenError
from syngen.evaluate import build_report
from syngen.generate.config import FORMATS, RunConfig
from syngen.runs.execute import execute
from syngen.runs.export import write_rows
from syngen.seed.prepared import prepare_seed

WORDS = ["good", "bad", "fine", "Zoloft", "café", "naïve", "日本語", "😀", "a,b", '"quoted"', "line\nbreak"]


def _cell(kind: str, i: int, draw) -> str:
    if kind == "constant":
        return "same"
    if kind == "empty":
        return ""
    if kind == "int":
        return str(draw(st.integers(-5, 10**6)))
    if kind == "float":
        return f"{draw(st.floats(-1e6, 1e6, allow_nan=False)):.3f}"
    if kind == "date":
        return f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}"
    if kind == "mixed":
        return draw(st.sampled_from(["1", "x", "2.5", "", "True", "2021-01-01"]))
    if kind == "huge":
        return " ".join(draw(st.sampled_from(WORDS)) for _ in range(draw(st.integers(1, 400))))
    if kind == "text":
        return " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12)))
    return draw(st.sampled_from(["red", "green", "blue", "Ωmega"]))  # category


@st.composite
def tables(draw):
    n_cols = draw(st.integers(1, 5))
    n_rows = draw(st.integers(1, 25))
    kinds = draw(
        st.lists(
            st.sampled_from(["constant", "empty", "int", "float", "date", "mixed", "huge", "text", "cat"]),
            min_size=n_cols,
            max_size=n_cols,
        )
    )
    names = draw(
        st.lists(st.sampled_from(["id", "name", "text", "label", "", "value", "id"]), min_size=n_cols, max_size=n_cols)
    )
    rows = [[_cell(k, i, draw) for k in kinds] for i in range(n_rows)]
    return names, rows


def _answer(prompt) -> str:
    """A chat model's answer to a conditional prompt: each written column on its own line."""
    return (
        "\n".join(f"{c}: a plain answer with some words number {len(prompt.messages)}" for c in prompt.written) or "x"
    )


CACHE = tempfile.mkdtemp(prefix="syngen-prop-")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_table_makes_syngen_raise_anything_but_a_message(table):
    names, rows = table
    os.environ.setdefault("SYNGEN_CACHE_DIR", CACHE)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(names)
            w.writerows(rows)
        assert main(["inspect", "--data", str(path)]) in (0, 2)
        try:
            cfg = RunConfig(data=str(path), num_samples=3, plan="conditional", max_prompts=12, out=tmp, k=1)
            seed = prepare_seed(cfg)
            out = execute(cfg, seed=seed, backend=ScriptedBackend(outputs=[_answer], kind="chat"), check=False)
        except SyngenError:
            return  # said in one line: fine
        result = out.result
        assert result.status in ("complete", "exhausted") and len(result.rows) <= 3
        if len(result.rows):
            rep = build_report(seed.df, result.rows, seed.schema)
            assert rep.to_html()
            for fmt in FORMATS:
                write_rows(result.rows, Path(tmp) / f"rows.{fmt}", fmt, schema=seed.schema)
