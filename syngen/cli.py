"""`syngen` command line: the same pipeline the app uses, with a progress bar on stderr."""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from . import __version__
from .config import RunConfig, parse_mix
from .data import load_table
from .errors import ConfigError, SyngenError
from .schema import Role

# CLI flag -> RunConfig field, for flags that map one to one.
_FIELDS = {"data": "data", "num_samples": "num_samples", "backend": "backend", "model": "model",
           "base_url": "base_url", "k": "k", "selection": "selection", "prompt_style": "style", "context": "context",
           "rows_per_prompt": "rows_per_prompt",
           "completion_format": "completion_format", "label": "label", "batch_size": "batch_size",
           "max_prompts": "max_prompts", "seed": "seed", "near_duplicate": "near_duplicate",
           "id_policy": "id_policy", "out": "out", "format": "format"}
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
    g.add_argument("--role", action="append", default=[], metavar="COLUMN=ROLE",
                   help=f"override a column role: {', '.join(r.value for r in Role)}")
    g.add_argument("--no-clean", action="store_true", help="use the seed as is")
    g.add_argument("--batch-size", type=int, help="prompts per backend call")
    g.add_argument("--max-prompts", type=int, help="attempt budget in prompts")
    g.add_argument("--seed", type=int)
    g.add_argument("--near-duplicate", type=float, help="Jaccard threshold for copies (0.8)")
    g.add_argument("--id-policy", help="repair (default) or model")
    g.add_argument("--out", help="output folder (default: output/)")
    g.add_argument("--format", help="csv, jsonl or parquet")
    g.add_argument("--no-provenance", action="store_true")
    g.add_argument("--unsafe-csv", action="store_true", help="do not neutralise formula-like cells")
    g.add_argument("--resume", action="store_true", help="continue from the run's checkpoint")
    g.add_argument("--quiet", "-q", action="store_true")

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
    cfg.backend_options = opts
    if a.template:
        cfg.template = _read_text(a.template)
        cfg.style = a.prompt_style or "custom"
    if a.label_mix:
        cfg.label_mix = parse_mix(a.label_mix)
    if a.role:
        cfg.roles = {**cfg.roles, **_pairs(a.role, "--role")}
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


def _normalise_negatives(cfg: RunConfig, seed) -> None:
    """Plain-text negatives become rows whose text column holds the line."""
    text_cols = [c.name for c in seed.schema.by_role(Role.TEXT)] or seed.schema.names[:1]
    cfg.negatives = [{text_cols[0]: r["__text__"]} if "__text__" in r else
                     {k: v for k, v in r.items() if k in seed.schema.names} for r in cfg.negatives]


class Progress:
    """A one-line progress bar on stderr, driven by pipeline events."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.t0 = time.perf_counter()
        self.rejected = 0

    def __call__(self, ev) -> None:
        if ev.kind == "row_rejected":
            self.rejected += 1
        if self.quiet or ev.kind not in ("row_accepted", "batch_finished", "started", "finished"):
            return
        done, n = ev.accepted, max(1, ev.target)
        el = time.perf_counter() - self.t0
        rate = done / el * 60 if el > 0 else 0.0
        eta = f"{(n - done) / (done / el):.0f}s" if done and done < n else "-"
        bar = "#" * int(30 * done / n) + "-" * (30 - int(30 * done / n))
        sys.stderr.write(f"\r[{bar}] {done}/{n} rows | {self.rejected} rejected | "
                         f"{rate:.1f} rows/min | ETA {eta}   ")
        if ev.kind == "finished":
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_generate(a: argparse.Namespace) -> int:
    from .backends import backend_from_config
    from .export import checkpoint_path, export_run
    from .pipeline import prepare_seed, run

    cfg = config_from_args(a)
    cfg.check()
    seed = prepare_seed(cfg)
    _normalise_negatives(cfg, seed)
    backend = backend_from_config(cfg)
    ckpt = checkpoint_path(cfg, seed.name, backend.name, backend.model_label)
    if not a.quiet:
        print(f"seed: {cfg.data}: {seed.clean.summary() if seed.clean else f'{len(seed.df)} rows'}",
              file=sys.stderr)
        print(f"backend: {backend.name} ({backend.model_label}); generating {cfg.num_samples} rows",
              file=sys.stderr)
    cancel = threading.Event()
    try:
        result = run(cfg, backend, seed, on_event=Progress(a.quiet), cancel=cancel,
                     checkpoint=ckpt, resume=a.resume)
    except KeyboardInterrupt:
        print(f"\ninterrupted: rows accepted so far are kept in {ckpt}; rerun the same command "
              "with --resume to continue", file=sys.stderr)
        return 130
    paths = export_run(result, cfg, backend.name, backend.model_label)
    for line in result.account.summary():
        print(line, file=sys.stderr)
    print(f"{result.status}: {result.message}", file=sys.stderr)
    print(f"wrote {paths['rows']} ({len(result.rows)} rows)\nreplay: syngen generate --config {paths['config']}")
    if result.status == "complete":
        ckpt.unlink(missing_ok=True)
        return 0
    print(f"the checkpoint {ckpt} keeps the accepted rows: add --resume to continue", file=sys.stderr)
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
    width = max(len(c) for c in seed.schema.names)
    for c in seed.schema.columns:
        print(f"  {c.name:<{width}}  {c.role.value:<11}  {c.describe()}")
    for note in seed.schema.notes:
        print(f"note: {note}")
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from .export import write_report
    from .pipeline import prepare_seed
    from .quality import build_report
    seed = prepare_seed(RunConfig(data=a.seed, label=a.label, roles=_pairs(a.role, "--role")))
    synth = load_table(a.synthetic, ragged="truncate")
    for note in synth.attrs.get("notes", []):
        print(f"note: {a.synthetic}: {note}", file=sys.stderr)
    report = build_report(seed.df, synth, seed.schema)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    html_path, json_path = write_report(report, a.out)
    t = report.table()
    bad = t[t["verdict"] == "poor"]
    print(f"overall score {report.overall:.2f} (" + ", ".join(f"{k} {v:.2f}" for k, v in report.parts.items()
                                                           if v == v) + ")")
    for r in bad.to_dict("records"):
        print(f"  poor: {r['metric']} [{r['column']}] = {r['value']:.3g}  {r['detail'][:90]}")
    print(f"wrote {html_path} and {json_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"generate": cmd_generate, "inspect": cmd_inspect, "report": cmd_report}[args.command](args)
    except SyngenError as exc:
        print(f"syngen: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
