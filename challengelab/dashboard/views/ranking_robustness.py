"""Ranking robustness: does a strategy finding survive the uncertainty of the ranking itself?"""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import ranking_state as rstate
from challengelab.dashboard import links, state, ui
from challengelab.figures import ranking as rfig
from challengelab.vocabulary import DEFAULT_ALPHA

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


ROBUSTNESS = {"label": "Strategy", "odds_ratio": "OR (survey ranks)", "p_adjusted": "p adjusted (survey ranks)",
              "odds_ratio_full": "OR (computed ranks)", "p_adjusted_full": "p adjusted (computed ranks)",
              "median_odds_ratio": "Median OR over replicates", "range": "OR range, 95% of replicates",
              "share_significant": "Significant in", "share_separation": "Separation in",
              "n_tested": "Replicates tested", "winners_total": None, "others_total": None, "note": None}


def settings(items: list[str], labels: dict) -> dict:
    """The settings form (applied on *Apply*; every value kept in the URL)."""
    with st.expander("Settings: ranking method, bootstrap, strategy tests", icon=":material/tune:"), \
            st.form("rr_settings", border=False):
        st.caption("Applied when you press *Apply*.")
        left, middle, right = st.columns(3)
        with left:
            st.markdown("Ranking")
            links.sync("rr_method", "method", default="aggregate_then_rank", options=list(rstate.METHODS))
            method = st.selectbox("Ranking method", list(rstate.METHODS), format_func=rstate.METHODS.get,
                                  key="rr_method")
            links.sync("rr_aggregate", "aggregate", default="mean", options=list(rstate.AGGREGATES))
            aggregate = st.selectbox("Aggregate", list(rstate.AGGREGATES), format_func=rstate.AGGREGATES.get,
                                     key="rr_aggregate", help="Of the values (aggregate, then rank) or of the case "
                                                              "ranks (rank, then aggregate); not used by test, "
                                                              "then rank.")
            links.sync("rr_rank_adjust", "rank_adjust", default="none", options=rstate.RANK_ADJUST)
            rank_adjust = st.selectbox("p-value adjustment (test, then rank)", rstate.RANK_ADJUST,
                                       format_func=lambda k: rstate.ADJUSTMENTS[k].label, key="rr_rank_adjust")
            links.sync("rr_missing", "missing", default="none", options=list(rstate.MISSING))
            missing = st.selectbox("Missing results", list(rstate.MISSING), format_func=rstate.MISSING.get,
                                   key="rr_missing")
        with middle:
            st.markdown("Bootstrap of the ranking")
            links.sync("rr_n_boot", "n_boot", kind="int", default=DEFAULT_N_BOOT, options=lambda v: 10 <= v <= 2000)
            n_boot = int(st.number_input("Bootstrap replicates", min_value=10, max_value=2000, step=10,
                                         key="rr_n_boot",
                                         help="Resamples of the test cases (fast: seconds for hundreds)."))
            links.sync("rr_seed", "seed", kind="int", default=1, options=lambda v: 0 <= v < 2**31)
            seed = int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="rr_seed"))
        with right:
            st.markdown("Strategy tests over replicates")
            links.sync("rr_n_replicates", "n_replicates", kind="int", default=DEFAULT_N_REPLICATES,
                       options=lambda v: 2 <= v <= MAX_N_REPLICATES)
            n_replicates = int(st.number_input(
                "Replicates for the strategy tests", min_value=2, max_value=MAX_N_REPLICATES, step=5,
                key="rr_n_replicates",
                help=f"Each replicate reruns every strategy test (about {rstate.SECONDS_PER_REPLICATE:g} s each); "
                     "results are cached, so a setting is computed once."))
            links.sync("rr_test", "test", default="exact_cmh", options=list(rstate.TESTS))
            test = st.selectbox("Test", list(rstate.TESTS), format_func=lambda k: rstate.TESTS[k].label,
                                key="rr_test")
            links.sync("rr_adjust", "adjust", default="holm", options=rstate.ADJUST)
            adjust = st.selectbox("Adjustment for testing many strategies", rstate.ADJUST,
                                  format_func=lambda k: rstate.ADJUSTMENTS[k].label, key="rr_adjust")
        links.sync("rr_items", "items", kind="list", default=list(items), options=list(items))
        chosen = st.multiselect("Strategies", items, format_func=lambda n: labels.get(n, n), key="rr_items",
                                placeholder="All strategies")
        st.form_submit_button("Apply", icon=":material/play_arrow:", type="primary")
    return {"method": method, "aggregate": aggregate, "rank_adjust": rank_adjust, "missing": missing,
            "n_boot": n_boot, "seed": seed, "n_replicates": min(n_replicates, n_boot), "test": test,
            "adjust": adjust, "items": tuple(chosen or items)}


