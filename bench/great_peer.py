"""The peer in bench/tune.py: be-great (Borisov et al., ICLR 2023) fine-tuning the embedded model's
base weights for the same time budget as `syngen tune`, then sampling rows with its guided sampler.

GReaT's sampler writes ~2.5 rows/min here, so 200 rows take longer than one sitting may have:
the trained model is saved (bench/results/tune-runs/great-model/) and the rows are kept as they
come (great_rows.csv, great_progress.json); `--great-resume` continues sampling from them with the
same model. rows/min is the rows over the sampling time summed across sittings.
be-great is installed here (pip) and never a project requirement.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pandas as pd


def _train(seed, minutes: float, out_dir):
    """A GReaT model fitted to the seed within `minutes`, and the seconds it took."""
    import be_great.great as great_module
    from be_great import GReaT
    from transformers import TrainerCallback

    from syngen.backends.hf import embedded_folder

    t = time.perf_counter()

    class Budget(TrainerCallback):  # the same time budget as `syngen tune`
        def on_step_end(self, args, state, control, **kwargs):
            if time.perf_counter() - t > minutes * 60:
                control.should_training_stop = True

    class Timed(great_module.GReaTTrainer):
        def __init__(self, *args, callbacks=None, **kwargs):
            super().__init__(*args, callbacks=list(callbacks or []) + [Budget()], **kwargs)

    great_module.GReaTTrainer = Timed
    df = seed.df.drop(columns=[c.name for c in seed.schema.columns if c.role.value == "id"])
    great = GReaT(
        str(embedded_folder()),
        experiment_dir=str(out_dir / "great"),
        epochs=3,
        batch_size=8,
        efficient_finetuning="lora",
        save_strategy="no",
        logging_steps=5,
    )
    # GReaT pads on the left (for generation) also while training; Gemma then reads shifted
    # positions and GReaT logged a loss of 14.9 (plain transformers gives 4.3 on such a row).
    # Train with right padding, sample with left padding.
    great.tokenizer.padding_side = "right"
    great.fit(df)
    return great, time.perf_counter() - t


def sample_great(seed, n, minutes, out_dir, sample_minutes=100.0, resume=False) -> tuple[pd.DataFrame, dict]:
    """(rows, what to report with them): trained (or, `resume`, loaded) and sampled until n rows
    or `sample_minutes` in this sitting."""
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "be-great[lora]==0.0.14"], check=True)
    import torch
    from be_great import GReaT

    torch.set_num_threads(2)
    model_dir, rows_file, progress_file = (
        out_dir / "great-model",
        out_dir / "great_rows.csv",
        out_dir / "great_progress.json",
    )
    if resume and progress_file.exists():
        progress = json.loads(progress_file.read_text())
        great = GReaT.load_from_dir(str(model_dir))
        rows = pd.read_csv(rows_file, dtype=str) if rows_file.exists() else pd.DataFrame()
        print(f"great: resumed with {len(rows)} rows after {progress['sampling_s']:.0f} s of sampling", file=sys.stderr)
    else:
        great, training = _train(seed, minutes, out_dir)
        great.save(str(model_dir))
        rows, progress = pd.DataFrame(), {"training_s": round(training, 1), "sampling_s": 0.0, "sittings": 0}
        rows_file.unlink(missing_ok=True)
    great.tokenizer.padding_side = "left"
    progress["sittings"] += 1
    # GReaT's own sampler (the whole row in one go, parsed on ", ") gave no parseable row in 17
    # minutes after a 10-minute fit in the first run of this bench; its guided sampler (the one it
    # suggests then) writes field by field, so each row parses. It cuts a value at its first
    # ",", "." or ";" and after 30 tokens: GReaT's reviews are one clause.
    t = time.perf_counter()
    while len(rows) < n and time.perf_counter() - t < sample_minutes * 60:
        t_chunk = time.perf_counter()
        got = great.sample(min(8, n - len(rows)), guided_sampling=True, device="cpu")
        progress["sampling_s"] += time.perf_counter() - t_chunk
        if got is not None and len(got):
            rows = pd.concat([rows, got.astype(str)], ignore_index=True)
            rows.to_csv(rows_file, index=False)  # kept as they come: a stopped sitting loses no rows
        progress_file.write_text(json.dumps(progress))
        print(f"great: {len(rows)} rows in {progress['sampling_s']:.0f} s of sampling", file=sys.stderr)
    rate = len(rows) / max(1e-9, progress["sampling_s"] / 60)
    status = "complete" if len(rows) >= n else f"{len(rows)} of {n} rows after {progress['sampling_s'] / 60:.0f} min"
    return rows.astype(str), {  # a resumed CSV reads empty cells as NaN
        "training_s": progress["training_s"],
        "rows_per_min": round(rate, 2),
        "status": status,
        "sittings": progress["sittings"],
    }
