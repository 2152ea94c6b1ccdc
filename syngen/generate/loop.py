"""The one orchestration loop shared by the CLI and the app.

prompt -> backend.generate -> parse -> repair IDs -> contracts -> copy checks -> label quota ->
accept, until exactly N rows or the attempt budget runs out. Progress goes out as events; the
core never prints. Accepted rows are appended to a JSONL checkpoint (fsync'd per batch) so a
crashed or cancelled run resumes without losing or duplicating rows.
"""

from __future__ import annotations

import itertools
import json
import random
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
from syngen.generate.account import RunAccount
from syngen.generate.batches import draw_prompts, prompts_wanted
from syngen.generate.checkpoint import Checkpoint, config_hash
from syngen.generate.config import RunConfig
from syngen.generate.events import Event, EventKind, RunStatus
from syngen.generate.gate import RowGate
from syngen.generate.outbound import for_prompts
from syngen.plan.labels import label_targets
from syngen.plan.resolve import Plan, plan_for
from syngen.plan.target import meets_target, mix_for, resolve_target
from syngen.prompting.row_sources import row_source
from syngen.seed.conditions import describe
from syngen.seed.prepared import Seed, domain_texts, prepare_seed
from syngen.seed.schema import Role

FAIL_STREAK = 3  # batches in a row where every request failed: stop instead of spinning
FIRST_BATCH = 2  # prompts in a run's first batch: rows on screen early


@dataclass
class RunResult:
    rows: pd.DataFrame
    account: RunAccount
    status: RunStatus
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


def _label_gate(seed: Seed, config: RunConfig) -> LabelGate | None:
    if not config.label_gate:
        return None
    text = seed.schema.by_role(Role.TEXT)
    return LabelGate(seed.df, text[0].name if text else None, seed.schema.label, features=config.label_gate_model)


@dataclass
class _Batch:
    """One batch's prompts and what came back."""

    number: int
    prompts: list
    needs_model: list[int]  # indexes of the prompts a model answers (the rest are sampled only)
    rows: list = field(default_factory=list)  # accepted in this batch
    errors: int = 0


