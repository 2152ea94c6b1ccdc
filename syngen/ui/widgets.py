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


def example_conditions(seed) -> list[str]:
    """Filter and scenario examples from the table in hand ("airline = United", "retweet_count
    >= 2"), never another table's."""
    from syngen.seed.schema import Role

    out = []
    cols = (
        seed.schema.by_role(Role.CATEGORICAL) + seed.schema.by_role(Role.LABEL) + seed.schema.by_role(Role.SHORT_TEXT)
    )
    for c in cols:  # a category first: "condition = Depression" reads better than a title
        common = seed.df[c.name].dropna().astype(str).value_counts()
        if len(common) > 1:
            out.append(f"{c.name} = {common.index[0]}")
            break
    for c in seed.schema.by_role(Role.COUNT, Role.NUMERIC):
        nums = [v for v in (c.number(x) for x in seed.df[c.name].dropna()) if v is not None]
        if nums:
            mid = sorted(nums)[len(nums) // 2]
            out.append(f"{c.name} >= {int(mid) if float(mid).is_integer() else round(mid, 2)}")
            break
    return out or [f"{seed.schema.names[0]} = …"]


def context_example(seed) -> str:
    """The "what is this data" placeholder, from the table's own name."""
    return f"e.g. {seed.name.replace('_', ' ').replace('-', ' ')}"
