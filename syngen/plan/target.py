"""A run's target: where in the seed's space the new rows should fall.

Three ways to say it, each kept in the run config so a run replays:
* a scenario, `where`: conditions on any columns (`condition=Depression`, `usefulCount>=10`);
  the structured columns are sampled from the seed rows that meet them (syngen.plan.structure
  fits its copula to that slice, so every row meets them, however rare the combination);
* more like these, `like` (rows) or `like_where` (the seed rows a condition selects): exemplars
  are the chosen rows and their nearest neighbours of the same label (sentence embeddings), the
  nearest rows of another label are shown as "different from these", and the structured values
  come from the chosen rows' own values;
* a rebalance, `balance`: `COLUMN` (equal shares of its values) or `COLUMN=0.05` (every value
  below that share of the new rows is lifted to it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from syngen.common.errors import ConfigError
from syngen.common.text import count
from syngen.seed.conditions import Condition, check_conditions, describe, meets, parse_conditions, seed_value
from syngen.seed.prepared import Seed
from syngen.seed.schema import IDS, Role

NEIGHBOURS = 2  # seed rows of the same label added to the exemplars per chosen row
CONTRAST = 3  # nearest rows of another label shown as "different from these"
SCENARIO = "target"  # the slice name of a where / like target in the structure model
NAMES = (Role.SHORT_TEXT, Role.CATEGORICAL)  # columns whose shared value a selection fixes


@dataclass
class Target:
    """A resolved target: the seed rows it draws from and how a row's label and slice are picked."""

    conditions: list[Condition] = field(default_factory=list)  # the scenario (and the selection's shared values)
    scenario: np.ndarray | None = None  # seed rows the structured values come from
    invented: dict = field(default_factory=dict)  # column -> value the seed never has (novelty allowed)
    chosen: list[dict] = field(default_factory=list)  # "more like these" rows
    pool: pd.DataFrame | None = None  # exemplars: the chosen rows and their neighbours
    pooled: np.ndarray | None = None  # which seed rows are in the pool (the report's "in the target")
    contrast: list[dict] = field(default_factory=list)  # close rows of another label
    label_mix: dict[str, float] | None = None  # the labels the target asks for
    balanced: str | None = None  # the column `--balance` names (the label or another)
    balance: str | None = None  # the rebalanced column when it is not the label: rows pick a value
    shares: dict[str, dict[str, float]] = field(default_factory=dict)  # label -> value -> weight
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = []
        if self.chosen:
            parts.append(f"like {count(len(self.chosen), 'chosen row')}")
        if self.conditions:
            parts.append(describe(self.conditions))
        if self.invented:
            parts.append("new value(s) " + ", ".join(f"{c} = {v}" for c, v in self.invented.items()))
        if self.balanced:
            parts.append(f"{self.balanced} rebalanced")
        return "; ".join(parts)

    def pick(self, label: str | None, rng: random.Random) -> str | None:
        """The structure model's slice for the next row of this label (None: the whole seed)."""
        if self.balance:
            weights = self.shares.get(str(label)) or self.shares.get("*")
            if weights:
                values = list(weights)
                return f"{self.balance}={rng.choices(values, [weights[v] for v in values])[0]}"
        return SCENARIO if self.scenario is not None else None

    def slices(self, seed: Seed) -> dict[str, np.ndarray]:
        """Every slice `pick` may name, with the seed rows it draws from."""
        base = self.scenario if self.scenario is not None else np.ones(len(seed.df), dtype=bool)
        out = {SCENARIO: base} if self.scenario is not None else {}
        if self.balance:
            col = seed.df[self.balance].astype(str)
            for v in {v for w in self.shares.values() for v in w}:
                out[f"{self.balance}={v}"] = base & (col == v).to_numpy()
        return out


