"""The quality report: every column by its role, copies and duplicates, an explained score.

`build_report(seed, synthetic)` works on any two tables with shared columns; roles come from
the seed (`syngen.seed.schema`). Plots are built on request (`figures()`), never shown here.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from syngen.common.provenance import PROVENANCE
from syngen.common.text import has_date, has_time, word_count
from syngen.evaluate import metrics as m
from syngen.evaluate.copies import CopyIndex, normalise
from syngen.evaluate.dcr import dcr_metrics
from syngen.evaluate.metrics import Metric, nan_metric, number_words
from syngen.evaluate.nearcopy import near_copies
from syngen.evaluate.pairs import pair_metrics, shape_metrics
from syngen.evaluate.privacy import personal_leaks
from syngen.evaluate.semantic import semantic_metrics
from syngen.evaluate.target_check import reference_rows, slice_counts, target_metrics
from syngen.seed.schema import NOT_CONTENT, Role, Schema, infer_schema

TEXT_SAMPLE = 2000  # readability is the slow part: above this many texts, a seeded sample
SMALL_SAMPLE = 30  # below this many synthetic rows the report warns that scores are noisy
NEAR_SAMPLE = 20_000  # near-copy search above this many synthetic rows: a seeded sample
EXACT_UP_TO = 5_000  # up to this many rows, near copies of seed rows use the gate's exact index


@dataclass
class QualityReport:
    metrics: list[Metric]
    schema: Schema
    seed: pd.DataFrame
    synthetic: pd.DataFrame
    parts: dict[str, float] = field(default_factory=dict)
    copies: pd.DataFrame | None = None  # flagged synthetic rows with their closest seed row
    slices: pd.DataFrame | None = None  # a rebalanced column: rows per value, seed / synthetic / together
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per metric family (bench/)
    about: dict = field(default_factory=dict)  # run id, style, backend, model, rows, time
    reference: pd.DataFrame | None = None  # the seed rows the columns are compared with (a target's)

    def story(self) -> list[tuple[str, str | list[str]]]:
        """What was made, how close, private or not, helps a model or not: in plain words."""
        from syngen.evaluate.story import story

        return story(self)

    def summary(self, top: int = 5) -> list[str]:
        """The top issues in plain language, worst first (what a reader should look at)."""
        out = []
        n = len(self.synthetic)
        if n < SMALL_SAMPLE:
            out.append(
                f"Only {n} synthetic rows: every score here is noisy below {SMALL_SAMPLE} rows; "
                "generate more before trusting them."
            )
        t = self.table()
        bad = t[t["verdict"].isin(["poor", "fair"])].sort_values("score", na_position="last")
        for r in bad.head(top).to_dict("records"):
            named = bool(r["column"]) and r["column"] in r["metric"]  # "drugName words found in review"
            where = f" in {r['column']}" if r["column"] and not named else ""
            detail = f"; {r['detail']}" if r["detail"] else ""
            name = r["metric"] if named else r["metric"][:1].upper() + r["metric"][1:]  # drugName stays drugName
            out.append(f"{name}{where} is {r['verdict']} ({number_words(r['value'])}{detail}).")
        if not out:
            out.append("No metric is judged fair or poor.")
        return out

    @property
    def overall(self) -> float:
        vals = [v for v in self.parts.values() if not math.isnan(v)]
        return float(np.mean(vals)) if vals else float("nan")

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "metric": x.name,
                    "column": x.column,
                    "value": x.value,
                    "goal": x.goal,
                    "score": x.score,
                    "verdict": x.verdict,
                    "detail": x.detail,
                }
                for x in self.metrics
            ]
        )

    def find(self, name: str, column: str = "") -> Metric:
        for x in self.metrics:
            if x.name == name and x.column == column:
                return x
        raise KeyError((name, column))

    def to_dict(self) -> dict:
        def clean(v):
            return None if isinstance(v, float) and math.isnan(v) else v

        return {
            "overall": clean(self.overall),
            "parts": {k: clean(v) for k, v in self.parts.items()},
            "about": self.about,
            "summary": self.summary(),
            "story": self.story(),
            "notes": self.notes,
            "rows": {"seed": len(self.seed), "synthetic": len(self.synthetic)},
            "metrics": [{k: clean(v) for k, v in r.items()} for r in self.table().to_dict("records")],
            "copies": [] if self.copies is None else self.copies.to_dict("records"),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str)

    def figures(self) -> dict:
        from syngen.evaluate.plots import column_figures

        return column_figures(self)

    def to_html(self) -> str:
        from syngen.evaluate.plots import report_html

        return report_html(self)


def _memorised(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame) -> list[Metric]:
    """Runs of words a synthetic text shares with a seed text, against real texts' (evaluate.memorised)."""
    from syngen.evaluate.memorised import memorised_text

    texts = [c.name for c in schema.by_role(Role.TEXT) if c.name in synth.columns]
    if not texts:
        return []
    col = texts[0]
    return [memorised_text(seed[col].dropna().astype(str).tolist(), synth[col].dropna().astype(str).tolist())]


