"""Challenge explorer: one task at a time — its leaderboard of respondents and their strategies."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import state, ui
from challengelab.figures import survey as figs


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Challenge explorer",
              "Pick one task to see the teams that answered the survey, in leaderboard order, with the "
              "strategies they reported.")
    ui.require_tasks(ctx)
    tasks = ctx.data.tasks.merge(ctx.data.challenges[["challenge_id", "name", "conference", "year"]],
                                 on="challenge_id", how="left", suffixes=("", "_challenge"))
    coverage = ctx.data.coverage().set_index("task_id")
    labels = {row.task_id: f"{row.task_id} — {row.name_challenge}: {row.name} ({row.task_category}, "
                           f"{row.modality}; {coverage.at[row.task_id, 'responses']} responses)"
              for row in tasks.itertuples()}
    task_id = st.selectbox("Task", list(labels), format_func=labels.get, key="explorer_task")
    if task_id is None:
        st.stop()
    task = tasks.set_index("task_id").loc[task_id]
    columns = st.columns(3)
    columns[0].metric("Teams on the leaderboard", int(task["n_teams"]))
    columns[1].metric("Responses", int(coverage.at[task_id, "responses"]))
    columns[2].metric("Winner answered", "yes" if coverage.at[task_id, "winner_responded"] else "no")
    st.markdown(f"**{ui.text(task['name_challenge'])}** · {ui.text(task['conference'])} {task['year']} · task "
                f"category *{ui.text(task['task_category'])}* · modality *{ui.text(task['modality'])}*")
    table = state.leaderboard(ctx.key, task_id, ctx.data)
    if table.empty:
        st.info("No team of this task answered the survey.", icon=":material/info:")
        return
    if len(table) < ctx.min_cell:
        st.info(f"**Suppressed.** Only {len(table)} team(s) of this task answered — fewer than the minimum cell "
                f"size of {ctx.min_cell}. Individual answers are not shown for such small groups "
                "(change the minimum cell size in the sidebar if you are allowed to see them).",
                icon=":material/visibility_off:")
        return
    st.caption("Each row is one team's own answers. Share screenshots of this page only where the survey's "
               "consent covers it.")
    ui.figure(figs.task_strategy_figure(table, labels=state.short_labels(ctx.survey), task=task_id), table,
              name=f"leaderboard_{task_id}", key="explorer_heatmap")
    labels = ctx.labels
    shown = table.rename(columns={c: labels.get(c, c) for c in table.columns if c in labels})
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_config={"rank": st.column_config.NumberColumn("Rank", format="%d"),
                                "team_id": "Team", "winner": st.column_config.CheckboxColumn("Winner")})


if __name__ == "__main__":
    render()