def _shares(values: pd.Series, share: float | None) -> dict[str, float]:
    """Weights of a column's values after lifting: equal (share None) or each value at least `share`."""
    counts = values.astype(str).value_counts()
    if share is None:
        return {v: 1.0 for v in counts.index}
    if share * len(counts) > 1:
        raise ConfigError(
            f"--balance {values.name}={share}: {len(counts)} values at {share:.0%} each is more than every row; "
            f"use a share of at most {1 / len(counts):.3f}, or --balance {values.name} for equal shares"
        )
    base = counts / counts.sum()
    low = base[base < share]
    rest = base[base >= share]
    out = {v: share for v in low.index}
    room = 1 - share * len(low)
    out |= {v: room * w / rest.sum() for v, w in rest.items()} if len(rest) else {}
    return out


def parse_balance(text: str | None) -> tuple[str | None, float | None]:
    if not text:
        return None, None
    col, _, share = str(text).partition("=")
    if not share:
        return col.strip(), None
    try:
        x = float(share)
    except ValueError:
        raise ConfigError(f"--balance {text}: the share after '=' must be a number such as 0.05") from None
    if not 0 < x < 1:
        raise ConfigError(f"--balance {text}: the share must be between 0 and 1")
    return col.strip(), x


def chosen_rows(seed: Seed, like: list[dict], like_where: list[str]) -> list[dict]:
    """The "more like these" rows: given rows (their seed columns) and the seed rows a condition selects."""
    names = seed.schema.names
    rows = [{k: v for k, v in r.items() if k in names} for r in like or []]
    rows = [r for r in rows if any(v not in (None, "") for v in r.values())]
    if like_where:
        conds = parse_conditions(like_where)
        check_conditions(conds, seed.schema)
        hit = meets(seed.df, seed.schema, conds)
        if not hit.any():
            raise ConfigError(f"--like-where {describe(conds)}: no seed row meets it")
        rows += seed.df[hit].to_dict("records")
    if (like or like_where) and not rows:
        raise ConfigError("--like: none of the given rows has a value in the seed's columns " + ", ".join(names))
    return rows


def _text_column(seed: Seed) -> str | None:
    text = seed.schema.by_role(Role.TEXT)
    return text[0].name if text else None


def _seed_index(seed: Seed, rows: list[dict], text: str | None) -> list[int]:
    """Positions of the chosen rows in the seed (by their text, or by every shared column)."""
    df = seed.df
    if text and all(r.get(text) for r in rows):
        where = {}
        for i, t in enumerate(df[text].astype(str)):
            where.setdefault(t.strip(), i)
        return sorted({where[str(r[text]).strip()] for r in rows if str(r[text]).strip() in where})
    cols = [c for c in df.columns if all(c in r for r in rows)]
    keys = {tuple(str(r[c]) for c in cols) for r in rows}
    return [i for i, row in enumerate(df[cols].astype(str).itertuples(index=False)) if tuple(row) in keys]


def _neighbours(seed: Seed, chosen: list[dict], at: list[int], text: str, label: str | None):
    """Seed rows nearest the chosen ones in meaning: same label (exemplars), other label (contrast)."""
    from syngen.engine.sentence_encoder import embed

    seed_vecs = embed(seed.df[text].fillna("").astype(str).tolist())
    mine = embed([str(r.get(text) or "") for r in chosen])
    sim = (seed_vecs @ mine.T).max(axis=1)  # each seed row's closeness to any chosen row
    sim[at] = -np.inf  # the chosen rows themselves
    labels = seed.df[label].astype(str).to_numpy() if label else np.array(["*"] * len(seed.df))
    wanted = {str(r.get(label)) for r in chosen} if label else {"*"}
    same = np.isin(labels, list(wanted))
    order = np.argsort(-sim)
    near = [i for i in order if same[i] and np.isfinite(sim[i])][: NEIGHBOURS * len(chosen)]
    other = [i for i in order if not same[i] and np.isfinite(sim[i])][:CONTRAST] if label else []
    return near, other


def _shared_values(seed: Seed, chosen: list[dict]) -> list[Condition]:
    """Names and categories all chosen rows share (condition = Depression): a scenario they imply."""
    out = []
    for spec in seed.schema.by_role(*NAMES):
        vals = {str(r.get(spec.name)) for r in chosen if r.get(spec.name) not in (None, "")}
        if len(vals) == 1 and all(r.get(spec.name) not in (None, "") for r in chosen) and len(chosen) > 1:
            out.append(Condition(spec.name, "=", vals.pop()))
    return out


