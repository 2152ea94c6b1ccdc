"""The one orchestration loop shared by the CLI and the app.

prompt -> backend.generate -> parse -> repair IDs -> contracts -> copy checks -> label quota ->
accept, until exactly N rows or the attempt budget runs out. Progress goes out as events; the
core never prints. Accepted rows are appended to a JSONL checkpoint (fsync'd per batch) so a
crashed or cancelled run resumes without losing or duplicating rows.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from syngen.backends import Backend, backend_from_config
from syngen.common.provenance import PROVENANCE
from syngen.common.text import count
from syngen.evaluate.label_classifier import LabelGate
from syngen.generate.checkpoint import Checkpoint, config_hash
from syngen.generate.config import RunConfig
from syngen.generate.gate import RowGate
from syngen.plan.labels import label_targets
from syngen.plan.resolve import Plan, plan_for
from syngen.prompting.row_sources import row_source, written_words
from syngen.seed.prepared import Seed, domain_texts, prepare_seed
from syngen.seed.schema import Role

FAIL_STREAK = 3  # batches in a row where every request failed: stop instead of spinning
FIRST_BATCH = 2  # prompts in a run's first batch: rows on screen early


@dataclass
class Event:
    kind: str  # started | heartbeat | row_accepted | row_rejected | batch_finished | finished
    accepted: int
    target: int
    row: dict | None = None
    reason: str | None = None
    message: str = ""
    heartbeat: object | None = None  # backends.base.Heartbeat during a batch


@dataclass
class RunAccount:
    """What happened: requests, tokens, time, and every reject grouped by reason."""

    prompts: int = 0
    batches: int = 0
    parsed: int = 0
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    repaired: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    requests: list = field(default_factory=list)  # per request: batch, tokens, latency, error
    prompt_tokens: int = 0
    completion_tokens: int = 0
    generate_seconds: float = 0.0
    wall_seconds: float = 0.0

    def reject(self, reason: str, fragment: str = "") -> None:
        # Group by the reason's shape: quoted values and numbers vary, the problem does not.
        key = re.sub(r"'[^']*'", "'…'", reason)
        key = re.sub(r"\d+(\.\d+)?", "#", key)
        self.rejected[key] += 1
        ex = self.examples.setdefault(key, [])
        if len(ex) < 3:
            ex.append((reason, fragment[:160]))

    def summary(self, top: int = 8) -> list[str]:
        lines = [
            f"{count(self.accepted, 'row')} accepted from {self.parsed} parsed, {count(self.prompts, 'prompt')} "
            f"in {self.batches} batches; {sum(self.rejected.values())} fragments rejected"
        ]
        for key, n in self.rejected.most_common(top):
            lines.append(f"  {n:5d}  {key}")
        for key, n in self.repaired.most_common():
            lines.append(f"  repaired {n}: {key}")
        if self.errors:
            lines.append(f"  backend errors: {len(self.errors)} (last: {self.errors[-1]})")
        return lines

    def to_dict(self) -> dict:
        return {
            "prompts": self.prompts,
            "batches": self.batches,
            "parsed": self.parsed,
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "examples": {k: [{"reason": r, "fragment": f} for r, f in v] for k, v in self.examples.items()},
            "repaired": dict(self.repaired),
            "errors": self.errors[-20:],
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "generate_seconds": round(self.generate_seconds, 3),
            "wall_seconds": round(self.wall_seconds, 3),
        }


@dataclass
class RunResult:
    rows: pd.DataFrame
    account: RunAccount
    status: str  # complete | exhausted | cancelled | failed
    message: str
    run_id: str
    seed: Seed
    plan: Plan | None = None


def _timed(it, account: RunAccount):
    """Yield from a backend's results, adding only the time spent waiting on the backend."""
    while True:
        t = time.perf_counter()
        try:
            item = next(it)
        except StopIteration:
            account.generate_seconds += time.perf_counter() - t
            return
        account.generate_seconds += time.perf_counter() - t
        yield item


