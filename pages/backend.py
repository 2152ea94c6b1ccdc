"""Backend: the embedded model (default) or a remote service, its options, its key."""

import streamlit as st

from syngen.backends import backend_class
from syngen.ui.adapt import adapt_section
from syngen.ui.auto_tune import tuning_status
from syngen.ui.backend_form import CHOICES, DEFAULT_MODELS, option_widgets, secret_key, test_connection
from syngen.ui.state import get_state

state = get_state()
tuning_status(state)
cfg = state.config
st.title("Backend")

names = list(CHOICES)
name = st.radio(
    "Where the rows are written",
    names,
    format_func=CHOICES.get,
    index=names.index(cfg.backend),
    horizontal=True,
    key="backend_name",
)
if name != cfg.backend:
    cfg = state.edit(backend=name, model=None, base_url=None, backend_options={})
cls = backend_class(name)

model = st.text_input(
    "Model",
    cfg.model or DEFAULT_MODELS[name],
    key=f"backend_model_{name}",
    help="hf: gemma3-270m (bundled), a local folder, a .gguf file or a hub id",
)
cfg = state.edit(model=None if model == DEFAULT_MODELS.get(name) and name == "hf" else model)
if name != "hf":
    base = st.text_input(
        "Server address (optional)",
        cfg.base_url or "",
        key=f"backend_url_{name}",
        placeholder={
            "ollama": "http://127.0.0.1:11434",
            "openai": "http://127.0.0.1:8000/v1",
            "cohere": "https://api.cohere.com",
        }[name],
    )
    cfg = state.edit(base_url=base or None)
    if name == "ollama" and st.button("List installed models", key="backend_list"):
        try:
            from syngen.backends import backend_from_config

            st.write(backend_from_config(cfg).list_models() or "no models installed: run `ollama pull llama3.2`")
        except Exception as exc:  # shown as a message, never a traceback
            st.error(str(exc))

if cls.key_env:
    found = secret_key(cls.key_env)
    if found:
        st.success(f"Using {cls.key_env} from the environment or st.secrets.")
        state.api_key = None
    else:
        typed = st.text_input(
            f"{cls.key_env}",
            type="password",
            key=f"backend_key_{name}",
            help="kept in this browser session only; never saved or shown",
        )
        state.api_key = typed or None
        if not typed and cls.needs_key:
            st.warning(f"Set {cls.key_env} in the environment or .streamlit/secrets.toml, or type it here.")

st.subheader("Options")
cfg = state.edit(backend_options=option_widgets(name, cfg.backend_options))

if name == "hf":
    adapt_section(state)
    cfg = state.config  # the adapter section sets the adapter option

if st.button("Test connection", key="backend_test"):
    with st.spinner("Asking the backend for a few tokens…"):
        ok, verdict = test_connection(cfg, state.api_key or secret_key(cls.key_env))
    (st.success if ok else st.error)(verdict)
