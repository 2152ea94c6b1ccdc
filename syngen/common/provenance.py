"""The columns that mark a row as synthetic and say where it came from."""

PROVENANCE = ["is_synthetic", "backend", "model", "prompt_style", "k", "batch_id", "run_id"]
WHOLE_PROVENANCE = ("k", "batch_id")  # exports type them as integers
