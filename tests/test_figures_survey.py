"""Survey figure builders: each draws exactly its table, carries a caption, survives empty and suppressed data."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import challengelab
from challengelab.tables.disclosure import suppress_small_cells
from challengelab.figures import survey as figs


def values(array) -> list:
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array if array is not None else [])


def spec(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


@pytest.fixture(scope="module")
def survey():
    return challengelab.example_survey()


@pytest.fixture(scope="module")
def profile(survey):
    from challengelab.stats import winner_profile

    return winner_profile(survey)


@pytest.fixture(scope="module")
def tests_table(survey):
    from challengelab.stats import strategy_tests

    return strategy_tests(survey)


def test_coverage_table_counts_responses_per_task(survey):
    table = figs.coverage_table(survey)
    assert len(table) == len(survey.tasks)
    assert table["responses"].sum() == len(survey.responses)
    assert table["winner_responded"].sum() == survey.summary()["tasks_with_responding_winner"]
    assert (table["response_rate"] <= 1).all()
    fig = figs.coverage_figure(table)
    drawn = sum(len(values(t["x"])) for t in spec(fig)["data"] if t["type"] == "histogram")
    assert drawn == len(table)
    assert figs.figure_caption(fig).startswith("Share of each task's leaderboard")


def test_leaderboard_sizes_one_point_per_task(survey):
    table = figs.coverage_table(survey)
    fig = figs.leaderboard_sizes_figure(table)
    drawn = sum(len(values(t["x"])) for t in spec(fig)["data"])  # horizontal boxes: sizes on x
    assert drawn == len(table)


def test_published_comparison_and_its_suppression(survey):
    table = figs.published_table(survey)
    assert {"quantity", "published", "observed", "n", "suppressed"} <= set(table.columns)
    assert not table["suppressed"].any()
    fig = figs.published_figure(table)
    assert "this dataset" in [t.get("name") for t in spec(fig)["data"]]
    small = figs.published_table(survey, min_cell=10_000)
    assert small["suppressed"].all() and small["observed"].isna().all()
    assert "suppressed (small n)" in json.dumps(spec(figs.published_figure(small)))


def test_strategy_share_draws_winners_and_others_with_intervals(survey, profile):
    table = profile[profile["item"].isin(survey.strategy_items) & profile["group"].isin(["winners", "others"])]
    fig = figs.strategy_share_figure(table, labels={i.name: i.label for i in survey.codebook.items})
    traces = {t["name"]: t for t in spec(fig)["data"] if t.get("name")}
    assert set(traces) == {"Winners", "Other teams"}
    winners = table[table["group"] == "winners"]
    assert sorted(values(traces["Winners"]["x"])) == pytest.approx(sorted(winners["share"]))
    assert "error_x" in traces["Winners"]
    ticks = spec(fig)["layout"]["yaxis"]["ticktext"]
    assert ticks[-1] == "Used data augmentation"  # the winners' most common strategy is on top


def test_strategy_share_suppressed_rows_are_labelled_not_drawn(survey, profile):
    table = profile[profile["item"].isin(survey.strategy_items) & profile["group"].isin(["winners", "others"])]
    table = suppress_small_cells(table, count="n", min_cell=100, keep=["item", "level", "group"])
    fig = figs.strategy_share_figure(table)
    assert "not shown: too few respondents" in json.dumps(spec(fig))
    winners = [t for t in spec(fig)["data"] if t.get("name") == "Winners"]
    assert not winners or not values(winners[0]["x"])


def test_forest_of_strategy_tests_handles_infinite_odds_ratios(tests_table):
    table = tests_table.assign(label=tests_table["item"])
    assert np.isinf(table["odds_ratio"]).any()  # augmentation: every winner used it
    fig = figs.forest_figure(table)
    text = json.dumps(spec(fig), ensure_ascii=False)
    assert "inf, separation" in text and "∞" not in text  # a labelled arrow at the edge, not a glyph
    assert spec(fig)["layout"]["xaxis"]["type"] == "log"
    # log axis labelled at 1-2-5 steps with full numbers, no minor-tick labels
    ticktext = spec(fig)["layout"]["xaxis"]["ticktext"]
    assert "1" in ticktext and all(t.replace(",", "").replace(".", "").isdigit() for t in ticktext)
    assert set(spec(fig)["layout"]["yaxis"]["categoryarray"]) == set(table["item"])


def test_forest_table_exponentiates_a_model_table(survey):
    from challengelab.stats import rank_regression

    result = rank_regression(survey, ["metric_in_design", "multi_task"], outcome="rank")
    table = figs.forest_table(result.table, labels={"multi_task": "MTL"})
    assert list(table["term"]) == ["metric_in_design", "multi_task"]
    assert table["odds_ratio"].to_numpy() == pytest.approx(np.exp(result.table["estimate"].to_numpy()))
    assert table["ci_low"].to_numpy() == pytest.approx(np.exp(result.table["ci_low"].to_numpy()))
    assert table.loc[1, "label"] == "MTL"
    fig = figs.forest_figure(table)
    assert fig.layout.xaxis.type == "log"


def test_forest_table_drops_the_intercept():
    raw = pd.DataFrame({"estimate": [0.5, 1.0], "std_error": [0.1, 0.2], "z": [5, 5], "p_value": [0.01, 0.02],
                        "ci_low": [0.3, 0.6], "ci_high": [0.7, 1.4], "odds_ratio": np.exp([0.5, 1.0])},
                       index=pd.Index(["(Intercept)", "x"], name="term"))
    assert list(figs.forest_table(raw)["term"]) == ["x"]


def test_level_shares_and_numeric_summary(survey, profile):
    part = profile[(profile["item"] == "lead_degree") & profile["group"].isin(["winners", "others"])]
    fig = figs.level_share_figure(part, title="Degree", levels=survey.codebook["lead_degree"].levels)
    bars = [t for t in spec(fig)["data"] if t["type"] == "bar"]
    assert len(bars) == 2 and list(bars[0]["x"]) == list(survey.codebook["lead_degree"].levels)
    numeric = profile[profile["item"].isin(["team_size", "hours_spent"]) & profile["group"].isin(["winners",
                                                                                                  "others"])]
    fig = figs.numeric_summary_figure(numeric)
    assert len([t for t in spec(fig)["data"] if t.get("mode") == "markers"]) == 4
    assert "interquartile range" in figs.figure_caption(fig)


def test_organizer_table_counts_and_suppresses(survey):
    table = figs.organizer_table(survey, "winner_exceeds_sota", "task_category", min_cell=5)
    overall = table[table["group"] == "all tasks"]
    assert overall["count"].sum() == survey.organizers["winner_exceeds_sota"].notna().sum()
    assert overall["share"].sum() == pytest.approx(1.0)
    assert table.iloc[0]["group"] == "all tasks"
    small = table[table["suppressed"]]
    assert len(small) and small["count"].isna().all() and small["share"].isna().all()
    fig = figs.organizer_figure(table, title="SOTA?")
    assert "suppressed: too few answers" in json.dumps(spec(fig))


def test_task_leaderboard_and_heatmap(survey):
    task = survey.responses.groupby("task_id").size().idxmax()
    table = figs.task_leaderboard_table(survey, task)
    assert list(table["rank"]) == sorted(table["rank"])
    fig = figs.task_strategy_figure(table, task=task)
    heatmap = spec(fig)["data"][0]
    assert heatmap["type"] == "heatmap" and len(heatmap["y"]) == len(table)
    assert len(heatmap["x"]) == len(survey.strategy_items)


@pytest.mark.parametrize("builder", [
    lambda: figs.coverage_figure(pd.DataFrame(columns=["task_id", "n_teams", "response_rate", "winner_responded",
                                                       "task_category"])),
    lambda: figs.leaderboard_sizes_figure(pd.DataFrame(columns=["task_id", "n_teams", "task_category"])),
    lambda: figs.published_figure(pd.DataFrame(columns=["quantity", "unit"])),
    lambda: figs.strategy_share_figure(pd.DataFrame(columns=["item", "group", "share"])),
    lambda: figs.forest_figure(pd.DataFrame(columns=["label", "odds_ratio", "ci_low", "ci_high"])),
    lambda: figs.level_share_figure(pd.DataFrame(columns=["level", "group"]), title="x"),
    lambda: figs.numeric_summary_figure(pd.DataFrame(columns=["item", "group"])),
    lambda: figs.organizer_figure(pd.DataFrame(columns=["group", "level"]), title="x"),
    lambda: figs.task_strategy_figure(pd.DataFrame(columns=["rank", "team_id", "winner"])),
])
def test_empty_tables_give_a_figure_that_says_so(builder):
    fig = builder()
    assert isinstance(fig, go.Figure)
    assert fig.layout.annotations and figs.figure_caption(fig)


def test_every_builder_uses_the_shared_style(survey, profile, tests_table):
    """Every survey figure builder applies the shared template, font and a title (none is left to defaults)."""
    coverage = figs.coverage_table(survey)
    pair = profile[profile["group"].isin(["winners", "others"])]
    task = survey.responses.groupby("task_id").size().idxmax()
    built = {
        "coverage": figs.coverage_figure(coverage),
        "leaderboard_sizes": figs.leaderboard_sizes_figure(coverage),
        "published": figs.published_figure(figs.published_table(survey, min_cell=5)),
        "strategy_share": figs.strategy_share_figure(pair[pair["item"].isin(survey.strategy_items)]),
        "forest": figs.forest_figure(tests_table.assign(label=tests_table["item"]), title="Forest"),
        "level_share": figs.level_share_figure(pair[pair["item"] == "lead_degree"], title="Degree"),
        "numeric_summary": figs.numeric_summary_figure(pair[pair["item"].isin(["team_size"])]),
        "organizer": figs.organizer_figure(figs.organizer_table(survey, "winner_exceeds_sota", "task_category",
                                                                min_cell=5), title="SOTA?"),
        "task_strategy": figs.task_strategy_figure(figs.task_leaderboard_table(survey, task), task=task),
    }
    for name, fig in built.items():
        assert fig.layout.template.layout.paper_bgcolor == "white", name
        assert fig.layout.font.family == figs.FONT, name
        assert fig.layout.title.text, name
    assert built["coverage"].layout.title.text == "Response coverage per task"


def test_group_labels():
    assert figs.group_label("winners") == "Winners"
    assert figs.group_label("others") == "Other teams"
    assert figs.group_color("winners") == figs.WINNER_COLOR
