"""How many rows of each label a run makes."""

from __future__ import annotations

from syngen.common.errors import ConfigError
from syngen.seed.prepared import Seed


def label_targets(seed: Seed, n: int, mix: dict[str, float] | None) -> dict[str, int] | None:
    """Exact per-label row counts for n rows (largest remainder), or None without a label."""
    label = seed.schema.label
    if not label:
        if mix:
            raise ConfigError("a label mix needs a label column; name it with --label COLUMN")
        return None
    allowed = seed.schema.col(label).allowed
    if mix is None:
        counts = seed.df[label].value_counts()
        mix = {str(k): float(v) for k, v in counts.items()}
    bad = [k for k in mix if k not in allowed]
    if bad:
        raise ConfigError(f"label(s) {bad} not in column '{label}'; the seed has {allowed}")
    total = sum(mix.values())
    exact = {k: n * w / total for k, w in mix.items()}
    out = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - out[k], reverse=True)[: n - sum(out.values())]:
        out[k] += 1
    return out