def _pick_labels(targets, counts, n_prompts) -> list[str | None]:
    if not targets:
        return [None] * n_prompts
    planned = Counter()
    picks = []
    open_ = [k for k in targets if counts[k] < targets[k]] or list(targets)  # a full label gets no more prompts
    for _ in range(n_prompts):
        need = {k: targets[k] - counts[k] - planned[k] for k in open_}
        # Largest share still missing first, so labels interleave in proportion: a run that
        # stops early (cancel, budget) still has the target mix, not only the majority label.
        k = max(need, key=lambda k: (need[k] / targets[k] if targets[k] else -1, targets[k]))
        planned[k] += 1
        picks.append(k)
    return picks


def _prompts_wanted(source, missing: int, made: int, prompted: int) -> int:
    """Prompts for the rows still missing at the yield this run has had so far. With 1 prompt in 5
    giving a row, the last row is asked of 5 prompts in one batch rather than of 5 batches of one
    (the embedded model decodes a batch of 8 in about 1.5x the time of one)."""
    shortfall = (prompted + 1) / (source.prompts_for(made) + 1)  # 1 when every prompt gives its rows
    return math.ceil(source.prompts_for(missing) * max(1.0, shortfall))


def _draw_prompts(source, queued, targets, counts, size, pool) -> tuple[list, list]:
    """(the batch's prompts, those kept for the next batch). With `pool` > `size` (a run's first
    batch) the shortest texts of `pool` drawn rows go first, so the first rows show seconds sooner;
    the rest lead the next batch, so every drawn row is still written and the length mix holds."""
    planned = counts + Counter(p.target_label for p in queued)
    queued = queued + source.prompts(_pick_labels(targets, planned, max(size, pool) - len(queued)))
    if pool > size:
        queued.sort(key=written_words)  # stable: equal lengths keep the label interleaving
    return queued[:size], queued[size:]


def _label_gate(seed: Seed, config: RunConfig) -> LabelGate | None:
    if not config.label_gate:
        return None
    text = seed.schema.by_role(Role.TEXT)
    return LabelGate(seed.df, text[0].name if text else None, seed.schema.label)


