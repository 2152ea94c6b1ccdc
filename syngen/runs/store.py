"""The run history on disk: one folder per run, read back so a reload, a new tab or a restart
shows every run; and what a review changes in a run's rows and name.

    <out>/<stem>-<run id>/
        <stem>.csv        rows (or .jsonl / .parquet / .xlsx)
        config.json       replays the run: syngen generate --config …/config.json
        account.json      requests, tokens, time, rejects by reason
        report.json       the quality report's scores
        state.json        status, message, name, times, counts (the history lists these)
        utility.json      the latest utility verdict for these rows (the Utility page, the quick start)
        checkpoint.jsonl  accepted rows while the run is unfinished (resume continues from it)
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from syngen.common.errors import DataError
from syngen.generate.checkpoint import config_hash
from syngen.generate.config import RunConfig
from syngen.generate.events import RunStatus
from syngen.runs.export import write_rows
from syngen.seed.table import dataset_name, load_table

STATE, CONFIG, ACCOUNT, REPORT, CHECKPOINT, UTILITY = (
    "state.json",
    "config.json",
    "account.json",
    "report.json",
    "checkpoint.jsonl",
    "utility.json",
)


@dataclass
class RunInfo:
    """One run folder as the history shows it."""

    folder: Path
    run_id: str
    name: str
    status: RunStatus
    message: str
    config: dict
    rows_file: Path | None
    rows: int
    requested: int
    started: float
    seconds: float
    scores: dict = field(default_factory=dict)  # overall and parts from report.json
    checkpoint_rows: int = 0
    seed_name: str = ""  # the seed the run was made from (its copy is in the folder: runs.run_seed)

    @property
    def resumable(self) -> bool:
        """Unfinished, and it kept rows worth continuing from."""
        return self.status not in (RunStatus.COMPLETE, RunStatus.RUNNING) and self.checkpoint_rows > 0


def write_json(path: Path, obj) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_state(folder: Path) -> dict:
    try:
        return json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def update_state(folder: Path, **changes) -> dict:
    state = read_state(folder) | changes
    write_json(folder / STATE, state)
    return state


def find_resumable(config: RunConfig, out: str | Path | None = None) -> RunInfo | None:
    """The newest unfinished run of this configuration that kept rows."""
    chash = config_hash(config)
    for info in list_runs(out or config.out):
        if info.resumable and read_state(info.folder).get("config_hash") == chash:
            return info
    return None


def find_same_seed(config: RunConfig, out: str | Path | None = None) -> RunInfo | None:
    """The newest run that kept rows with these settings and seed, whatever its row count: a new
    run writes the same rows again (the seed makes a run repeatable)."""
    key = config_hash(config, ignore=("num_samples",))
    for info in list_runs(out or config.out):
        if (info.rows or info.checkpoint_rows) and config_hash(info.config, ignore=("num_samples",)) == key:
            return info
    return None


def read_run(folder: Path) -> RunInfo | None:
    """Read one run folder (None when it is not one)."""
    st = read_state(folder)
    if not st.get("run_id"):
        return None
    try:
        config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    status = RunStatus(st["status"]) if st.get("status") in set(RunStatus) else RunStatus.INTERRUPTED
    if status == RunStatus.RUNNING and not _alive(st.get("pid")):
        status = RunStatus.INTERRUPTED  # the process that ran it is gone (a crash, kill -9, a restart)
    ckpt = folder / CHECKPOINT
    kept = 0
    if ckpt.exists():
        try:
            kept = sum(1 for line in ckpt.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
        except OSError:
            kept = 0
    rows_file = folder / st["rows_file"] if st.get("rows_file") else None
    return RunInfo(
        folder,
        st["run_id"],
        st.get("name") or folder.name,
        status,
        st.get("message", ""),
        config,
        rows_file if rows_file and rows_file.exists() else None,
        int(st.get("rows") or kept),
        int(st.get("requested") or 0),
        float(st.get("started") or 0),
        float(st.get("seconds") or 0),
        st.get("scores") or {},
        kept,
        st.get("seed_name") or dataset_name(str(config.get("data") or "")),
    )


def _alive(pid) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True  # this process: the app's own job thread (see jobs.active)
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    return True


def list_runs(out: str | Path) -> list[RunInfo]:
    """Every run folder under `out`, newest first."""
    root = Path(out)
    if not root.is_dir():
        return []
    infos = [read_run(p) for p in root.iterdir() if p.is_dir() and (p / STATE).exists()]
    return sorted((i for i in infos if i is not None), key=lambda i: i.started, reverse=True)


def load_rows(info: RunInfo) -> pd.DataFrame:
    """The run's rows: its export, or what its checkpoint kept if it never finished."""
    if info.rows_file is not None:
        try:
            df = load_table(info.rows_file)
            df.attrs.pop("notes", None)
            return df
        except DataError:
            pass
    ckpt = info.folder / CHECKPOINT
    if ckpt.exists():
        rows = [
            json.loads(line)
            for line in ckpt.read_text(encoding="utf-8").splitlines()[1:]
            if line.strip() and line.strip().startswith("{")
        ]
        return pd.DataFrame(rows, dtype=object)
    return pd.DataFrame()