def _label_mix(seed: Seed, conds: list[Condition], chosen: list[dict]) -> dict[str, float] | None:
    label = seed.schema.label
    if not label:
        return None
    if chosen:
        mix: dict[str, float] = {}
        for r in chosen:
            if r.get(label) not in (None, ""):
                mix[str(r[label])] = mix.get(str(r[label]), 0) + 1.0
        return mix or None
    on_label = [c for c in conds if c.column == label]
    if not on_label:
        return None
    hit = meets(seed.df, seed.schema, on_label)
    counts = seed.df.loc[hit, label].astype(str).value_counts()
    if counts.empty:
        raise ConfigError(f"no label of '{label}' meets {describe(on_label)}; it has {seed.schema.col(label).allowed}")
    return {k: float(v) for k, v in counts.items()}


def resolve_target(seed: Seed, config) -> Target | None:
    """The target a run config describes for this seed, or None when it has none. Raises
    ConfigError (with what to do) for a condition on an unknown column, a scenario the seed never
    has (unless the novelty setting lets the model invent it), or an impossible rebalance."""
    where, like, like_where, balance = (
        list(config.where or []),
        list(config.like or []),
        list(config.like_where or []),
        config.balance,
    )
    if not (where or like or like_where or balance):
        return None
    sch, df = seed.schema, seed.df
    conds = parse_conditions(where)
    check_conditions(conds, sch)
    for c in conds:
        role = sch.col(c.column).role
        if role in (*IDS, Role.PERSONAL, Role.TEXT):
            what = "written by the model" if role == Role.TEXT else "made new by syngen"
            raise ConfigError(f"condition '{c}': '{c.column}' is {role.value}, {what}, so a scenario cannot fix it")
    chosen = chosen_rows(seed, like, like_where)
    t = Target(chosen=chosen)
    label = sch.label
    in_seed: list[int] = []
    if chosen:
        conds += [c for c in _shared_values(seed, chosen) if c.column not in {x.column for x in conds}]
        text = _text_column(seed)
        at = _seed_index(seed, chosen, text)
        near, other = _neighbours(seed, chosen, at, text, label) if text else ([], [])
        in_seed = sorted(set(at) | set(near))
        pool = df.iloc[in_seed]
        t.pooled = np.zeros(len(df), dtype=bool)
        t.pooled[in_seed] = True
        known = set(pool[text].astype(str).str.strip()) if text else set()
        outside = [r for r in chosen if not text or str(r.get(text) or "").strip() not in known]  # not seed rows
        t.pool = pd.concat([pool, pd.DataFrame(outside, columns=df.columns)], ignore_index=True) if outside else pool
        t.contrast = df.iloc[other].to_dict("records")
        t.notes.append(
            f"more like {count(len(chosen), 'chosen row')}: exemplars from them and "
            f"{count(len(near), 'close seed row')} of the same label"
            + (f"; {count(len(other), 'close row')} of another label shown as different" if other else "")
        )
    t.conditions = [c for c in conds if c.column != label or not chosen]
    t.label_mix = _label_mix(seed, conds, chosen)
    structural = [c for c in t.conditions if c.column != label and sch.col(c.column).role not in IDS]
    if structural:
        hit = meets(df, sch, structural)
        if hit.any():
            t.scenario = hit
            n = int(hit.sum())
            t.notes.append(f"scenario {describe(structural)}: {count(n, 'seed row')} to draw from")
        else:
            t.scenario, t.invented = _invent(seed, structural, config.novelty)
    elif chosen and in_seed:  # no shared value: the structure comes from the chosen rows and neighbours
        t.scenario = t.pooled
    for c in structural:  # the seed's spelling ("depression" -> "Depression")
        if c.exact and c.column not in t.invented:
            t.conditions[t.conditions.index(c)] = Condition(c.column, "=", seed_value(df, c))
    if balance:
        _balance(seed, t, *parse_balance(balance))
    return t


