"""Winning strategies: share among winners vs. other teams, stratified tests, forest plot of odds ratios."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import state, ui
from challengelab.figures import survey as figs

TESTS = {"exact_cmh": "Exact stratified test (by task)", "cmh": "Cochran–Mantel–Haenszel (asymptotic)",
         "fisher": "Fisher exact test (pooled, ignores tasks)"}
ADJUST = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg (FDR)", "bonferroni": "Bonferroni", "none": "none"}


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
    labels = ctx.labels

    profile = ui.guarded("the strategy shares", lambda: state.profile(ctx.key, tuple(items), ctx.min_cell,
                                                                      ctx.data))
    if profile is not None:
        shares = profile[profile["group"].isin(["winners", "others"])].reset_index(drop=True)
        ui.figure(state.figure(ctx, "strategy_shares", lambda: figs.strategy_share_figure(shares, labels=labels)),
                  shares, name="strategy_shares")
        ui.suppression_note(shares, ctx)

    st.subheader("Does the strategy go with winning?")
    left, right = st.columns(2)
    test = left.selectbox("Test", list(TESTS), format_func=TESTS.get, key="strategy_test")
    adjust = right.selectbox("Adjustment for testing many strategies", list(ADJUST), format_func=ADJUST.get,
                             key="strategy_adjust")
    table = ui.guarded("the strategy tests",
                       lambda: state.tests(ctx.key, tuple(items), test, adjust, ctx.min_cell, ctx.data))
    if table is None:
        return
    shown = table.assign(label=table["item"].map(lambda name: labels.get(name, name)))
    shown = shown.sort_values("odds_ratio", ascending=False, na_position="last", kind="stable")
    forest = shown.assign(p_value=shown["p_adjusted"])
    ui.figure(state.figure(ctx, "strategy_forest", lambda: figs.forest_figure(
        forest, title="Odds of winning with vs. without each strategy",
        caption=("Odds ratio of winning for teams that used the strategy vs. teams that did not, with 95 % "
                 f"confidence intervals ({TESTS[test].lower()}); hover for the adjusted p-value. Arrows mark "
                 "intervals without an end (for example when every winner used the strategy).")), test, adjust),
        shown, name=f"strategy_tests_{test}")
    st.markdown("**All tests** — click a column header to sort.")
    st.dataframe(
        shown[["label", "winners_with", "winners_total", "others_with", "others_total", "odds_ratio", "ci_low",
               "ci_high", "p_value", "p_adjusted", "n_strata", "note"]],
        hide_index=True, width="stretch",
        column_config={
            "label": st.column_config.TextColumn("Strategy", width="large"),
            "winners_with": st.column_config.NumberColumn("Winners using", format="%d"),
            "winners_total": st.column_config.NumberColumn("Winners", format="%d"),
            "others_with": st.column_config.NumberColumn("Others using", format="%d"),
            "others_total": st.column_config.NumberColumn("Others", format="%d"),
            "odds_ratio": st.column_config.NumberColumn("Odds ratio", format="%.2f"),
            "ci_low": st.column_config.NumberColumn("CI low", format="%.2f"),
            "ci_high": st.column_config.NumberColumn("CI high", format="%.2f"),
            "p_value": st.column_config.NumberColumn("p", format="%.4f"),
            "p_adjusted": st.column_config.NumberColumn(f"p ({ADJUST[adjust]})", format="%.4f"),
            "n_strata": st.column_config.NumberColumn("Informative tasks", format="%d"),
            "note": st.column_config.TextColumn("Note", width="large"),
        })
    ui.suppression_note(table, ctx)
    st.caption("Exact and CMH tests compare each team only with teams of its own task, so a strategy that is "
               "merely common in large competitions is not mistaken for a winning one. p-values are adjusted "
               "over the strategies tested.")


if __name__ == "__main__":
    render()
