"""The report and the dashboard show the same suppressed tables for the same data and minimum cell size."""

from __future__ import annotations

import pandas as pd
import pytest

import challengelab
from challengelab.dashboard import state
from challengelab.report import write_survey_report
from challengelab.stats.config import AnalysisConfig, OutcomeSpec

ITEMS = ["augmentation", "ensembling", "multi_task", "postprocessing", "preprocessing"]
MIN_CELL = 10


@pytest.fixture(scope="module")
def small_view():
    # a view small enough that some breakdowns fall below the minimum cell size
    survey = challengelab.example_survey()
    view = survey.filter(task_category=["classification", "detection"])
    assert 0 < int(view.responses["winner"].sum()) < 3 * MIN_CELL
    return view


# (outcome, k, minimum cell): winners are the small group for "winner"; for "top 5" the teams *outside* the top
# 5 are the smaller group, and 48 falls between their counts, so the rule must look at both groups.
CASES = [("winner", None, MIN_CELL), ("top_k", 5, 48)]


@pytest.mark.parametrize(("outcome", "k", "min_cell"), CASES)
@pytest.mark.slow
def test_report_and_dashboard_suppress_the_same_rows(tmp_path, small_view, outcome, k, min_cell):
    config = AnalysisConfig(strategy_items=ITEMS, profile_items=ITEMS, outcomes=[OutcomeSpec(outcome=outcome, k=k)],
                            models=[], test="exact_cmh", adjust="holm")
    write_survey_report(small_view, tmp_path / "r", config=config, formats=["csv"], min_cell=min_cell)
    name = "winner" if outcome == "winner" else f"top_{k}"
    report_tests = pd.read_csv(tmp_path / "r" / "tables" / f"tests_{name}.csv")
    dashboard_tests = state.tests("test", tuple(ITEMS), "exact_cmh", "holm", min_cell, small_view, outcome, k)
    assert report_tests["suppressed"].any() or outcome == "winner"
    assert not report_tests["suppressed"].all() or outcome == "winner"

    by_item = dashboard_tests.set_index("item")
    assert report_tests["suppressed"].astype(bool).tolist() == by_item.loc[report_tests["item"],
                                                                            "suppressed"].tolist()
    for column in ("winners_with", "others_with", "odds_ratio", "p_value", "p_adjusted"):
        ours = pd.to_numeric(report_tests[column], errors="coerce").to_numpy()
        theirs = pd.to_numeric(by_item.loc[report_tests["item"], column], errors="coerce").to_numpy(float)
        assert ours == pytest.approx(theirs, nan_ok=True, rel=1e-12), column

    if outcome != "winner":
        return
    report_profile = pd.read_csv(tmp_path / "r" / "tables" / "strategy_profile.csv")
    dashboard_profile = state.profile("test", tuple(ITEMS), min_cell, small_view)
    key = ["item", "group"]
    merged = report_profile.merge(dashboard_profile, on=key, suffixes=("_report", "_dashboard"))
    assert len(merged) == len(report_profile) > 0
    assert (merged["suppressed_report"].astype(bool) == merged["suppressed_dashboard"].astype(bool)).all()
    assert merged["suppressed_dashboard"].any() and not merged["suppressed_dashboard"].all()
