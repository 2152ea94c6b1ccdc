"""Small shared pieces of the app."""

from __future__ import annotations

from syngen.backends import hf


def token_estimate(text: str, backend: str, model: str | None) -> str:
    """Exact token count when the embedded model's tokenizer is loaded, else an estimate."""
    loaded = [v for k, v in hf._LOADED.items() if k.startswith(f"{model or hf.EMBEDDED}|")]
    if backend == "hf" and loaded:
        return f"{len(loaded[0][1](text)['input_ids'])} tokens"
    return f"≈ {max(1, len(text) // 4)} tokens (estimate: about 4 characters per token)"


# The prompt settings in a user's words (the config keeps the short names).
STYLE_WORDS = {
    "base": "Rows like the examples",
    "diversity": "More varied rows",
    "lang_complexity": "The examples' reading level",
    "text_length": "The examples' text length",
    "custom": "My own template",
}
SELECTION_WORDS = {
    "auto": "Automatic (suits the instruction)",
    "random": "Random rows",
    "stratified": "Every label represented",
    "diverse": "Rows unlike each other",
}
