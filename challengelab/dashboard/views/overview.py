"""Overview: the dataset at a glance and the published 2021 figures next to the dataset's own."""

from __future__ import annotations

import math

import streamlit as st

from challengelab.dashboard import state, ui


PUBLISHED = {"quantity": None, "population": None, "unit": None, "published": None, "observed": None,
             "n": "Respondents", "note": None, "source": None}


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "What do winning teams do?",
              "Survey answers of teams in biomedical image analysis competitions (tasks), linked to their "
              "leaderboard ranks. Use the sidebar to filter and the pages on the left to explore.")
    ui.require_tasks(ctx)
    summary = ctx.data.summary()
    columns = st.columns(5)
    columns[0].metric("Challenges", summary["challenges"])
    columns[1].metric("Tasks", summary["tasks"], help="A challenge can hold several competitions (tasks).")
    columns[2].metric("Responses", summary["responses"], help="Teams that answered, one per team and task.")
    columns[3].metric("Winners answered", summary["tasks_with_responding_winner"],
                      help="Tasks whose rank-1 team answered the survey.")
    rate = summary["median_response_rate"]
    columns[4].metric("Median response rate", "–" if math.isnan(rate) else f"{rate:.0%}",
                      help="Per task: responses / teams on the leaderboard.")

    coverage, coverage_figure, sizes_figure = state.overview_coverage(ctx)
    left, right = st.columns(2)
    with left:
        ui.figure(coverage_figure, coverage, name="response_coverage_per_task")
    with right:
        ui.figure(sizes_figure, coverage[["task_id", "challenge_id", "task_category", "modality", "n_teams"]],
                  name="leaderboard_sizes")

    st.subheader("Published 2021 figures next to this dataset")
    result = None
    if not ctx.disclosable:
        st.info("The comparison with the published figures describes winners; it is not shown for this selection "
                "(it could reveal a few respondents' answers by differencing). Select whole task categories or "
                "clear the filters.", icon=":material/lock:")
    else:
        result = ui.guarded("the comparison with the published figures", lambda: state.overview_published(ctx))
    if result is not None:
        published, published_figure = result
        ui.figure(published_figure, published, name="published_vs_dataset")
        ui.suppression_note(published, ctx, "quantities")
        box = ui.folded("All published quantities (including non-percent ones) as a table",
                        key="overview_published_table")
        if box is not None:
            with box:
                ui.people(published, PUBLISHED, kinds={"published": "num", "observed": "num"})
    if ctx.survey.warnings:
        box = ui.folded(f"{len(ctx.survey.warnings)} data warning(s) found while loading", key="overview_warnings")
        if box is not None:
            with box:
                ui.issues(ctx.survey.warnings)


if __name__ == "__main__":
    render()
