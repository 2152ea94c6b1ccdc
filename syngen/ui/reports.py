"""Quality reports for runs, built once per run and kept in its record."""
from __future__ import annotations

from ..quality import build_report
from .state import AppState, RunRecord


def report_for(state: AppState, run: RunRecord):
    if run.report is None and state.seed is not None:
        run.report = build_report(state.seed.df, run.rows, state.seed.schema, account=run.account,
                                  requested=run.config.num_samples)
    return run.report


def summary_row(state: AppState, run: RunRecord) -> dict:
    rep = report_for(state, run)
    row = {"run": run.run_id, "style": run.config.style, "backend": run.config.backend,
           "model": run.config.model or "default", "k": run.config.k, "rows": len(run.rows),
           "requested": run.config.num_samples, "status": run.status, "seconds": round(run.seconds, 1)}
    if rep is not None:
        row["overall"] = round(rep.overall, 3)
        row |= {k: round(v, 3) for k, v in rep.parts.items() if v == v}
    return row
