"""Adapt the embedded model to a seed table: LoRA fine-tuning on the CPU (GReaT-style).

Each seed row becomes a text in the shape the generation prompts use (`column: value` lines, the
label first, the other given fields in a random order, the text the model writes last), and a
LoRA adapter (peft) learns to continue such rows. The loss is scored over the domain head
(syngen/engine/decode.py), the token ids the seed uses: the whole 262k-token head would make each step
~6x slower on a CPU. 10% of the rows are held out for the validation loss, which picks the best
adapter and stops training when it stops improving; a time budget and a cancel keep the best so far.

Adapters are cached under <cache>/adapters/<key>/ by (seed, model, settings) and reused; the
folder also keeps `tune.json` (what the tuning measured) and `holdout.csv` (the rows it never saw,
which the quality report uses for its distance-to-closest-record comparison).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from syngen.common.cache_dir import cache_root
from syngen.common.errors import ConfigError
from syngen.engine.adapter import INFO, read_info
from syngen.engine.loading import EMBEDDED, gguf_for, load_weights
from syngen.plan.length_hint import hint_name, with_hints
from syngen.plan.resolve import Plan
from syngen.prompting.prompts import _one_line
from syngen.seed.schema import IDS, Role, Schema
from syngen.tune.lora_trainer import LoraTrainer, balanced_rows, by_label, length_batches, split_rows

HOLDOUT = "holdout.csv"
ROWS = 2  # how training rows are rendered: a change makes cached adapters stale
SAVE_SECONDS = 10.0  # kept free at the end of the budget for the last evaluation and saving


@dataclass
class TuneSettings:
    max_minutes: float = 5.0  # time budget, loading included; the best adapter so far is kept when it runs out
    epochs: int = 3
    rank: int = 16
    alpha: int = 32
    learning_rate: float = 5e-4
    batch_size: int = 8
    max_tokens: int = 256  # a row's text is cut here (long reviews)
    layers: int = 9  # adapt only the top N decoder layers (0: all): backward stops there, 1.5x faster
    holdout: float = 0.1
    evals_per_epoch: int = 4
    patience: int = 3  # evaluations without a better validation loss before stopping
    random_seed: int = 0
    max_steps: int = 0  # 0: no limit (tests use a few)
    balance: int = 4  # rare labels' rows repeated up to this many times towards the largest label (1: the seed's mix)

    def check(self) -> None:
        if self.max_minutes <= 0:
            raise ConfigError("--max-minutes must be positive")
        if not 0 < self.holdout < 0.5:
            raise ConfigError("--holdout must be a share in (0, 0.5)")
        if self.rank < 1 or self.epochs < 1 or self.batch_size < 1:
            raise ConfigError("rank, epochs and batch size must be at least 1")

    def key_fields(self) -> dict:
        """What changes the adapter (the budget does too: a shorter one may stop earlier), under
        the names adapters were first keyed with, so adapters tuned before the rename are found."""
        d = asdict(self)
        d["seed"] = d.pop("random_seed")
        return d


@dataclass
class TuneProgress:
    phase: str  # loading | training | saving
    step: int = 0
    steps: int = 0  # planned (epochs x steps per epoch)
    epoch: float = 0.0
    train_loss: float | None = None
    val_loss: float | None = None
    best_val: float | None = None
    seconds: float = 0.0
    eta_seconds: float | None = None
    tokens_per_second: float = 0.0

    def describe(self) -> str:
        if self.phase != "training":
            return {"loading": "loading the model…", "saving": "saving the adapter…"}.get(self.phase, self.phase)
        parts = [f"step {self.step}/{self.steps} (epoch {self.epoch:.1f})"]
        if self.train_loss is not None:
            parts.append(f"loss {self.train_loss:.3f}")
        if self.best_val is not None:
            parts.append(f"best validation loss {self.best_val:.3f}")
        parts.append(f"{self.tokens_per_second:.0f} tok/s")
        if self.eta_seconds is not None:
            parts.append(f"ETA {self.eta_seconds:.0f}s")
        return ", ".join(parts)


@dataclass
class TuneResult:
    folder: Path
    status: str  # complete | early-stop | time-budget | cancelled | reused
    message: str
    info: dict = field(default_factory=dict)


def training_columns(schema: Schema, plan: Plan, rng: random.Random) -> list[str]:
    """One row's field order. Conditional plan: label first, the other given fields shuffled (the
    prompt gives them, so no order is learnt as the only one), the text the model writes last, no
    IDs (the plan makes them). Whole rows: the label, then the seed's column order, as the prompts
    ask for them (a small model that must also track which shuffled fields it still owes leaves
    some out: 0 of 4 rows on a sales table after a 1-minute tuning)."""
    label = schema.label
    written = [c for c in plan.model_columns if c != label]
    skip_ids = plan.mode == "conditional"
    given = [
        c.name
        for c in schema.columns
        if c.name != label
        and c.name not in written
        and not (skip_ids and c.role in IDS)
        and c.role != Role.PERSONAL  # the adapter never learns people's names
    ]
    if plan.mode != "conditional":  # the model writes every field, in the order the prompts show
        return ([label] if label else []) + [c for c in schema.names if c != label]
    rng.shuffle(given)
    written = sorted(written, key=lambda c: schema.col(c).role == Role.TEXT)
    hints = [hint_name(c) for c in written if c in plan.hints]  # right before the texts, as prompts put them
    return ([label] if label else []) + given + hints + written


def render_row(row: dict, columns: list[str]) -> str:
    """The row the way `prompts.rows_to_records` renders one: what generation prompts continue."""
    return "".join(f"{c}: {_one_line(row.get(c))}\n" for c in columns) + "\n"


def training_texts(df: pd.DataFrame, schema: Schema, plan: Plan, random_seed: int = 0) -> list[str]:
    rng = random.Random(random_seed)
    return [render_row(with_hints(r, plan.hints), training_columns(schema, plan, rng)) for r in df.to_dict("records")]


def seed_key(df: pd.DataFrame, schema: Schema, plan: Plan, model: str) -> tuple[str, dict]:
    """The seed, the plan and the model: what an adapter is for, whatever its settings."""
    h = hashlib.sha256(pd.util.hash_pandas_object(df.astype(str), index=False).values.tobytes())
    meta = {"model": model, "plan": plan.mode, "generators": plan.generators, "label": schema.label, "rows": ROWS}
    meta["hints"] = plan.hints  # given lengths change what the rows say
    return h.hexdigest(), meta


def adapter_key(df: pd.DataFrame, schema: Schema, plan: Plan, model: str, settings: TuneSettings) -> str:
    digest, meta = seed_key(df, schema, plan, model)
    h = hashlib.sha256(bytes.fromhex(digest))
    h.update(json.dumps([meta, settings.key_fields()], sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def _latest_file(df, schema, plan, model) -> Path:
    """Names the adapter tuned last for this seed, plan and model (any settings)."""
    digest, meta = seed_key(df, schema, plan, model)
    name = hashlib.sha256((digest + json.dumps(meta, sort_keys=True, default=str)).encode()).hexdigest()[:16]
    return adapter_folder("latest") / name


def adapter_folder(key: str) -> Path:
    root = os.environ.get("SYNGEN_ADAPTER_DIR") or cache_root() / "adapters"
    return Path(root) / key


def adapter_folder_for(config, seed, settings: TuneSettings | None = None) -> Path:
    """Where the adapter for this run config's seed, plan and model is (or would be) kept."""
    from syngen.plan.resolve import plan_for

    plan = plan_for(seed, config)
    return adapter_folder(adapter_key(seed.df, seed.schema, plan, config.model or EMBEDDED, settings or TuneSettings()))


