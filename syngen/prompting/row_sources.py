"""How a plan turns labels into prompts and model answers into candidate rows.

`WholeRows` (plan "rows"): k-shot prompts, the model writes whole rows, the parser reads them.
`ConditionalRows` (plan "conditional"): each prompt is one row whose label and structured fields
are fixed in advance (syngen.plan.structure); the model writes only the remaining text.
The pipeline runs either through the same loop: gate, checkpoint, events, cancel, budget.
"""

from __future__ import annotations

import math
import random

import pandas as pd

from syngen.plan.keys import Keys
from syngen.plan.length_hint import LengthSampler, hint_name
from syngen.plan.people import People
from syngen.plan.resolve import Plan, novelty_columns
from syngen.plan.revealed import revealed_columns
from syngen.plan.target import Target, resolve_target
from syngen.prompting.conditional import build_row_prompt, parse_answer
from syngen.prompting.parsing import ParseResult, parse_output
from syngen.prompting.prompts import Prompt, build_prompt
from syngen.seed.schema import Role


def exemplar_rows(seed, target: Target | None, label) -> pd.DataFrame:
    """Where a prompt's exemplars come from: a target's chosen rows and neighbours (or its
    scenario's seed rows) when they have rows of this label, else the whole seed."""
    df = seed.df
    if target is None:
        return df
    pool = target.pool if target.pool is not None else (df[target.scenario] if target.scenario is not None else None)
    lab = seed.schema.label
    if pool is None or pool.empty or (lab and label is not None and not (pool[lab].astype(str) == str(label)).any()):
        return df
    return pool


class WholeRows:
    def __init__(self, seed, config, plan: Plan, rng: random.Random, fresh_id, target: Target | None = None):
        self.seed, self.config, self.plan, self.rng = seed, config, plan, rng
        self.target = target
        self.merge_cols = seed.schema.prose_columns
        self.notes: list[str] = []

    def prompts_for(self, rows_needed: int) -> int:
        return math.ceil(rows_needed / max(1, self.config.rows_per_prompt))

    def prompts(self, labels: list[str | None]) -> list[Prompt]:
        return [
            build_prompt(
                exemplar_rows(self.seed, self.target, lab), self.seed.schema, self.config, self.rng, target_label=lab
            )
            for lab in labels
        ]

    def release(self, prompt: Prompt) -> None:
        """Whole rows carry no planned keys: nothing to give back."""

    def parse(self, prompt: Prompt, result, chat: bool) -> ParseResult:
        text = ("" if chat else prompt.prefill) + result.text
        return parse_output(
            text, prompt.columns, self.merge_cols, prompt.exemplars, truncated=result.finish_reason == "length"
        )


