"""Backend choice and typed options, rendered from each backend's Option list."""

from __future__ import annotations

import os

import streamlit as st

from syngen.backends import REGISTRY, backend_class, backend_from_config
from syngen.common.errors import SyngenError
from syngen.prompting.prompts import Prompt

CHOICES = {
    "hf": "Embedded (Gemma 3 270M, offline)",
    "ollama": "Ollama",
    "cohere": "Cohere",
    "openai": "OpenAI or compatible server",
}
DEFAULT_MODELS = {
    "hf": "gemma3-270m",
    "ollama": "llama3.2",
    "cohere": "command-r-plus-08-2024",
    "openai": "gpt-4o-mini",
}
# Options that the Generate page sets (batch), that the "Adapt" section sets (adapter), or that
# only tests and benches need.
HIDDEN = {"seed", "cache", "dtype", "adapter", "embedding", "kv", "kv_dtype", "linear"}


def secret_key(env: str | None) -> str | None:
    """A key from st.secrets or the environment; its value is never shown."""
    if not env:
        return None
    try:
        if env in st.secrets:
            return str(st.secrets[env])
    except Exception:  # no or unreadable secrets.toml (the error type varies by version): use the env
        pass
    return os.environ.get(env)


def option_widgets(name: str, current: dict) -> dict:
    """A widget per typed option; returns the chosen values."""
    out = {}
    cols = st.columns(3)
    for i, o in enumerate(o for o in backend_class(name).options if o.name not in HIDDEN):
        col = cols[i % 3]
        key = f"backend_{name}_{o.name}"
        value = current.get(o.name, o.default)
        if o.choices:
            out[o.name] = col.selectbox(o.name, o.choices, index=list(o.choices).index(value), key=key, help=o.help)
        elif o.type is bool:
            out[o.name] = col.checkbox(o.name, bool(value), key=key, help=o.help)
        elif o.type is int:
            out[o.name] = int(
                col.number_input(o.name, int(o.minimum or 0), int(o.maximum or 10**6), int(value), key=key, help=o.help)
            )
        else:
            out[o.name] = float(
                col.number_input(
                    o.name, float(o.minimum or 0), float(o.maximum or 1e6), float(value), key=key, help=o.help
                )
            )
    return out


def display_name(backend: str, model: str | None = None) -> str:
    """What the UI calls a backend (never the registry's short name alone)."""
    label = CHOICES.get(backend, backend)
    if backend == "hf" and model and model != DEFAULT_MODELS["hf"]:
        return f"Embedded ({model})"
    return label if backend == "hf" else f"{label} · {model or DEFAULT_MODELS.get(backend, '')}"


def test_connection(config, api_key: str | None) -> tuple[bool, str]:
    """Reach the server (seconds), load the model if it is in-process, send one tiny prompt;
    reports load and generation time separately."""
    import time

    try:
        backend = backend_from_config(config, api_key)
        backend.precheck()
        backend.settings["max_new_tokens"] = 8
        if "max_retries" in backend.settings:
            backend.settings["max_retries"] = 0  # a verdict now, not after minutes of backoff
        load = ""
        if hasattr(backend, "load"):
            t = time.perf_counter()
            backend.load()
            load = f"model loaded in {time.perf_counter() - t:.1f}s ({backend.load_source or 'already in memory'}); "
        probe = Prompt(
            messages=[{"role": "user", "content": "Say OK."}],
            completion="a,b\n1,2\n",
            prefill="",
            columns=["a", "b"],
            exemplars=[],
            rows=1,
        )
        t = time.perf_counter()
        res = backend.generate([probe])[0]
        gen = time.perf_counter() - t
    except SyngenError as exc:
        return False, str(exc)
    if res.error:
        return False, res.error
    return True, (
        f"{display_name(config.backend, backend.model_label)}: {load}answered {res.completion_tokens} "
        f"tokens in {gen:.1f}s"
    )


__all__ = ["CHOICES", "DEFAULT_MODELS", "REGISTRY", "display_name", "option_widgets", "secret_key", "test_connection"]
