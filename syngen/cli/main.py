"""`syngen` command line: the same pipeline the app uses, with a progress bar on stderr."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path

from syngen.cli import tune as cli_tune
from syngen.cli.args import config_from_args, parser, rows_file, settle_renamed
from syngen.cli.progress_bar import Progress
from syngen.cli.values import pairs
from syngen.common.errors import ConfigError, SyngenError
from syngen.common.text import count
from syngen.evaluate.synthetic_reader import read_synthetic
from syngen.generate.config import RunConfig
from syngen.generate.events import RunStatus
from syngen.generate.outbound import outbound_words
from syngen.seed.table import load_table

KEEP_ALL = "--no-clean keeps every row (duplicates and rows without text included)"


def cmd_generate(a: argparse.Namespace) -> int:
    from syngen.runs.execute import backend_for, execute, resolve
    from syngen.runs.store import find_same_seed

    cfg, table = config_from_args(a), rows_file(a)
    if cfg.adapter == "auto":  # tuned here, with a progress bar, before the run
        resolved = cli_tune.run_tuning(cfg, a.quiet)
        print(f"adapter: {resolved.tuned.folder} ({resolved.tuned.message})", file=sys.stderr)
    else:
        resolved = resolve(cfg)
    cfg, seed = resolved.config, resolved.seed
    backend = backend_for(cfg)
    if not a.quiet:
        print(f"seed: {cfg.data}: {seed.clean.summary() if seed.clean else f'{len(seed.df)} rows'}", file=sys.stderr)
        print(f"backend: {backend.name} ({backend.model_label}); generating {cfg.num_samples} rows", file=sys.stderr)
        if resolved.writer:
            print(f"written by: {resolved.writer}", file=sys.stderr)
    if seed.shift:  # shown with -q too: the seed is not the table the user gave
        print(f"warning: {seed.shift}; {KEEP_ALL}", file=sys.stderr)
    backend.precheck()  # a dead server is one line, before anything else is said or made
    sent = outbound_words(seed, cfg, backend)
    if sent:  # shown with -q too: what leaves the machine
        print(f"privacy: {sent}", file=sys.stderr)
    if a.filter_rounds:
        return _generate_filtered(a, cfg, seed, backend, table)
    same = None if a.resume else find_same_seed(cfg)
    if same is not None:  # shown with -q too: it is about duplicate rows, not progress
        print(
            f"note: {same.folder} has these settings and seed {cfg.random_seed}, so this run repeats its draws (with "
            f"the embedded model, its rows); pass --seed {cfg.random_seed + 1} (or any other) for new rows",
            file=sys.stderr,
        )
    cancel = threading.Event()
    # SIGTERM (a scheduler, `timeout`, a container stop) ends the run like a cancel: the batch in
    # hand stops, the accepted rows, account and state are written, and --resume continues.
    main_thread = threading.current_thread() is threading.main_thread()  # signals reach the main thread only
    previous = signal.signal(signal.SIGTERM, lambda *_: cancel.set()) if main_thread else None
    try:
        out = execute(
            cfg,
            seed=seed,
            backend=backend,
            on_event=Progress(a.quiet),
            cancel=cancel,
            resume=a.resume,
            report=not a.no_report,
            check=False,  # checked above
        )
    except KeyboardInterrupt:
        print(
            "\ninterrupted: rows accepted so far are kept in the run's checkpoint; rerun the same command "
            "with --resume to continue",
            file=sys.stderr,
        )
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    result = out.result
    for line in result.account.summary():
        print(line, file=sys.stderr)
    print(f"{result.status}: {result.message}", file=sys.stderr)
    if out.report is not None and not a.quiet:
        print(
            f"quality: overall {out.report.overall:.2f} ("
            + ", ".join(f"{k} {v:.2f}" for k, v in out.report.parts.items() if v == v)
            + ")",
            file=sys.stderr,
        )
    from syngen.runs.export import write_bytes

    rows = count(len(result.rows), "row")
    if table is not None:  # the same bytes, under the name asked for; the run folder keeps its copy
        write_bytes(table, out.rows_file.read_bytes())
        print(f"wrote {table} ({rows}); run folder {out.folder}")
    else:
        print(f"wrote {out.rows_file} ({rows})")
    print(f"replay: syngen generate --config {out.folder / 'config.json'}")
    if result.status == RunStatus.COMPLETE:
        return 0
    more = " (--max-prompts sets how many prompts it tries)" if result.status == RunStatus.EXHAUSTED else ""
    print(f"the run folder {out.folder} keeps the accepted rows: add --resume to continue{more}", file=sys.stderr)
    return 143 if cancel.is_set() else 1  # 128 + SIGTERM: what a scheduler expects of a stopped job


def cmd_inspect(a: argparse.Namespace) -> int:
    from syngen.seed.prepared import prepare_seed

    cfg = RunConfig(data=a.data, label=a.label, roles=pairs(a.role, "--role"))
    seed = prepare_seed(cfg)
    print(f"{a.data}: {len(seed.df)} rows x {len(seed.df.columns)} columns")
    if seed.clean:
        print(f"cleaning: {seed.clean.summary()}")
        for note in seed.clean.notes:
            print(f"note: {note}")
    if seed.shift:
        print(f"warning: {seed.shift}; {KEEP_ALL}")
    print(f"label column: {seed.schema.label or '(none)'}")
    from syngen.plan.resolve import plan_for

    plan = plan_for(seed, cfg)
    print(f"generation plan: {plan.mode} (syngen generate --plan conditional|rows)")
    width = max(len(c) for c in seed.schema.names)
    for c in seed.schema.columns:
        print(
            f"  {c.name:<{width}}  {c.role.value:<11}  {plan.table(seed.schema).set_index('column').loc[c.name, 'generator']:<21}"
            f"  {c.describe()}"
        )
    for note in seed.schema.notes + plan.notes:
        print(f"note: {note}")
    return 0


def _generate_filtered(a, cfg, seed, backend, table: Path | None) -> int:
    from syngen.runs.experiment import filtered_generation
    from syngen.runs.export import default_stem, write_rows

    test = prepare_test(a.real) if a.real else None
    print(
        f"{'round':>5} {'candidates':>10} {'kept':>5} {'accept':>7} {'AUC cand':>9} {'AUC kept':>9} {'TSTR':>6}",
        file=sys.stderr,
    )

    def show(i):
        print(
            f"{i['round']:>5} {i['candidates']:>10} {i.get('kept', 0):>5} {i.get('acceptance', 0):>7.2f} "
            f"{i.get('auc_candidates', float('nan')):>9.3f} {i.get('auc_kept') or float('nan'):>9.3f} "
            f"{i.get('tstr_accuracy', float('nan')):>6.3f}",
            file=sys.stderr,
        )

    kept, history = filtered_generation(
        cfg,
        seed,
        backend,
        rounds=a.filter_rounds,
        oversample=a.oversample,
        test=test,
        on_round=show,
        keep_by=a.keep_by,
    )
    for h in history:
        if "message" in h:
            print(f"round {h['round']}: {h['message']}", file=sys.stderr)
    stem = default_stem(seed.name, cfg.style + "-filtered", backend.name, backend.model_label, cfg.num_samples)
    path = write_rows(kept, table or Path(cfg.out) / f"{stem}.{cfg.format}", cfg.format, cfg.safe_csv)
    path.with_name(f"{path.stem}.rounds.json").write_text(json.dumps(history, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path} ({count(len(kept), 'row')})")
    return 0 if len(kept) == cfg.num_samples else 1


def prepare_test(path: str):
    from syngen.seed.clean import clean_table

    return clean_table(load_table(path))[0]


def cmd_utility(a: argparse.Namespace) -> int:
    from syngen.evaluate.lift import FEATURE_NAMES, parse_sizes
    from syngen.evaluate.utility import discriminate
    from syngen.seed.prepared import prepare_seed

    features = [f.strip() for f in a.features.split(",") if f.strip()]
    bad = [f for f in features if f not in FEATURE_NAMES]
    if bad or not features:
        raise ConfigError(f"--features takes embeddings, tfidf or both (got {a.features!r})")
    sizes = parse_sizes(a.sizes)
    seed = prepare_seed(RunConfig(data=a.data, label=a.label))
    synth = read_synthetic(a.synthetic, seed.schema.names, seed.schema.prose_columns, seed.schema)
    for note in synth.attrs.get("notes", []):
        print(f"note: {a.synthetic}: {note}", file=sys.stderr)
    test = prepare_test(a.real) if a.real else None
    lift = augmentation_lift_cli(seed, synth, test, a.label, sizes, features, a.repeats)
    for feat in features:
        d = discriminate(seed.df, synth, seed.schema, features=feat)
        print(f"discriminator ROC AUC ({FEATURE_NAMES[feat]}) {d.auc:.3f} (0.5 = cannot tell synthetic from real)")
        if d.giveaways and feat == "tfidf":
            print("  gives it away: " + ", ".join(f"{n} ({w:+.2f})" for n, w in d.giveaways[:8]))
    if a.out:
        out = Path(a.out)
        lift.table.to_csv(out, index=False)
        lift.verdicts.to_csv(out.with_name(f"{out.stem}.verdicts.csv"), index=False)
        print(f"wrote {out} and {out.with_name(f'{out.stem}.verdicts.csv')}")
    return 0


def augmentation_lift_cli(seed, synth, test, label, sizes, features, repeats):
    """The lift table, printed by features and size, with the verdicts under each block."""
    from syngen.evaluate.lift import FEATURE_NAMES, augmentation_lift

    t0 = time.perf_counter()
    lift = augmentation_lift(
        seed.df,
        synth,
        seed.schema,
        test,
        label=label,
        sizes=sizes,
        features=features,
        repeats=repeats,
        on_step=lambda m: print(f"[{time.perf_counter() - t0:5.0f}s] trained and tested: {m}", file=sys.stderr),
    )
    held = f"{len(test)} held-out real rows" if test is not None else "30% of the real rows held out per repeat"
    print(
        f"{len(seed.df)} real + {len(synth)} synthetic rows; {held}; rarest label "
        f"'{lift.minority}'; mean ± sd over {repeats} repeats"
    )
    for note in lift.notes:
        print(f"note: {note}")
    t = lift.table
    for (feat, size), block in t.groupby(["features", "size"], sort=False):
        print(f"\n{FEATURE_NAMES[feat]}, real rows: {size}")
        print(f"  {'setting':34s} {'rows':>5s}  {'accuracy':>13s}  {'macro-F1':>13s}  {'F1 ' + lift.minority:>13s}")
        for r in block.to_dict("records"):
            cells = "  ".join(f"{r[m]:.3f} ± {r[m + '_sd']:.3f}" for m in ("accuracy", "macro_f1", "minority_f1"))
            print(f"  {r['setting']:34s} {r['train_rows']:5d}  {cells}")
        head = lift.headline(feat, size)
        print(f"  verdict: {head['verdict']}")
    return lift


def cmd_experiment(a: argparse.Namespace) -> int:
    from syngen.runs.execute import backend_for
    from syngen.runs.experiment import run_experiment, write_experiment
    from syngen.seed.prepared import prepare_seed

    try:
        ks = [int(x) for x in a.k.split(",") if x.strip()]
        mixes = [float(x) for x in a.mix.split(",") if x.strip()]
    except ValueError:
        raise ConfigError("--k takes whole numbers and --mix shares, e.g. --k 5,10 --mix 1.0,0.5") from None
    if any(not 0 < m <= 1 for m in mixes):
        raise ConfigError("--mix shares must be in (0, 1]; 1.0 = synthetic only")
    cfg = RunConfig(
        data=a.data,
        num_samples=a.num_samples,
        backend=a.backend,
        model=a.model,
        base_url=a.base_url,
        style=a.prompt_style,
        label=a.label,
        random_seed=a.seed or 0,
        backend_options=pairs(a.option, "--option"),
        out=a.out,
    )
    seed = prepare_seed(cfg)
    test = prepare_test(a.real)
    backend = backend_for(cfg)
    t0 = time.perf_counter()
    table = run_experiment(
        cfg,
        seed,
        test,
        ks,
        mixes,
        backend,
        Path(a.out) / "cache",
        a.repeats,
        on_step=lambda m: print(f"[{time.perf_counter() - t0:6.0f}s] {m}", file=sys.stderr),
    )
    paths = write_experiment(table, Path(a.out))
    print(paths["summary"].read_text())
    print(f"wrote {paths['table']}, {paths['figure']}, {paths['summary']}")
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from syngen.evaluate import build_report
    from syngen.runs.export import write_report
    from syngen.seed.prepared import prepare_seed

    if a.run:
        from syngen.runs.judge import judge_run

        if a.data or a.synthetic:
            print(
                "note: --run judges the run's rows against its own seed; --data and --synthetic are ignored",
                file=sys.stderr,
            )
        report = judge_run(a.run)
        print(f"judged {len(report.synthetic)} row(s) of {a.run} against the seed it was made from", file=sys.stderr)
    else:
        seed = prepare_seed(RunConfig(data=a.data, label=a.label, roles=pairs(a.role, "--role")))
        synth = read_synthetic(a.synthetic, seed.schema.names, seed.schema.prose_columns, seed.schema)
        print(f"read {len(synth)} synthetic row(s) from {a.synthetic}", file=sys.stderr)
        for note in synth.attrs.get("notes", []):
            print(f"note: {a.synthetic}: {note}", file=sys.stderr)
        report = build_report(seed.df, synth, seed.schema)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    html_path, json_path = write_report(report, a.out)
    t = report.table()
    bad = t[t["verdict"] == "poor"]
    print(
        f"overall score {report.overall:.2f} ("
        + ", ".join(f"{k} {v:.2f}" for k, v in report.parts.items() if v == v)
        + ")"
    )
    for r in bad.to_dict("records"):
        print(f"  poor: {r['metric']} [{r['column']}] = {r['value']:.3g}  {r['detail'][:90]}")
    print(f"wrote {html_path} and {json_path}")
    return 0


def cmd_model_path(a: argparse.Namespace) -> int:
    from syngen.backends.hf import embedded_folder

    print(embedded_folder())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        for note in settle_renamed(args):
            print(f"syngen: note: {note}", file=sys.stderr)
        commands = {
            "generate": cmd_generate,
            "inspect": cmd_inspect,
            "report": cmd_report,
            "utility": cmd_utility,
            "experiment": cmd_experiment,
            "model-path": cmd_model_path,
            "tune": cli_tune.cmd_tune,
        }
        return commands[args.command](args)
    except SyngenError as exc:
        print(f"syngen: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
