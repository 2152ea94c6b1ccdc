"""The per-row gate of a run: ID repair, the seed's contracts, exact and near copies of seed,
synthetic and negative rows, looping text. One instance per run (it indexes what it accepts)."""

from __future__ import annotations

import random

from syngen.common.errors import ConfigError
from syngen.evaluate.copies import CopyIndex, repetition_ratio, row_key, word_count
from syngen.evaluate.memorised import RunGate
from syngen.generate.config import RunConfig
from syngen.plan.people import People
from syngen.plan.revealed import content_words, least_content, revealed_columns
from syngen.seed.schema import IDS, NOT_CONTENT, Role

MAX_REPETITION = 0.35  # real reviews here repeat <10% of their word 3-grams


class RowGate:
    """All per-row checks after parsing, with the indexes they need."""

    def __init__(self, seed, config: RunConfig, rng: random.Random):
        self.schema, self.config, self.rng = seed.schema, config, rng
        sch = seed.schema
        self.ids = sch.by_role(*IDS)
        self.content_cols = [c.name for c in sch.columns if c.role not in NOT_CONTENT]
        self.text_cols = [c.name for c in sch.by_role(Role.TEXT)] or self.content_cols
        # People in written rows: seed people's values become fresh ones, emails, phone numbers,
        # links and seed names in text are replaced (syngen.plan.people).
        self.people = People(seed.df, sch, config.random_seed)
        self.scrubbed = [c.name for c in sch.by_role(Role.TEXT, Role.SHORT_TEXT)]
        records = seed.df.to_dict("records")
        self.seed_keys = {row_key(r, self.content_cols): i for i, r in enumerate(records)}
        self.seed_text = CopyIndex()
        for i, r in enumerate(records):
            self.seed_text.add(i, self._text(r))
        self.used_ids = {c.name: set(seed.df[c.name].dropna()) for c in self.ids}
        self.synth_keys: set = set()
        self.synth_text = CopyIndex()
        self.neg_text = CopyIndex()
        for j, r in enumerate(config.negatives):
            self.neg_text.add(j, self._text(r))
        # What the text must agree with and carry (syngen.plan.revealed), learned from the seed
        self.revealed = revealed_columns(seed.df, sch)
        texts = sch.by_role(Role.TEXT)
        self.content_col = texts[0].name if texts else None
        self.least = least_content(seed.df, self.content_col, sch.label) if self.content_col else {}
        # a passage copied from a seed text inside an otherwise new one (syngen.evaluate.memorised)
        self.runs = RunGate(seed.df[self.content_col].dropna().astype(str).tolist()) if self.content_col else None

    def _text(self, r: dict) -> str:
        return " ".join(str(r.get(c) or "") for c in self.text_cols)

    def check(self, row: dict, account) -> tuple[dict | None, str | None]:
        row = dict(row)
        if self.config.id_policy == "repair":
            for c in self.ids:
                v = str(row.get(c.name) or "").strip()
                bad = (
                    not v or (c.id_pattern and not c.id_pattern.matches(v)) or (c.unique and v in self.used_ids[c.name])
                )
                if bad:
                    row[c.name] = self.fresh_id(c)
                    account.repaired[f"{c.name}: invalid, duplicate or seed ID replaced"] += 1
        replaced = self.people.repair(row)
        for c in self.scrubbed:
            if row.get(c):
                row[c], n = self.people.scrub(str(row[c]))
                replaced += n
        if replaced:
            account.repaired["personal data replaced with fresh values"] += replaced
        row, problems = self.schema.validate(row)
        if problems:
            return None, problems[0]
        why = self.believable(row)
        if why:
            return None, why
        key = row_key(row, self.content_cols)
        if key in self.seed_keys:
            return None, f"exact copy of seed row {self.seed_keys[key]}"
        if key in self.synth_keys:
            return None, "duplicate of an accepted synthetic row"
        text = self._text(row)
        words = word_count(text)
        if words >= 30:
            looped = repetition_ratio(text)
            if looped > MAX_REPETITION:
                return None, f"repetitive text ({looped:.0%} repeated 3-grams; the model looped)"
        if words >= 4:
            thr = self.config.near_duplicate
            i, s = self.seed_text.nearest(text)
            if s >= thr:
                return None, f"near copy of seed row {i} (similarity {s:.2f})"
            j, s = self.synth_text.nearest(text)
            if s >= thr:
                return None, f"near duplicate of synthetic row {j} (similarity {s:.2f})"
            j, s = self.neg_text.nearest(text)
            if s >= thr:
                return None, f"resembles negative example {j} (similarity {s:.2f})"
        why = self.runs.check(str(row.get(self.content_col) or "")) if self.runs is not None else None
        if why:  # not a copy of a whole text, but a passage of one
            return None, why
        return row, None

    def believable(self, row: dict) -> str | None:
        """Why a row's text cannot stand as written: it names another value of a column the text
        gives away, or says less than the seed's shortest text of its label."""
        if not self.content_col or not row.get(self.content_col):
            return None
        text = str(row[self.content_col])
        for r in self.revealed:
            why = r.verdict(text, row.get(r.column))
            if why:
                return why
        label = self.schema.label
        least = self.least.get(str(row.get(label)) if label else None, self.least.get(None, 0))
        have = content_words(text)
        if have < least:
            which = f" {row.get(label)}" if label else ""
            return f"says too little: {have} words beyond handles, numbers and links (the seed's shortest{which} text has {least})"
        return None

    def fresh_id(self, c) -> str:
        for _ in range(1000):
            v = c.id_pattern.sample(self.rng)
            if v not in self.used_ids[c.name]:
                return v
        raise ConfigError(
            f"column '{c.name}': cannot draw a new unique ID from {c.id_pattern.regex}; "
            "set its role to short_text with --role"
        )

    def accept(self, row: dict, n: int) -> None:
        self.synth_keys.add(row_key(row, self.content_cols))
        self.synth_text.add(n, self._text(row))
        for c in self.ids:
            self.used_ids[c.name].add(row.get(c.name))
