"""The seed a run was made from, kept next to the run history and named in the run's state by
its content hash. Every page, the HTML report, Compare and `syngen report --run` judge a run
against this seed, never against whatever table the app holds at the moment (a reload, another
upload, another tab).

    <out>/.seeds/<content key>.json   the prepared seed's cells as the run's gates saw them, its
                                      name, label and every column's role (JSON: strings and
                                      missing values come back exactly; one file per seed)
    <out>/<run folder>/state.json     "seed_key": which of them

A run folder from before seeds were kept falls back to its config's seed file when that file
still exists; otherwise the run has no seed and its report says so instead of scoring.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from syngen.common.errors import SyngenError
from syngen.generate.config import RunConfig
from syngen.runs.store import read_state, write_json
from syngen.seed.prepared import Seed, content_key, prepare_seed
from syngen.seed.schema import infer_schema
from syngen.seed.table import bundled

FOLDER = ".seeds"
_ATTRS = ("nested", "arrays", "delimiter")  # frame attrs the schema reads (JSON shapes, CSV separator)


@dataclass
class RunSeed:
    """A run's seed, or why there is none (`seed` None and `problem` set)."""

    seed: Seed | None
    problem: str | None = None
    key: str | None = None


def seed_file(folder: str | Path, key: str) -> Path:
    """Where the seed of a run in `folder` is kept (the folder's parent is the run history)."""
    return Path(folder).parent / FOLDER / f"{key}.json"


def keep_seed(folder: str | Path, seed: Seed) -> str:
    """Keep the seed for the run in `folder` (once per seed content). Returns its content key,
    which the run's state names."""
    key = content_key(seed.df)
    path = seed_file(folder, key)
    if path.exists():
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [[None if _missing(v) else str(v) for v in row] for row in seed.df.itertuples(index=False)]
    write_json(
        path,
        {
            "key": key,
            "name": seed.name,
            "label": seed.schema.label,
            "roles": {c.name: c.role.value for c in seed.schema.columns},
            "attrs": {k: seed.df.attrs[k] for k in _ATTRS if k in seed.df.attrs},
            "columns": [str(c) for c in seed.df.columns],
            "rows": cells,
        },
    )
    return key


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def load_run_seed(folder: str | Path, config: dict | None = None) -> RunSeed:
    """The seed the run in `folder` was made from: the kept copy its state names, or for an
    older run its config's seed file if it still exists. Never raises; `problem` says what is
    missing."""
    folder = Path(folder)
    key = read_state(folder).get("seed_key")
    if not key:
        return _legacy_seed(folder, config)
    path = seed_file(folder, key)
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        df = pd.DataFrame(kept["rows"], columns=kept["columns"], dtype=object)
    except FileNotFoundError:
        return RunSeed(None, f"the seed this run was made from ({path}) is missing", key)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return RunSeed(None, f"the seed this run was made from ({path}) cannot be read: {type(exc).__name__}", key)
    df.attrs.update(kept.get("attrs") or {})
    if content_key(df) != key:
        return RunSeed(None, f"the seed this run was made from ({path}) was changed after the run", key)
    try:
        schema = infer_schema(df, overrides=kept.get("roles") or {}, label=kept.get("label"))
    except SyngenError as exc:
        return RunSeed(None, f"the seed this run was made from no longer fits its roles: {exc}", key)
    return RunSeed(Seed(df, schema, None, kept.get("name") or folder.name), None, key)


def _legacy_seed(folder: Path, config: dict | None) -> RunSeed:
    """A run from before seeds were kept: its config's seed file, if it is still on disk."""
    if config is None:
        try:
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
    data = (config or {}).get("data")
    if not data or not bundled(Path(data)).is_file():
        return RunSeed(
            None,
            f"this run is from before seeds were kept, and its seed file ({data or 'unnamed'}) is not on "
            "disk: generate the run again to measure it",
        )
    try:
        seed = prepare_seed(RunConfig.from_dict(config))
    except Exception as exc:  # noqa: BLE001  (an old config or a changed file: said, never a traceback)
        return RunSeed(None, f"this run's seed file {data} cannot be prepared again: {str(exc)[:160]}")
    return RunSeed(seed, None, content_key(seed.df))
