"""Which path writes a table's rows: the adapter tuned on the seed (k=0) or k-shot prompting.

Decided per table by measurement, after tuning: each path writes a few rows of every label, and
the check compares (a) how many of each label's candidates the run keeps and how many read as
their label (the seed's label gate reads them), (b) a real-vs-synthetic discriminator (sentence
embeddings) trained on the seed rows the adapter never saw, and (c) kept rows per minute. The
adapter wins when every label reads as itself at least as often as the rule below asks and a
discriminator tells its rows from real ones no better than k-shot's (within a margin: the checks
are small, and the adapter writes faster). The verdict is kept next to the adapter
(`choice.json`), so every later run of the seed follows it without measuring again.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import pandas as pd

from syngen.common.errors import SyngenError
from syngen.common.text import count
from syngen.generate.config import RunConfig
from syngen.seed.prepared import Seed

CHOICE = "choice.json"
ROWS_PER_LABEL = 4
READS_AS_LABEL = 0.8  # share of a label's candidates that must read as that label
KEPT = 0.5  # share of a label's candidates the run must keep (an undertrained adapter writes junk)
SHARE_MARGIN = 0.1  # k-shot's share, less this, is enough: one row of a 4-row check moves a share by 20%+
AUC_MARGIN = 0.05  # the adapter may be this much easier to tell apart and still win (it writes faster)
PATHS = ("adapter", "k-shot")


@dataclass
class PathFigures:
    """What one path wrote in the check."""

    kept: dict = field(default_factory=dict)  # label -> rows kept
    parsed: dict = field(default_factory=dict)  # label -> candidates parsed
    off_label: dict = field(default_factory=dict)  # label -> candidates that read as another label
    seconds: float = 0.0
    auc: float | None = None  # real (held-out) vs these rows; 0.5 = indistinguishable
    error: str = ""

    def reads_as_label(self) -> dict:
        return {lab: 1 - self.off_label.get(lab, 0) / n for lab, n in self.parsed.items() if n}

    def acceptance(self) -> dict:
        return {lab: self.kept.get(lab, 0) / n for lab, n in self.parsed.items() if n}

    def rows_per_minute(self) -> float:
        return 60 * sum(self.kept.values()) / self.seconds if self.seconds else 0.0


@dataclass
class PathChoice:
    path: str  # "adapter" | "k-shot"
    why: str
    figures: dict  # path -> PathFigures as a dict
    measured: str = ""  # when

    def save(self, folder: Path) -> None:
        (Path(folder) / CHOICE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def read_choice(folder: str | Path | None) -> PathChoice | None:
    """The check's verdict kept next to an adapter, or None when it was never checked."""
    try:
        d = json.loads((Path(folder) / CHOICE).read_text(encoding="utf-8"))
        return PathChoice(d["path"], d["why"], d.get("figures", {}), d.get("measured", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(config: RunConfig, seed: Seed, label: str | None, n: int, cancel) -> tuple[pd.DataFrame, object]:
    from syngen.generate.loop import run

    cfg = replace(config, num_samples=n, label_mix={label: 1.0} if label is not None else None, max_prompts=4 * n)
    result = run(cfg, seed=seed, cancel=cancel)
    return result.rows, result.account


def measure_path(config: RunConfig, seed: Seed, labels: dict, cancel=None) -> tuple[PathFigures, pd.DataFrame]:
    """One path's rows for each label (label -> how many), and what happened to its candidates."""
    figs, frames = PathFigures(), []
    t0 = time.perf_counter()
    for lab, n in labels.items():
        if cancel is not None and cancel.is_set():
            break
        rows, account = _write(config, seed, lab, n, cancel)
        frames.append(rows)
        key = str(lab)
        figs.kept[key], figs.parsed[key] = len(rows), account.parsed
        figs.off_label[key] = sum(v for k, v in account.rejected.items() if k.startswith("text reads"))
    figs.seconds = round(time.perf_counter() - t0, 1)
    return figs, pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _auc(real: pd.DataFrame, rows: pd.DataFrame, seed: Seed) -> float | None:
    from syngen.evaluate.utility import discriminate

    if len(rows) < 4 or len(real) < 4:
        return None
    try:
        return round(discriminate(real, rows, seed.schema, features="embeddings").auc, 3)
    except (SyngenError, ValueError):  # one class after label matching, too few rows per fold
        return None


def _short_label(ours: dict, theirs: dict, wanted: float) -> tuple[str, float, float] | None:
    """The label whose share falls below both `wanted` and k-shot's share less the margin (the
    worst first). On drug reviews 5 of 7 against k-shot's 3 of 4 'negative' candidates chose
    k-shot, where 3 runs of 20 rows found the two paths level (64% and 67% read as 'neutral')."""
    for lab, share in sorted(ours.items(), key=lambda kv: kv[1]):
        if share < min(wanted, theirs.get(lab, 0.0) - SHARE_MARGIN):
            return lab, share, theirs.get(lab, 0.0)
    return None


def decide(adapter: PathFigures, kshot: PathFigures) -> tuple[str, str]:
    """The rule, in words: the adapter writes when every label reads as itself often enough (or at
    least as often as with k-shot) and its rows are no easier to tell from real ones."""
    if adapter.error or not adapter.parsed:
        return "k-shot", f"the adapter wrote nothing usable in the check ({adapter.error or 'no candidates'})"
    a_reads, k_reads = adapter.reads_as_label(), kshot.reads_as_label()
    short = _short_label(a_reads, k_reads, READS_AS_LABEL)
    if short:
        lab, share, theirs = short
        return "k-shot", (
            f"the adapter's '{lab}' candidates read as '{lab}' {share:.0%} of the time "
            f"(k-shot: {theirs:.0%}; wanted {READS_AS_LABEL:.0%})"
        )
    short = _short_label(adapter.acceptance(), kshot.acceptance(), KEPT)
    if short:
        lab, share, theirs = short
        return "k-shot", (
            f"the run kept {share:.0%} of the adapter's '{lab}' candidates (k-shot: {theirs:.0%}; wanted {KEPT:.0%})"
        )
    # below 0.5 a small check's AUC is noise, not rows that look more real than real ones
    a_auc, k_auc = (max(0.5, x) if x is not None else None for x in (adapter.auc, kshot.auc))
    if a_auc is not None and k_auc is not None and a_auc > k_auc + AUC_MARGIN:
        return "k-shot", (
            f"a discriminator tells the adapter's rows from real ones more easily (AUC {a_auc:.2f} "
            f"against {k_auc:.2f} for k-shot; 0.5 = indistinguishable)"
        )
    worst = min(a_reads.values()) if a_reads else 1.0
    speed = adapter.rows_per_minute() / kshot.rows_per_minute() if kshot.rows_per_minute() else float("inf")
    if speed < 1.0:
        return "k-shot", (
            f"k-shot kept more rows per minute ({kshot.rows_per_minute():.1f} against {adapter.rows_per_minute():.1f} "
            "with the adapter), and the adapter's rows were no more real"
        )
    auc = f"; a discriminator's AUC {a_auc:.2f} against {k_auc:.2f} for k-shot" if a_auc and k_auc else ""
    pace = f"{speed:.1f}x the kept rows per minute" if speed != float("inf") else "rows where k-shot kept none"
    return "adapter", f"each label's candidates read as that label (at least {worst:.0%}){auc}; {pace}"


def check_paths(
    config: RunConfig,
    seed: Seed,
    folder: str | Path,
    rows_per_label: int = ROWS_PER_LABEL,
    cancel: threading.Event | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> PathChoice:
    """Measure both paths on this seed and keep the verdict next to the adapter at `folder`. The
    rarest label gets twice the rows: it is the one an adapter forgets, and the one users add."""
    from syngen.tune.seed_tuning import HOLDOUT

    say = on_progress or (lambda s: None)
    label = seed.schema.label
    labels: dict = {None: rows_per_label}
    if label:
        counts = seed.df[label].dropna().astype(str).value_counts()
        labels = {lab: rows_per_label for lab in sorted(counts.index)}
        labels[counts.idxmin()] = 2 * rows_per_label
    held = seed.df
    if (Path(folder) / HOLDOUT).exists():
        held = pd.read_csv(Path(folder) / HOLDOUT, dtype=str, keep_default_na=False)
    paths = {
        "adapter": replace(config, k=0, backend_options={**config.backend_options, "adapter": str(folder)}),
        "k-shot": replace(config, backend_options={**config.backend_options, "adapter": "none"}),
    }
    figures = {}
    for name, cfg in paths.items():
        say(f"checking {name}: {count(sum(labels.values()), 'row')} of {count(len(labels), 'label')}…")
        try:
            figs, rows = measure_path(cfg, seed, labels, cancel)
            figs.auc = _auc(held, rows, seed)
        except SyngenError as exc:
            figs = PathFigures(error=str(exc))
        figures[name] = figs
    path, why = decide(figures["adapter"], figures["k-shot"])
    choice = PathChoice(path, why, {k: asdict(v) for k, v in figures.items()}, time.strftime("%Y-%m-%d %H:%M"))
    if cancel is None or not cancel.is_set():
        choice.save(Path(folder))
    return choice