class _Run:
    """One run's state; `run` drives its steps in order: start, batches until done, finish."""

    def __init__(self, config, backend, seed, emit, cancel, checkpoint, resume, run_id):
        self.t0 = time.perf_counter()  # the config was checked when it was made; the prompt needs the seed
        self.seed = seed = seed or prepare_seed(config)
        config.check_prompt(len(seed.df))  # a RunConfig is a PromptSpec
        self.config, self.emit, self.cancel = config, emit, cancel
        self.n = config.num_samples
        self.target = resolve_target(seed, config)
        self.targets = label_targets(seed, self.n, mix_for(config, self.target))
        self.backend = backend = backend or backend_from_config(config)
        backend.use_domain(domain_texts(seed))
        backend.preload()  # the weights load while the plan below fits its models
        self.rng = random.Random(config.random_seed)
        self.gate = RowGate(seed, config, self.rng)
        self.plan = plan_for(seed, config)
        # prompts are built from the seed as it may leave the machine (outbound); gates use the seed
        shown, target = for_prompts(seed, self.target, config, backend.in_process)
        self.source = row_source(shown, config, self.plan, self.rng, self.gate.fresh_id, target)
        self.label_gate = _label_gate(seed, config)
        self.label = seed.schema.label
        self.account = RunAccount()
        self.ckpt = Checkpoint(Path(checkpoint)) if checkpoint else None
        self.accepted, self.run_id = self._restore(resume, run_id)
        self.counts = Counter(r.get(self.label) for r in self.accepted) if self.label else Counter()
        self.account.accepted = self.resumed = len(self.accepted)
        self.queued: list = []  # prompts drawn for the first batch that lead the next one
        self.batch_id = self.fail_streak = 0

    def _restore(self, resume: bool, run_id: str | None) -> tuple[list[dict], str]:
        """Rows a checkpoint kept (on resume) and the run id; the gate learns the kept rows."""
        chash = config_hash(self.config)
        kept_id, accepted = self.ckpt.load(chash) if self.ckpt and resume else (None, [])
        run_id = kept_id or run_id or uuid.uuid4().hex[:12]
        if self.ckpt and not (resume and accepted):
            self.ckpt.start(run_id, chash, self.config.to_dict())
        accepted = accepted[: self.n]
        for i, r in enumerate(accepted):
            self.gate.accept(r, i)
        return accepted, run_id

    def _event(self, kind: EventKind, **kw) -> None:
        self.emit(Event(kind, len(self.accepted), self.n, **kw))

    def announce(self) -> None:
        lg = self.label_gate
        notes = self.plan.notes + (self.target.notes if self.target else []) + self.source.notes
        notes += [lg.note] if lg and lg.note else []
        self._event(
            EventKind.STARTED,
            message=f"run {self.run_id}: {self.n} rows wanted ({self.plan.mode} plan), "
            f"{len(self.accepted)} from checkpoint" + "".join(f"; {x}" for x in notes),
        )
        # Skip the rng ahead on resume so the continued run does not replay the first prompts.
        for _ in range(len(self.accepted)):
            self.rng.random()

    def stop_before_batch(self) -> tuple[RunStatus, str] | None:
        """Cancelled, or the attempt budget spent: the status and message to end with."""
        if self.cancel is not None and self.cancel.is_set():
            return RunStatus.CANCELLED, f"cancelled by the user, kept {count(len(self.accepted), 'row')}"
        if self.config.prompt_budget - self.account.prompts <= 0:
            return RunStatus.EXHAUSTED, (
                f"stopped after {self.account.prompts} prompts (the attempt budget) with "
                f"{len(self.accepted)} of {self.n} rows; see the reject reasons. Resuming the run keeps its rows and "
                f"tries another {self.config.prompt_budget} prompts; or loosen the contracts (column roles), or try "
                "another prompt style or model"
            )
        return None

    def draw_batch(self) -> _Batch:
        # The first batch is small so the first rows show within seconds (prefill of a full
        # batch of k-shot prompts alone takes ~20 s on 2 cores); later batches are full size.
        size_cap = self.config.batch_size
        first = FIRST_BATCH if self.batch_id == 0 and not self.accepted else size_cap
        left = self.config.prompt_budget - self.account.prompts
        wanted = prompts_wanted(
            self.source, self.n - len(self.accepted), len(self.accepted) - self.resumed, self.account.prompts
        )
        size = min(size_cap, first, left, wanted)
        pool = min(size_cap, self.source.prompts_for(self.n)) if first < size_cap else 0
        prompts, self.queued = draw_prompts(self.source, self.queued, self.targets, self.counts, size, pool)
        self.account.prompts += len(prompts)
        self.account.batches += 1
        return _Batch(self.batch_id, prompts, [i for i, p in enumerate(prompts) if p.needs_model])

    def answers(self, batch: _Batch):
        """(prompt index, backend result or None for a sampled-only prompt), as they come."""
        asked = [batch.prompts[i] for i in batch.needs_model]
        results = (
            _timed(
                self.backend.generate_iter(
                    asked,
                    random_seed=self.config.random_seed + 1000 * batch.number,
                    cancel=self.cancel,
                    on_progress=lambda hb: self._event(EventKind.HEARTBEAT, message=hb.describe(), heartbeat=hb),
                ),
                self.account,
            )
            if asked
            else []
        )
        sampled_only = [(i, None) for i in range(len(batch.prompts)) if i not in set(batch.needs_model)]
        return itertools.chain(sampled_only, ((batch.needs_model[j], r) for j, r in results))

    def take_answer(self, batch: _Batch, idx: int, res) -> None:
        """Parse one answer and pass its rows through the gates; a prompt that gave no row gives
        back what it reserved (its entity keys)."""
        kept = len(self.accepted)
        self._take(batch, batch.prompts[idx], res)
        if len(self.accepted) == kept and not (res is not None and res.error == "cancelled"):
            self.source.release(batch.prompts[idx])

    def _take(self, batch: _Batch, prompt, res) -> None:
        chat = self.backend.kind != "completion"
        if res is None:
            parsed = self.source.parse(prompt, None, chat)
        else:
            if res.error == "cancelled":
                return  # not a failure: the user stopped the run (results already paid for are kept)
            self._count_request(batch, res)
            if res.error:
                batch.errors += 1
                self.account.errors.append(res.error)
                self.account.reject(f"backend error: {res.error}")
                return
            if not (res.text or "").strip():
                self.account.reject("empty output")
                self._event(EventKind.ROW_REJECTED, reason="empty output")
                return
            parsed = self.source.parse(prompt, res, chat)
        for rj in parsed.rejects:
            self.account.reject(rj.reason, rj.fragment)
            self._event(EventKind.ROW_REJECTED, reason=rj.reason)
        if parsed.repaired:
            self.account.repaired["text with unquoted commas re-joined"] += parsed.repaired
        if parsed.cut:
            self.account.repaired["text past the seed's longest ended at a sentence end"] += parsed.cut
        for raw in parsed.rows:
            self.account.parsed += 1
            if len(self.accepted) >= self.n:
                break
            self.judge(batch, raw)

    def _count_request(self, batch: _Batch, res) -> None:
        self.account.requests.append(
            {
                "batch": batch.number,
                "prompt_tokens": res.prompt_tokens,
                "completion_tokens": res.completion_tokens,
                "latency_s": round(res.latency_s, 3),
                "finish_reason": res.finish_reason,
                "attempts": res.meta.get("attempts", 1),
                "error": res.error,
            }
        )
        self.account.prompt_tokens += res.prompt_tokens
        self.account.completion_tokens += res.completion_tokens

    def judge(self, batch: _Batch, raw: dict) -> None:
        """Contracts and copies (the row gate), the label's quota, the label gate; accept or reject."""
        label = self.label
        row, why = self.gate.check(raw, self.account)
        if row is not None and self.target and not meets_target(row, self.seed.schema, self.target):
            row, why = None, f"outside the target ({describe(self.target.conditions)})"
        if row is not None and self.targets and self.counts[row[label]] >= self.targets[row[label]]:
            row, why = (
                None,
                (  # conditional rows are assigned their label: an extra one is just not needed
                    f"not needed: the run has all its {label}={row[label]} rows"
                    if self.plan.mode == "conditional"
                    else f"label quota for {label}={row[label]} already met"
                ),
            )
        if row is not None and self.label_gate is not None:
            why = self.label_gate.check(row)
            row = None if why else row
        if row is None:
            self.account.reject(why, json.dumps(raw, ensure_ascii=False))
            self._event(EventKind.ROW_REJECTED, reason=why)
            return
        self.gate.accept(row, len(self.accepted))
        if label:
            self.counts[row[label]] += 1
        if self.config.provenance:
            row.update(
                is_synthetic=True,
                backend=self.backend.name,
                model=self.backend.model_label,
                prompt_style=self.config.style,
                k=self.config.k,
                batch_id=batch.number,
                run_id=self.run_id,
            )
        self.accepted.append(row)
        batch.rows.append(row)
        self.account.accepted = len(self.accepted)
        self._event(EventKind.ROW_ACCEPTED, row=row)

    def close_batch(self, batch: _Batch) -> tuple[RunStatus, str] | None:
        """Checkpoint the batch's rows; stop when the backend keeps failing."""
        if self.ckpt:
            self.ckpt.append(batch.rows)
        self.batch_id += 1
        self._event(
            EventKind.BATCH_FINISHED,
            message=f"batch {self.batch_id}: +{count(len(batch.rows), 'row')}, {count(batch.errors, 'request error')}",
        )
        all_failed = batch.needs_model and batch.errors == len(batch.needs_model)
        self.fail_streak = self.fail_streak + 1 if all_failed else 0
        refused = self.backend.refusing()
        if refused:
            real = [e for e in self.account.errors if "circuit open" not in e]
            last = (real or self.account.errors or ["none"])[-1]
            return RunStatus.FAILED, f"{self.backend.name}: {refused}, run stopped; last error: {last}"
        if self.fail_streak >= FAIL_STREAK:
            return RunStatus.FAILED, f"the backend failed {FAIL_STREAK} batches in a row: {self.account.errors[-1]}"
        return None

    def finish(self, status: RunStatus, message: str) -> RunResult:
        accepted = self.accepted
        if status == RunStatus.COMPLETE and self.cancel is not None and self.cancel.is_set() and len(accepted) < self.n:
            status, message = RunStatus.CANCELLED, f"cancelled by the user, kept {count(len(accepted), 'row')}"
        self.account.wall_seconds = time.perf_counter() - self.t0
        if status == RunStatus.COMPLETE:
            message = f"{count(len(accepted), 'row')} generated"
        cols = self.seed.schema.names + (PROVENANCE if self.config.provenance else [])
        frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in accepted], columns=cols)
        self._event(EventKind.FINISHED, message=message)
        return RunResult(frame, self.account, status, message, self.run_id, self.seed, self.plan)


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
    Front-ends call syngen.runs.execute, which names the run's folder and checkpoint."""
    r = _Run(config, backend, seed, on_event or (lambda e: None), cancel, checkpoint, resume, run_id)
    r.announce()
    ended = None
    while len(r.accepted) < r.n:
        ended = r.stop_before_batch()
        if ended:
            break
        batch = r.draw_batch()
        for idx, res in r.answers(batch):
            if len(r.accepted) >= r.n:
                break  # leaving the loop drops the batch's queued requests
            r.take_answer(batch, idx, res)
        ended = r.close_batch(batch)
        if ended:
            break
    return r.finish(*(ended or (RunStatus.COMPLETE, "")))


def preview(config: RunConfig, seed: Seed, backend: Backend) -> tuple[dict | None, str]:
    """One prompt, one answer, the run's gate, nothing saved: what a run would write (seconds)."""
    config.check_prompt(len(seed.df))
    rng = random.Random(config.random_seed + int(time.time()))  # a new row on every click
    gate = RowGate(seed, config, rng)
    target = resolve_target(seed, config)
    shown, shown_target = for_prompts(seed, target, config, backend.in_process)
    source = row_source(shown, config, plan_for(seed, config), rng, gate.fresh_id, shown_target)
    targets = label_targets(seed, max(1, config.num_samples), mix_for(config, target)) or {None: 1}
    prompt = source.prompts([rng.choice([k for k, v in targets.items() if v] or [None])])[0]
    t = time.perf_counter()
    backend.use_domain(domain_texts(seed))
    if prompt.needs_model:
        res = next(iter(dict(backend.generate_iter([prompt], random_seed=rng.randrange(10**6))).values()))
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