def run(
    config: RunConfig,
    backend: Backend | None = None,
    seed: Seed | None = None,
    on_event: Callable[[Event], None] | None = None,
    cancel: threading.Event | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    run_id: str | None = None,
) -> RunResult:
    """Generate exactly `config.num_samples` valid rows (or stop with an account of why not).
    Front-ends call syngen.runs.execute.execute, which names the run's folder and checkpoint."""
    t0 = time.perf_counter()
    config.check()
    seed = seed or prepare_seed(config)
    config.check_prompt(len(seed.df))  # a RunConfig is a PromptSpec
    n = config.num_samples
    targets = label_targets(seed, n, config.label_mix)
    if backend is None:
        backend = backend_from_config(config)
    emit = on_event or (lambda e: None)
    backend.use_domain(domain_texts(seed))
    backend.preload()  # the weights load while the plan below fits its models
    rng = random.Random(config.seed)
    gate = RowGate(seed, config, rng)
    plan = plan_for(seed, config)
    source = row_source(seed, config, plan, rng, gate.fresh_id)
    label_gate = _label_gate(seed, config)
    label = seed.schema.label
    account = RunAccount()
    chash = config_hash(config)
    ckpt = Checkpoint(Path(checkpoint)) if checkpoint else None
    kept_id, accepted = ckpt.load(chash) if ckpt and resume else (None, [])
    run_id = kept_id or run_id or uuid.uuid4().hex[:12]
    if ckpt and not (resume and accepted):
        ckpt.start(run_id, chash, config.to_dict())
    accepted = accepted[:n]
    for i, r in enumerate(accepted):
        gate.accept(r, i)
    counts = Counter(r.get(label) for r in accepted) if label else Counter()
    account.accepted = resumed = len(accepted)
    notes = plan.notes + source.notes + ([label_gate.note] if label_gate and label_gate.note else [])
    emit(
        Event(
            "started",
            len(accepted),
            n,
            message=f"run {run_id}: {n} rows wanted ({plan.mode} plan), "
            f"{len(accepted)} from checkpoint" + "".join(f"; {x}" for x in notes),
        )
    )
    status, message, fail_streak, batch_id = "complete", "", 0, 0
    queued: list = []  # prompts drawn for the first batch that lead the next one
    # Skip the rng ahead on resume so the continued run does not replay the first prompts.
    for _ in range(len(accepted)):
        rng.random()

    def heartbeat(hb):
        emit(Event("heartbeat", len(accepted), n, message=hb.describe(), heartbeat=hb))

    while len(accepted) < n:
        if cancel is not None and cancel.is_set():
            status, message = "cancelled", f"cancelled by the user, kept {count(len(accepted), 'row')}"
            break
        left = config.prompt_budget - account.prompts
        if left <= 0:
            status = "exhausted"
            message = (
                f"stopped after {account.prompts} prompts (the attempt budget) with "
                f"{len(accepted)} of {n} rows; see the reject reasons. Resuming the run keeps its rows and "
                f"tries another {config.prompt_budget} prompts; or loosen the contracts (column roles), or try "
                "another prompt style or model"
            )
            break
        # The first batch is small so the first rows show within seconds (prefill of a full
        # batch of k-shot prompts alone takes ~20 s on 2 cores); later batches are full size.
        first = FIRST_BATCH if batch_id == 0 and not accepted else config.batch_size
        wanted = _prompts_wanted(source, n - len(accepted), len(accepted) - resumed, account.prompts)
        size = min(config.batch_size, first, left, wanted)
        pool = min(config.batch_size, source.prompts_for(n)) if first < config.batch_size else 0
        prompts, queued = _draw_prompts(source, queued, targets, counts, size, pool)
        account.prompts += len(prompts)
        account.batches += 1
        new_rows = []
        errors = 0
        chat = backend.kind != "completion"
        needs_model = [i for i, p in enumerate(prompts) if p.needs_model]
        answers = (
            _timed(
                backend.generate_iter(
                    [prompts[i] for i in needs_model],
                    seed=config.seed + 1000 * batch_id,
                    cancel=cancel,
                    on_progress=heartbeat,
                ),
                account,
            )
            if needs_model
            else []
        )
        sampled_only = [(i, None) for i in range(len(prompts)) if i not in set(needs_model)]
        for idx, res in itertools.chain(sampled_only, ((needs_model[j], r) for j, r in answers)):
            if len(accepted) >= n:
                break  # leaving the loop drops the batch's queued requests
            prompt = prompts[idx]
            if res is None:
                parsed = source.parse(prompt, None, chat)
            else:
                if res.error == "cancelled":
                    continue  # not a failure: the user stopped the run (results already paid for are kept)
                account.requests.append(
                    {
                        "batch": batch_id,
                        "prompt_tokens": res.prompt_tokens,
                        "completion_tokens": res.completion_tokens,
                        "latency_s": round(res.latency_s, 3),
                        "finish_reason": res.finish_reason,
                        "attempts": res.meta.get("attempts", 1),
                        "error": res.error,
                    }
                )
                account.prompt_tokens += res.prompt_tokens
                account.completion_tokens += res.completion_tokens
                if res.error:
                    errors += 1
                    account.errors.append(res.error)
                    account.reject(f"backend error: {res.error}")
                    continue
                if not (res.text or "").strip():
                    account.reject("empty output")
                    emit(Event("row_rejected", len(accepted), n, reason="empty output"))
                    continue
                parsed = source.parse(prompt, res, chat)
            for rj in parsed.rejects:
                account.reject(rj.reason, rj.fragment)
                emit(Event("row_rejected", len(accepted), n, reason=rj.reason))
            if parsed.repaired:
                account.repaired["text with unquoted commas re-joined"] += parsed.repaired
            for raw in parsed.rows:
                account.parsed += 1
                if len(accepted) >= n:
                    break
                row, why = gate.check(raw, account)
                if row is not None and targets and counts[row[label]] >= targets[row[label]]:
                    row, why = None, f"label quota for {label}={row[label]} already met"
                if row is not None and label_gate is not None:
                    why = label_gate.check(row)
                    row = None if why else row
                if row is None:
                    account.reject(why, json.dumps(raw, ensure_ascii=False))
                    emit(Event("row_rejected", len(accepted), n, reason=why))
                    continue
                gate.accept(row, len(accepted))
                if label:
                    counts[row[label]] += 1
                if config.provenance:
                    row.update(
                        is_synthetic=True,
                        backend=backend.name,
                        model=backend.model_label,
                        prompt_style=config.style,
                        k=config.k,
                        batch_id=batch_id,
                        run_id=run_id,
                    )
                accepted.append(row)
                new_rows.append(row)
                account.accepted = len(accepted)
                emit(Event("row_accepted", len(accepted), n, row=row))
        if ckpt:
            ckpt.append(new_rows)
        batch_id += 1
        emit(
            Event(
                "batch_finished",
                len(accepted),
                n,
                message=f"batch {batch_id}: +{count(len(new_rows), 'row')}, {count(errors, 'request error')}",
            )
        )
        fail_streak = fail_streak + 1 if needs_model and errors == len(needs_model) else 0
        if getattr(backend, "circuit_open", lambda: False)():
            status = "failed"
            real = [e for e in account.errors if "circuit open" not in e]
            message = (
                f"{backend.name}: {backend.settings.get('circuit_after')} requests failed in a row, "
                f"run stopped; last error: {(real or account.errors)[-1]}"
            )
            break
        if fail_streak >= FAIL_STREAK:
            status = "failed"
            message = f"the backend failed {FAIL_STREAK} batches in a row: {account.errors[-1]}"
            break
    if status == "complete" and cancel is not None and cancel.is_set() and len(accepted) < n:
        status, message = "cancelled", f"cancelled by the user, kept {count(len(accepted), 'row')}"
    account.wall_seconds = time.perf_counter() - t0
    if status == "complete":
        message = f"{count(len(accepted), 'row')} generated"
    cols = seed.schema.names + (PROVENANCE if config.provenance else [])
    frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in accepted], columns=cols)
    emit(Event("finished", len(accepted), n, message=message))
    return RunResult(frame, account, status, message, run_id, seed, plan)


