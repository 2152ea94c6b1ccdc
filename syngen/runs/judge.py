"""Judging a saved run: its rows as they are now (after any review) against the seed it was made
from, with its saved utility verdict. The CLI's `syngen report --run` and the app's pages call
this, so they show the same numbers."""

from __future__ import annotations

import json
import time
from pathlib import Path

from syngen.common.errors import DataError
from syngen.generate.config import RunConfig
from syngen.plan.target import target_words
from syngen.runs.execute import run_report
from syngen.runs.run_seed import load_run_seed
from syngen.runs.store import ACCOUNT, RunInfo, load_rows, read_run, read_state, save_report, utility_words


def run_account(info: RunInfo) -> dict | None:
    try:
        return json.loads((info.folder / ACCOUNT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def delivered(info: RunInfo) -> int:
    """Rows the run produced (before any review removed some)."""
    return int((run_account(info) or {}).get("accepted") or info.rows)


def run_about(info: RunInfo, config: RunConfig, backend: str | None = None) -> dict:
    """What a report says about the run it judges."""
    return {
        "name": info.name,
        "run_id": info.run_id,
        "seed": info.seed_name,
        "style": config.style,
        "plan": config.plan,
        "backend": backend or config.backend,
        "k": config.k,
        "rows": info.rows,
        "requested": config.num_samples,
        "status": info.status,
        "generated": time.strftime("%Y-%m-%d %H:%M", time.localtime(info.started)) if info.started else "",
        "seconds": round(info.seconds, 1),
        "delivered": delivered(info),
        "target": target_words(config),
        "utility": utility_words(info.folder),
        "writer": read_state(info.folder).get("writer", ""),
    }


def judge_run(folder: str | Path, save: bool = True):
    """The quality report of the run in `folder`, against its own seed; saved with the run (its
    report.json and the scores in its state) unless `save` is False. DataError when the folder
    is no run, has no rows, or its seed cannot be found: never a score against another table."""
    info = read_run(Path(folder))
    if info is None:
        raise DataError(f"{folder}: not a run folder (no state.json); give a folder under your --out")
    rows = load_rows(info)
    if not len(rows):
        raise DataError(f"{folder}: the run kept no rows, so there is nothing to judge")
    origin = load_run_seed(info.folder, info.config)
    if origin.seed is None:
        raise DataError(f"{folder}: no report: {origin.problem}")
    config = RunConfig.from_dict(info.config)
    report = run_report(
        config, origin.seed, rows, account=run_account(info), delivered=delivered(info), about=run_about(info, config)
    )
    if save:
        save_report(info.folder, report)
    return report