class ConditionalRows:
    def __init__(self, seed, config, plan: Plan, rng: random.Random, fresh_id, target: Target | None = None):
        from syngen.plan.structure import StructureModel

        self.seed, self.config, self.plan, self.rng = seed, config, plan, rng
        self.fresh_id = fresh_id
        sch = seed.schema
        self.ids = [c for c in plan.seed_columns if sch.col(c).role == Role.ID]
        sampled = [c for c in plan.seed_columns if c not in self.ids and c != sch.label]
        # Open-vocabulary columns are fixed together so names keep their seed pairings.
        self.names = [c for c in sampled if sch.col(c).role in (Role.SHORT_TEXT, Role.CATEGORICAL)]
        fixed = self.names if plan.model_columns else []  # all-sampled rows would copy seed tuples
        self.structure = StructureModel(seed.df, sch, sampled, random_seed=config.random_seed, fixed=fixed)
        self.keys = (
            Keys(seed.df, sch, sampled, config.key_policy, rng, fresh_id, config.num_samples)
            if sch.by_role(Role.KEY)
            else None
        )
        self.people = People(seed.df, sch, config.random_seed) if sch.by_role(Role.PERSONAL) else None
        self.target = target
        fixed_by_target = {c.column for c in target.conditions} | set(target.invented) if target else set()
        self.novel = [c for c in novelty_columns(sch, plan) if c not in fixed_by_target]
        self.lengths = LengthSampler(seed.df, sch.label, plan.hints)
        # columns the text names (airline tweets name their airline): exemplars share the row's value
        self.revealed = [r.column for r in revealed_columns(seed.df, sch) if r.column != sch.label]
        for name, mask in (target.slices(seed) if target else {}).items():
            self.structure.add_slice(name, mask)
        self.notes = list(self.structure.notes) + (self.keys.notes if self.keys else [])
        self.notes += self.people.notes if self.people else []

    def prompts_for(self, rows_needed: int) -> int:
        return rows_needed  # one row per prompt: a batch never asks for more rows than are needed

    def prompts(self, labels: list[str | None]) -> list[Prompt]:
        sch = self.seed.schema
        out = []
        target = self.target
        for lab in labels:
            fields = self.structure.sample(lab, target.pick(lab, self.rng) if target else None)
            if target:
                fields |= target.invented  # values the seed never has, fixed as the user named them
            if sch.label:
                fields[sch.label] = lab
            for c in self.ids:
                fields[c] = self.fresh_id(sch.col(c))
            if self.keys:
                fields = self.keys.assign(fields)
            if self.people:
                fields = self.people.fill(fields)
            written = list(self.plan.model_columns)
            if self.novel and self.config.novelty and self.rng.random() < self.config.novelty:
                for c in self.novel:  # this row's names are written by the model
                    fields.pop(c, None)
                written = self.novel + written
            if not written:  # nothing for a model to write: the row is complete already
                out.append(Prompt([], "", "", sch.names, [], lab, fields=fields, needs_model=False))
                continue
            match = [c for c in self.names if c in fields]
            fields |= self.lengths.sample(lab, self.rng)
            out.append(
                build_row_prompt(
                    exemplar_rows(self.seed, target, lab),
                    sch,
                    self.config,
                    fields,
                    written,
                    match,
                    self.rng,
                    contrast=target.contrast if target else (),
                    same=[c for c in self.revealed if fields.get(c) is not None],
                )
            )
        return out

    def release(self, prompt: Prompt) -> None:
        """The prompt's row was not kept: its entity keys go back to be used again."""
        if self.keys:
            self.keys.release(prompt.fields)

    def parse(self, prompt: Prompt, result, chat: bool) -> ParseResult:
        if not prompt.needs_model:
            return ParseResult(rows=[dict(prompt.fields)], fmt="sampled")
        res = parse_answer(result.text, prompt, chat, truncated=result.finish_reason == "length")
        hints = {hint_name(c) for c in self.plan.hints}
        res.rows = [{k: v for k, v in r.items() if k not in hints} for r in res.rows]  # not columns
        return res


def written_words(prompt: Prompt) -> int:
    """The words a prompt asks the model to write (its length hints; 0 where it has none)."""
    return sum(int(prompt.fields.get(hint_name(c)) or 0) for c in prompt.written)


def row_source(seed, config, plan: Plan, rng: random.Random, fresh_id, target: Target | None = None):
    cls = ConditionalRows if plan.mode == "conditional" else WholeRows
    return cls(seed, config, plan, rng, fresh_id, target)


def preview_prompt(seed, config, plan: Plan, label: str | None, shown=None) -> Prompt:
    """The first prompt a run with this config would send (the app's live preview); `shown`
    (seed, target) -> (seed, target) gives what the prompt may show (generate.outbound)."""
    ids = {}

    def fresh_id(col):  # the preview saves nothing, so any value of the pattern will do
        return ids.setdefault(col.name, col.id_pattern.sample(random.Random(config.random_seed)))

    target = resolve_target(seed, config)
    if shown is not None:
        seed, target = shown(seed, target)
    source = row_source(seed, config, plan, random.Random(config.random_seed), fresh_id, target)
    return source.prompts([label])[0]