def link_summary(linked, spec, chosen: dict) -> None:
    columns = st.columns(4)
    columns[0].metric("Matched responses", len(linked.responses))
    columns[1].metric("Tasks", int(linked.responses["task_id"].nunique()))
    columns[2].metric("Algorithms without a response", len(linked.unmatched_algorithms))
    columns[3].metric("Responses without results", len(linked.unmatched_teams))
    st.caption(f"Ranking: **{spec.label()}**; {chosen['n_boot']} bootstrap replicates (seed {chosen['seed']}). "
               "Only the per-case results of the tasks in the current selection are used.")


def strategies_panel(ctx: state.Context, linked, lkey: str, chosen: dict) -> None:
    st.subheader("Does the strategy finding survive ranking uncertainty?")
    if not ctx.data.strategy_items:
        st.info("This survey's codebook has no binary strategy items.", icon=":material/info:")
        return
    n_replicates, test = chosen["n_replicates"], chosen["test"]
    with st.spinner(f"Rerunning the strategy tests on {n_replicates} bootstrap replicates (about "
                    f"{n_replicates * rstate.SECONDS_PER_REPLICATE:.0f} s the first time) ...", show_time=True):
        result = ui.guarded("the strategy tests over replicates", lambda: rstate.robustness_tables(
            lkey, chosen["items"], test, chosen["adjust"], DEFAULT_ALPHA, n_replicates, ctx.min_cell, ctx.labels, linked))
    if result is None:
        return
    table, replicates = result
    shown = table[~table["suppressed"].astype(bool)]
    ui.figure(rfig.strategy_robustness(table=shown.assign(item=shown["label"])), table,
              name=f"strategy_robustness_{test}", key="rr_forest")
    ui.suppression_note(table, ctx, what="strategies")
    st.markdown("**Strategy tests over replicates**")
    ui.people(ui.with_interval(table, "odds_ratio_low", "odds_ratio_high", name="range"), ROBUSTNESS,
              kinds={"range": "text", "share_separation": "share", "share_significant": "share",
                     "odds_ratio_full": "ratio", "median_odds_ratio": "ratio", "p_adjusted_full": "p"})
    ui.table_download(replicates, name=f"strategy_robustness_replicates_{test}",
                      label="Download every replicate's tests (CSV)", key="rr_replicates")
    st.caption("*Significant in*: share of replicates in which the adjusted p-value stays below "
               f"{DEFAULT_ALPHA:g}. "
               "The odds-ratio range describes the distribution of the effect over replicates; "
               "infinite odds ratios (separation: every winner used the strategy, or none) are drawn at "
               "the edge of the plot.")