def _invent(seed: Seed, conds: list[Condition], novelty: float):
    """A scenario no seed row meets: with novelty allowed, exact values are given to the model
    as new; otherwise a message with what the seed has and how to allow it."""
    sch, df = seed.schema, seed.df
    closest = []
    for c in conds:
        alone = meets(df, sch, [c])
        closest.append(f"{c}: {count(int(alone.sum()), 'row')}")
    ranged = [c for c in conds if not c.exact]
    if novelty <= 0 or ranged:
        raise ConfigError(
            f"no seed row meets {describe(conds)} (alone: {'; '.join(closest)}). Loosen a condition, or "
            + (
                "drop the range (a new combination can only be invented for exact values)"
                if ranged
                else "let the model invent it: --novelty 0.1 on the command line, 'New values' on the Prompt page"
            )
        )
    others = [c for c in conds if meets(df, sch, [c]).any()]
    base = meets(df, sch, others) if others else np.ones(len(df), dtype=bool)
    new = {c.column: c.value for c in conds if c not in others}
    return (base if base.any() else None), new


def _balance(seed: Seed, t: Target, column: str, share: float | None) -> None:
    sch, df = seed.schema, seed.df
    if column not in sch.names:
        raise ConfigError(f"--balance {column}: no such column; the seed has {', '.join(sch.names)}")
    role = sch.col(column).role
    if role not in (Role.LABEL, Role.CATEGORICAL, Role.SHORT_TEXT):
        raise ConfigError(f"--balance {column}: '{column}' is {role.value}; balance a label or categorical column")
    t.balanced = column
    rows = df if t.scenario is None else df[t.scenario]
    if column == sch.label:
        t.label_mix = _shares(rows[column].rename(column), share)
        t.notes.append(f"labels rebalanced: {_show(t.label_mix)}")
        return
    t.balance = column
    weights = _shares(rows[column].rename(column), share)
    label = sch.label
    groups = rows.groupby(rows[label].astype(str)) if label else [("*", rows)]
    for g, frame in groups:  # a value the label never has in the seed is not asked of it
        have = set(frame[column].astype(str))
        t.shares[g] = {v: w for v, w in weights.items() if v in have}
    t.notes.append(f"{column} rebalanced over {count(len(weights), 'value')}: {_show(weights)}")


def _show(weights: dict[str, float], top: int = 4) -> str:
    total = sum(weights.values())
    items = sorted(weights.items(), key=lambda kv: kv[1])
    shown = ", ".join(f"{k} {w / total:.1%}" for k, w in items[:top])
    return shown + (f" … ({len(items) - top} more)" if len(items) > top else "")


def mix_for(config, target: Target | None) -> dict[str, float] | None:
    """The label mix a run makes: the user's, else the target's (the chosen rows' labels, a
    label condition, a label rebalance), else None (the seed's)."""
    return config.label_mix if config.label_mix is not None or target is None else target.label_mix


def meets_target(row: dict, schema, target: Target) -> bool:
    """Whether a generated row meets the target's conditions (always, without conditions)."""
    if not target.conditions:
        return True
    return bool(meets(pd.DataFrame([row]), schema, target.conditions)[0])


def target_words(config) -> str:
    """A run config's target in a few words, without the seed ('' for an untargeted run)."""
    get = config.get if isinstance(config, dict) else lambda k, d=None: getattr(config, k, d)
    parts = []
    if get("like"):
        parts.append(f"like {count(len(get('like')), 'chosen row')}")
    if get("like_where"):
        parts.append("like the rows where " + describe(parse_conditions(get("like_where"))))
    if get("where"):
        parts.append(describe(parse_conditions(get("where"))))
    if get("balance"):
        col, share = parse_balance(get("balance"))
        parts.append(f"{col} balanced" + (f" (every value at least {share:.0%})" if share else " (equal shares)"))
    return "; ".join(parts)
