"""Disclosure control against differencing: no subtraction of two shown tables recovers an individual's answers.

The attack of issue #15: the winners' strategy shares of the whole survey (38 winners) minus the shares of the
survey filtered to every task category except detection (37 winners) give the single detection winner's answers
to all 16 items. The faces describe a view only when the rule allows it; these tests play the attacker against
the real building blocks (Survey.filter, stats.winner_profile, the disclosure rule).
"""

from __future__ import annotations

import pandas as pd
import pytest

import challengelab
from challengelab.stats import winner_profile
from challengelab.tables.disclosure import (
    disclosure_blocks,
    suppress_breakdown,
    survey_view_allowed,
    view_allowed,
    view_allowed_by_blocks,
)

MIN_CELL = 5


@pytest.fixture(scope="module")
def survey():
    return challengelab.example_survey()


def _blocks(survey, min_cell):
    responses = survey.responses
    members = survey.tasks[["task_id", "task_category"]].copy()
    winners = responses.groupby("task_id", observed=True)["winner"].sum()
    others = responses.groupby("task_id", observed=True)["winner"].agg(lambda w: (~w).sum())
    members["winners"] = members["task_id"].map(winners).fillna(0).astype(int)
    members["others"] = members["task_id"].map(others).fillna(0).astype(int)
    return disclosure_blocks(members, by="task_category", min_cell=min_cell)


def shown_winner_counts(view, whole, min_cell, *, blocks=None) -> pd.Series | None:
    """What a face may show of a view: winners answering yes per item (None: the view is not described)."""
    n_view, n_total = int(view.responses["winner"].sum()), int(whole.responses["winner"].sum())
    if view is not whole:
        if not view_allowed(n_view, n_total, min_cell):
            return None
        if blocks is not None and not view_allowed_by_blocks(view.tasks["task_id"], blocks):
            return None
    table = winner_profile(view, items=whole.strategy_items)
    table = table[table["level"].isna() | (table["level"] == "yes")] if "level" in table else table
    total = table.loc[table["group"] == "all"].set_index("item")["n"]
    table = table.assign(total=table["item"].map(total))
    shown = suppress_breakdown(table, count="n", total="total", min_cell=min_cell, counts=["count"],
                               derived=["share", "ci_low", "ci_high"], keep=["item", "level", "group"])
    winners = shown[shown["group"] == "winners"].set_index("item")
    return winners["count"]


def recovered(first: pd.Series | None, second: pd.Series | None, expected: pd.Series) -> list[str]:
    """Items whose answer the attacker gets exactly by subtracting the two shown tables."""
    if first is None or second is None:
        return []
    difference = (first.astype("Float64") - second.astype("Float64")).dropna()
    return [item for item, value in difference.items()
            if pd.notna(expected.get(item)) and value == float(expected[item])]


def _detection_winner(survey) -> pd.Series:
    winner = survey.responses[survey.responses["winner"] & (survey.responses["task_category"] == "detection")]
    assert len(winner) == 1
    return winner.iloc[0][survey.strategy_items].astype("Float64")


def test_the_attack_works_without_the_rule(survey):
    """Control: with suppression off the attack recovers every answer, so the tests below can fail."""
    others = [c for c in survey.tasks["task_category"].cat.categories if c != "detection"]
    view = survey.filter(task_category=others)
    answers = _detection_winner(survey)
    got = recovered(shown_winner_counts(survey, survey, 1), shown_winner_counts(view, survey, 1), answers)
    assert len(got) == answers.notna().sum() >= 15  # every answer given (one item unanswered)


def test_the_issue_attack_recovers_nothing(survey):
    others = [c for c in survey.tasks["task_category"].cat.categories if c != "detection"]
    view = survey.filter(task_category=others)
    assert int(view.responses["winner"].sum()) == 37
    answers = _detection_winner(survey)
    full = shown_winner_counts(survey, survey, MIN_CELL)
    assert full is not None and full.notna().any()  # the whole survey is still described
    assert shown_winner_counts(view, survey, MIN_CELL) is None
    assert recovered(full, shown_winner_counts(view, survey, MIN_CELL), answers) == []


