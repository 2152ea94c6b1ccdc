"""The Utility page's results: the lift's verdict in plain words, its table and chart, and what
gives the synthetic rows away."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from syngen.evaluate.lift import (
    FEATURE_NAMES,
    METRIC_NAMES,
    METRICS,
    Lift,
    auc_words,
    beyond_spread,
    verdict_sentence,
)

MEANINGFUL = 50  # synthetic rows below which the figures are mostly noise


def _pm(row: dict, metric: str) -> str:
    return f"{row[metric]:.3f} ± {row[metric + '_sd']:.3f}"


def show_lift(lift: Lift, n_synthetic: int) -> None:
    if n_synthetic < MEANINGFUL:
        st.warning(
            f"Only {n_synthetic} synthetic rows: too few for these figures to mean much. Generate at "
            f"least {MEANINGFUL} rows before drawing conclusions."
        )
    for note in lift.notes:
        st.caption(f"Note: {note}")
    blocks = list(lift.table.groupby(["features", "size"], sort=False))
    tabs = st.tabs([f"{FEATURE_NAMES[f]} · real rows: {s}" for (f, s), _ in blocks])
    for tab, ((feat, size), block) in zip(tabs, blocks):
        with tab:
            head = lift.headline(feat, size)
            rows = block.set_index("setting")
            syn, base = rows.loc[head["setting"]].to_dict(), rows.loc[head["baseline"]].to_dict()
            st.markdown(f"**{verdict_sentence(head, lift.minority)}**")
            c = st.columns(3)
            c[0].metric(
                f"F1 of '{lift.minority}': {head['setting']}",
                _pm(syn, "minority_f1"),
                f"{head['gain']:+.3f} ± {head['gain_sd']:.3f}" if round(head["gain"], 3) else None,  # no arrow on 0
                delta_color="normal" if beyond_spread(head["gain"], head["gain_sd"]) else "off",
                help="against the stronger baseline, repeat by repeat (mean ± sd of the difference)",
            )
            c[1].metric(f"F1 of '{lift.minority}': {head['baseline']}", _pm(base, "minority_f1"))
            c[2].metric("Macro-F1, real only", _pm(rows.loc["real only"].to_dict(), "macro_f1"))
            long = block.melt(
                id_vars=["setting"], value_vars=list(METRICS), var_name="metric", value_name="score"
            ).assign(
                sd=block.melt(id_vars=["setting"], value_vars=[f"{m}_sd" for m in METRICS])["value"].values,
                metric=lambda d: d["metric"].map(METRIC_NAMES),
            )
            fig = px.bar(long, x="setting", y="score", color="metric", barmode="group", error_y="sd")
            fig.update_layout(
                title="On held-out real rows, by training set (bars: mean; whiskers: sd over repeats)",
                xaxis_title=None,
                yaxis_range=[0, 1],
                legend_title=None,
                height=380,
            )
            st.plotly_chart(fig, width="stretch", key=f"utility_chart_{feat}_{size}")
            shown = pd.DataFrame(
                {
                    "training set": block["setting"],
                    "rows": block["train_rows"],
                    **{METRIC_NAMES[m]: [_pm(r, m) for r in block.to_dict("records")] for m in METRICS},
                }
            )
            st.dataframe(shown, hide_index=True, width="stretch")
            v = lift.verdicts
            v = v[(v["features"] == feat) & (v["size"] == size)]
            st.caption(
                "Each comparison, repeat by repeat (the same real rows and test draw for both sides): "
                "the mean difference and its sd. 'helps' or 'does worse' only when the difference is larger than the sd "
                "as shown; otherwise 'no clear difference'."
            )
            st.dataframe(
                pd.DataFrame(
                    {
                        "synthetic setting": v["setting"],
                        "against": v["baseline"],
                        "measure": v["metric"].map(METRIC_NAMES),
                        "difference": [f"{g:+.3f} ± {d:.3f}" for g, d in zip(v["gain"], v["gain_sd"])],
                        "finding": v["finding"],
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def show_discriminator(disc, features: str) -> None:
    st.subheader("Can a classifier tell them apart?")
    c = st.columns(2)
    c[0].metric(
        f"Discriminator ROC AUC ({FEATURE_NAMES[features]})",
        f"{disc.auc:.3f}",
        help="0.5: cannot tell synthetic from real; 1.0: tells every row apart",
    )
    c[1].markdown(f"**{auc_words(disc.auc)}**")
    c[1].caption(
        "Real rows are taken in the synthetic rows' label mix, so a run asked for one label is "
        "compared with real rows of that label."
    )
    if disc.giveaways:
        st.caption("Features the real-vs-synthetic classifier leans on (positive: synthetic).")
        st.dataframe(pd.DataFrame(disc.giveaways, columns=["feature", "weight"]), hide_index=True, width="stretch")
    st.caption("The synthetic rows that give themselves away most:")
    st.dataframe(disc.detectable, hide_index=True, width="stretch")
