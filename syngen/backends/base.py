"""The small protocol every backend follows, and the one result type they all return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from syngen.common.errors import ConfigError
from syngen.common.text import count
from syngen.prompting.prompts import Prompt


@dataclass
class Option:
    """A typed backend option; front-ends render widgets and CLI flags from these."""

    name: str
    type: type
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple | None = None

    def coerce(self, value):
        if value is None:
            return self.default
        if self.type is bool and isinstance(value, str):
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ConfigError(f"option {self.name}: '{value}' is not true or false")
            return value.lower() in ("true", "1", "yes")
        try:
            v = self.type(value)
        except (TypeError, ValueError):
            raise ConfigError(f"option {self.name}: '{value}' is not a valid {self.type.__name__}") from None
        if self.minimum is not None and v < self.minimum or self.maximum is not None and v > self.maximum:
            raise ConfigError(f"option {self.name}: {v} is outside {self.minimum}..{self.maximum}")
        if self.choices and v not in self.choices:
            raise ConfigError(f"option {self.name}: '{v}' is not one of {list(self.choices)}")
        return v


SAMPLING_OPTIONS = [
    Option("temperature", float, 0.8, "sampling temperature (0 = greedy)", 0.0, 2.0),
    Option("top_p", float, 0.95, "nucleus sampling mass", 0.0, 1.0),
    Option("top_k", int, 50, "sample from the k most likely tokens (0 = off)", 0, 1000),
    Option("max_new_tokens", int, 512, "tokens generated per prompt", 1, 8192),
    Option("seed", int, 0, "random seed for reproducible sampling", 0, 2**31 - 1),
]


@dataclass
class GenerationResult:
    """What one prompt produced. Errors are data: `error` is set and `text` may be empty."""

    text: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    finish_reason: str = ""
    error: str | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class Heartbeat:
    """Work in progress inside one batch."""

    tokens: int  # tokens generated so far in this batch (all sequences)
    seconds: float  # since the batch started
    sequences: int  # sequences in the batch (still writing)
    reading: float | None = None  # share of the prompts read, while they are being read
    writing_seconds: float | None = None  # of `seconds`, those spent writing (after the prompts were read)

    @property
    def tokens_per_second(self) -> float:
        s = self.seconds if self.writing_seconds is None else self.writing_seconds
        return self.tokens / s if s > 0 else 0.0

    def describe(self) -> str:
        if self.reading is not None:
            return f"reading {count(self.sequences, 'prompt')}: {self.reading:.0%} after {self.seconds:.0f}s"
        return (
            f"{self.tokens} tokens in {self.seconds:.0f}s ({self.tokens_per_second:.1f} tok/s while writing, "
            f"{count(self.sequences, 'sequence')})"
        )


class Backend:
    """Base class: subclasses set the class attributes and implement `generate`."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = "chat"  # "chat" or "completion"
    needs_key: ClassVar[bool] = False
    key_env: ClassVar[str | None] = None
    options: ClassVar[list[Option]] = SAMPLING_OPTIONS
    # Prompts stay in this process (the embedded model): they may show seed rows as they are.
    # Anything else gets prompts whose seed rows carry no seed person (syngen.generate.outbound).
    in_process: ClassVar[bool] = False

    def __init__(self, model: str | None = None, **options):
        self.model = model or ""
        known = {o.name: o for o in self.options}
        unknown = set(options) - set(known)
        if unknown:
            raise ConfigError(f"backend {self.name}: unknown option(s) {sorted(unknown)}; known: {sorted(known)}")
        self.settings = {n: o.coerce(options.get(n)) for n, o in known.items()}

    @property
    def model_label(self) -> str:
        return self.model

    @property
    def destination(self) -> str:
        """Where prompts go, in words: "this process" or the host of the server."""
        return "this process" if self.in_process else "the backend's server"

    def generate(self, prompts: list[Prompt], random_seed: int | None = None) -> list[GenerationResult]:
        """Generate for several prompts at once (batched or concurrent); one result each."""
        raise NotImplementedError

    def generate_iter(self, prompts: list[Prompt], random_seed: int | None = None, cancel=None, on_progress=None):
        """Yield (index, result) as results complete; the default runs `generate` in one go.
        `cancel` (a threading.Event) stops the work early; backends that work in long steps call
        `on_progress(Heartbeat)` during a batch so front-ends can show signs of life."""
        yield from enumerate(self.generate(prompts, random_seed=random_seed))

    def precheck(self) -> None:
        """Raise BackendError when the backend clearly cannot work (a server that does not
        answer, a missing package), in seconds and before a run starts. No generation here."""

    def preload(self) -> None:
        """Start slow set-up (loading weights) in the background and return at once; the first
        generate waits for it. Default: nothing to start."""

    def refusing(self) -> str | None:
        """Why the backend takes no more requests this run (a remote one after too many failures
        in a row), or None. The run loop stops on it. Default: never refuses."""
        return None

    def use_domain(self, texts: list[str]) -> None:
        """The text of the table being extended (seed cells, column names), once per run; a
        backend may use it (the embedded one scores only the tokens it needs). Default: ignored."""

    def close(self) -> None:
        pass
