"""`syngen tune`: adapt the embedded model to a seed (LoRA), with a progress line and a Ctrl-C
that keeps the best adapter so far. Also the tuning step of `syngen generate --adapter auto`."""

from __future__ import annotations

import argparse
import sys
import threading
from dataclasses import replace

from syngen.cli.progress_bar import TuneBar
from syngen.cli.values import pairs
from syngen.generate.config import RunConfig
from syngen.tune.seed_tuning import TuneSettings


def add_parser(sub) -> None:
    t = sub.add_parser("tune", help="adapt the embedded model to a seed table (LoRA on the CPU)")
    t.add_argument("--data", required=True, help="seed file")
    t.add_argument("--label", help="label column (default: inferred)")
    t.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE")
    t.add_argument("--plan", choices=("auto", "conditional", "rows"), help="the plan the adapter serves")
    t.add_argument("--no-length-hint", action="store_true", help="rows without the length line (as generate's flag)")
    t.add_argument("--model", help="hf model (default: the embedded gemma3-270m)")
    d = TuneSettings()
    t.add_argument(
        "--max-minutes",
        type=float,
        default=d.max_minutes,
        help=f"time budget, loading included (default {d.max_minutes:g})",
    )
    t.add_argument("--epochs", type=int, default=d.epochs)
    t.add_argument("--rank", type=int, default=d.rank, help="LoRA rank")
    t.add_argument("--learning-rate", type=float, default=d.learning_rate)
    t.add_argument("--max-steps", type=int, default=d.max_steps, help="stop after this many steps (0: no limit)")
    t.add_argument(
        "--balance",
        type=int,
        default=d.balance,
        help=f"repeat a rare label's rows up to this many times towards the largest label (1: the seed's mix; default {d.balance})",
    )
    t.add_argument(
        "--no-check", action="store_true", help="skip the check that picks the adapter or k-shot for this table"
    )
    t.add_argument("--retrain", action="store_true", help="tune again even if an adapter is cached")
    t.add_argument("--no-clean", action="store_true", help="use the seed as is")
    t.add_argument("--quiet", "-q", action="store_true")


def settings_from_args(a: argparse.Namespace) -> TuneSettings:
    return TuneSettings(
        max_minutes=a.max_minutes,
        epochs=a.epochs,
        rank=a.rank,
        alpha=2 * a.rank,
        learning_rate=a.learning_rate,
        max_steps=a.max_steps,
        balance=a.balance,
    )


def run_tuning(config: RunConfig, quiet: bool = False, settings=None, retrain: bool = False):
    """Tune (or reuse) the seed's adapter in a worker thread, with a progress bar; Ctrl-C cancels
    and keeps the best adapter so far. Returns the ResolvedRun that names the adapter's folder."""
    from syngen.runs.execute import resolve

    cancel, box = threading.Event(), {}
    config = replace(config, backend_options={**config.backend_options, "adapter": "auto"})

    def work():
        try:
            box["result"] = resolve(
                config, on_progress=TuneBar(quiet), cancel=cancel, settings=settings, retrain=retrain
            )
        except BaseException as exc:  # handed to the main thread, which reports it
            box["error"] = exc

    worker = threading.Thread(target=work, name="syngen-tune", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        sys.stderr.write("\ncancelling: saving the best adapter so far…\n")
        worker.join()
    if not quiet:
        sys.stderr.write("\n")
    if "error" in box:
        raise box["error"]
    return box["result"]


def cmd_tune(a: argparse.Namespace) -> int:
    cfg = RunConfig(
        data=a.data,
        label=a.label,
        roles=pairs(a.role, "--role"),
        clean=not a.no_clean,
        plan=a.plan or "auto",
        length_hint=not a.no_length_hint,
        model=a.model,
    )
    resolved = run_tuning(cfg, a.quiet, settings_from_args(a), retrain=a.retrain)
    result = resolved.tuned
    print(f"{result.status}: {result.message}", file=sys.stderr)
    if result.status != "cancelled" and not a.no_check:
        _check(resolved, a.quiet)
    print(result.folder)
    return 0 if result.status != "cancelled" else 1


def _check(resolved, quiet: bool) -> None:
    """Which path writes this table's rows (runs.path_choice), said in words; Ctrl-C skips it."""
    from syngen.runs.path_choice import check_paths, read_choice

    folder = resolved.tuned.folder
    choice = read_choice(folder)
    if choice is None or resolved.tuned.status != "reused":
        say = (lambda m: None) if quiet else (lambda m: print(m, file=sys.stderr))
        try:
            choice = check_paths(resolved.config, resolved.seed, folder, on_progress=say)
        except KeyboardInterrupt:
            print("check skipped: `syngen generate` keeps k-shot prompting until the check has run", file=sys.stderr)
            return
    who = "the adapter (k=0)" if choice.path == "adapter" else "k-shot prompting"
    print(f"check: {who} writes this table's rows by default: {choice.why}", file=sys.stderr)
    print(f"use it by name: syngen generate --data {resolved.config.data} --adapter {folder}", file=sys.stderr)
