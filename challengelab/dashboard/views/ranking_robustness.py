"""Ranking robustness: does a strategy finding survive the uncertainty of the ranking itself?"""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import ranking_state as rstate
from challengelab.dashboard import state, ui
from challengelab.figures import ranking as rfig

DEFAULT_N_BOOT = 200
DEFAULT_N_REPLICATES = 20
MAX_N_REPLICATES = 200
FIGURES = {"podium": "Podium plot", "box": "Dot-and-boxplot"}


def _upload_assessment() -> None:
    """Validate the uploaded per-case table (once per file); keep it in the session when it is valid."""
    uploaded = st.session_state.get("rr_assessment_file")
    st.session_state.pop("rr_assessment_error", None)
    if uploaded is None:
        st.session_state.pop(rstate.ASSESSMENT_KEY, None)
        return
    try:
        assessment, source_id = rstate.load_assessment_upload(uploaded.name, uploaded.getvalue())
    except Exception as exc:  # noqa: BLE001 - shown as a message on the page
        issues = getattr(exc, "issues", None)
        st.session_state["rr_assessment_error"] = (uploaded.name, [str(i) for i in issues] if issues else [str(exc)])
        st.session_state.pop(rstate.ASSESSMENT_KEY, None)
        return
    st.session_state[rstate.ASSESSMENT_KEY] = {"name": uploaded.name, "id": source_id, "assessment": assessment}


