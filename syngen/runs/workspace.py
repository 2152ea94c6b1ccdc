"""What a user built up for one seed across runs: rows liked and disliked in reviews (exemplars
and negatives) and the current target. Kept on disk next to the run history, one small JSON file
per seed (named by the seed's content), so a reload, a new tab or a restart keeps them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from syngen.runs.store import write_json
from syngen.seed.prepared import content_key

FOLDER = ".workspace"
FIELDS = ("negatives", "liked", "where", "like", "like_where", "balance")


def seed_key(df: pd.DataFrame) -> str:
    """The same table (the bundled one, or the same file uploaded again) gives the same key."""
    return content_key(df)


def _path(out: str | Path, key: str) -> Path:
    return Path(out) / FOLDER / f"{key}.json"


def load(out: str | Path, key: str) -> dict:
    """The saved fields for this seed ({} when there are none or the file is unreadable)."""
    try:
        d = json.loads(_path(out, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in d.items() if k in FIELDS} if isinstance(d, dict) else {}


def save(out: str | Path, key: str, values: dict) -> None:
    path = _path(out, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {k: values[k] for k in FIELDS if k in values})
