"""Challenge explorer: one task at a time — its leaderboard of respondents and their strategies."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import links, state, ui
from challengelab.figures import survey as figs
from challengelab.tables.disclosure import group_allowed


def choose_task(ctx: state.Context):
    """The task picker (kept in the URL); opens on the first task whose winner answered."""
    tasks = ctx.data.tasks.merge(ctx.data.challenges[["challenge_id", "name", "conference", "year"]],
                                 on="challenge_id", how="left", suffixes=("", "_challenge"))
    coverage = state.coverage(ctx.key, ctx.data).set_index("task_id")
    labels = {row.task_id: f"{row.task_id} — {row.name_challenge}: {row.name} ({row.task_category}, "
                           f"{row.modality}; {int(coverage.at[row.task_id, 'responses'])} responses"
                           f"{', winner answered' if coverage.at[row.task_id, 'winner_responded'] else ''})"
              for row in tasks.itertuples()}
    answered = [t for t in labels if coverage.at[t, "winner_responded"]
                and group_allowed(int(coverage.at[t, "responses"]), ctx.min_cell)]
    default = (answered or list(labels))[0]
    links.sync("explorer_task", "task", default=default, options=list(labels))
    if st.session_state.get("explorer_task") not in labels:
        st.session_state["explorer_task"] = default
    task_id = st.selectbox("Task", list(labels), format_func=labels.get, key="explorer_task")
    return tasks.set_index("task_id").loc[task_id], task_id, coverage


def task_summary(task, task_id: str, coverage) -> None:
    columns = st.columns(3)
    columns[0].metric("Teams on the leaderboard", int(task["n_teams"]))
    columns[1].metric("Responses", int(coverage.at[task_id, "responses"]))
    columns[2].metric("Winner answered", "yes" if coverage.at[task_id, "winner_responded"] else "no")
    st.markdown(f"**{ui.text(task['name_challenge'])}** · {ui.text(task['conference'])} {task['year']} · task category "
                f"*{ui.text(task['task_category'])}* · modality *{ui.text(task['modality'])}*")


def leaderboard_panel(ctx: state.Context, task_id: str) -> None:
    table = state.leaderboard(ctx.key, task_id, ctx.data)
    if table.empty:
        st.info("No team of this task answered the survey.", icon=":material/info:")
        return
    if not group_allowed(len(table), ctx.min_cell):
        st.info(f"**Suppressed.** Only {len(table)} team(s) of this task answered — fewer than the minimum cell "
                f"size of {ctx.min_cell}. Individual answers are not shown for such small groups "
                "(change the minimum cell size in the sidebar if you are allowed to see them).",
                icon=":material/visibility_off:")
        return
    st.caption("Each row is one team's own answers. Share screenshots of this page only where the survey's "
               "consent covers it.")
    ui.figure(figs.task_strategy_figure(table, labels=state.short_labels(ctx.survey), task=task_id), table,
              name=f"leaderboard_{task_id}", key="explorer_heatmap")
    short = state.short_labels(ctx.survey)
    ui.people(table, {"rank": None, "team_id": None, "winner": None,
                      **{c: short.get(c, c) for c in table.columns if c not in ("rank", "team_id", "winner")}},
              kinds={"rank": "int"}, max_static=0)  # many columns: a scrolling table, never squeezed


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Challenge explorer",
              "Pick one task to see the teams that answered the survey, in leaderboard order, with the "
              "strategies they reported.")
    ui.require_tasks(ctx)
    task, task_id, coverage = choose_task(ctx)
    task_summary(task, task_id, coverage)
    leaderboard_panel(ctx, task_id)


if __name__ == "__main__":
    render()
