"""A run's account: requests, tokens, time, and every reject grouped by reason."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from syngen.common.text import count


@dataclass
class RunAccount:
    """What happened: requests, tokens, time, and every reject grouped by reason."""

    prompts: int = 0
    batches: int = 0
    parsed: int = 0
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    repaired: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    requests: list = field(default_factory=list)  # per request: batch, tokens, latency, error
    prompt_tokens: int = 0
    completion_tokens: int = 0
    generate_seconds: float = 0.0
    wall_seconds: float = 0.0

    def reject(self, reason: str, fragment: str = "") -> None:
        # Group by the reason's shape: quoted values and numbers vary, the problem does not.
        key = re.sub(r"'[^']*'", "'…'", reason)
        key = re.sub(r"\d+(\.\d+)?", "#", key)
        self.rejected[key] += 1
        ex = self.examples.setdefault(key, [])
        if len(ex) < 3:
            ex.append((reason, fragment[:160]))

    def summary(self, top: int = 8) -> list[str]:
        lines = [
            f"{count(self.accepted, 'row')} accepted from {self.parsed} parsed, {count(self.prompts, 'prompt')} "
            f"in {self.batches} batches; {sum(self.rejected.values())} rejected candidates"
        ]
        for key, n in self.rejected.most_common(top):
            lines.append(f"  {n:5d}  {key}")
        for key, n in self.repaired.most_common():
            lines.append(f"  repaired {n}: {key}")
        if self.errors:
            lines.append(f"  backend errors: {len(self.errors)} (last: {self.errors[-1]})")
        return lines

    def to_dict(self) -> dict:
        return {
            "prompts": self.prompts,
            "batches": self.batches,
            "parsed": self.parsed,
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "examples": {k: [{"reason": r, "fragment": f} for r, f in v] for k, v in self.examples.items()},
            "repaired": dict(self.repaired),
            "errors": self.errors[-20:],
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "generate_seconds": round(self.generate_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 3),
        }
