"""The report's story in plain words, for the Quality page and the top of the HTML report: what
was made, how close it is to the real rows, whether it is private, whether it helps a model.
Each finding says what it means first and the metric's technical name second. Every number comes
from the report's own metrics, so the story cannot disagree with the table under it."""

from __future__ import annotations

import math

from syngen.common.text import count
from syngen.evaluate.metrics import number_words

# what a fidelity metric measures, in a reader's words
PLAIN = {
    "length in words KS": "text length",
    "sentences per text KS": "sentences per text",
    "Flesch reading ease gap": "how easily the text reads",
    "grade level gap": "the text's reading level",
    "repeated-opening share": "texts that open the same way",
    "label distribution TVD": "the mix of labels",
    "year distribution TVD": "the spread of years",
    "time distribution (KS complement)": "the spread of dates",
    "share inside the seed date range": "dates inside the seed's range",
    "KS statistic": "the spread of values",
    "pair trend (SDMetrics ContingencySimilarity)": "which values go together",
    "value pairs never seen in the seed": "value pairs the seed never has",
    "column shape (SDMetrics TVComplement)": "the shares of values",
    "column shape (SDMetrics KSComplement)": "the spread of values",
    "distinct-2 ratio to seed": "variety of wording",
    "share outside the seed range": "values outside the seed's range",
    "pattern conformity": "IDs that follow the seed's pattern",
    "uniqueness (distinct / rows)": "unique IDs",
}
NOT_FIDELITY = ("copies", "duplicates", "distance to closest", "closer to held-out", "personal values", "delivered")
NOT_FIDELITY += ("model output accepted", "Vendi", "target", "longer run of words", "closer to training", "membership")
CLOSE = ((0.85, "close to the real rows"), (0.7, "close in most respects"), (0.5, "different in several respects"))


def _plain(metric, label: str | None) -> str:
    if metric.name.startswith("text agrees with"):
        return "text that reads like its label"
    if metric.name == "label distribution TVD" and metric.column != label:  # a category, not the label
        return "the mix of values"
    return PLAIN.get(metric.name, metric.name)


def _find(report, name: str):
    return next((x for x in report.metrics if x.name == name), None)


def _copies(report, name: str) -> int | None:
    m = _find(report, name)
    if m is None or math.isnan(m.value):
        return None
    return int(round(m.value * len(report.synthetic)))


def made(report) -> str:
    about, n = report.about, len(report.synthetic)
    label = report.schema.label
    mix = ""
    if label and label in report.synthetic.columns:
        counts = report.synthetic[label].astype(str).value_counts()
        words = not all(k.lstrip("-").isdigit() for k in counts.index)  # "13 positive"; "3 with rating 2"
        mix = " (" + ", ".join(f"{v} {k}" if words else f"{v} with {label} {k}" for k, v in counts.items()) + ")"
    delivered = about.get("delivered") or n
    removed = int(delivered) - n
    when = f" in {about['seconds']:.0f} s" if about.get("seconds") else ""
    asked = f" of {about['requested']} asked for" if about.get("requested") else ""
    review = f"; {count(removed, 'row')} removed in review, {n} kept" if removed > 0 else ""
    target = f" Target: {about['target']}." if about.get("target") else ""
    writer = f" Written by {about['writer']}." if about.get("writer") else ""
    return f"{count(int(delivered), 'row')}{asked}{when}{review}{mix}.{target}{writer}"


def closeness(report) -> tuple[str, list[str]]:
    fid = report.parts.get("column fidelity", float("nan"))
    if math.isnan(fid):
        return "Not measured: the rows share no column with the seed.", []
    word = next((w for floor, w in CLOSE if fid >= floor), "far from the real rows")
    head = f"The rows are {word}: column fidelity {fid:.2f} (1 = like the seed on every measure)."
    bad = [x for x in report.metrics if x.verdict in ("poor", "fair") and not any(k in x.name for k in NOT_FIDELITY)]
    bad.sort(key=lambda x: x.score)
    worst: dict = {}
    for x in bad:  # worst first: one finding per column
        worst.setdefault(x.column or x.name, x)
    out = []
    for x in list(worst.values())[:3]:
        where = f"{x.column}: " if x.column else ""
        detail = f"{x.detail}; " if x.detail else ""
        plain = _plain(x, report.schema.label)
        out.append(f"{where}{plain} differs from the seed ({detail}{x.name} {number_words(x.value)}, {x.verdict})")
    return head, out