def save_rows(info: RunInfo, rows: pd.DataFrame, schema=None, **state) -> None:
    """Rewrite a run's rows after review (edits, disliked rows removed) and note it in its state."""
    fmt = info.config.get("format", "csv")
    stem = read_state(info.folder).get("stem") or info.folder.name
    path = write_rows(rows, info.folder / f"{stem}.{fmt}", fmt, info.config.get("safe_csv", True), schema=schema)
    utility = load_utility(info.folder)
    if utility and "measured_rows" not in utility:  # measured on the rows before this review: said so
        write_json(info.folder / UTILITY, utility | {"measured_rows": info.rows})
    update_state(info.folder, rows=len(rows), rows_file=path.name, **state)


def rename_run(info: RunInfo, name: str) -> None:
    name = " ".join(str(name).split())[:80]
    if not name:
        raise DataError("a run name cannot be empty")
    update_state(info.folder, name=name)


def delete_run(info: RunInfo) -> None:
    if info.status == RunStatus.RUNNING:
        raise DataError(f"run {info.run_id} is still running: cancel it first")
    if not (info.folder / STATE).exists():
        raise DataError(f"{info.folder} is not a run folder")
    shutil.rmtree(info.folder)


def load_report_scores(info: RunInfo) -> dict:
    try:
        return json.loads((info.folder / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_utility(folder: Path, sentence: str, **details) -> None:
    """The utility verdict of a run's rows (the summary, Compare and the report quote it). A
    review that changes the rows afterwards keeps it, marked with the rows it was measured on."""
    write_json(Path(folder) / UTILITY, {"sentence": sentence, **details})


def utility_words(folder: Path) -> str:
    """The saved utility verdict as the pages and the report quote it ("" when none): with the
    held-out rows it was tested on, and a note when a review changed the rows since."""
    u = load_utility(folder)
    if not u.get("sentence"):
        return ""
    held = u.get("held_out") or 0
    on = f"tested on {held} held-out real rows" + (f" ({u['held_out_file']})" if u.get("held_out_file") else "")
    on = on if held else "tested on a share of the seed held out each repeat"
    since = f"; measured on {u['measured_rows']} rows, before a review changed them" if u.get("measured_rows") else ""
    return f"{u['sentence']} [{on}{since}]"


def load_utility(folder: Path) -> dict:
    try:
        return json.loads((Path(folder) / UTILITY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_report(folder: Path, report) -> dict:
    """Write a run's report.json and its scores into the state (what Compare and the history
    show), so every page reads the scores of the rows as they are now."""
    d = report.to_dict()
    write_json(Path(folder) / REPORT, d)
    scores = {"overall": d["overall"], **d["parts"]}
    update_state(Path(folder), scores=scores)
    return scores