def uncertainty_panel(linked, lkey: str) -> None:
    st.subheader("How uncertain is the ranking?")
    boot = linked.bootstrap
    if boot is None or not boot.tasks:
        st.info("No task has more than one case, so the ranking cannot be bootstrapped.", icon=":material/info:")
        return
    if boot.excluded_tasks:
        st.caption(f"Left out of the bootstrap (a single case): {', '.join(map(str, boot.excluded_tasks))}.")
    tau = ui.guarded("Kendall's tau", lambda: rstate.kendall_table(lkey, linked))
    if tau is not None:
        ui.figure(rfig.kendall_tau_violin(table=tau), tau, name="kendall_tau", key="rr_kendall")
    order = rstate.least_stable(lkey, linked)
    links.sync("rr_task", "task", default=order[0] if order else None, options=order)
    task = st.selectbox("Task", order, key="rr_task",
                        help="Ordered from the least stable ranking (lowest mean Kendall's tau) to the most stable.")
    if task is None:
        return
    left, right = st.columns(2)
    with left:
        blob = ui.guarded("the blob plot", lambda: rstate.task_table(lkey, "blob", task, linked))
        if blob is not None:
            ui.figure(rfig.blob_plot(table=blob), blob, name=f"blob_plot_{task}", key="rr_blob")
    with right:
        bars = ui.guarded("the rank frequencies", lambda: rstate.task_table(lkey, "bars", task, linked))
        if bars is not None:
            ui.figure(rfig.rank_frequency_bars(table=bars), bars, name=f"rank_frequencies_{task}", key="rr_bars")
    links.sync("rr_values", "values", default="podium", options=list(FIGURES))
    kind = st.radio("Per-case values as", list(FIGURES), format_func=FIGURES.get, key="rr_values",
                    horizontal=True)
    values = ui.guarded("the per-case values", lambda: rstate.task_table(lkey, kind, task, linked))
    if values is not None:
        fig = rfig.podium(table=values) if kind == "podium" else rfig.dot_and_boxplot(table=values)
        ui.figure(fig, values, name=f"{kind}_{task}", key="rr_values_figure")


def unmatched_panel(linked) -> None:
    st.subheader("What could not be linked")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Algorithms without a survey response** ({len(linked.unmatched_algorithms)})")
        if len(linked.unmatched_algorithms):
            st.dataframe(ui.people_frame(linked.unmatched_algorithms,
                                         dict.fromkeys(linked.unmatched_algorithms.columns)),
                         hide_index=True, width="stretch", height=240)
            ui.table_download(linked.unmatched_algorithms, name="unmatched_algorithms", key="rr_unmatched_alg")
        else:
            st.caption("Every algorithm answered the survey.")
    with right:
        st.markdown(f"**Survey responses without per-case results** ({len(linked.unmatched_teams)})")
        if len(linked.unmatched_teams):
            st.dataframe(ui.people_frame(linked.unmatched_teams, dict.fromkeys(linked.unmatched_teams.columns)),
                         hide_index=True, width="stretch", height=240)
            ui.table_download(linked.unmatched_teams, name="unmatched_teams", key="rr_unmatched_teams")
        else:
            st.caption("Every response of the selected tasks has per-case results.")
    st.caption("Teams are matched by task (`task` = `task_id`) and name (`algorithm` = `team_id`). Unmatched "
               "algorithms are ranked and bootstrapped with the others but carry no survey answers.")


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
        ui.stop()
    chosen = settings(ctx.data.strategy_items, ctx.labels)
    st.caption(f"The strategy tests are rerun on the first {chosen['n_replicates']} of {chosen['n_boot']} bootstrap "
               f"replicates: about {chosen['n_replicates'] * rstate.SECONDS_PER_REPLICATE:.0f} s the first time "
               "(less with fewer strategies or tasks); more replicates give a steadier share, e.g. 100 for a "
               "report.")
    spec = ui.guarded("the ranking specification", lambda: rstate.make_spec(
        chosen["method"], chosen["aggregate"], chosen["rank_adjust"], chosen["missing"]))
    if spec is None:
        return
    with st.spinner(f"Ranking and bootstrapping ({chosen['n_boot']} replicates) ...", show_time=True):
        linked = ui.guarded("the ranking", lambda: rstate.link(ctx.key, source.id, spec, chosen["n_boot"],
                                                               chosen["seed"], ctx.data, source.assessment))
    if linked is None:
        st.caption("Try another ranking method, leave missing results out, or check the per-case results.")
        return
    lkey = rstate.link_key(ctx.key, source.id, spec, chosen["n_boot"], chosen["seed"])
    link_summary(linked, spec, chosen)
    strategies_panel(ctx, linked, lkey, chosen)
    uncertainty_panel(linked, lkey)
    unmatched_panel(linked)


if __name__ == "__main__":
    render()