def _membership(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame, holdout: pd.DataFrame) -> list[Metric]:
    from syngen.evaluate.dcr import training_part
    from syngen.evaluate.membership import membership

    return membership(schema, training_part(seed, holdout), holdout, synth)


def _values(df: pd.DataFrame, col: str) -> list:
    return df[col].tolist() if col in df.columns else []


def _sample(values: list, rng: random.Random) -> list:
    return values if len(values) <= TEXT_SAMPLE else rng.sample(values, TEXT_SAMPLE)


def column_metrics(spec, seed: pd.DataFrame, synth: pd.DataFrame, rng: random.Random) -> list[Metric]:
    col = spec.name
    if col not in synth.columns:
        return [nan_metric("column present", col, "max", "the synthetic table has no such column")]
    s, g = _values(seed, col), _values(synth, col)
    r = spec.role
    if r in (Role.LABEL, Role.CATEGORICAL):
        return m.categorical_metrics(col, s, g)
    if r in (Role.NUMERIC, Role.COUNT):
        return m.numeric_metrics(col, s, g)
    if r == Role.ID:
        return m.id_metrics(col, s, g, spec.id_pattern)
    if r == Role.KEY:
        return m.key_metrics(col, s, g, spec.id_pattern)
    if r == Role.PERSONAL:
        return m.personal_metrics(col, s, g)
    if r == Role.TIMESTAMP:
        return m.timestamp_metrics(col, s, g, spec.fmt)
    if r == Role.TEXT:
        return m.text_metrics(col, _sample(s, rng), _sample(g, rng))
    new_vocab = m.categorical_metrics(col, s, g)[1]  # short text: how much is new vocabulary
    new_vocab.goal, new_vocab.score = "info", m.NAN  # novel names are fine: informational only
    return [new_vocab]


def _consistency(schema: Schema, synth: pd.DataFrame) -> list[Metric]:
    """A full timestamp column against separate date / time columns of the same rows."""
    ts = [c for c in schema.by_role(Role.TIMESTAMP) if has_time(c.fmt) and has_date(c.fmt)]
    parts = [c for c in schema.by_role(Role.TIMESTAMP) if c not in ts]
    rows = synth.to_dict("records")
    out = []
    for t in ts:
        for p in parts:
            got = m.timestamp_consistency(t.name, t.fmt, p.name, p.fmt, rows)
            if got is not None:
                out.append(got)
    return out