def privacy(report) -> str:
    n = len(report.synthetic)
    exact, near = _copies(report, "exact copies of seed rows"), _copies(report, "near copies of seed rows")
    meaning = _find(report, "semantic near copies of seed rows")
    personal = _find(report, "seed personal values in the output")
    parts = []
    if exact is not None:
        parts.append("no row copies a seed row" if not exact else f"{exact} of {n} rows copy a seed row exactly")
    if near is not None:
        parts.append(f"{near} near copies (most words the same)")
    if meaning is not None and not math.isnan(meaning.value):
        parts.append(f"{meaning.detail.split(' mean ')[0]} say what a seed text says in other words")
    if personal is not None and not math.isnan(personal.value):
        k = int(personal.value)
        parts.append("no personal value from the seed" if not k else f"{count(k, 'personal value')} from the seed")
    runs = _find(report, "texts sharing a longer run of words with a seed text than real texts do")
    if runs is not None and not math.isnan(runs.value):
        k = int(round(runs.value * n))
        parts.append(
            "no text reuses a longer run of a seed text's words than real texts share with each other"
            if not k
            else f"{k} of {n} texts reuse a longer run of a seed text's words than real texts share ("
            + runs.detail.split("; ", 2)[-1]
            + ")"
        )
    closer = _find(report, "synthetic rows closer to training than to held-out rows (text and columns)")
    attack = _find(report, "membership attack AUC (nearest synthetic row, text and columns)")
    if closer is not None and attack is not None and not math.isnan(closer.value):
        sign = abs(closer.value - 0.5) <= 0.05 and attack.value <= 0.55
        parts.append(
            (
                "no sign of memorising the rows it was made from"
                if sign
                else "signs of memorising the rows it was made from"
            )
            + f" ({closer.value:.0%} of rows sit closer to them than to rows it never saw, 50% = none; an attacker "
            f"tells them apart at AUC {attack.value:.2f}, 0.5 = not at all)"
        )
    text = "; ".join(parts) or "not measured"
    dcr = _find(report, "distance to closest record vs random (SDMetrics DCRBaselineProtection)")
    if dcr is not None and not math.isnan(dcr.value) and dcr.verdict in ("poor", "fair"):
        text += (
            ". Their names, dates and counts sit nearer the seed's rows than random values would "
            f"({number_words(dcr.value)} on a scale where 1 is as far as random): they are drawn from the "
            "seed's own values, so this says more about those than about copying, which the counts above measure"
        )
    return text[:1].upper() + text[1:] + "."


def story(report) -> list[tuple[str, str | list[str]]]:
    """(heading, text or list of findings), in reading order."""
    head, findings = closeness(report)
    out: list[tuple[str, str | list[str]]] = [("What was made", made(report)), ("How close", head)]
    if findings:
        out.append(("What differs most", findings))
    named = [x for x in report.metrics if x.name.startswith("text names its row's") and not math.isnan(x.value)]
    if named:  # columns the text gives away: does each text name its own row's value?
        out.append(
            (
                "Does each text fit its row?",
                "; ".join(f"Texts name their row's {x.column} in {x.value:.0%} of rows ({x.detail})" for x in named)
                + ".",
            )
        )
    target = report.parts.get("target")
    if target is not None:
        meet = _find(report, "rows meeting the target")
        reads = _find(report, "text reads as the target")
        bits = [meet.detail] if meet is not None else []
        bits += [reads.detail] if reads is not None and not math.isnan(reads.value) else []
        out.append(("Target", "; ".join(bits) + "." if bits else f"target score {target:.2f}."))
    out.append(("Private?", privacy(report)))
    utility = report.about.get("utility")
    out.append(
        (
            "Does it help a model?",
            utility
            or "Not measured yet: the Utility page (or `syngen utility`) trains a classifier with and "
            "without these rows and tests it on real rows it never saw.",
        )
    )
    return out
