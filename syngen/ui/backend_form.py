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


# Each option in a user's words (the option's own help, written for the command line, goes
# second); the rest of a backend's options are engine settings, folded under "Advanced".
PLAIN = {
    "temperature": ("Creativity", "higher: more varied wording; 0: always the most likely words (temperature)"),
    "max_new_tokens": ("Longest answer, in tokens", "a token is about three quarters of a word (max_new_tokens)"),
    "concurrency": ("Requests at once", "how many rows the server is asked for at the same time"),
    "timeout": ("Seconds to wait for an answer", "a slower answer counts as failed and is retried"),
    "top_p": ("Word choice breadth", "1: any word the model finds likely; lower: only the likeliest (top-p)"),
    "top_k": ("Candidate words per step", "the model picks among this many likeliest words; 0: no limit (top-k)"),
    "mode": ("Prompt form", "auto: as the model was trained; chat: instructions; completion: it continues the rows"),
    "quantize": ("Weight compression", "int8: smaller and about 1.2x faster; none: as loaded"),
    "vocab": ("Vocabulary", "domain: only the words of this table and its prompts (faster); full: every word"),
    "loop": ("Decode loop", "plain: syngen's own, faster; generate: the transformers library's"),
    "head": ("Output layer precision", "float16: half the memory traffic; float32: full precision"),
    "max_retries": ("Retries per row", "after a dropped connection, a rate limit or a server error"),
    "backoff": ("First retry delay, seconds", "doubles with each retry"),
    "circuit_after": ("Stop after this many failures in a row", "so a dead server does not burn the budget"),
}
MAIN = ("temperature", "max_new_tokens", "concurrency", "timeout")


def _widget(col, o, value, key: str):
    label, plain = PLAIN.get(o.name, (o.name, ""))
    help_text = f"{plain}. {o.help}" if plain else o.help
    if o.choices:
        return col.selectbox(label, o.choices, index=list(o.choices).index(value), key=key, help=help_text)
    if o.type is bool:
        return col.checkbox(label, bool(value), key=key, help=help_text)
    if o.type is int:
        return int(
            col.number_input(label, int(o.minimum or 0), int(o.maximum or 10**6), int(value), key=key, help=help_text)
        )
    return float(
        col.number_input(label, float(o.minimum or 0), float(o.maximum or 1e6), float(value), key=key, help=help_text)
    )


def option_widgets(name: str, current: dict) -> dict:
    """A widget per typed option, the everyday ones first and engine settings under "Advanced";
    returns the chosen values."""
    shown = [o for o in backend_class(name).options if o.name not in HIDDEN]
    main = [o for o in shown if o.name in MAIN]
    rest = [o for o in shown if o.name not in MAIN]
    out = {}
    cols = st.columns(max(1, len(main)))
    for col, o in zip(cols, main):
        out[o.name] = _widget(col, o, current.get(o.name, o.default), f"backend_{name}_{o.name}")
    if rest:
        with st.expander("Advanced: sampling and engine settings"):
            cols = st.columns(3)
            for i, o in enumerate(rest):
                out[o.name] = _widget(cols[i % 3], o, current.get(o.name, o.default), f"backend_{name}_{o.name}")
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
