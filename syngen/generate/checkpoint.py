"""The run checkpoint: an append-only JSONL of accepted rows, fsync'd per batch, so a crashed
or cancelled run resumes without losing or repeating rows."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from syngen.common.errors import ConfigError
from syngen.generate.config import ADDED_DEFAULTS, RunConfig, upgrade


def config_hash(config: RunConfig | dict, ignore: tuple[str, ...] = ()) -> str:
    """What makes a run's rows: its settings (a RunConfig, or one saved as a dict) without where
    and how they are written, nor the `ignore` fields."""
    d = upgrade(dict(config)) if isinstance(config, dict) else config.to_dict()
    # Hashed under the name configs were first saved with, so runs from before the rename still
    # resume and still count as "the same settings and seed".
    d["seed"] = d.pop("random_seed", 0)
    for k, default in ADDED_DEFAULTS.items():
        if d.get(k, default) == default:
            d.pop(k, None)
    for k in ("out", "format", "safe_csv", "provenance", "max_prompts", *ignore):
        d.pop(k, None)
    return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Checkpoint:
    """Append-only JSONL of accepted rows; the first line records run id and config hash."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self, chash: str) -> tuple[str | None, list[dict]]:
        if not self.path.exists():
            return None, []
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            # A crash mid-write left half a line; drop it so appended rows start on a fresh line.
            with open(self.path, "r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)
        run_id, rows = None, []
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a crash mid-write: that row was never counted
                if "_checkpoint" in obj:
                    if obj.get("config_hash") != chash:
                        raise ConfigError(
                            f"{self.path}: checkpoint belongs to a different configuration; "
                            "rerun without --resume or with the original settings"
                        )
                    run_id = obj["_checkpoint"]
                else:
                    rows.append(obj)
        return run_id, rows

    def start(self, run_id: str, chash: str, config: dict | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(json.dumps({"_checkpoint": run_id, "config_hash": chash, "config": config}) + "\n")

    def header(self) -> dict:
        """The first line: run id, config hash and the (secret-free) config of the run."""
        with open(self.path, encoding="utf-8") as f:
            return json.loads(f.readline() or "{}")

    def append(self, rows: list[dict]) -> None:
        if not rows:
            return
        with open(self.path, "a", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
