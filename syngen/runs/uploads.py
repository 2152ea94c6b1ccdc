"""Tables a user uploaded in the app, kept next to the run history with the choices made for
them (roles, label, cleaning), so a reload, a new tab or a restart opens the same seed again and
a run's config names a file that exists (`syngen generate --config` replays it).

    <out>/.uploads/<content hash>/<file name>      the bytes as uploaded
    <out>/.uploads/<content hash>/choices.json     roles, label, cleaning toggles
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from syngen.runs.store import write_json

FOLDER = ".uploads"
CHOICES = "choices.json"


def upload_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def keep_upload(out: str | Path, data: bytes, filename: str) -> tuple[str, Path]:
    """Store an upload (once per content); returns its key and the stored file."""
    key = upload_key(data)
    folder = Path(out) / FOLDER / key
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(filename).name or "upload.csv")
    if not path.exists():
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return key, path


def find_upload(out: str | Path, key: str) -> Path | None:
    """The stored file of an upload key (None when there is none: another output folder, removed)."""
    if not key or not key.isalnum():  # a key comes from a URL: never a path
        return None
    folder = Path(out) / FOLDER / key
    if not folder.is_dir():
        return None
    files = [p for p in folder.iterdir() if p.is_file() and p.name != CHOICES and not p.name.endswith(".part")]
    return files[0] if files else None


def load_choices(out: str | Path, key: str) -> dict:
    try:
        d = json.loads((Path(out) / FOLDER / key / CHOICES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return d if isinstance(d, dict) else {}


def save_choices(out: str | Path, key: str, **choices) -> None:
    folder = Path(out) / FOLDER / key
    if folder.is_dir():
        write_json(folder / CHOICES, choices)