def test_two_filtered_views_differing_by_one_winner_recover_nothing(survey):
    """{segmentation, classification, detection} minus {segmentation, classification}: both hold enough winners,
    and enough are left out of each, so the count rule alone allows both; the blocks refuse them."""
    a = survey.filter(task_category=["segmentation", "classification", "detection"])
    b = survey.filter(task_category=["segmentation", "classification"])
    answers = _detection_winner(survey)
    assert recovered(shown_winner_counts(a, survey, MIN_CELL), shown_winner_counts(b, survey, MIN_CELL), answers)
    blocks = _blocks(survey, MIN_CELL)
    assert recovered(shown_winner_counts(a, survey, MIN_CELL, blocks=blocks),
                     shown_winner_counts(b, survey, MIN_CELL, blocks=blocks), answers) == []
    assert shown_winner_counts(b, survey, MIN_CELL, blocks=blocks) is not None  # whole blocks stay usable


@pytest.mark.slow
def test_every_pair_of_category_views_is_safe_with_blocks(survey):
    """Exhaustively: any two shown category selections differ by at least MIN_CELL winners (or none)."""
    from itertools import combinations

    categories = list(survey.tasks["task_category"].cat.categories)
    blocks = _blocks(survey, MIN_CELL)
    shown = {}
    for size in range(1, len(categories) + 1):
        for chosen in combinations(categories, size):
            view = survey.filter(task_category=list(chosen))
            if view_allowed_by_blocks(view.tasks["task_id"], blocks) and view_allowed(
                    int(view.responses["winner"].sum()), 38, MIN_CELL):
                shown[chosen] = set(view.responses.loc[view.responses["winner"], "team_id"] + "|"
                                    + view.responses.loc[view.responses["winner"], "task_id"])
    assert len(shown) >= 3
    for a, b in combinations(list(shown.values()) + [None], 2):
        whole = set(survey.responses.loc[survey.responses["winner"], "team_id"] + "|"
                    + survey.responses.loc[survey.responses["winner"], "task_id"])
        a, b = a or whole, b or whole
        assert len(a ^ b) == 0 or len(a - b) + len(b - a) >= MIN_CELL


def test_small_counts_inside_large_groups_are_blanked():
    table = pd.DataFrame({"item": ["x", "y", "z"], "group": "winners", "n": [30, 30, 30], "count": [3, 15, 28],
                          "share": [0.1, 0.5, 28 / 30], "total": 60})
    out = suppress_breakdown(table, count="n", total="total", counts=["count"], derived=["share"],
                             keep=["item", "group"])
    assert out["count"].isna().tolist() == [True, False, True]  # 3 yes; 2 no
    assert out["share"].isna().tolist() == [True, False, True]
    assert not out["suppressed"].any() and out.loc[0, "note"] == "counts below 5 not shown"


def test_a_breakdown_with_a_small_complement_is_suppressed():
    table = pd.DataFrame({"group": ["winners", "others", "all"], "n": [36, 2, 38], "count": [10, 1, 11]})
    out = suppress_breakdown(table, count="n", total=38, counts=["count"], keep=["group"])
    assert out["suppressed"].tolist() == [True, True, False]
    assert out.loc[2, "n"] == 38


def test_min_cell_one_shows_everything():
    table = pd.DataFrame({"n": [1, 2], "count": [1, 1]})
    out = suppress_breakdown(table, count="n", total=3, min_cell=1, counts=["count"])
    assert not out["suppressed"].any() and out["count"].tolist() == [1, 1]
    assert view_allowed(1, 2, 1)


def test_the_one_call_for_faces_refuses_both_attacks(survey):
    others = [c for c in survey.tasks["task_category"].cat.categories if c != "detection"]
    assert not survey_view_allowed(survey.filter(task_category=others), survey, min_cell=MIN_CELL)
    assert not survey_view_allowed(survey.filter(task_category=["segmentation", "classification", "detection"]),
                                   survey, min_cell=MIN_CELL)
    assert survey_view_allowed(survey.filter(task_category=["segmentation", "classification"]), survey,
                               min_cell=MIN_CELL)
    assert survey_view_allowed(survey.filter(), survey, min_cell=MIN_CELL)  # no filter
    assert survey_view_allowed(survey.filter(task_category=others), survey, min_cell=1)
