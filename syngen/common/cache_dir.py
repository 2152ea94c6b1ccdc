"""Where syngen keeps what it computes once: converted weights, fitted models, adapters."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    return Path(os.environ.get("SYNGEN_CACHE_DIR") or Path.home() / ".cache" / "syngen")
