"""Organizers' view: did the winner exceed the state of the art, did it solve the problem — by task group."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import links, state, ui
from challengelab.figures import survey as figs

BY = {"task_category": "task category", "modality": "modality"}


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Organizers' view",
              "Challenge organizers judged each task's winning algorithm: did it exceed the state of the art, and "
              "did it solve the underlying domain problem?")
    ui.require_tasks(ctx)
    items = ctx.data.codebook.names(table="organizers")
    items = [item for item in items if item in ctx.data.organizers.columns]
    if ctx.data.organizers.empty or not items:
        st.info("No organizer answers for the selected tasks.", icon=":material/info:")
        return
    links.sync("organizers_by", "by", default="task_category", options=list(BY))
    by = st.segmented_control("Break down by", list(BY), format_func=BY.get, key="organizers_by") \
        or "task_category"
    for item in items:
        label = ctx.labels.get(item, item)
        table = state.organizers(ctx.key, item, by, ctx.min_cell, ctx.data)
        ui.figure(state.figure(ctx, f"organizers_{item}",
                               lambda table=table, label=label: figs.organizer_figure(table, title=label,
                                                                                       by_label=BY[by]), by),
                  table,
                  name=f"organizers_{item}_by_{by}", key=f"organizers_{item}")
        ui.suppression_note(table.drop_duplicates("group"), ctx, "groups")


if __name__ == "__main__":
    render()