def _assessment_panel(ctx: state.Context) -> rstate.AssessmentSource | None:
    source = rstate.current_assessment(ctx.source.id)
    with st.expander("Per-case results" + (f": {source.label}" if source else " (none yet)"),
                     expanded=source is None, icon=":material/table_view:"):
        st.markdown("A long table with one row per algorithm and test case: `task` (the survey's `task_id`), "
                    "`case`, `algorithm` (the survey's `team_id`) and `value` (larger is better unless a "
                    "`smaller_is_better` flag says otherwise). `.csv`, `.xlsx` or `.parquet`; kept in this browser "
                    "session only." + (" Without an upload, the bundled synthetic results that match the bundled "
                                       "survey are used." if ctx.source.id == "bundled" else ""))
        st.file_uploader("Upload per-case results", type=["csv", "xlsx", "parquet"], key="rr_assessment_file",
                         on_change=_upload_assessment)
    failed = st.session_state.get("rr_assessment_error")
    if failed:
        name, problems = failed
        st.error(f"**Could not read {ui.text(name)}** ({len(problems)} problem(s)).", icon=":material/error:")
        with st.expander("Problems"):
            st.markdown("\n".join(f"- {ui.text(p)}" for p in problems[:50]))
    return source


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Ranking robustness",
              "A leaderboard rank is itself uncertain: another set of test cases could have crowned another "
              "team. This page recomputes the ranking from per-case results, bootstraps it, and reruns the "
              "strategy tests with the ranks of every bootstrap replicate — *does the finding survive ranking "
              "uncertainty?*")
    ui.require_winners(ctx)
    source = _assessment_panel(ctx)
    if source is None:
        st.info("**No per-case results for this survey.** Upload a table of per-case results above (the bundled "
                "synthetic results only match the bundled survey).", icon=":material/upload_file:")
        st.stop()
    items = ctx.data.strategy_items
    labels = ctx.labels

    with st.expander("Settings: ranking method, bootstrap, strategy tests", icon=":material/tune:"), \
            st.form("rr_settings", border=False):
        st.caption("Applied when you press *Apply*.")
        left, middle, right = st.columns(3)
        with left:
            st.markdown("Ranking")
            method = st.selectbox("Ranking method", list(rstate.METHODS), format_func=rstate.METHODS.get,
                                  key="rr_method")
            aggregate = st.selectbox("Aggregate", list(rstate.AGGREGATES), format_func=rstate.AGGREGATES.get,
                                     key="rr_aggregate", help="Of the values (aggregate, then rank) or of the case "
                                                              "ranks (rank, then aggregate); not used by test, "
                                                              "then rank.")
            ranking_adjust = st.selectbox("p-value adjustment (test, then rank)", list(rstate.RANKING_ADJUST),
                                    format_func=rstate.RANKING_ADJUST.get, key="rr_ranking_adjust")
            missing = st.selectbox("Missing results", list(rstate.MISSING), format_func=rstate.MISSING.get,
                                   key="rr_missing")
        with middle:
            st.markdown("Bootstrap of the ranking")
            n_boot = int(st.number_input("Bootstrap replicates", min_value=10, max_value=2000, value=DEFAULT_N_BOOT,
                                         step=10, key="rr_n_boot",
                                         help="Resamples of the test cases (fast: seconds for hundreds)."))
            seed = int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=1, step=1, key="rr_seed"))
        with right:
            st.markdown("Strategy tests over replicates")
            n_replicates = int(st.number_input(
                "Replicates for the strategy tests", min_value=2, max_value=MAX_N_REPLICATES,
                value=DEFAULT_N_REPLICATES, step=5, key="rr_n_replicates",
                help=f"Each replicate reruns every strategy test (about {rstate.SECONDS_PER_REPLICATE:g} s each); "
                     "results are cached, so a setting is computed once."))
            test = st.selectbox("Test", list(rstate.TESTS), format_func=rstate.TESTS.get, key="rr_test")
            adjust = st.selectbox("Adjustment for testing many strategies", list(rstate.ADJUST),
                                  format_func=rstate.ADJUST.get, key="rr_adjust")
        chosen = st.multiselect("Strategies", items, default=items, format_func=lambda n: labels.get(n, n),
                                key="rr_items", placeholder="All strategies")
        st.form_submit_button("Apply", icon=":material/play_arrow:", type="primary")
    n_replicates = min(n_replicates, n_boot)
    st.caption(f"The strategy tests are rerun on the first {n_replicates} of {n_boot} bootstrap replicates: about "
               f"{n_replicates * rstate.SECONDS_PER_REPLICATE:.0f} s the first time (less with fewer strategies "
               "or tasks); more replicates give a steadier share, e.g. 100 for a report.")

    spec = ui.guarded("the ranking specification", lambda: rstate.make_spec(method, aggregate, ranking_adjust, missing))
    if spec is None:
        return
    with st.spinner(f"Ranking and bootstrapping ({n_boot} replicates) ...", show_time=True):
        linked = ui.guarded("the ranking", lambda: rstate.link(ctx.key, source.id, spec, n_boot, seed, ctx.data,
                                                               source.assessment))
    if linked is None:
        st.caption("Try another ranking method, leave missing results out, or check the per-case results.")
        return
    lkey = rstate.link_key(ctx.key, source.id, spec, n_boot, seed)
    columns = st.columns(4)
    columns[0].metric("Matched responses", len(linked.responses))
    columns[1].metric("Tasks", int(linked.responses["task_id"].nunique()))
    columns[2].metric("Algorithms without a response", len(linked.unmatched_algorithms))
    columns[3].metric("Responses without results", len(linked.unmatched_teams))
    st.caption(f"Ranking: **{spec.label()}**; {n_boot} bootstrap replicates (seed {seed}). Only the per-case "
               "results of the tasks in the current selection are used.")

    # --- the strategy tests over replicates --------------------------------------------------------------------
    st.subheader("Does the strategy finding survive ranking uncertainty?")
    if not items:
        st.info("This survey's codebook has no binary strategy items.", icon=":material/info:")
    else:
        selected = tuple(chosen or items)
        with st.spinner(f"Rerunning the strategy tests on {n_replicates} bootstrap replicates (about "
                        f"{n_replicates * rstate.SECONDS_PER_REPLICATE:.0f} s the first time) ...", show_time=True):
            result = ui.guarded("the strategy tests over replicates", lambda: rstate.robustness_tables(
                lkey, selected, test, adjust, 0.05, n_replicates, ctx.min_cell, labels, linked))
        if result is not None:
            table, replicates = result
            shown = table[~table["suppressed"].astype(bool)]
            ui.figure(rfig.strategy_robustness(table=shown.assign(item=shown["label"])), table,
                      name=f"strategy_robustness_{test}", key="rr_forest")
            ui.suppression_note(table, ctx, what="strategies")
            st.markdown("**Strategy tests over replicates** — click a column header to sort.")
            st.dataframe(
                table[["label", "odds_ratio", "p_adjusted", "odds_ratio_full", "p_adjusted_full", "n_tested",
                       "median_odds_ratio", "odds_ratio_low", "odds_ratio_high", "share_significant",
                       "share_separation", "winners_total", "others_total", "note"]],
                hide_index=True, width="stretch",
                column_config={
                    "label": st.column_config.TextColumn("Strategy", width="large"),
                    "odds_ratio": st.column_config.NumberColumn("OR (survey ranks)", format="%.2f"),
                    "p_adjusted": st.column_config.NumberColumn("p adj. (survey ranks)", format="%.4f"),
                    "odds_ratio_full": st.column_config.NumberColumn("OR (computed ranks)", format="%.2f"),
                    "p_adjusted_full": st.column_config.NumberColumn("p adj. (computed ranks)", format="%.4f"),
                    "n_tested": st.column_config.NumberColumn("Replicates tested", format="%d"),
                    "median_odds_ratio": st.column_config.NumberColumn("Median OR", format="%.2f"),
                    "odds_ratio_low": st.column_config.NumberColumn("OR 2.5 %", format="%.2f"),
                    "odds_ratio_high": st.column_config.NumberColumn("OR 97.5 %", format="%.2f"),
                    "share_significant": st.column_config.ProgressColumn("Significant in", format="percent",
                                                                         min_value=0, max_value=1),
                    "share_separation": st.column_config.NumberColumn("Separation in", format="percent"),
                    "winners_total": st.column_config.NumberColumn("Winners", format="%d"),
                    "others_total": st.column_config.NumberColumn("Others", format="%d"),
                    "note": st.column_config.TextColumn("Note", width="medium"),
                })
            ui.table_download(replicates, name=f"strategy_robustness_replicates_{test}",
                              label="Download every replicate's tests (CSV)", key="rr_replicates")
            st.caption("*Significant in*: share of replicates in which the adjusted p-value stays below 0.05. "
                       "The odds-ratio quantiles describe the distribution of the effect over replicates; "
                       "infinite odds ratios (separation: every winner used the strategy, or none) are drawn at "
                       "the edge of the plot.")

    # --- the ranking's own uncertainty --------------------------------------------------------------------------
    st.subheader("How uncertain is the ranking?")
    boot = linked.bootstrap
    if boot is None or not boot.tasks:
        st.info("No task has more than one case, so the ranking cannot be bootstrapped.", icon=":material/info:")
    else:
        if boot.excluded_tasks:
            st.caption(f"Left out of the bootstrap (a single case): {', '.join(map(ui.text, boot.excluded_tasks))}.")
        tau = ui.guarded("Kendall's tau", lambda: rstate.kendall_table(lkey, linked))
        if tau is not None:
            ui.figure(rfig.kendall_tau_violin(table=tau), tau, name="kendall_tau", key="rr_kendall")
        order = rstate.least_stable(lkey, linked)
        task = st.selectbox("Task", order, key="rr_task",
                            help="Ordered from the least stable ranking (lowest mean Kendall's tau) to the most "
                                 "stable.")
        if task is not None:
            left, right = st.columns(2)
            with left:
                blob = ui.guarded("the blob plot", lambda: rstate.task_table(lkey, "blob", task, linked))
                if blob is not None:
                    ui.figure(rfig.blob_plot(table=blob), blob, name=f"blob_plot_{task}", key="rr_blob")
            with right:
                bars = ui.guarded("the rank frequencies", lambda: rstate.task_table(lkey, "bars", task, linked))
                if bars is not None:
                    ui.figure(rfig.rank_frequency_bars(table=bars), bars, name=f"rank_frequencies_{task}",
                              key="rr_bars")
            kind = st.radio("Per-case values as", list(FIGURES), format_func=FIGURES.get, key="rr_values",
                            horizontal=True)
            values = ui.guarded("the per-case values", lambda: rstate.task_table(lkey, kind, task, linked))
            if values is not None:
                fig = rfig.podium(table=values) if kind == "podium" else rfig.dot_and_boxplot(table=values)
                ui.figure(fig, values, name=f"{kind}_{task}", key="rr_values_figure")

    # --- what could not be linked -------------------------------------------------------------------------------
    st.subheader("What could not be linked")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Algorithms without a survey response** ({len(linked.unmatched_algorithms)})")
        if len(linked.unmatched_algorithms):
            st.dataframe(linked.unmatched_algorithms, hide_index=True, width="stretch", height=240)
            ui.table_download(linked.unmatched_algorithms, name="unmatched_algorithms", key="rr_unmatched_alg")
        else:
            st.caption("Every algorithm answered the survey.")
    with right:
        st.markdown(f"**Survey responses without per-case results** ({len(linked.unmatched_teams)})")
        if len(linked.unmatched_teams):
            st.dataframe(linked.unmatched_teams, hide_index=True, width="stretch", height=240)
            ui.table_download(linked.unmatched_teams, name="unmatched_teams", key="rr_unmatched_teams")
        else:
            st.caption("Every response of the selected tasks has per-case results.")
    st.caption("Teams are matched by task (`task` = `task_id`) and name (`algorithm` = `team_id`). Unmatched "
               "algorithms are ranked and bootstrapped with the others but carry no survey answers.")


if __name__ == "__main__":
    render()
