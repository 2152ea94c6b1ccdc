"""Quality reports for runs, built once per run and kept in its record."""

from __future__ import annotations

import time

from syngen.evaluate import build_report
from syngen.runs.execute import run_report
from syngen.ui.backend_form import display_name
from syngen.ui.state import AppState, RunRecord


def about(run: RunRecord) -> dict:
    """What the report says about the run it judges."""
    cfg = run.config
    return {
        "name": run.name,
        "run_id": run.run_id,
        "style": cfg.style,
        "plan": cfg.plan,
        "backend": display_name(cfg.backend, cfg.model),
        "k": cfg.k,
        "rows": run.info.rows,
        "requested": cfg.num_samples,
        "status": run.status,
        "generated": time.strftime("%Y-%m-%d %H:%M", time.localtime(run.info.started)) if run.info.started else "",
    }


def report_for(state: AppState, run: RunRecord):
    if run.report is None and state.seed is not None:
        run.report = run_report(
            run.config, state.seed, run.rows, account=run.account, delivered=run.delivered, about=about(run)
        )
    return run.report


def summary_row(state: AppState, run: RunRecord) -> dict:
    """One line of the Compare table, from the run folder's saved scores (no recomputation)."""
    info = about(run)
    row = {"name": info.pop("name"), "run": info.pop("run_id"), **info, "seconds": round(run.seconds, 1)}
    scores = dict(run.info.scores)
    if not scores and run.info.rows:
        rep = report_for(state, run)
        if rep is not None:
            scores = {"overall": rep.overall, **rep.parts}
    row |= {k: (round(v, 3) if isinstance(v, float) else v) for k, v in scores.items() if v is not None}
    return row


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
