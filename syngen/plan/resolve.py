"""The generation plan: for every column, who produces it.

* "conditional" (default when the seed has free text): the label is assigned before generation,
  structured columns are sampled from a model of the seed (syngen.plan.structure), IDs are fresh
  values of the learned pattern, and the language model writes only the free text of a row whose
  other fields it is given.
* "rows": the model writes whole rows (k-shot continuation), checked against the contracts.
  The default for tables without free text, where there is no text for a model to add.

Users override single columns (`generators={"title": "model"}`); the plan is part of the run
config, so the CLI, the app and a replayed config build the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from syngen.common.errors import ConfigError
from syngen.seed.prepared import Seed
from syngen.seed.schema import Role, Schema

SEED, MODEL = "seed", "model"
LABELS = {SEED: "sampled from the seed", MODEL: "written by the model"}
# IDs, entity keys and people are made new by syngen, not sampled: the table says so
MADE = "made new by syngen"
MADE_ROLES = (Role.ID, Role.KEY, Role.PERSONAL)


@dataclass
class Plan:
    mode: str  # conditional | rows
    generators: dict[str, str]  # every column -> seed | model
    notes: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)  # texts given a length (syngen.plan.length_hint)

    @property
    def model_columns(self) -> list[str]:
        return [c for c, g in self.generators.items() if g == MODEL]

    @property
    def seed_columns(self) -> list[str]:
        return [c for c, g in self.generators.items() if g == SEED]

    def table(self, schema: Schema) -> pd.DataFrame:
        """What the Prompt page and `syngen inspect` show."""
        how = {
            Role.ID: "fresh value of the learned pattern",
            Role.KEY: "fresh keys, each repeated as the seed's keys are",
            Role.PERSONAL: "fresh realistic values (Faker), never a seed value",
            Role.LABEL: "assigned to meet the label mix",
        }
        rows = []
        for c in schema.columns:
            g = self.generators[c.name]
            detail = (
                how.get(c.role, "joint model of the seed, per label")
                if g == SEED
                else ("the row's text, given its other fields" if self.mode == "conditional" else "the whole row")
            )
            if c.name in self.hints:
                detail += " and a length"  # in words, drawn from the seed (the Prompt page's switch says how)
            shown = MADE if g == SEED and c.role in MADE_ROLES else LABELS[g]
            rows.append({"column": c.name, "role": c.role.value, "generator": shown, "how": detail})
        return pd.DataFrame(rows)


def _title_like(values: pd.Series) -> bool:
    """Short text that is nearly unique per row and several words long (a review title) belongs
    with the text the model writes; names that repeat (drug, condition) are sampled."""
    v = values.dropna().astype(str)
    if len(v) == 0:
        return False
    return v.nunique() / len(v) > 0.8 and v.str.split().str.len().mean() >= 2.5


def default_generator(spec, values: pd.Series) -> str:
    if spec.role == Role.TEXT:
        return MODEL
    if spec.role == Role.SHORT_TEXT and _title_like(values):
        return MODEL
    return SEED


def resolve_plan(
    schema: Schema,
    df: pd.DataFrame,
    mode: str = "auto",
    overrides: dict[str, str] | None = None,
    length_hint: bool = True,
) -> Plan:
    """The plan for this seed: `mode` auto/conditional/rows plus per-column overrides; with
    `length_hint`, the free texts the model writes are given a length (conditional plan)."""
    overrides = dict(overrides or {})
    unknown = [c for c in overrides if c not in schema.names]
    if unknown:
        raise ConfigError(f"generator for unknown column(s) {unknown}; the seed has {schema.names}")
    has_text = bool(schema.by_role(Role.TEXT))
    if mode == "auto":
        mode = "conditional" if has_text else "rows"
    notes = []
    if mode == "rows":
        return Plan(
            "rows",
            {c: MODEL for c in schema.names},
            ["the model writes whole rows; each is checked against the column contracts"],
        )
    gens = {c.name: default_generator(c, df[c.name]) for c in schema.columns}
    for c, g in overrides.items():
        role = schema.col(c).role
        if g == MODEL and role in (Role.ID, Role.KEY, Role.PERSONAL, Role.LABEL):
            made = MADE if role in MADE_ROLES else LABELS[SEED]
            notes.append(f"{c}: a {role.value} column is always {made} in the conditional plan")
            continue
        gens[c] = g
    if not any(g == MODEL for g in gens.values()):
        notes.append(
            "no column is written by the model: rows come from the seed model alone "
            "(mark a column as written by the model, or use the rows plan)"
        )
    return Plan("conditional", gens, notes, hintable(schema, gens) if length_hint else [])


def hintable(schema: Schema, generators: dict[str, str]) -> list[str]:
    """The conditional plan's texts that can be given a length: free text written by the model."""
    return [c.name for c in schema.by_role(Role.TEXT) if generators.get(c.name) == MODEL]


def novelty_columns(schema: Schema, plan: Plan) -> list[str]:
    """Sampled open-vocabulary columns (names) that `novelty` lets the model write instead.
    Closed sets (categorical) cannot take new values, so they always stay sampled."""
    return [c for c in plan.seed_columns if schema.col(c).role == Role.SHORT_TEXT]


def plan_for(seed: Seed, config) -> Plan:
    """The plan a run config (its plan, generators and length_hint settings) makes for this seed."""
    return resolve_plan(seed.schema, seed.df, config.plan, config.generators, config.length_hint)
