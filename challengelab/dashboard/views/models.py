"""Rank-linked models: which characteristics go with winning, a top rank or a better rank, within tasks."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import links, state, ui
from challengelab.figures import survey as figs
from challengelab.tables.disclosure import group_allowed
from challengelab.vocabulary import MODELS, OUTCOMES

BINARY_MODELS = ["auto", "conditional_logit", "firth_logit", "mixed_logit"]
RANK_MODELS = ["auto", "rank_ordered_logit"]
DEFAULT_PREDICTORS = ["metric_in_design", "failure_analysis", "multi_task"]
COEFFICIENTS = {"label": "Characteristic", "odds_ratio": None, "interval": "95% CI (odds ratio)", "p_value": "p",
                "estimate": None, "std_error": None}


def _on_outcome_change() -> None:
    allowed = RANK_MODELS if st.session_state.get("model_outcome") == "rank" else BINARY_MODELS
    if st.session_state.get("model_kind") not in allowed:
        st.session_state["model_kind"] = "auto"


def settings(ctx: state.Context) -> tuple[str, str, int, float, list[str]]:
    """The outcome, model, k, q and predictors chosen (each kept in the URL)."""
    candidates = list(ctx.data.items)
    default = [item for item in DEFAULT_PREDICTORS if item in candidates] or candidates[:3]
    left, middle, right = st.columns([1.2, 1.2, 1])
    links.sync("model_outcome", "outcome", default="winner", options=list(OUTCOMES))
    outcome = left.radio("Outcome", list(OUTCOMES), format_func=OUTCOMES.get, key="model_outcome",
                         on_change=_on_outcome_change)
    models = RANK_MODELS if outcome == "rank" else BINARY_MODELS
    links.sync("model_kind", "model", default="auto", options=models)
    model = middle.selectbox("Model", models, format_func=lambda m: MODELS[m].label, key="model_kind",
                             help="Automatic picks the model that fits the design and says why.")
    k, q = 3, 0.1
    with right:
        if outcome == "top_k":
            links.sync("model_k", "k", kind="int", default=3, options=lambda v: 1 <= v <= 50)
            k = int(st.number_input("k (best ranks)", min_value=1, max_value=50, step=1, key="model_k"))
        elif outcome == "top_fraction":
            links.sync("model_q", "q", kind="float", default=0.1, options=lambda v: 0.05 <= v <= 0.5)
            q = float(st.slider("Fraction of the leaderboard", min_value=0.05, max_value=0.5, step=0.05,
                                key="model_q", format="%.2f"))
    links.sync("model_predictors", "predictors", kind="list", default=default, options=candidates)
    predictors = st.multiselect("Predictors", candidates, format_func=lambda n: ctx.labels.get(n, n),
                                key="model_predictors", placeholder="Choose one or more characteristics")
    return outcome, model, k, q, predictors


def fit_summary(result) -> None:
    for warning in result.warnings:
        st.warning(warning, icon=":material/warning:")
    if not result.converged:
        st.error("**The fit did not converge**: do not interpret these estimates.", icon=":material/error:")
    st.subheader(MODELS[result.model].label.replace(" (recommended)", "") if result.model in MODELS
                 else result.model)
    columns = st.columns(5)
    columns[0].metric("Rows used", result.n_used)
    columns[1].metric("Dropped: missing answers", result.n_dropped,
                      help="Rows with a missing answer in the outcome, a predictor or the task (complete cases).")
    columns[2].metric("In tasks without information", result.n_uninformative,
                      help="Rows of tasks that cannot inform this model (for example a task whose winner did not "
                           "answer).")
    columns[3].metric("Tasks" if result.model != "mixed_logit" else "Challenges",
                      "–" if result.n_groups is None else result.n_groups)
    columns[4].metric("Converged", "yes" if result.converged else "no")
    st.markdown(f"**What was fitted.** {result.method}")


def effects_panel(ctx: state.Context, result, outcome: str) -> None:
    table = figs.forest_table(result.table, labels=ctx.labels)
    name = MODELS[result.model].short if result.model in MODELS else result.model
    odds_word = "Odds ratio" if result.model != "rank_ordered_logit" else "Odds ratio of a better rank"
    ui.figure(figs.forest_figure(
        table, title="Estimated effects", x_title=f"{odds_word} (log scale)",
        caption=(f"exp(coefficient) with 95 % confidence intervals from the {name}; values right of 1 go with a "
                 "better outcome (winning / top rank / better rank). Arrows mark intervals without an end; "
                 "'not estimable' marks diverged estimates.")),
        table, name=f"model_{outcome}_{result.model}")
    coefficients = table.merge(result.table.reset_index().rename(columns={result.table.index.name or "index":
                                                                          "term"})[["term", "std_error"]],
                               on="term", how="left")
    st.markdown("**Coefficients** — odds ratios with their 95% intervals; the estimate is the log-odds "
                "coefficient (odds ratio = exp(estimate)).")
    ui.people(ui.with_interval(coefficients), COEFFICIENTS, kinds={"interval": "text"})
    ui.table_download(coefficients, name=f"model_coefficients_{outcome}_{result.model}", key="model_coefficients")


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Rank-linked models",
              "Fit a model that links team characteristics to the leaderboard. Every model compares teams in a "
              "way that suits the outcome; the description below says exactly what was fitted.")
    ui.require_winners(ctx)
    outcome, model, k, q, predictors = settings(ctx)
    if not predictors:
        st.info("Choose at least one predictor.", icon=":material/info:")
        return
    with st.spinner("Fitting the model ..."):
        result = ui.guarded("the model", lambda: state.regression(ctx.key, tuple(predictors), outcome, model, k, q,
                                                                  ctx.data))
    if result is None:
        st.caption("Try fewer predictors, another outcome or model, or wider filters.")
        return
    if not group_allowed(result.n_obs, ctx.min_cell):
        st.info(f"**Suppressed.** The model rests on {result.n_obs} team(s), fewer than the minimum cell size of "
                f"{ctx.min_cell}.", icon=":material/visibility_off:")
        return
    fit_summary(result)
    effects_panel(ctx, result, outcome)


if __name__ == "__main__":
    render()