def copy_metrics(schema: Schema, seed: pd.DataFrame, synth: pd.DataFrame, threshold: float = 0.8):
    """Exact and near copies of seed rows (naming the closest seed row), and duplicates within
    the synthetic rows. Near copies: MinHash/LSH candidates, exact Jaccard (nearcopy.py)."""
    content = [c.name for c in schema.columns if c.role not in NOT_CONTENT and c.name in synth.columns]
    texts = [c.name for c in schema.by_role(Role.TEXT) if c.name in synth.columns] or content
    n = len(synth)
    if not n:
        return [nan_metric("exact copies of seed rows", "", "0", "no synthetic rows")], None
    if not content:
        return [
            nan_metric(name, "", "0", "the synthetic table shares no content column with the seed")
            for name in (
                "exact copies of seed rows",
                "near copies of seed rows",
                "exact duplicates within synthetic",
                "near duplicates within synthetic",
            )
        ], None

    cache: dict = {}

    def column(df, c):
        if (id(df), c) not in cache:  # each column normalised once, for keys and texts alike
            cache[id(df), c] = [normalise(v) if isinstance(v, str) else "" for v in df[c].tolist()]
        return cache[id(df), c]

    def keys(df):  # the same normalisation as copies.row_key, column at a time
        return list(zip(*[column(df, c) for c in content]))

    def joined(df):
        cols = [column(df, c) for c in texts]
        return [" ".join(parts) for parts in zip(*cols)]

    seed_keys = {k: i for i, k in enumerate(keys(seed))}
    synth_keys = keys(synth)
    # Near-copy search is the costly part: above NEAR_SAMPLE rows it runs on a seeded sample and
    # its shares are estimates (said so); exact copies and duplicates always cover every row.
    synth_texts = joined(synth)
    sample = sorted(random.Random(0).sample(range(n), NEAR_SAMPLE)) if n > NEAR_SAMPLE else list(range(n))
    seed_texts = joined(seed)
    best_s, sim_s, dup_s = near_copies(seed_texts, [synth_texts[j] for j in sample], threshold)
    if n <= EXACT_UP_TO:
        # Up to a few thousand rows the report asks the pipeline gate's own index: the same
        # words, shingles and Jaccard, so "near copy of a seed row" means the same in both.
        index = CopyIndex()
        for i, t in enumerate(seed_texts):
            index.add(i, t)
        found = [index.nearest(synth_texts[j]) if word_count(synth_texts[j]) >= 4 else (None, 0.0) for j in sample]
        best_s = np.array([i if i is not None and s >= threshold else -1 for i, s in found])
        sim_s = np.array([s for _, s in found])
    best = dict(zip(sample, best_s.tolist()))
    sim = dict(zip(sample, sim_s.tolist()))
    flagged, seen = [], set()
    exact = near = dup = 0
    for j, k in enumerate(synth_keys):
        if k in seed_keys:
            exact += 1
            flagged.append({"synthetic_row": j, "seed_row": seed_keys[k], "similarity": 1.0, "kind": "exact copy"})
        elif best.get(j, -1) >= 0:
            near += 1
            flagged.append(
                {
                    "synthetic_row": j,
                    "seed_row": int(best[j]),
                    "similarity": round(float(sim[j]), 3),
                    "kind": "near copy",
                }
            )
        if k in seen:
            dup += 1
        seen.add(k)
    m = len(sample)
    near_share = near / m
    near_dup_share = max(0, int(dup_s.sum()) - _exact_dups(synth_keys, sample)) / m
    est = f" (estimated from a {m:,}-row sample)" if m < n else ""
    out = [
        Metric("exact copies of seed rows", "", exact / n, "0", score=1 - exact / n, detail=f"{exact} rows"),
        Metric(
            "near copies of seed rows",
            "",
            near_share,
            "0",
            score=1 - near_share,
            detail=f"{near} rows share >= {threshold:.0%} of their word 3-grams with a seed row{est}",
        ),
        Metric("exact duplicates within synthetic", "", dup / n, "0", score=1 - dup / n, detail=f"{dup} rows"),
        Metric(
            "near duplicates within synthetic",
            "",
            near_dup_share,
            "0",
            score=1 - near_dup_share,
            detail=f"{round(near_dup_share * n)} rows{est}",
        ),
    ]
    return out, pd.DataFrame(flagged, columns=["synthetic_row", "seed_row", "similarity", "kind"])