def find_adapter(config, seed, settings: TuneSettings | None = None) -> Path | None:
    """The cached adapter for this run config's seed, plan and model: the one tuned with
    `settings`; without settings, the one tuned with the defaults, else the one tuned last."""
    folder = adapter_folder_for(config, seed, settings)
    if (folder / "adapter_config.json").exists():
        return folder
    if settings is not None:
        return None
    from syngen.plan.resolve import plan_for

    try:
        name = _latest_file(seed.df, seed.schema, plan_for(seed, config), config.model or EMBEDDED).read_text().strip()
    except OSError:
        return None
    folder = adapter_folder(name)
    return folder if name and (folder / "adapter_config.json").exists() else None


def holdout_rows(config) -> pd.DataFrame | None:
    """The seed rows the run's adapter never saw (its holdout.csv), or None without an adapter."""
    path = Path(config.adapter) / HOLDOUT if config.adapter not in ("", "auto") else None
    if path is None or not path.exists():
        return None
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError):
        return None


def tune(
    df: pd.DataFrame,
    schema: Schema,
    plan: Plan,
    domain: list[str],
    *,
    model: str = EMBEDDED,
    settings: TuneSettings | None = None,
    on_progress: Callable[[TuneProgress], None] | None = None,
    cancel: threading.Event | None = None,
    retrain: bool = False,
) -> TuneResult:
    """Tune (or reuse) the adapter for this seed; the folder holds the best adapter found. Runs on
    the torch thread, where the model's other work runs (torch_thread explains why)."""
    from syngen.common import torch_thread

    return torch_thread.call(lambda: _tune(df, schema, plan, domain, model, settings, on_progress, cancel, retrain))


