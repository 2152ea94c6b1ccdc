"""Backend registry. Backends are imported lazily: `import syngen` never loads torch."""
from __future__ import annotations

import importlib

from ..errors import BackendError, ConfigError
from .base import Backend, GenerationResult, Option

REGISTRY = {
    "hf": "syngen.backends.hf:HFBackend",
    "scripted": "syngen.backends.scripted:ScriptedBackend",
}


def backend_class(name: str) -> type[Backend]:
    if name not in REGISTRY:
        raise ConfigError(f"unknown backend '{name}'; available: {', '.join(sorted(REGISTRY))}")
    module, cls = REGISTRY[name].split(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise BackendError(f"backend '{name}' needs the package '{exc.name}': "
                           f"pip install -r requirements.txt") from None


def create_backend(name: str, model: str | None = None, **options) -> Backend:
    return backend_class(name)(model=model, **options)


__all__ = ["Backend", "GenerationResult", "Option", "REGISTRY", "backend_class", "create_backend"]
