"""Plot builders: plotly figures of seed vs synthetic per column (returned, never shown),
and the standalone HTML report."""

from __future__ import annotations

import html
import math
from collections import Counter

import plotly.graph_objects as go

from syngen.common.text import has_date
from syngen.evaluate import metrics as m
from syngen.seed.schema import Role
from syngen.seed.timestamps import parse_time

SEED, SYNTH = "#4C78A8", "#F58518"


def _bars(title: str, seed_counts: Counter, synth_counts: Counter, top: int = 20) -> go.Figure:
    """Shares of the most frequent values, chosen from both sides: with a high-cardinality
    column (drug names) the seed's top values alone would hide every synthetic value."""
    ns, ng = max(1, sum(seed_counts.values())), max(1, sum(synth_counts.values()))
    keys = list(
        dict.fromkeys(
            [k for k, _ in seed_counts.most_common(top // 2)] + [k for k, _ in synth_counts.most_common(top // 2)]
        )
    )
    names = [str(k) for k in keys]
    fig = go.Figure(
        [
            go.Bar(name="seed", x=names, y=[seed_counts[k] / ns for k in keys], marker_color=SEED),
            go.Bar(name="synthetic", x=names, y=[synth_counts[k] / ng for k in keys], marker_color=SYNTH),
        ]
    )
    # long names (drug names) are shortened on the axis, whole on hover, and the axis takes the
    # room its labels need instead of clipping them
    short = [k if len(k) <= 22 else k[:20] + "…" for k in names]
    fig.update_xaxes(tickmode="array", tickvals=names, ticktext=short, automargin=True, tickangle=-40)
    fig.update_layout(
        title=title, barmode="group", yaxis_title="share of rows", height=380, margin=dict(l=40, r=10, t=50, b=40)
    )
    return fig


def _hist(title: str, seed_vals, synth_vals, xlabel: str) -> go.Figure:
    """Seed and synthetic over the same bins (bingroup), so the bars compare like for like."""
    fig = go.Figure(
        [
            go.Histogram(
                x=list(vals), name=name, histnorm="probability", opacity=0.6, marker_color=color, bingroup=1, nbinsx=30
            )
            for vals, name, color in ((seed_vals, "seed", SEED), (synth_vals, "synthetic", SYNTH))
        ]
    )
    fig.update_layout(
        title=title,
        barmode="overlay",
        xaxis_title=xlabel,
        yaxis_title="share of rows",
        height=340,
        margin=dict(l=40, r=10, t=50, b=40),
    )
    return fig


def _id_figure(title: str, spec, seed_vals, synth_vals) -> go.Figure:
    """Identifiers have no meaningful frequencies: pattern conformity, uniqueness and (for
    synthetic values) freshness, as shares of rows."""

    def shares(vals, other):
        vals = m._clean(vals)
        n = max(1, len(vals))
        pattern = sum(bool(spec.id_pattern and spec.id_pattern.matches(v)) for v in vals) / n
        return [pattern, len(set(vals)) / n, sum(v not in other for v in vals) / n]

    cats = ["matches the ID pattern", "distinct / rows", "not a seed ID"]
    seed_set = set(m._clean(seed_vals))
    fig = go.Figure(
        [
            go.Bar(name="seed", x=cats[:2], y=shares(seed_vals, set())[:2], marker_color=SEED),
            go.Bar(name="synthetic", x=cats, y=shares(synth_vals, seed_set), marker_color=SYNTH),
        ]
    )
    fig.update_layout(
        title=title,
        barmode="group",
        yaxis_title="share of rows",
        yaxis_range=[0, 1.05],
        height=340,
        margin=dict(l=40, r=10, t=50, b=40),
    )
    return fig


def _years(values, fmt) -> Counter:
    out = Counter()
    for v in m._clean(values):
        t = parse_time(v, fmt)
        out[t.year if t is not None else "unparsed"] += 1
    return out


def column_figures(report) -> dict[str, go.Figure]:
    """One figure per column (by role), seed vs synthetic."""
    figs = {}
    # what the columns were compared with: a targeted run's charts show its target rows
    seed = report.reference if report.reference is not None else report.seed
    synth = report.synthetic
    for spec in report.schema.columns:
        c = spec.name
        if c not in synth.columns:
            continue
        s, g = seed[c].tolist(), synth[c].tolist()
        if not m._clean(s) and not m._clean(g):
            continue  # empty in every row on both sides: nothing to draw
        if spec.role in (Role.LABEL, Role.CATEGORICAL):
            figs[c] = _bars(f"{c}: value shares", Counter(m._clean(s)), Counter(m._clean(g)))
        elif spec.role in (Role.NUMERIC, Role.COUNT):
            figs[c] = _hist(f"{c}: distribution", m.to_numbers(s), m.to_numbers(g), c)
        elif spec.role == Role.TEXT:
            figs[c] = _hist(
                f"{c}: length in words",
                [len(m.words(t)) for t in m._clean(s)],
                [len(m.words(t)) for t in m._clean(g)],
                "words",
            )
        elif spec.role == Role.TIMESTAMP and has_date(spec.fmt):
            figs[c] = _bars(f"{c}: rows per year", _years(s, spec.fmt), _years(g, spec.fmt))
        elif spec.role in (Role.ID, Role.KEY):
            figs[c] = _id_figure(f"{c}: identifier checks", spec, s, g)
        else:  # short text: the most frequent values of both sides show repeats at a glance
            figs[c] = _bars(f"{c}: most frequent values", Counter(m._clean(s)), Counter(m._clean(g)), top=16)
    return figs


def _fmt(v) -> str:
    if isinstance(v, float):
        return "n/a" if math.isnan(v) else f"{v:.3g}"
    return html.escape(str(v))


def shown_verdict(verdict: str) -> str:
    """'n/a' (a metric that could not be computed) says so in words; its detail says why."""
    return "not measured" if verdict == "n/a" else verdict


def _story_html(report) -> str:
    out = ["<h2>Summary</h2>"]
    for head, text in report.story():
        if isinstance(text, list):
            items = "".join(f"<li>{html.escape(x)}</li>" for x in text)
            out.append(f"<p><b>{html.escape(head)}</b></p><ul>{items}</ul>")
        else:
            out.append(f"<p><b>{html.escape(head)}</b> {html.escape(text)}</p>")
    return "".join(out)


def _slices_html(report) -> str:
    """A rebalanced column's rows per value (seed, synthetic, together)."""
    if report.slices is None:
        return ""
    return f"<h2>Rows per {html.escape(report.slices.columns[0])}</h2>" + report.slices.to_html(index=False)


def report_html(report) -> str:
    """A standalone page (plotly.js inlined once) that opens offline."""
    figs = report.figures()
    parts = "".join(f"<li><b>{html.escape(k)}</b>: {_fmt(v)}</li>" for k, v in report.parts.items())
    rows = "".join(
        f"<tr class='{r['verdict']}'><td>{html.escape(r['metric'])}</td><td>{html.escape(r['column'])}</td>"
        f"<td>{_fmt(r['value'])}</td><td>{html.escape(r['goal'])}</td><td>{_fmt(r['score'])}</td>"
        f"<td>{shown_verdict(r['verdict'])}</td><td>{html.escape(r['detail'])}</td></tr>"
        for r in report.table().to_dict("records")
    )
    plots = []
    for i, (_name, fig) in enumerate(figs.items()):
        plots.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0)))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>syngen quality report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}}
