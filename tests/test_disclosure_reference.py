"""Small-cell suppression and the published-figure comparison."""

from __future__ import annotations

import pandas as pd
import pytest

import challengelab
from challengelab.tables.disclosure import suppress_small_cells
from challengelab.tables.published import compare_with_published, published_figures


def test_rows_below_min_cell_are_blanked_and_marked():
    table = pd.DataFrame({"item": ["a", "b", "c"], "n": [5, 4, 0], "share": [0.2, 0.5, None],
                          "winner": [True, False, True]})
    out = suppress_small_cells(table, min_cell=5, keep=["item"])
    assert out["suppressed"].tolist() == [False, True, True]
    assert out.loc[0, "share"] == 0.2 and out.loc[0, "n"] == 5
    assert out.loc[1, ["n", "share", "winner"]].isna().all()
    assert out["item"].tolist() == ["a", "b", "c"]
    assert out.loc[1, "note"] == "suppressed: fewer than 5 respondents"
    assert pd.isna(out.loc[0, "note"])


def test_min_cell_zero_switches_suppression_off():
    table = pd.DataFrame({"n": [1, 2]})
    assert not suppress_small_cells(table, min_cell=0)["suppressed"].any()
    with pytest.raises(ValueError, match="no count column 'count'"):
        suppress_small_cells(table, count="count")


def test_comparison_covers_published_quantities_and_recomputes_them():
    survey = challengelab.example_survey()
    table = compare_with_published(survey)
    assert len(table) >= 20
    assert set(table["quantity"]) <= set(published_figures()["quantity"])
    row = table.set_index("quantity").loc["used multi-task learning"]
    winners = survey.responses[survey.responses["winner"]]
    assert row["observed"] == pytest.approx(100 * winners["multi_task"].astype(float).mean())
    assert row["n"] == winners["multi_task"].notna().sum()
    organizers = table.set_index("quantity").loc["exceeded the state of the art"]
    assert organizers["observed"] == pytest.approx(100 * (survey.organizers["winner_exceeds_sota"] == "yes").mean())
