"""LoRA adapters on the embedded model: check that one fits, merge it into the weights.

`syngen tune` (syngen.tune) writes them; the embedded backend loads them with its weights.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from syngen.common.errors import BackendError, first_line

INFO = "tune.json"  # what an adapter was tuned on and for which model, next to its weights


def read_info(folder: Path) -> dict:
    try:
        return json.loads((Path(folder) / INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def check_adapter(path: str | Path, model: str) -> dict:
    """The adapter at `path` exists and was tuned for `model`; returns its tune.json."""
    folder = Path(path)
    if not (folder / "adapter_config.json").exists():
        raise BackendError(f"adapter '{path}' not found (no adapter_config.json): run `syngen tune --data SEED` first")
    info = read_info(folder)
    if info.get("model") and info["model"] != model:
        raise BackendError(f"adapter '{path}' was tuned for model {info['model']}, not {model}")
    return info


def merge_adapter(model, path: str, name: str):
    """`model` with the LoRA adapter at `path` merged into its weights: decoding then costs what
    it did without one."""
    check_adapter(path, name)
    from peft import PeftModel

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return PeftModel.from_pretrained(model, path).merge_and_unload()
    except (OSError, ValueError, RuntimeError) as exc:
        raise BackendError(f"adapter '{path}' does not fit {name}: {first_line(exc)}") from None
