"""The k-sweep x mix experiment of the k-shot + GAN seed, and discriminator-filtered generation.

`run_experiment` generates once per k (cached by configuration, so a rerun is cheap), then
trains the same classifier on each synthetic share and tests it on held-out real rows, and puts
real + synthetic against class weights and random oversampling (syngen.evaluate.lift).
`filtered_generation` over-generates, keeps the rows a real-vs-synthetic classifier finds most
realistic, and feeds the most detectable ones back as negative examples for the next round.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from syngen.backends import Backend
from syngen.common.errors import ConfigError
from syngen.evaluate.label_classifier import rows_confidence
from syngen.evaluate.lift import augmentation_lift
from syngen.evaluate.synthetic_reader import read_synthetic
from syngen.evaluate.utility import discriminate, utility
from syngen.generate.checkpoint import config_hash
from syngen.generate.config import RunConfig
from syngen.generate.events import RunStatus
from syngen.generate.loop import run
from syngen.runs.execute import execute
from syngen.runs.export import write_rows
from syngen.seed.prepared import Seed
from syngen.seed.schema import Role


def generate_cached(cfg: RunConfig, seed: Seed, backend: Backend, cache_dir: Path) -> tuple[pd.DataFrame, str]:
    """Rows for this configuration: from the cache when a complete run exists, else generated."""
    path = Path(cache_dir) / f"{config_hash(cfg)}.csv"
    if path.exists():
        return read_synthetic(path, seed.schema.names), "cache"
    # the one run entry point; the run's own folder lands in the cache folder too
    out = execute(
        replace(cfg, out=str(Path(cache_dir) / "runs"), safe_csv=False),
        seed=seed,
        backend=backend,
        report=False,
        check=False,
    )
    if out.result.status == RunStatus.COMPLETE:
        write_rows(out.result.rows, path, "csv", safe_csv=False)  # machine-to-machine: keep values exact
    return out.result.rows, out.result.status


def run_experiment(
    base: RunConfig,
    seed: Seed,
    test: pd.DataFrame,
    ks: list[int],
    mixes: list[float],
    backend: Backend,
    cache_dir: Path,
    repeats: int = 3,
    on_step: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """One row per (k, synthetic share) with accuracy and macro-F1 mean and sd, plus TRTR."""
    say = on_step or (lambda s: None)
    inner = sorted({m for m in mixes if 0 < m < 1})
    out, lifts = [], []
    for k in ks:
        cfg = replace(base, k=k)
        cfg.check_prompt(len(seed.df))
        say(f"k={k}: generating {cfg.num_samples} rows")
        rows, how = generate_cached(cfg, seed, backend, cache_dir)
        say(f"k={k}: {len(rows)} rows ({how}); training and testing")
        table = utility(
            seed.df,
            rows[[c for c in seed.df.columns if c in rows.columns]],
            test,
            seed.schema,
            mixes=inner,
            repeats=repeats,
            random_seed=base.random_seed,
        )
        if seed.schema.label:  # against the baselines too: class weights, random oversampling
            lift = augmentation_lift(
                seed.df, rows, seed.schema, test, sizes=(None,), features=("tfidf",), repeats=repeats
            )
            head = lift.headline()
            lifts += [
                {"k": k, **r, "minority": lift.minority, "verdict": head["verdict"]}
                for r in lift.table.to_dict("records")
            ]
        for r in table.to_dict("records"):
            share = r["synthetic_share"]
            if share == 0.0 and not any(o["synthetic_share"] == 0.0 for o in out):
                out.append({"k": None, **r, "rows_generated": 0, "source": "real"})  # TRTR, once
            elif share is not None and share > 0 and share in mixes:
                out.append({"k": k, **r, "rows_generated": len(rows), "source": how})
    result = pd.DataFrame(out)
    result.attrs["lift"] = pd.DataFrame(lifts)  # per k: real + synthetic against the baselines
    return result


def write_experiment(table: pd.DataFrame, out_dir: Path) -> dict[str, Path]:
    """CSV table, a plotly figure (HTML) and a markdown summary: the seed's k x mix table."""
    import plotly.graph_objects as go

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "table": out_dir / "experiment.csv",
        "figure": out_dir / "experiment.html",
        "summary": out_dir / "experiment.md",
    }
    table.to_csv(paths["table"], index=False)
    trtr = table[table["synthetic_share"] == 0.0]
    body = table[table["synthetic_share"] != 0.0]
    fig = go.Figure()
    for share, g in body.groupby("synthetic_share"):
        fig.add_trace(
            go.Scatter(
                x=g["k"],
                y=g["accuracy"],
                error_y=dict(array=g["accuracy_sd"]),
                mode="lines+markers",
                name=f"{int(share * 100)}% synthetic",
            )
        )
    if len(trtr):
        fig.add_hline(y=float(trtr["accuracy"].iloc[0]), line_dash="dash", annotation_text="real only (TRTR)")
    fig.update_layout(
        title="Accuracy on held-out real rows by k and synthetic share",
        xaxis_title="k (examples per prompt)",
        yaxis_title="accuracy",
    )
    paths["figure"].write_text(fig.to_html(include_plotlyjs=True), encoding="utf-8")
    lines = ["| k | synthetic share | accuracy | macro-F1 | vs TRTR |", "|---|---|---|---|---|"]
    for r in table.to_dict("records"):
        k = "-" if r["k"] is None or (isinstance(r["k"], float) and math.isnan(r["k"])) else int(r["k"])
        lines.append(
            f"| {k} | {int(r['synthetic_share'] * 100)}% | {r['accuracy']:.3f} ± {r['accuracy_sd']:.3f} | "
            f"{r['macro_f1']:.3f} ± {r['macro_f1_sd']:.3f} | {r['accuracy_vs_trtr']:.2f} |"
        )
    base = table["majority_baseline"].iloc[0] if len(table) else float("nan")
    lines.append(f"\nMajority-class baseline on the test rows: {base:.3f}.")
    lift = table.attrs.get("lift")
    if lift is not None and len(lift):
        paths["lift"] = out_dir / "experiment-lift.csv"
        lift.to_csv(paths["lift"], index=False)
        minority = lift["minority"].iloc[0]
        lines += [
            f"\nAgainst the baselines (every real row, TF-IDF; F1 of the rarest label '{minority}'):\n",
            "| k | training set | accuracy | macro-F1 | F1 of the rarest label |",
            "|---|---|---|---|---|",
        ]
        for r in lift.to_dict("records"):
            lines.append(
                f"| {r['k']} | {r['setting']} | {r['accuracy']:.3f} ± {r['accuracy_sd']:.3f} | "
                f"{r['macro_f1']:.3f} ± {r['macro_f1_sd']:.3f} | {r['minority_f1']:.3f} ± {r['minority_f1_sd']:.3f} |"
            )
        lines += [""] + [f"- k = {k}: {v}" for k, v in lift.groupby("k", sort=False)["verdict"].first().items()]
    paths["summary"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def filtered_generation(
    cfg: RunConfig,
    seed: Seed,
    backend: Backend,
    rounds: int = 2,
    oversample: float = 2.0,
    test: pd.DataFrame | None = None,
    negatives_per_round: int = 5,
    on_round: Callable[[dict], None] | None = None,
    keep_by: str = "realism",
) -> tuple[pd.DataFrame, list[dict]]:
    """Keep the N best of about oversample x N candidates per round; the most detectable
    candidates become negative examples for the next round. Returns the last round's rows.
    `keep_by`: "realism" keeps what a real-vs-synthetic classifier finds most realistic;
    "confidence" keeps the texts that read most surely as their own label, with the least
    disagreement across an ensemble fitted on the seed (CLLM's curation signals)."""
    if keep_by not in ("realism", "confidence"):
        raise ConfigError(f"unknown --keep-by '{keep_by}'; use realism or confidence")
    text_cols = [c.name for c in seed.schema.by_role(Role.TEXT)]
    if keep_by == "confidence" and not (seed.schema.label and text_cols):
        raise ConfigError("--keep-by confidence needs a label and a free-text column; use --keep-by realism")
    n = cfg.num_samples
    negatives = list(cfg.negatives)
    kept = pd.DataFrame()
    history = []
    content = [c.name for c in seed.schema.columns]
    for r in range(rounds):
        c = replace(
            cfg,
            num_samples=max(n + 2, math.ceil(n * oversample)),
            negatives=list(negatives),
            random_seed=cfg.random_seed + r,
        )
        res = run(c, backend, seed)
        cand = res.rows.reset_index(drop=True)
        info = {"round": r + 1, "candidates": len(cand), "status": res.status}
        if len(cand) < 2:
            info["message"] = f"too few candidates ({len(cand)}): {res.message}"
            history.append(info)
            break
        d = discriminate(seed.df, cand, seed.schema, folds=min(5, len(cand)), random_seed=cfg.random_seed + r)
        order = np.argsort(d.proba)  # most realistic first
        if keep_by == "confidence":
            conf, spread = rows_confidence(seed.df, cand, text_cols[0], seed.schema.label)
            order = np.argsort(-(conf - spread))  # surest first
        kept = cand.iloc[order[:n]].reset_index(drop=True)
        worst = cand.iloc[order[::-1][:negatives_per_round]]
        negatives += [{k: v for k, v in row.items() if k in content} for row in worst.to_dict("records")]
        info |= {
            "kept": len(kept),
            "acceptance": round(len(kept) / len(cand), 3),
            "auc_candidates": round(d.auc, 3),
            "auc_kept": round(
                discriminate(seed.df, kept, seed.schema, folds=min(5, len(kept)), random_seed=cfg.random_seed + r).auc,
                3,
            )
            if len(kept) >= 2
            else None,
        }
        if test is not None and seed.schema.label:
            t = utility(
                seed.df, kept[[col for col in content if col in kept.columns]], test, seed.schema, mixes=(), repeats=1
            ).set_index("setting")
            info["tstr_accuracy"] = round(float(t.loc["TSTR (synthetic only)", "accuracy"]), 3)
        history.append(info)
        if on_round:
            on_round(info)
    return kept, history
