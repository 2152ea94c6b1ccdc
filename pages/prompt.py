"""Prompt: k, exemplar selection, style or template, labels, context, negatives; live preview."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from syngen.backends import backend_class
from syngen.common.errors import SyngenError
from syngen.generate.config import parse_mix
from syngen.generate.outbound import for_prompts
from syngen.plan.labels import label_targets
from syngen.plan.resolve import LABELS, MADE, MODEL, SEED, hintable, novelty_columns, plan_for, resolve_plan
from syngen.plan.target import mix_for, parse_balance, resolve_target, target_words
from syngen.prompting.prompts import SELECTIONS, STYLES, TEMPLATE_FIELDS
from syngen.prompting.row_sources import preview_prompt
from syngen.seed.schema import Role
from syngen.ui.page import start
from syngen.ui.widgets import SELECTION_WORDS, STYLE_WORDS, context_example, example_conditions, token_estimate

state = start("Prompt")
cfg = state.config
seed = state.seed

st.subheader("Generation plan")
PLANS = {
    "auto": "Automatic (conditional when the table has free text)",
    "conditional": "Conditional: sample the table's structure from the seed, the model writes the text",
    "rows": "Whole rows: the model writes every column",
}
cfg = state.edit(
    plan=st.selectbox("Plan", list(PLANS), index=list(PLANS).index(cfg.plan), format_func=PLANS.get, key="prompt_plan")
)
try:
    plan = plan_for(seed, cfg)
except SyngenError as exc:  # an override for a column this seed does not have
    st.warning(f"{exc}; the column overrides were reset")
    cfg = state.edit(generators={})
    plan = plan_for(seed, cfg)
table = plan.table(seed.schema)
if plan.mode == "conditional":
    st.caption(
        "Who produces each column. Change a column's generator in the table; IDs and the label "
        "are always produced by syngen (fresh IDs, exact label mix)."
    )
    edited = st.data_editor(
        table,
        key="prompt_plan_table",
        hide_index=True,
        width="stretch",
        disabled=["column", "role", "how"],
        column_config={
            "generator": st.column_config.SelectboxColumn("generator", options=[*LABELS.values(), MADE], required=True)
        },
    )
    default = resolve_plan(seed.schema, seed.df, "conditional").generators
    chosen = {r["column"]: (MODEL if r["generator"] == LABELS[MODEL] else SEED) for r in edited.to_dict("records")}
    overrides = {c: g for c, g in chosen.items() if g != default[c]}
    if overrides != cfg.generators:
        cfg = state.edit(generators=overrides)
        st.rerun()
    names = novelty_columns(seed.schema, plan)
    if names:
        cfg = state.edit(
            novelty=st.slider(
                f"Novelty: share of rows whose {', '.join(names)} the model invents",
                0.0,
                1.0,
                float(cfg.novelty),
                0.05,
                key="prompt_novelty",
                help="0: every value comes from the seed; new values still meet the column's contract",
            )
        )
    keys = [c.name for c in seed.schema.by_role(Role.KEY)]
    if keys:  # IDs that repeat: products, people
        policies = {"fresh": "New keys, repeated as the seed's are", "reuse": "The seed's own keys"}
        cfg = state.edit(
            key_policy=st.radio(
                f"Entity keys ({', '.join(keys)})",
                list(policies),
                index=list(policies).index(cfg.key_policy),
                format_func=policies.get,
                horizontal=True,
                key="prompt_keys",
                help="columns that belong to a key (a product's category) stay the same on all its rows",
            )
        )
    advanced = st.expander("Advanced: checks and text lengths")
    cfg = state.edit(
        label_gate=advanced.toggle(
            "Reject text that reads as another label",
            cfg.label_gate,
            key="prompt_label_gate",
            help="a classifier trained on the seed's texts reads each new text; a text it reads as "
            "another label more surely than all but 5% of real texts is rejected",
        )
    )
    texts = hintable(seed.schema, plan.generators)  # listed with the switch off too
    if texts:
        hint = advanced.toggle(
            f"Give each {' and '.join([', '.join(texts[:-1]), texts[-1]] if len(texts) > 1 else texts)} "
            "a length drawn from the seed",
            cfg.length_hint,
            key="prompt_length_hint",
            help="a `words` line before the text, drawn from the seed's texts of the row's label; "
            "exemplars and tuning rows show their own. Off: the model chooses the length",
        )
        if hint != cfg.length_hint:
            cfg = state.edit(length_hint=hint)
            st.rerun()  # the plan table and the preview follow
else:
    st.dataframe(table, hide_index=True, width="stretch")
for note in plan.notes:
    st.caption(note)

st.subheader("Prompt")

c = st.columns(3)
cfg = state.edit(
    k=c[0].number_input(
        "Examples per prompt (k)",
        0 if cfg.adapter else 1,  # an adapted model writes rows without examples
        min(50, len(seed.df)),
        max(0 if cfg.adapter else 1, min(cfg.k, len(seed.df))),
        key="prompt_k",
        help="how many real rows the model sees in each prompt"
        + ("; 0 works with the adapted model (Backend page)" if cfg.adapter else ""),
    )
)
cfg = state.edit(
    selection=c[1].selectbox(
        "Which example rows",
        SELECTIONS,
        index=SELECTIONS.index(cfg.selection),
        format_func=SELECTION_WORDS.get,
        key="prompt_selection",
        help="how the example rows of each prompt are picked from the seed",
    )
)
styles = list(STYLES)
cfg = state.edit(
    style=c[2].selectbox(
        "Instruction", styles, index=styles.index(cfg.style), format_func=STYLE_WORDS.get, key="prompt_style"
    )
)
if cfg.style == "custom":
    cfg = state.edit(
        template=st.text_area(
            "Template",
            cfg.template
            or "Here are rows of a dataset:\n{examples}\nWrite {n} more rows like them, as CSV with the header.",
            key="prompt_template",
            help="placeholders: " + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS),
        )
    )
else:
    cfg = state.edit(template=None)
    st.caption(STYLES[cfg.style])
context = st.text_input(
    "What is this data? (optional)",
    cfg.context or "",
    key="prompt_context",
    placeholder=context_example(seed),
)
cfg = state.edit(context=context or None)

label = seed.schema.label
if label:
    allowed = seed.schema.col(label).allowed
    mode = st.radio(
        f"Label mix for `{label}`",
        ["Follow the seed", "One label", "Custom mix"],
        horizontal=True,
        key="prompt_mix_mode",
    )
    if mode == "One label":
        cfg = state.edit(label_mix={st.selectbox("Label", allowed, key="prompt_one_label"): 1.0})
    elif mode == "Custom mix":
        text = st.text_input("Weights", ",".join(f"{a}=1" for a in allowed), key="prompt_mix_text")
        try:
            cfg = state.edit(label_mix=parse_mix(text))
        except SyngenError as exc:
            st.error(str(exc))
    else:
        cfg = state.edit(label_mix=None)

st.subheader("Target")
st.caption(
    "Where the new rows should fall: a scenario fixes columns to values or ranges (the other columns are drawn "
    "from the seed rows that meet it); a rebalance lifts a column's rare values. Rows like chosen ones: select "
    "them on the Data page."
)
t = st.columns([3, 2, 1])
where_text = t[0].text_area(
    "Scenario: one condition per line",
    "\n".join(cfg.where),
    key="prompt_where",
    placeholder="\n".join(example_conditions(seed)),
    height=90,
)
choices = ["none"] + [c.name for c in seed.schema.by_role(Role.LABEL, Role.CATEGORICAL, Role.SHORT_TEXT)]
now_col, now_share = parse_balance(cfg.balance)
bal_col = t[1].selectbox(
    "Rebalance", choices, index=choices.index(now_col) if now_col in choices else 0, key="prompt_balance"
)
bal_share = t[2].number_input(
    "at least", 0.0, 0.5, float(now_share or 0.0), 0.01, key="prompt_balance_share", help="0: equal shares"
)
try:
    cfg = state.edit(
        where=[ln.strip() for ln in where_text.splitlines() if ln.strip()],
        balance=None if bal_col == "none" else (f"{bal_col}={bal_share:g}" if bal_share else bal_col),
    )
    aim = resolve_target(seed, cfg)
    if cfg.like or cfg.like_where:
        c2 = st.columns([5, 1])
        c2[0].caption(f"Also: {target_words(replace(cfg, where=[], balance=None))} (chosen on the Data page).")
        if c2[1].button("Clear", key="prompt_like_clear"):
            cfg = state.edit(like=[], like_where=[])
            st.rerun()
    for note in aim.notes if aim else []:
        st.caption(note)
except SyngenError as exc:
    aim = None
    st.error(str(exc))
if label:
    try:
        st.caption(
            "Rows per label for this run: "
            + ", ".join(f"{k}: {v}" for k, v in label_targets(seed, cfg.num_samples, mix_for(cfg, aim)).items())
        )
    except SyngenError as exc:
        st.error(str(exc))

with st.expander(f"Negative examples ({len(cfg.negatives)})", expanded=False):
    st.caption("Rows the output must not resemble. Disliked rows on the Generate page land here too.")
    typed = st.text_area("One text per line", key="prompt_neg_text")
    up = st.file_uploader("or a CSV of rows", type=["csv"], key="prompt_neg_file")
    if st.button("Add", key="prompt_neg_add"):
        text_col = next((c.name for c in seed.schema.columns if c.role.value == "text"), seed.schema.names[0])
        cfg = state.edit(
            negatives=cfg.negatives + [{text_col: line.strip()} for line in typed.splitlines() if line.strip()]
        )
        if up is not None:
            try:
                cfg = state.edit(negatives=cfg.negatives + pd.read_csv(up, dtype=str).to_dict("records"))
            except Exception as exc:  # a broken CSV is a message, not a traceback
                st.error(f"{up.name}: could not be read as CSV ({exc})")
    if cfg.negatives:
        st.dataframe(pd.DataFrame(cfg.negatives), width="stretch")
        if st.button("Clear negatives", key="prompt_neg_clear"):
            cfg = state.edit(negatives=[])
            st.rerun()

st.subheader("Preview of one prompt")
try:
    cfg.check_prompt(len(seed.df))
    target = next(iter(label_targets(seed, cfg.num_samples, mix_for(cfg, aim)) or {None: 0}))
    local = backend_class(cfg.backend).in_process
    p = preview_prompt(seed, cfg, plan, target, shown=lambda s, t: for_prompts(s, t, cfg, local))
    if not local:  # what the service will see, as it will see it
        st.caption(
            "As sent to the remote backend: "
            + (
                "the seed's own values (shared on purpose)."
                if cfg.share_seed_people
                else "seed people replaced by fresh values, texts scrubbed."
            )
        )
    if not p.completion and not p.messages:
        st.info("No model call: every column of a row is sampled from the seed.")
        st.stop()
    chat = st.toggle("Show the chat rendering (instruction models)", key="prompt_chat")
    text = "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in p.messages) if chat else p.completion
    st.caption(
        token_estimate(text, state.config.backend, state.config.model)
        + ("" if chat else " — a base model continues this text from its last line")
    )
    st.code(text, language=None, wrap_lines=True)
except SyngenError as exc:
    st.error(str(exc))