def preview(config: RunConfig, seed: Seed, backend: Backend) -> tuple[dict | None, str]:
    """One prompt, one answer, the run's gate, nothing saved: what a run would write (seconds)."""
    config.check()
    config.check_prompt(len(seed.df))
    rng = random.Random(config.seed + int(time.time()))  # a new row on every click
    gate = RowGate(seed, config, rng)
    source = row_source(seed, config, plan_for(seed, config), rng, gate.fresh_id)
    targets = label_targets(seed, max(1, config.num_samples), config.label_mix) or {None: 1}
    prompt = source.prompts([rng.choice([k for k, v in targets.items() if v] or [None])])[0]
    t = time.perf_counter()
    backend.use_domain(domain_texts(seed))
    if prompt.needs_model:
        res = next(iter(dict(backend.generate_iter([prompt], seed=rng.randrange(10**6))).values()))
        if res.error:
            return None, res.error
        parsed = source.parse(prompt, res, backend.kind != "completion")
    else:
        parsed = source.parse(prompt, None, False)
    took = time.perf_counter() - t
    if not parsed.rows:
        why = parsed.rejects[0].reason if parsed.rejects else "no row in the answer"
        return None, f"the model's answer was not usable ({why}); a run would retry. {took:.1f}s"
    row, why = gate.check(parsed.rows[0], RunAccount())
    if row is None:
        return parsed.rows[0], f"a run would reject this row: {why}. {took:.1f}s"
    return row, f"generated in {took:.1f}s (not saved)"
