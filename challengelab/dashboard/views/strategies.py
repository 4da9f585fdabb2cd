"""Winning strategies: share among winners vs. other teams, stratified tests, forest plot of odds ratios."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import links, state, ui
from challengelab.figures import survey as figs
from challengelab.vocabulary import ADJUSTMENTS, TESTS

#: The adjustments offered here (the vocabulary knows more).
ADJUST = ["holm", "fdr_bh", "bonferroni", "none"]
TABLE = {"label": "Strategy", "winners_with": None, "winners_total": None, "others_with": None,
         "others_total": None, "odds_ratio": None, "interval": "95% CI (odds ratio)", "p_value": "p",
         "p_adjusted": None, "n_strata": None, "note": None}


def shares_panel(ctx: state.Context, items: list[str]) -> None:
    profile = ui.guarded("the strategy shares", lambda: state.profile(ctx.key, tuple(items), ctx.min_cell,
                                                                      ctx.data))
    if profile is None:
        return
    shares = profile[profile["group"].isin(["winners", "others"])].reset_index(drop=True)
    ui.figure(state.figure(ctx, "strategy_shares", lambda: figs.strategy_share_figure(shares, labels=ctx.labels)),
              shares, name="strategy_shares")
    ui.suppression_note(shares, ctx)


def test_settings() -> tuple[str, str]:
    left, right = st.columns(2)
    links.sync("strategy_test", "test", default="exact_cmh", options=list(TESTS))
    test = left.selectbox("Test", list(TESTS), format_func=lambda k: TESTS[k].label, key="strategy_test")
    links.sync("strategy_adjust", "adjust", default="holm", options=ADJUST)
    adjust = right.selectbox("Adjustment for testing many strategies", ADJUST,
                             format_func=lambda k: ADJUSTMENTS[k].label, key="strategy_adjust")
    return test, adjust


def tests_panel(ctx: state.Context, items: list[str], test: str, adjust: str) -> None:
    table = ui.guarded("the strategy tests",
                       lambda: state.tests(ctx.key, tuple(items), test, adjust, ctx.min_cell, ctx.data))
    if table is None:
        return
    shown = table.sort_values("odds_ratio", ascending=False, na_position="last", kind="stable")
    forest = shown.assign(p_value=shown["p_adjusted"])
    ui.figure(state.figure(ctx, "strategy_forest", lambda: figs.forest_figure(
        forest, title="Odds of winning with vs. without each strategy",
        caption=("Odds ratio of winning for teams that used the strategy vs. teams that did not, with 95 % "
                 f"confidence intervals ({TESTS[test].label.lower()}); hover for the adjusted p-value. Arrows mark "
                 "intervals without an end (for example when every winner used the strategy).")), test, adjust),
        shown, name=f"strategy_tests_{test}")
    st.markdown("**All tests**")
    headers = {**TABLE, "p_adjusted": f"p ({ADJUSTMENTS[adjust].short})"}
    ui.people(ui.with_interval(shown), headers, kinds={"interval": "text"})
    ui.suppression_note(table, ctx)
    st.caption("Exact and CMH tests compare each team only with teams of its own task, so a strategy that is "
               "merely common in large competitions is not mistaken for a winning one. p-values are adjusted "
               "over the strategies tested.")


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Winning strategies",
              "For every strategy in the questionnaire: how many winners used it compared with the other teams, "
              "and whether using it goes with winning *within* the same competition.")
    ui.require_winners(ctx)
    items = ctx.data.strategy_items
    if not items:
        st.info("This survey's codebook has no binary strategy items.", icon=":material/info:")
        return
    shares_panel(ctx, items)
    st.subheader("Does the strategy go with winning?")
    test, adjust = test_settings()
    tests_panel(ctx, items, test, adjust)


if __name__ == "__main__":
    render()
