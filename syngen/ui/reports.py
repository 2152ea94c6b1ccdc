"""Quality reports for runs, built once per run and kept in its record."""

from __future__ import annotations

from syngen.evaluate import build_report
from syngen.runs.execute import run_report
from syngen.runs.judge import run_about
from syngen.runs.store import save_report, utility_words
from syngen.ui.backend_form import display_name
from syngen.ui.state import AppState, RunRecord


def about(run: RunRecord) -> dict:
    """What the report says about the run it judges."""
    return run_about(run.info, run.config, display_name(run.config.backend, run.config.model))


def report_for(state: AppState, run: RunRecord):
    """The run's report, against the seed it was made from (kept in its folder; None when that
    seed cannot be found: `run.origin.problem` says why). Built once for its rows as they are now
    and saved with the run, so the history, Compare and the HTML report show the Quality page's
    numbers."""
    if run.report is None:
        if run.seed is None:
            return None
        run.report = run_report(
            run.config, run.seed, run.rows, account=run.account, delivered=run.delivered, about=about(run)
        )
        if run.info.rows:
            run.info.scores = save_report(run.info.folder, run.report)
    else:
        run.report.about["utility"] = utility_words(run.info.folder)  # measured since
    return run.report


KEY_SCORES = ("overall", "column fidelity", "privacy and novelty", "diversity", "target")


def summary_row(state: AppState, run: RunRecord) -> dict:
    """One line of the Compare table: the run's scores as saved with it (the Quality page saves
    them again when it rebuilds a report, e.g. after a review), then its settings."""
    info = about(run)
    scores = dict(run.info.scores)
    if not scores and run.info.rows:
        rep = report_for(state, run)
        if rep is not None:
            scores = {"overall": rep.overall, **rep.parts}
    scores = {k: round(v, 3) for k, v in scores.items() if isinstance(v, float)}
    utility = info.pop("utility") or ""
    row = {
        "name": info.pop("name"),
        "seed": (info.pop("seed") or "").replace("_", " "),
        "rows": info.pop("rows"),
        **{k: scores.get(k) for k in KEY_SCORES if k in scores},
        "utility": utility_short(utility)
        if utility
        else ("not measured" if run.seed is not None else "seed not found"),
        "asked for": info.pop("target") or "the seed's mix",
    }
    return row | {k: v for k, v in scores.items() if k not in row} | {"run": info.pop("run_id"), **info}


def utility_short(sentence: str) -> str:
    """A saved utility verdict in two or three words, for a table cell."""
    for start, short in (
        ("Adding these rows helped", "helped"),
        ("Adding these rows did not help", "did not help"),
        ("No clear difference", "no clear difference"),
    ):
        if sentence.startswith(start):
            return short + (" (before review)" if "before a review" in sentence else "")
    return sentence.split(":")[0][:40]


def shown_table(table):
    """A table as the page shows it: scores to two decimals, nothing missing shown as "None",
    every cell text (one type per column, so the browser table never fails to convert)."""

    def cell(v):
        if v is None or (isinstance(v, float) and v != v):
            return ""
        if isinstance(v, float):
            return f"{v:.2f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    return table.astype(object).map(cell)


def report_for_upload(state: AppState, data: bytes, filename: str):
    """The report of an uploaded synthetic file, read by the one synthetic reader."""
    import tempfile
    from pathlib import Path

    from syngen.evaluate.synthetic_reader import read_synthetic

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(filename).name
        path.write_bytes(data)
        synth = read_synthetic(path, state.seed.schema.names, state.seed.schema.prose_columns, state.seed.schema)
    rep = build_report(state.seed.df, synth, state.seed.schema, about={"file": filename, "rows": len(synth)})
    rep.notes = list(synth.attrs.get("notes", [])) + rep.notes
    return rep
