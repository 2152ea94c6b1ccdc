"""`syngen` command line: the same pipeline the app uses, with a progress bar on stderr."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from . import __version__, cli_tune
from .config import RunConfig, parse_mix
from .data import load_table
from .errors import ConfigError, SyngenError
from .progress_bar import Progress
from .schema import Role
from .synthetic_reader import read_synthetic
from .text import count

# CLI flag -> RunConfig field, for flags that map one to one.
_FIELDS = {
    "data": "data",
    "num_samples": "num_samples",
    "backend": "backend",
    "model": "model",
    "base_url": "base_url",
    "k": "k",
    "selection": "selection",
    "prompt_style": "style",
    "context": "context",
    "rows_per_prompt": "rows_per_prompt",
    "completion_format": "completion_format",
    "label": "label",
    "batch_size": "batch_size",
    "max_prompts": "max_prompts",
    "seed": "seed",
    "near_duplicate": "near_duplicate",
    "id_policy": "id_policy",
    "out": "out",
    "format": "format",
    "plan": "plan",
    "novelty": "novelty",
}
_SAMPLING = ("temperature", "top_p", "top_k", "max_new_tokens")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="syngen", description="Synthetic rows from a small real dataset.")
    p.add_argument("--version", action="version", version=f"syngen {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="generate exactly N validated synthetic rows")
    g.add_argument("--config", help="replay a run config written next to an earlier output")
    g.add_argument("--data", help="seed file (CSV/TSV/JSON/JSONL/Parquet/Excel)")
    g.add_argument("--num-samples", "-n", type=int)
    g.add_argument("--backend", help="hf (embedded, default), ollama, cohere, openai")
    g.add_argument("--base-url", help="server address for ollama / openai-compatible / cohere")
    g.add_argument("--model", help="model id, local folder or .gguf (hf default: gemma3-270m)")
    g.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="backend option")
    g.add_argument("--adapter", help="hf: a LoRA adapter folder from `syngen tune`, or auto (tune or reuse)")
    for name, typ in (("temperature", float), ("top_p", float), ("top_k", int), ("max_new_tokens", int)):
        g.add_argument("--" + name.replace("_", "-"), type=typ)
    g.add_argument("--k", type=int, help="seed rows shown per prompt (k-shot)")
    g.add_argument("--selection", help="exemplar selection: auto, random, stratified, diverse")
    g.add_argument("--prompt-style", help="base, diversity, lang_complexity, text_length, custom")
    g.add_argument("--template", help="file with a custom prompt template ({examples}, {n}, ...)")
    g.add_argument("--context", help="what the data is, e.g. 'patient reviews of drugs'")
    g.add_argument("--negatives", help="file of rows (or lines of text) the output must not resemble")
    g.add_argument("--rows-per-prompt", type=int)
    g.add_argument("--completion-format", help="what base models continue: records (default) or csv")
    g.add_argument("--label", help="label column (default: inferred)")
    g.add_argument("--label-mix", help="'negative' or 'positive=0.5,negative=0.5' (default: seed mix)")
    g.add_argument(
        "--role",
        action="append",
        default=[],
        metavar="COLUMN=ROLE",
        help=f"override a column role: {', '.join(r.value for r in Role)}",
    )
    g.add_argument("--no-clean", action="store_true", help="use the seed as is")
    g.add_argument(
        "--plan",
        choices=("auto", "conditional", "rows"),
        help="conditional: sample structured columns from the seed, the model writes the text "
        "(default with free text); rows: the model writes whole rows",
    )
    g.add_argument(
        "--generator",
        action="append",
        default=[],
        metavar="COLUMN=seed|model",
        help="who produces a column in the conditional plan: sampled from the seed or written by the model",
    )
    g.add_argument("--novelty", type=float, help="share of rows whose names the model writes (default 0)")
    g.add_argument(
        "--no-label-gate", action="store_true", help="keep text that the seed's classifier reads as another label"
    )
    g.add_argument(
        "--no-length-hint",
        action="store_true",
        help="let the model choose each text's length (default: a length drawn from the seed's texts of its label)",
    )
    g.add_argument("--batch-size", type=int, help="prompts per backend call")
    g.add_argument("--max-prompts", type=int, help="attempt budget in prompts")
    g.add_argument("--seed", type=int)
    g.add_argument("--near-duplicate", type=float, help="Jaccard threshold for copies (0.8)")
    g.add_argument("--id-policy", help="repair (default) or model")
    g.add_argument("--out", help="output folder (default: output/)")
    g.add_argument("--format", help="csv, jsonl or parquet")
    g.add_argument("--no-provenance", action="store_true")
    g.add_argument("--unsafe-csv", action="store_true", help="do not neutralise formula-like cells")
    g.add_argument(
        "--resume",
        action="store_true",
        help="continue the newest unfinished run of this configuration from its checkpoint",
    )
    g.add_argument("--no-report", action="store_true", help="skip the quality report at the end of the run")
    g.add_argument(
        "--filter-rounds",
        type=int,
        default=0,
        help="discriminator filtering: rounds of over-generation, keeping the most realistic rows",
    )
    g.add_argument("--oversample", type=float, default=2.0, help="candidates per kept row when filtering")
    g.add_argument("--test", help="held-out real rows: report TSTR accuracy per filtering round")
    g.add_argument("--quiet", "-q", action="store_true")

    u = sub.add_parser("utility", help="train on synthetic, test on real (TSTR) and a discriminator")
    u.add_argument("--seed", required=True, help="real training rows (the seed)")
    u.add_argument("--synthetic", required=True)
    u.add_argument("--test", required=True, help="held-out real rows")
    u.add_argument("--label")
    u.add_argument("--repeats", type=int, default=3)
    u.add_argument("--out", help="write the table as CSV here")

    e = sub.add_parser("experiment", help="k-sweep x synthetic-share table (TSTR), generation cached")
    e.add_argument("--data", required=True, help="real training rows (the seed)")
    e.add_argument("--test", required=True, help="held-out real rows")
    e.add_argument("--k", default="5,10,15,30", help="comma-separated k values")
    e.add_argument("--mix", default="1.0,0.5", help="synthetic shares to train on, e.g. 1.0,0.5")
    e.add_argument("--backend", default="hf")
    e.add_argument("--model")
    e.add_argument("--base-url")
    e.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    e.add_argument("--num-samples", "-n", type=int, default=30)
    e.add_argument("--repeats", type=int, default=3)
    e.add_argument("--prompt-style", default="base")
    e.add_argument("--label")
    e.add_argument("--seed-value", type=int, default=0, dest="seed_value", help="random seed")
    e.add_argument("--out", default="output/experiment")

    r = sub.add_parser("report", help="quality report: synthetic rows against their seed")
    r.add_argument("--seed", required=True, help="the real seed table")
    r.add_argument("--synthetic", required=True, help="the generated table")
    r.add_argument("--out", default="report.html", help="HTML report (a .json is written next to it)")
    r.add_argument("--label")
    r.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE")

    i = sub.add_parser("inspect", help="show what syngen understood of a seed file")
    i.add_argument("--data", required=True)
    i.add_argument("--label")
    i.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE")

    cli_tune.add_parser(sub)
    sub.add_parser(
        "model-path",
        help="print the embedded model's folder (transformers format), to serve it to a team: "
        'transformers serve "$(syngen model-path)"',
    )
    return p


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for it in items:
        k, sep, v = it.partition("=")
        if not sep or not k.strip():
            raise ConfigError(f"{what} '{it}' must look like NAME=VALUE")
        out[k.strip()] = v.strip()
    return out


def config_from_args(a: argparse.Namespace) -> RunConfig:
    cfg = RunConfig.load(a.config) if a.config else RunConfig()
    for flag, fld in _FIELDS.items():
        v = getattr(a, flag)
        if v is not None:
            setattr(cfg, fld, v)
    opts = dict(cfg.backend_options)
    opts.update({k: getattr(a, k) for k in _SAMPLING if getattr(a, k) is not None})
    opts.update(_pairs(a.option, "--option"))
    if a.seed is not None:
        opts["seed"] = a.seed
    if a.adapter:
        opts["adapter"] = a.adapter
    cfg.backend_options = opts
    if a.template:
        cfg.template = _read_text(a.template)
        cfg.style = a.prompt_style or "custom"
    if a.label_mix:
        cfg.label_mix = parse_mix(a.label_mix)
    if a.role:
        cfg.roles = {**cfg.roles, **_pairs(a.role, "--role")}
    if a.generator:
        cfg.generators = {**cfg.generators, **_pairs(a.generator, "--generator")}
    if a.no_label_gate:
        cfg.label_gate = False
    if a.no_length_hint:
        cfg.length_hint = False
    if a.no_clean:
        cfg.clean = False
    if a.no_provenance:
        cfg.provenance = False
    if a.unsafe_csv:
        cfg.safe_csv = False
    if a.negatives:
        cfg.negatives = _read_negatives(a.negatives)
    return cfg


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def _read_negatives(path: str) -> list[dict]:
    if Path(path).suffix.lower() in (".txt", ".md"):
        return [{"__text__": ln.strip()} for ln in _read_text(path).splitlines() if ln.strip()]
    return load_table(path).to_dict("records")


def cmd_generate(a: argparse.Namespace) -> int:
    from .pipeline import prepare_seed
    from .runs import backend_for, execute, find_same_seed, normalise_negatives

    cfg = config_from_args(a)
    cfg.check()
    seed = prepare_seed(cfg)
    if cfg.adapter == "auto":
        result = cli_tune.run_tuning(cfg, seed, a.quiet)
        print(f"adapter: {result.folder} ({result.message})", file=sys.stderr)
    backend = backend_for(cfg)
    if not a.quiet:
        print(f"seed: {cfg.data}: {seed.clean.summary() if seed.clean else f'{len(seed.df)} rows'}", file=sys.stderr)
        print(f"backend: {backend.name} ({backend.model_label}); generating {cfg.num_samples} rows", file=sys.stderr)
    if a.filter_rounds:
        normalise_negatives(cfg, seed)
        return _generate_filtered(a, cfg, seed, backend)
    same = None if a.resume else find_same_seed(cfg)
    if same is not None:  # shown with -q too: it is about duplicate rows, not progress
        print(
            f"note: {same.folder} has these settings and seed {cfg.seed}, so this run repeats its draws (with "
            f"the embedded model, its rows); pass --seed {cfg.seed + 1} (or any other) for new rows",
            file=sys.stderr,
        )
    cancel = threading.Event()
    try:
        out = execute(
            cfg,
            seed=seed,
            backend=backend,
            on_event=Progress(a.quiet),
            cancel=cancel,
            resume=a.resume,
            report=not a.no_report,
        )
    except KeyboardInterrupt:
        print(
            "\ninterrupted: rows accepted so far are kept in the run's checkpoint; rerun the same command "
            "with --resume to continue",
            file=sys.stderr,
        )
        return 130
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
    print(
        f"wrote {out.rows_file} ({count(len(result.rows), 'row')})\nreplay: syngen generate --config {out.folder / 'config.json'}"
    )
    if result.status == "complete":
        return 0
    print(f"the run folder {out.folder} keeps the accepted rows: add --resume to continue", file=sys.stderr)
    return 1


def cmd_inspect(a: argparse.Namespace) -> int:
    from .pipeline import prepare_seed

    cfg = RunConfig(data=a.data, label=a.label, roles=_pairs(a.role, "--role"))
    seed = prepare_seed(cfg)
    print(f"{a.data}: {len(seed.df)} rows x {len(seed.df.columns)} columns")
    if seed.clean:
        print(f"cleaning: {seed.clean.summary()}")
        for note in seed.clean.notes:
            print(f"note: {note}")
    print(f"label column: {seed.schema.label or '(none)'}")
    from .pipeline import plan_for

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


def _generate_filtered(a, cfg, seed, backend) -> int:
    from .experiment import filtered_generation
    from .export import default_stem, write_rows

    test = prepare_test(a.test) if a.test else None
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
        cfg, seed, backend, rounds=a.filter_rounds, oversample=a.oversample, test=test, on_round=show
    )
    for h in history:
        if "message" in h:
            print(f"round {h['round']}: {h['message']}", file=sys.stderr)
    stem = default_stem(seed.name, cfg.style + "-filtered", backend.name, backend.model_label, cfg.num_samples)
    path = write_rows(kept, Path(cfg.out) / f"{stem}.{cfg.format}", cfg.format, cfg.safe_csv)
    (Path(cfg.out) / f"{stem}.rounds.json").write_text(json.dumps(history, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path} ({count(len(kept), 'row')})")
    return 0 if len(kept) == cfg.num_samples else 1


def prepare_test(path: str):
    from .data import clean_table

    return clean_table(load_table(path))[0]


def cmd_utility(a: argparse.Namespace) -> int:
    from .evaluate import discriminate, utility
    from .pipeline import prepare_seed

    seed = prepare_seed(RunConfig(data=a.seed, label=a.label))
    synth = read_synthetic(a.synthetic, seed.schema.names, seed.schema.prose_columns)
    for note in synth.attrs.get("notes", []):
        print(f"note: {a.synthetic}: {note}", file=sys.stderr)
    test = prepare_test(a.test)
    table = utility(seed.df, synth, test, seed.schema, label=a.label, repeats=a.repeats)
    cols = ["setting", "train_rows", "accuracy", "accuracy_sd", "macro_f1", "macro_f1_sd", "accuracy_vs_trtr"]
    print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"majority-class baseline: {table['majority_baseline'].iloc[0]:.3f}")
    d = discriminate(seed.df, synth, seed.schema)
    print(f"discriminator ROC AUC {d.auc:.3f} (0.5 = indistinguishable); detection score {d.detection_score:.3f}")
    if d.giveaways:
        print("gives it away: " + ", ".join(f"{n} ({w:+.2f})" for n, w in d.giveaways[:8]))
    if a.out:
        table.to_csv(a.out, index=False)
        print(f"wrote {a.out}")
    return 0


def cmd_experiment(a: argparse.Namespace) -> int:
    from .experiment import run_experiment, write_experiment
    from .pipeline import prepare_seed
    from .runs import backend_for

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
        seed=a.seed_value,
        backend_options=_pairs(a.option, "--option"),
        out=a.out,
    )
    seed = prepare_seed(cfg)
    test = prepare_test(a.test)
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
    from .export import write_report
    from .pipeline import prepare_seed
    from .quality import build_report

    seed = prepare_seed(RunConfig(data=a.seed, label=a.label, roles=_pairs(a.role, "--role")))
    synth = read_synthetic(a.synthetic, seed.schema.names, seed.schema.prose_columns)
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
    from .backends.hf import embedded_folder

    print(embedded_folder())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
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