def _exact_dups(keys: list, sample: list[int]) -> int:
    """Exact duplicates among the sampled rows (near-duplicate counts include them)."""
    seen, dups = set(), 0
    for j in sample:
        dups += keys[j] in seen
        seen.add(keys[j])
    return dups


def run_metrics(
    account=None, requested: int | None = None, delivered: int = 0, kept: int | None = None
) -> list[Metric]:
    out = []
    if requested:
        review = f"; {delivered - kept} removed in review, {kept} kept" if kept is not None and kept < delivered else ""
        out.append(
            Metric(
                "rows delivered / requested",
                "",
                min(1.0, delivered / requested),
                "1",
                0,
                1,
                score=min(1.0, delivered / requested),
                detail=f"{delivered} of {requested}{review}",
            )
        )
    if account is not None:  # a RunAccount, or its dict as a run folder keeps it
        get = account.get if isinstance(account, dict) else lambda k, d=None: getattr(account, k, d)
        rejected = sum((get("rejected") or {}).values())
        # every candidate is accepted or rejected once: a row rejected by the gate is among the
        # parsed rows too, and rows kept from a checkpoint were never parsed (the old sum, parsed
        # plus rejected, counted the one twice and the other not at all: 1.05 after a resume)
        accepted = get("accepted", 0)
        total = accepted + rejected
        if total:
            out.append(
                Metric(
                    "share of model output accepted",
                    "",
                    accepted / total,
                    "max",
                    detail=f"{accepted} accepted, {rejected} rejected candidates",
                )
            )
    return out


