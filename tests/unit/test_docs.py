"""The documents that are written from the code stay current, and the README stays short."""

import importlib.util

from helpers import ROOT

from syngen.cli.reference import render


def test_the_cli_reference_in_docs_is_current():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: python -m syngen.cli.reference > docs/cli.md"
    )


def test_benchmarks_md_is_written_from_the_figure_files():
    spec = importlib.util.spec_from_file_location("figures", ROOT / "bench" / "figures.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    assert (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8") == figures.render(), (
        "BENCHMARKS.md is stale: python bench/figures.py"
    )


def test_the_readme_opens_with_the_two_commands_and_fits_on_a_screen():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 250
    assert lines[:4] == [
        "```bash",
        "pip install -r requirements.txt -e . && streamlit run app.py",
        "pip install -r requirements.txt -e . && python -m pytest",
        "```",
    ]
    for link in ("docs/architecture.md", "BENCHMARKS.md", "CHANGELOG.md", "docs/cli.md"):
        assert link in "\n".join(lines) and (ROOT / link).exists()