def _tune(df, schema, plan, domain, model, settings, on_progress, cancel, retrain) -> TuneResult:
    import torch

    from syngen.common import torch_thread

    s = settings or TuneSettings()
    s.check()
    key = adapter_key(df, schema, plan, model, s)
    folder = adapter_folder(key)
    if not retrain and (folder / "adapter_config.json").exists():
        info = read_info(folder)
        return TuneResult(folder, "reused", f"reused the adapter tuned earlier ({info.get('message', '')})", info)
    if len(df) < 4:
        raise ConfigError(f"tuning needs at least 4 seed rows (this seed has {len(df)})")
    report = on_progress or (lambda p: None)
    t0 = time.perf_counter()
    report(TuneProgress("loading"))
    net, tok, _ = load_weights(model, gguf_for(model))  # a private float32 copy: LoRA edits it
    labels = df[schema.label].astype(str).tolist() if schema.label in df.columns else None
    train_rows, held_rows = split_rows(len(df), s.holdout, s.random_seed, labels)
    if labels is not None and s.balance > 1:
        train_rows = balanced_rows(train_rows, labels, s.balance)
    texts = training_texts(df, schema, plan, s.random_seed)
    tr = LoraTrainer(net, tok, texts, domain, s)
    opt = torch.optim.AdamW(tr.params, lr=s.learning_rate, weight_decay=0.0)
    rng = random.Random(s.random_seed)
    per_epoch = math.ceil(len(train_rows) / s.batch_size)
    full = planned = per_epoch * s.epochs if not s.max_steps else min(s.max_steps, per_epoch * s.epochs)
    horizon = [planned]  # the cosine decays over the steps the budget allows (re-estimated below)
    warmup = max(1, planned // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda i: min(1.0, (i + 1) / warmup) * (0.1 + 0.45 * (1 + math.cos(math.pi * min(1.0, i / horizon[0])))),
    )
    every = max(1, per_epoch // max(1, s.evals_per_epoch))
    budget = s.max_minutes * 60
    best, best_state, since_best, step, tokens, status = math.inf, None, 0, 0, 0, None
    pace, eval_s, mark = 0.0, 0.0, 0.0  # s per training step; s of the last evaluation; training s at step 3
    train_started = time.perf_counter()
    progress = TuneProgress("training", steps=planned)
    lengths = [len(tr.ids[i]) for i in train_rows]
    evals_total = 0.0

    def _eval_after(k: int) -> float:  # seconds of the evaluation after step k (untimed: ~1/3 step a batch)
        if not held_rows or not (k % every == 0 or k == planned):
            return 0.0
        return eval_s or pace * math.ceil(len(held_rows) / s.batch_size) / 3

    tr.peft.train()
    while status is None:  # epochs, until the plan, the budget, a cancel or early stopping ends it
        for batch in length_batches(lengths, s.batch_size, rng):
            lent = torch_thread.serve_waiting()  # a run's batches meanwhile: left out of the budget
            t0, train_started = t0 + lent, train_started + lent
            if cancel is not None and cancel.is_set():
                status = "cancelled"
            elif time.perf_counter() - t0 + pace + _eval_after(step + 1) + eval_s + SAVE_SECONDS > budget:
                # the next step (and the evaluation after it) would end past the budget; the last
                # evaluation's time is kept free for the per-label one after training
                status = "time-budget"
            elif step >= planned:
                status = "complete"
            if status:
                break
            loss, n = tr.loss([train_rows[i] for i in batch])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(tr.params, 1.0)
            opt.step()
            sched.step()
            step, tokens = step + 1, tokens + n
            el = time.perf_counter() - train_started
            pace = (el - evals_total) / step
            if step in (3, 12):  # the pace is known: plan for the steps that fit in the budget
                # again at 12 with the pace since step 3: the first steps run ~2x slower than the rest
                # (a 5-minute plan made at step 3 ended at 151 s); the schedule follows the new plan
                if step == 3:
                    mark = el - evals_total
                recent = (el - evals_total - mark) / 9 if step == 12 else pace
                fits = step + int(max(0.0, budget - SAVE_SECONDS - (time.perf_counter() - t0)) / recent * 0.9)
                planned = progress.steps = max(step, min(full, fits))
                horizon[0] = planned
            progress.step, progress.epoch, progress.seconds = step, step / per_epoch, time.perf_counter() - t0
            progress.train_loss, progress.tokens_per_second = loss.item(), tokens / el
            progress.eta_seconds = min((planned - step) * el / step, max(0.0, budget - progress.seconds))
            if _eval_after(step):
                tr.peft.eval()
                t_eval = time.perf_counter()
                progress.val_loss = tr.evaluate(held_rows, s.batch_size)
                eval_s = time.perf_counter() - t_eval
                evals_total += eval_s
                tr.peft.train()
                if progress.val_loss < best:
                    best, best_state, since_best = progress.val_loss, tr.state(), 0
                else:
                    since_best += 1
                progress.best_val = best
            report(progress)
            if since_best >= s.patience:
                status = "early-stop"
                break
    if step == 0:
        why = "cancelled" if status == "cancelled" else "the time budget ran out"
        return TuneResult(folder, status, f"{why} before the first training step: no adapter saved")
    if best_state is None or not held_rows:  # no evaluation yet: the current weights are the best
        best = tr.evaluate(held_rows, s.batch_size) if held_rows else float("nan")
        best_state = tr.state()
    report(TuneProgress("saving", step=step, steps=planned, best_val=best, seconds=time.perf_counter() - t0))
    with torch.no_grad():
        for n, p in tr.peft.named_parameters():
            if n in best_state:
                p.copy_(best_state[n])
    by_label = per_label_loss(tr, held_rows, labels, s.batch_size)
    seconds = time.perf_counter() - t0
    why = {
        "complete": f"{step / per_epoch:.1f} epoch(s) (what the budget allows)",
        "early-stop": "stopped early: the validation loss stopped improving",
        "time-budget": f"stopped at the {s.max_minutes:g}-minute budget",
        "cancelled": "cancelled; the best adapter so far is kept",
    }[status]
    info = {
        "status": status,
        "message": f"{step} steps in {seconds:.0f}s, {why}; best validation loss {best:.3f}",
        "model": model,
        "key": key,
        "steps": step,
        "epochs": round(step / per_epoch, 2),
        "seconds": round(seconds, 1),
        "train_tokens": tokens,
        "tokens_per_second": round(tokens / max(1e-9, time.perf_counter() - train_started), 1),
        "best_val_loss": round(best, 4),
        "train_rows": len(train_rows),
        "train_rows_by_label": dict(Counter(labels[i] for i in train_rows)) if labels else {},
        "val_loss_by_label": by_label,
        "holdout_rows": len(held_rows),
        "head_size": int(tr.head.shape[0]),
        "plan": plan.mode,
        "settings": asdict(s),
    }
    tmp = folder.with_name(folder.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tr.peft.save_pretrained(tmp)
    df.iloc[held_rows].to_csv(tmp / HOLDOUT, index=False)
    (tmp / INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)  # a half-written adapter is never picked up
    latest = _latest_file(df, schema, plan, model)
    latest.parent.mkdir(parents=True, exist_ok=True)
    latest.write_text(key + "\n", encoding="utf-8")
    return TuneResult(folder, status, info["message"], info)


def per_label_loss(tr: LoraTrainer, held: list[int], labels: list | None, size: int) -> dict:
    """The held-out loss of each label's rows: a rare label the adapter did not learn shows here
    when the overall loss hides it."""
    if not labels or not held:
        return {}
    tr.peft.eval()
    return {lab: round(tr.evaluate(rows, size), 4) for lab, rows in sorted(by_label(held, labels).items())}


def tune_for_seed(config, seed, *, settings: TuneSettings | None = None, **kwargs) -> TuneResult:
    """`tune` for a run config's seed, plan and model (what `adapter=auto` and `syngen tune` use)."""
    from syngen.plan.resolve import plan_for
    from syngen.seed.prepared import domain_texts

    if config.backend != "hf":
        raise ConfigError(f"only the embedded backend (hf) can be tuned, not {config.backend}")
    plan = plan_for(seed, config)
    return tune(
        seed.df, seed.schema, plan, domain_texts(seed), model=config.model or EMBEDDED, settings=settings, **kwargs
    )