def align_columns(seed: pd.DataFrame, synth: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Same width but renamed columns (helpful_votes for helpful_vote): match by position."""
    seed_cols = list(seed.columns)
    content = [c for c in synth.columns if c not in PROVENANCE]
    if set(content) == set(seed_cols) or len(content) != len(seed_cols):
        return synth, []
    renamed = {a: b for a, b in zip(content, seed_cols) if a != b}
    note = "columns matched by position: " + ", ".join(f"{a} -> {b}" for a, b in renamed.items())
    return synth.rename(columns=renamed), [note]


def build_report(
    seed: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema | None = None,
    account=None,
    requested: int | None = None,
    random_seed: int = 0,
    delivered: int | None = None,
    about: dict | None = None,
    holdout: pd.DataFrame | None = None,
    target=None,
    mix: dict | None = None,
) -> QualityReport:
    """Compare a synthetic table with its seed, column by column and as a whole. `delivered`:
    rows the run produced (a user's review may have removed some since: curation is not a
    shortfall); `about`: run id, style, backend, model, time, shown at the top of the report;
    `holdout`: seed rows a tuned model never saw (distance-to-closest-record comparison);
    `target` (syngen.plan.target) and `mix` (the label mix asked for): a targeted run's columns
    are compared with the seed rows of its target, and the target itself is checked."""
    schema = schema or infer_schema(seed)
    synthetic, notes = align_columns(seed, synthetic)
    seed, synthetic = schema.plain_numbers(seed), schema.plain_numbers(synthetic)  # $46.28 -> 46.28
    rng = random.Random(random_seed)
    cols: list[Metric] = []
    timings: dict[str, float] = {}
    ref = reference_rows(seed, schema, target, mix)  # copies and privacy are against every seed row
    if len(ref) != len(seed):
        notes.append(
            f"columns are compared with the {len(ref)} seed rows of the run's target"
            + (f" ({target.describe()})" if target is not None and target.describe() else " (its label mix)")
            + "; copies and privacy with all seed rows"
        )

    def timed(key, fn, *args, failed=None):
        """One part of the report, timed. A part that fails on this data (a library refusing a
        constant column, say) is a NaN metric with the reason, never an exception: the rest of
        the report and the run's files are still written."""
        t = time.perf_counter()
        try:
            out = fn(*args)
        except Exception as exc:  # noqa: BLE001  (any library error becomes a reason on the page)
            why = f"could not be computed on this data ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
            out = failed(why) if failed else [nan_metric(key, "", "max", why)]
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - t
        return out

    balanced = getattr(target, "balance", None)  # its shares are set on purpose: checked as the target
    for spec in schema.columns:
        if spec.name != balanced:
            cols += timed(f"{spec.role.value} metrics", column_metrics, spec, ref, synthetic, rng)
    cols += timed("consistency", _consistency, schema, synthetic)
    cols += timed("pair trends (SDMetrics)", pair_metrics, schema, ref, synthetic)
    cols += timed("column shapes (SDMetrics)", shape_metrics, schema, ref, synthetic)
    label = schema.label
    seed_rows = ref.to_dict("records")
    synth_sample = _sample(synthetic.to_dict("records"), rng)
    for t in schema.by_role(Role.TEXT):
        if t.name not in synthetic.columns:
            continue
        if label and label in synthetic.columns:
            cols += timed("text by label", m.text_by_label, t.name, label, seed_rows, synth_sample)
            cols += timed("text vs label", lambda *a: [m.label_consistency(*a)], t.name, label, seed_rows, synth_sample)
        for short in schema.by_role(Role.SHORT_TEXT):
            if short.name in synthetic.columns:
                cols += timed(
                    "field overlap", lambda *a: [m.field_overlap(*a)], short.name, t.name, seed_rows, synth_sample
                )
    cols += timed("text names its row (revealed columns)", m.revealed_agreement, ref, schema, synthetic)
    copies, flagged = timed(
        "copies and duplicates",
        copy_metrics,
        schema,
        seed,
        synthetic,
        failed=lambda why: ([nan_metric("exact copies of seed rows", "", "min", why)], []),
    )
    meaning = timed("meaning (sentence embeddings)", semantic_metrics, schema, seed, synthetic)
    dcr = timed("distance to closest record (SDMetrics)", dcr_metrics, schema, seed, synthetic, holdout)
    dcr += timed("personal data", lambda *a: [personal_leaks(*a)], schema, seed, synthetic)
    dcr += timed("memorised text", _memorised, schema, seed, synthetic)
    if holdout is not None and len(holdout) >= 5:  # rows the generator never saw: membership inference
        dcr += timed("membership", _membership, schema, seed, synthetic, holdout)
    runm = run_metrics(account, requested, len(synthetic) if delivered is None else delivered, len(synthetic))
    aim = timed("target", target_metrics, seed, schema, synthetic, target) if target is not None else []
    report = QualityReport(
        cols + aim + copies + meaning + dcr + runm, schema, seed, synthetic, copies=flagged, notes=notes, reference=ref
    )
    report.timings = timings
    balanced = getattr(target, "balanced", None)
    if balanced and balanced in synthetic.columns:
        report.slices = slice_counts(seed, synthetic, balanced)
    report.about = dict(about or {})
    if requested:  # the summary's "what was made" reads these
        report.about.setdefault("requested", requested)
    report.about.setdefault("delivered", len(synthetic) if delivered is None else delivered)

    def mean_score(ms):
        vals = [x.score for x in ms if not math.isnan(x.score)]
        return float(np.mean(vals)) if vals else float("nan")

    report.parts = {
        "column fidelity": mean_score(cols),
        "privacy and novelty": mean_score(copies[:2] + meaning[:1] + dcr),
        "diversity": mean_score(
            copies[2:]
            + meaning[1:]
            + [x for x in cols if x.name in ("distinct-2 ratio to seed", "repeated-opening share")]
        ),
        "delivery": mean_score(runm),
    }
    if aim:
        report.parts["target"] = mean_score(aim)
    return report
