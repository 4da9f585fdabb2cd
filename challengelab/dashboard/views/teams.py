"""Teams and leads: background, degree, experience, team size, effort — winners vs. other teams."""

from __future__ import annotations

import streamlit as st

from challengelab.dashboard import state, ui
from challengelab.figures import survey as figs


SECTIONS = ("expertise", "environment", "misc")


def leads_panel(ctx: state.Context, profile, categorical: list[str]) -> None:
    st.subheader("Team leads")
    columns = st.columns(min(2, len(categorical)))
    for i, item in enumerate(categorical):
        part = profile[profile["item"] == item].reset_index(drop=True)
        with columns[i % len(columns)]:
            build = lambda part=part, item=item: figs.level_share_figure(  # noqa: E731
                part, title=ctx.labels.get(item, item), levels=ctx.data.codebook[item].levels)
            ui.figure(state.figure(ctx, f"profile_{item}", build), part, name=f"profile_{item}")


def numeric_panel(ctx: state.Context, profile, numeric: list[str]) -> None:
    part = profile[profile["item"].isin(numeric)].reset_index(drop=True)
    ui.figure(state.figure(ctx, "profile_numeric", lambda: figs.numeric_summary_figure(part, labels=ctx.labels)),
              part, name="profile_numeric")


def environment_panel(ctx: state.Context, profile, binary: list[str], multi: list[str]) -> None:
    part = profile[profile["item"].isin(binary + multi)].reset_index(drop=True)
    part = part.assign(item=[f"{item}__{level}" if item in multi else item
                             for item, level in zip(part["item"], part["level"])],
                       level="yes")
    labels = ctx.labels
    multi_labels = {f"{item}__{level}": f"{labels.get(item, item).split('(')[0].strip()}: {level}"
                    for item in multi for level in (ctx.data.codebook[item].levels or ())}
    caption = ("Share of winners and of other teams answering yes / selecting each incentive, with 95 % "
               "confidence intervals (Wilson); n = teams that answered. Rows with too few respondents are "
               "suppressed.")
    ui.figure(state.figure(ctx, "profile_environment", lambda: figs.strategy_share_figure(
        part, labels={**labels, **multi_labels}, title="Environment and incentives: winners vs. other teams",
        x_title="Share of teams", caption=caption)), part, name="profile_environment")


def render() -> None:
    ctx = state.context()
    ui.header(ctx, "Teams and leads",
              "Who leads winning teams, how large the teams are and how much time they spent, compared with "
              "the other teams.")
    ui.require_winners(ctx)
    survey = ctx.data
    categorical = survey.item_names(section=SECTIONS, type=("categorical", "ordinal"))
    numeric = survey.item_names(section=SECTIONS, type="numeric")
    binary = survey.item_names(section=SECTIONS, type="binary")
    multi = survey.item_names(section=SECTIONS, type="multi_select")
    items = tuple(categorical + numeric + binary + multi)
    if not items:
        st.info("This survey's codebook has no team or lead items.", icon=":material/info:")
        return
    profile = ui.guarded("the team profile", lambda: state.profile(ctx.key, items, ctx.min_cell, survey))
    if profile is None:
        return
    profile = profile[profile["group"].isin(["winners", "others"])].reset_index(drop=True)
    if categorical:
        leads_panel(ctx, profile, categorical)
    if numeric:
        numeric_panel(ctx, profile, numeric)
    if binary or multi:
        environment_panel(ctx, profile, binary, multi)
    ui.suppression_note(profile, ctx)


if __name__ == "__main__":
    render()
