"""Backend registry. Backends are imported lazily: `import syngen` never loads torch."""

from __future__ import annotations

import importlib

from syngen.backends.base import Backend, GenerationResult, Option
from syngen.common.errors import BackendError, ConfigError

REGISTRY = {
    "hf": "syngen.backends.hf:HFBackend",
    "ollama": "syngen.backends.ollama_backend:OllamaBackend",
    "cohere": "syngen.backends.cohere_backend:CohereBackend",
    "openai": "syngen.backends.openai_compat:OpenAIBackend",
}


def backend_class(name: str) -> type[Backend]:
    if name not in REGISTRY:
        raise ConfigError(f"unknown backend '{name}'; available: {', '.join(sorted(REGISTRY))}")
    module, cls = REGISTRY[name].split(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise BackendError(
            f"backend '{name}' needs the package '{exc.name}': pip install -r requirements.txt"
        ) from None


def create_backend(name: str, model: str | None = None, **options) -> Backend:
    return backend_class(name)(model=model, **options)


def backend_from_config(config, api_key: str | None = None) -> Backend:
    """The backend a RunConfig names. Keys come from the environment or, in the app, from the
    session (`api_key`), never from the config."""
    extra = {"api_key": api_key} if api_key else {}
    if config.base_url:
        if config.backend == "hf":
            raise ConfigError("--base-url is for the remote backends (ollama, cohere, openai), not hf")
        extra["base_url"] = config.base_url
    return create_backend(config.backend, config.model, **extra, **config.backend_options)


__all__ = [
    "Backend",
    "GenerationResult",
    "Option",
    "REGISTRY",
    "backend_class",
    "backend_from_config",
    "create_backend",
]
