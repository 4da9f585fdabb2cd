"""Rank-linked models: which characteristics go with winning, a top rank or a better rank, within tasks."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import state, ui
from challengelab.figures import survey as figs

OUTCOMES = {"winner": "Winning (rank 1)", "top_k": "Top k of the leaderboard",
            "top_fraction": "Top fraction of the leaderboard", "rank": "Full ranking (every position)"}
MODELS = {"auto": "Automatic (recommended)", "conditional_logit": "Conditional logit (within tasks)",
          "firth_logit": "Firth-penalised logistic", "mixed_logit": "Mixed logit (random challenge intercept)",
          "rank_ordered_logit": "Rank-ordered logit (within tasks)"}
BINARY_MODELS = ["auto", "conditional_logit", "firth_logit", "mixed_logit"]
RANK_MODELS = ["auto", "rank_ordered_logit"]
DEFAULT_PREDICTORS = ["metric_in_design", "failure_analysis", "multi_task"]


def _on_outcome_change() -> None:
    allowed = RANK_MODELS if st.session_state.get("model_outcome") == "rank" else BINARY_MODELS
    if st.session_state.get("model_kind") not in allowed:
        st.session_state["model_kind"] = "auto"


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Rank-linked models",
              "Fit a model that links team characteristics to the leaderboard. Every model compares teams in a "
              "way that suits the outcome; the description below says exactly what was fitted.")
    ui.require_winners(ctx)
    survey, labels = ctx.data, ctx.labels
    candidates = [item for item in survey.items]
    default = [item for item in DEFAULT_PREDICTORS if item in candidates] or candidates[:3]

    left, middle, right = st.columns([1.2, 1.2, 1])
    outcome = left.radio("Outcome", list(OUTCOMES), format_func=OUTCOMES.get, key="model_outcome",
                         on_change=_on_outcome_change)
    models = RANK_MODELS if outcome == "rank" else BINARY_MODELS
    model = middle.selectbox("Model", models, format_func=MODELS.get, key="model_kind",
                             help="Automatic picks the model that fits the design and says why.")
    k, q = 3, 0.1
    with right:
        if outcome == "top_k":
            k = int(st.number_input("k (best ranks)", min_value=1, max_value=50, value=3, step=1, key="model_k"))
        elif outcome == "top_fraction":
            q = float(st.slider("Fraction of the leaderboard", min_value=0.05, max_value=0.5, value=0.1,
                                step=0.05, key="model_q", format="%.2f"))
    predictors = st.multiselect("Predictors", candidates, default=default, format_func=lambda n: labels.get(n, n),
                                key="model_predictors", placeholder="Choose one or more characteristics")
    if not predictors:
        st.info("Choose at least one predictor.", icon=":material/info:")
        return

    with st.spinner("Fitting the model ..."):
        result = ui.guarded("the model", lambda: state.regression(ctx.key, tuple(predictors), outcome, model, k, q,
                                                                  survey))
    if result is None:
        st.caption("Try fewer predictors, another outcome or model, or wider filters.")
        return
    if result.n_obs < ctx.min_cell:
        st.info(f"**Suppressed.** The model rests on {result.n_obs} team(s), fewer than the minimum cell size of "
                f"{ctx.min_cell}.", icon=":material/visibility_off:")
        return
    for warning in result.warnings:
        st.warning(warning, icon=":material/warning:")
    if not result.converged:
        st.error("**The fit did not converge**: do not interpret these estimates.", icon=":material/error:")

    st.subheader(MODELS.get(result.model, result.model).replace(" (recommended)", ""))
    columns = st.columns(3)
    columns[0].metric("Teams used", result.n_obs)
    columns[1].metric("Tasks" if result.model != "mixed_logit" else "Challenges",
                      "–" if result.n_groups is None else result.n_groups)
    columns[2].metric("Converged", "yes" if result.converged else "no")
    st.markdown(f"**What was fitted.** {result.method}")

    table = figs.forest_table(result.table, labels=labels)
    odds_word = "Odds ratio" if result.model != "rank_ordered_logit" else "Odds ratio of a better rank"
    ui.figure(figs.forest_figure(
        table, title="Estimated effects", x_title=f"{odds_word} (log scale)",
        caption=(f"exp(coefficient) with 95 % confidence intervals from the {MODELS.get(result.model, result.model).lower()}"
                 "; values right of 1 go with a better outcome (winning / top rank / better rank). Arrows mark "
                 "intervals without an end; 'not estimable' marks diverged estimates.")),
        table, name=f"model_{outcome}_{result.model}")
    coefficients = result.table.reset_index()
    coefficients = coefficients.rename(columns={coefficients.columns[0]: "term"})
    coefficients.insert(1, "label", coefficients["term"].map(lambda t: labels.get(t, t)))
    st.markdown("**Coefficients** (log-odds scale; odds ratio = exp(estimate))")
    st.dataframe(coefficients, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(c, format="%.4g")
                                for c in ("estimate", "std_error", "z", "p_value", "ci_low", "ci_high",
                                          "odds_ratio")})
    ui.table_download(coefficients, name=f"model_coefficients_{outcome}_{result.model}", key="model_coefficients")


if __name__ == "__main__":
    render()
