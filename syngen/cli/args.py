"""The `syngen` command line's options, and the run config they make (`syngen.cli.main` runs them)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from syngen import __version__
from syngen.cli import tune as cli_tune
from syngen.cli.values import pairs
from syngen.common.errors import ConfigError
from syngen.generate.config import FORMATS, RunConfig, parse_mix
from syngen.seed.schema import Role
from syngen.seed.table import load_table

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
    "seed": "random_seed",
    "near_duplicate": "near_duplicate",
    "id_policy": "id_policy",
    "out": "out",
    "format": "format",
    "plan": "plan",
    "novelty": "novelty",
    "keys": "key_policy",
    "label_gate_model": "label_gate_model",
}
_SAMPLING = ("temperature", "top_p", "top_k", "max_new_tokens")


def parser() -> argparse.ArgumentParser:
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
    g.add_argument(
        "--adapter",
        help="hf: a LoRA adapter folder from `syngen tune`, auto (tune or reuse) or none (k-shot); "
        "default: the seed's adapter when its check chose it, else k-shot",
    )
    for name, typ in (("temperature", float), ("top_p", float), ("top_k", int), ("max_new_tokens", int)):
        g.add_argument("--" + name.replace("_", "-"), type=typ)
    g.add_argument("--k", type=int, help="seed rows shown per prompt (k-shot)")
    g.add_argument("--selection", help="exemplar selection: auto, random, stratified, diverse")
    g.add_argument("--prompt-style", help="base, diversity, lang_complexity, text_length, custom")
    g.add_argument("--template", help="file with a custom prompt template ({examples}, {n}, ...)")
    g.add_argument("--context", help="what the data is, e.g. 'patient reviews of drugs'")
    g.add_argument("--negatives", help="file of rows (or lines of text) the output must not resemble")
    g.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="CONDITION",
        help="a scenario: fix a column's value or range (airline=United, usefulCount>=10); repeat to combine",
    )
    g.add_argument("--like", metavar="FILE", help="rows to write more like (a table with the seed's columns)")
    g.add_argument(
        "--like-where",
        action="append",
        default=[],
        metavar="CONDITION",
        help="write more like the seed rows this condition selects (condition=Depression)",
    )
    g.add_argument(
        "--balance",
        metavar="COLUMN[=SHARE]",
        help="rebalance a label or categorical column: equal shares, or lift values below SHARE up to it",
    )
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
    g.add_argument(
        "--keys",
        choices=("fresh", "reuse"),
        help="entity keys (IDs that repeat in the seed): fresh keys with the seed's repetition (default) or the seed's own",
    )
    g.add_argument("--novelty", type=float, help="share of rows whose names the model writes (default 0)")
    g.add_argument(
        "--no-label-gate", action="store_true", help="keep text that the seed's classifier reads as another label"
    )
    g.add_argument(
        "--label-gate-model",
        choices=("embeddings", "tfidf"),
        help="what the label gate reads text with: sentence embeddings or TF-IDF words",
    )
    g.add_argument(
        "--no-length-hint",
        action="store_true",
        help="let the model choose each text's length (default: a length drawn from the seed's texts of its label)",
    )
    g.add_argument("--batch-size", type=int, help="prompts per backend call")
    g.add_argument("--max-prompts", type=int, help="attempt budget in prompts")
    g.add_argument("--seed", type=int, help="random seed: the same settings and seed write the same rows (default 0)")
    g.add_argument("--near-duplicate", type=float, help="Jaccard threshold for copies (0.8)")
    g.add_argument("--id-policy", help="repair (default) or model")
    g.add_argument(
        "--out",
        help="output folder (default: output/), or a .csv/.jsonl/.parquet/.xlsx file for the rows (run folder next to it)",
    )
    g.add_argument("--format", help="csv, jsonl, parquet or xlsx")
    g.add_argument("--no-provenance", action="store_true")
    g.add_argument("--unsafe-csv", action="store_true", help="do not neutralise formula-like cells")
    g.add_argument(
        "--share-seed-people",
        action="store_true",
        help="show a remote backend the seed's own names, handles, emails and phone numbers in its prompts "
        "(default: fresh values and scrubbed texts; use only with a service you own)",
    )
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
    g.add_argument(
        "--keep-by",
        choices=("realism", "confidence"),
        default="realism",
        help="which candidates filtering keeps: those a discriminator finds most realistic, or those "
        "whose text reads most surely as their label (CLLM-style confidence from sentence embeddings)",
    )
    g.add_argument("--real", help="held-out real rows: report TSTR accuracy per filtering round")
    _renamed(g, "--test", "real")
    g.add_argument("--quiet", "-q", action="store_true")

    u = sub.add_parser(
        "utility",
        help="augmentation lift: real + synthetic rows against class weights and random oversampling, "
        "tested on held-out real rows; and a real-vs-synthetic discriminator",
    )
    u.add_argument("--data", help="real training rows (the seed table)")
    u.add_argument("--synthetic", required=True)
    u.add_argument("--real", help="held-out real rows (without: each repeat holds out 30%% of --data)")
    _renamed(u, "--seed", "data")
    _renamed(u, "--test", "real")
    u.add_argument("--label")
    u.add_argument("--repeats", type=int, default=3)
    u.add_argument("--sizes", default="all,100,50,25", help="real-set sizes: all, or at most N rows per label")
    u.add_argument(
        "--features", default="embeddings,tfidf", help="how the classifier reads text: embeddings, tfidf or both"
    )
    u.add_argument("--out", help="write the lift table as CSV here (verdicts next to it)")

    e = sub.add_parser("experiment", help="k-sweep x synthetic-share table (TSTR), generation cached")
    e.add_argument("--data", help="real training rows (the seed table)")
    e.add_argument("--real", help="held-out real rows")
    _renamed(e, "--test", "real")
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
    e.add_argument("--seed", type=int, help="random seed (default 0)")
    _renamed(e, "--seed-value", "seed", type=int)
    e.add_argument("--out", default="output/experiment")

    r = sub.add_parser("report", help="quality report: synthetic rows against their seed")
    r.add_argument(
        "--run",
        metavar="FOLDER",
        help="a run folder: its rows against the seed it was made from (kept in the folder); "
        "the scores are saved with the run",
    )
    r.add_argument("--data", help="the real seed table (without --run)")
    _renamed(r, "--seed", "data")
    r.add_argument("--synthetic", help="the generated table (without --run)")
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


# Flags renamed in 0.2 (one name per meaning: --data is the seed table, --real held-out real rows,
# --seed the random seed). The old names keep working, with a note, until the next release.
_REQUIRED = {"utility": ("data",), "experiment": ("data", "real"), "report": ("data",)}


def _renamed(sub: argparse.ArgumentParser, old: str, new: str, type=str) -> None:
    sub.add_argument(old, dest=f"renamed__{new}__{old.lstrip('-')}", type=type, help=argparse.SUPPRESS)


def settle_renamed(a: argparse.Namespace, command_parser: argparse.ArgumentParser | None = None) -> list[str]:
    """Move values given under an old flag name to the new one; returns the notes to print.
    Raises ConfigError when a command misses a file it needs."""
    notes = []
    for key, value in list(vars(a).items()):
        if key.startswith("renamed__") and value is not None:
            _, new, old = key.split("__")
            if getattr(a, new, None) is None:
                setattr(a, new, value)
            notes.append(f"--{old} is now --{new.replace('_', '-')}; the old name goes in the next release")
    if a.command == "report" and getattr(a, "run", None):
        return notes  # a run folder names its rows and its seed
    if a.command == "report" and a.synthetic is None:
        raise ConfigError("syngen report needs --run FOLDER, or --data FILE and --synthetic FILE")
    for need in _REQUIRED.get(a.command, ()):
        if getattr(a, need, None) is None:
            raise ConfigError(f"syngen {a.command} needs --{need} FILE")
    return notes


def config_from_args(a: argparse.Namespace) -> RunConfig:
    """The run config the flags describe, made (and so checked) once: a replayed --config with
    the flags given on top of it, the table file of `--out rows.csv` included."""
    base = RunConfig.load(a.config) if a.config else RunConfig()
    changes = {fld: getattr(a, flag) for flag, fld in _FIELDS.items() if getattr(a, flag) is not None}
    opts = dict(base.backend_options)
    opts.update({k: getattr(a, k) for k in _SAMPLING if getattr(a, k) is not None})
    opts.update(pairs(a.option, "--option"))
    if a.seed is not None:
        opts["seed"] = a.seed
    if a.adapter:
        opts["adapter"] = a.adapter
    changes["backend_options"] = opts
    if a.template:
        changes.update(template=_read_text(a.template), style=a.prompt_style or "custom")
    if a.label_mix:
        changes["label_mix"] = parse_mix(a.label_mix)
    if a.role:
        changes["roles"] = {**base.roles, **pairs(a.role, "--role")}
    if a.generator:
        changes["generators"] = {**base.generators, **pairs(a.generator, "--generator")}
    for flag, fld in (("no_label_gate", "label_gate"), ("no_length_hint", "length_hint"), ("no_clean", "clean")):
        if getattr(a, flag):
            changes[fld] = False
    if a.no_provenance:
        changes["provenance"] = False
    if a.unsafe_csv:
        changes["safe_csv"] = False
    if a.share_seed_people:
        changes["share_seed_people"] = True
    if a.negatives:
        changes["negatives"] = _read_negatives(a.negatives)
    if a.where:
        changes["where"] = list(a.where)
    if a.like_where:
        changes["like_where"] = list(a.like_where)
    if a.like:
        changes["like"] = [{k: v for k, v in r.items() if v is not None} for r in load_table(a.like).to_dict("records")]
    if a.balance:
        changes["balance"] = a.balance
    table = rows_file(a)
    if table is not None:  # the run's folder goes next to the file, in the file's format
        if a.format and a.format != _TABLE_SUFFIXES[table.suffix.lower()]:
            raise ConfigError(f"--out {a.out} is a {table.suffix} file but --format is {a.format}: drop one of them")
        changes.update(out=str(table.parent), format=_TABLE_SUFFIXES[table.suffix.lower()])
    return replace(base, **changes)


_TABLE_SUFFIXES = {f".{f}": f for f in FORMATS}


def rows_file(a: argparse.Namespace) -> Path | None:
    """The file `--out reviews.csv` names, or None when `--out` is a folder. (A table name used
    to become a folder called `reviews.csv`.)"""
    fmt = _TABLE_SUFFIXES.get(Path(a.out).suffix.lower()) if a.out else None
    if fmt is None or Path(a.out).is_dir():
        return None
    return Path(a.out)


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


def _read_negatives(path: str) -> list[dict]:
    if Path(path).suffix.lower() in (".txt", ".md"):
        return [{"__text__": ln.strip()} for ln in _read_text(path).splitlines() if ln.strip()]
    return load_table(path).to_dict("records")