tr.good td:nth-child(6){{color:#2a7}}tr.fair td:nth-child(6){{color:#c80}}tr.poor td:nth-child(6){{color:#c33}}
.grid{{display:grid;grid-template-columns:1fr 1fr;gap:8px}}</style></head><body>
<h1>syngen quality report{(' · ' + html.escape(str(report.about.get('name') or report.about.get('run_id')))) if report.about else ''}</h1>
<p>{html.escape(' · '.join(f"{k} {v}" for k, v in report.about.items() if v not in (None, '') and k != 'utility'))}</p>
{_story_html(report)}
<h2>What to look at</h2><ul>{''.join(f"<li>{html.escape(x)}</li>" for x in report.summary())}</ul>
<p>{len(report.seed)} seed rows, {len(report.synthetic)} synthetic rows.
Overall score <b>{_fmt(report.overall)}</b> (mean of the parts below; 1 = indistinguishable from the seed
on these measures).</p><ul>{parts}</ul>{''.join(f"<p><i>{html.escape(n)}</i></p>" for n in report.notes)}
{_slices_html(report)}<h2>Metrics</h2><table><tr><th>metric</th><th>column</th><th>value</th><th>goal</th><th>score</th>
<th>verdict</th><th>detail</th></tr>{rows}</table>
<h2>Seed vs synthetic</h2><div class="grid">{''.join(f'<div>{p}</div>' for p in plots)}</div></body></html>"""
