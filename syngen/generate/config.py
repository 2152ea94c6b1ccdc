"""The run configuration: everything needed to replay a run from the CLI or the app."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from syngen.common.errors import ConfigError
from syngen.plan.target import parse_balance
from syngen.prompting.prompts import PromptSpec
from syngen.seed.conditions import parse_conditions

FORMATS = ("csv", "jsonl", "parquet", "xlsx")  # what runs and downloads write

# Option names that could carry credentials are never written to a config file.
_SECRET = re.compile(r"key|token|secret|password|auth", re.I)


@dataclass(frozen=True)
class RunConfig(PromptSpec):
    """A PromptSpec plus data, backend, run control and output settings. Checked once, when it is
    made (a bad value raises ConfigError), and never changed afterwards: a changed setting is a new
    config (`dataclasses.replace`), which is checked in turn."""

    data: str = "data/drug_reviews/train.csv"
    num_samples: int = 20
    backend: str = "hf"
    model: str | None = None
    base_url: str | None = None  # remote backends: server address
    backend_options: dict = field(default_factory=dict)
    # the prompt fields (k, selection, style, template, context, negatives, rows_per_prompt,
    # completion_format) come from PromptSpec
    # columns and labels
    label: str | None = None
    label_mix: dict[str, float] | None = None  # None: follow the seed's label mix
    roles: dict[str, str] = field(default_factory=dict)
    clean: bool = True
    # generation plan (see syngen/plan/resolve.py): "auto" picks conditional when the seed has free text
    plan: str = "auto"  # auto | conditional | rows
    generators: dict[str, str] = field(default_factory=dict)  # column -> "seed" | "model" overrides
    novelty: float = 0.0  # share of rows whose categorical values the model writes
    key_policy: str = "fresh"  # entity keys (IDs that repeat): "fresh" keys or "reuse" the seed's
    label_gate: bool = True  # reject text the seed's classifier reads as another label
    label_gate_model: str = "tfidf"  # what reads the text: "embeddings" (sentence encoder) or "tfidf"
    length_hint: bool = True  # conditional plan: each text is given a length drawn from the seed's texts
    # target (syngen/plan/target.py): where in the seed's space the rows fall
    where: list[str] = field(default_factory=list)  # scenario conditions: "airline=United", "usefulCount>=10"
    like: list[dict] = field(default_factory=list)  # "more like these" rows
    like_where: list[str] = field(default_factory=list)  # ... or the seed rows these conditions select
    balance: str | None = None  # "COLUMN" (equal shares) or "COLUMN=0.05" (rare values lifted to 5%)
    # privacy: prompts to a backend outside this process carry no seed person unless this is set
    # (for a service the user owns); syngen/generate/outbound.py
    share_seed_people: bool = False
    # run control
    batch_size: int = 8
    max_prompts: int | None = None  # attempt budget; None: 6 prompts per row, >= 16
    random_seed: int = 0  # the run's draws; `--seed` on the command line
    near_duplicate: float = 0.8  # Jaccard of word 3-grams that counts as a copy
    id_policy: str = "repair"  # "repair": invalid/duplicate IDs get fresh ones
    # output
    out: str = "output"
    format: str = "csv"
    provenance: bool = True
    safe_csv: bool = True

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        if self.num_samples < 1:
            raise ConfigError("--num-samples must be at least 1")
        if self.format not in FORMATS:
            raise ConfigError(f"unknown format '{self.format}'; use {', '.join(FORMATS)}")
        if self.id_policy not in ("repair", "model"):
            raise ConfigError(f"unknown id policy '{self.id_policy}'; use repair or model")
        if not 0 < self.near_duplicate <= 1:
            raise ConfigError("--near-duplicate must be in (0, 1]")
        if self.batch_size < 1:
            raise ConfigError("--batch-size must be at least 1")
        if self.plan not in ("auto", "conditional", "rows"):
            raise ConfigError(f"unknown plan '{self.plan}'; use auto, conditional or rows")
        if self.label_gate_model not in ("embeddings", "tfidf"):
            raise ConfigError(f"unknown label gate model '{self.label_gate_model}'; use embeddings or tfidf")
        if self.key_policy not in ("fresh", "reuse"):
            raise ConfigError(f"unknown key policy '{self.key_policy}'; use fresh or reuse")
        if not 0 <= self.novelty <= 1:
            raise ConfigError("--novelty must be a share in [0, 1]")
        parse_conditions(self.where)  # the syntax here; the columns once the seed is read
        parse_conditions(self.like_where)
        parse_balance(self.balance)
        bad = {c: g for c, g in self.generators.items() if g not in ("seed", "model")}
        if bad:
            raise ConfigError(f"generator(s) {bad}: each column is 'seed' (sampled) or 'model' (written)")

    @property
    def adapter(self) -> str:
        """The embedded model's LoRA adapter: a folder, "auto" (tune or reuse one) or "" (none;
        "none" in the options says so by name, so a cached adapter is not picked by default)."""
        value = self.adapter_option
        return "" if value == "none" else value

    @property
    def adapter_option(self) -> str:
        """The adapter option as given: a folder, "auto", "none" (k-shot by name) or "" (not set:
        the adapter the seed's check chose, when there is one)."""
        return str(self.backend_options.get("adapter") or "") if self.backend == "hf" else ""

    def check_prompt(self, n_seed: int, tuned: bool | None = None) -> None:
        super().check_prompt(n_seed, bool(self.adapter) if tuned is None else tuned)

    @property
    def targeted(self) -> bool:
        return bool(self.where or self.like or self.like_where or self.balance)

    @property
    def prompt_budget(self) -> int:
        return self.max_prompts or max(16, 6 * self.num_samples)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["backend_options"] = {k: v for k, v in self.backend_options.items() if not _SECRET.search(k)}
        return d

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        d = upgrade(d)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"run config has unknown field(s) {unknown}")
        return cls(**d)

    @classmethod
    def load(cls, path: str | Path) -> "RunConfig":
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: run config not found") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(d, dict):
            raise ConfigError(f"{path}: a run config is a JSON object")
        return cls.from_dict(d)


# Fields renamed since configs were first saved: a saved config.json keeps replaying.
_RENAMED = {"seed": "random_seed"}
# Fields added since, with the default that behaves as configs saved before them did: left out of
# a config's hash at that default, so earlier runs still resume and still match.
ADDED_DEFAULTS = {
    "key_policy": "fresh",
    "label_gate_model": "tfidf",
    "where": [],
    "like": [],
    "like_where": [],
    "balance": None,
    "share_seed_people": False,
}


def upgrade(d: dict) -> dict:
    """A saved config's fields under today's names; a field added since gets the value that
    behaves as the config did when it was saved (which may not be today's default)."""
    added = {k: list(v) if isinstance(v, list) else v for k, v in ADDED_DEFAULTS.items()}  # fresh lists
    return added | {_RENAMED.get(k, k): v for k, v in d.items()}


def parse_mix(text: str | None) -> dict[str, float] | None:
    """'negative' -> {negative: 1}; 'positive=0.5,negative=0.5' -> weights."""
    if not text:
        return None
    mix = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, w = part.partition("=")
        try:
            mix[name.strip()] = float(w) if w else 1.0
        except ValueError:
            raise ConfigError(f"label mix '{part}': the weight must be a number (label=0.5)") from None
    if not mix or any(w < 0 for w in mix.values()) or sum(mix.values()) <= 0:
        raise ConfigError(f"label mix '{text}' needs positive weights")
    return mix
