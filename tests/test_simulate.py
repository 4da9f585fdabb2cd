"""The simulator: reproducible, calibrated to the published 2021 figures, always labelled synthetic."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

import challengelab
from challengelab._paths import EXAMPLE_SURVEY_FILE, example_dir
from challengelab.tables.published import published_figures
from challengelab.synthetic.survey import SimulationSettings, simulate_survey, simulate_tables, simulation_metadata
from challengelab.survey.write import write_survey_workbook

PUBLISHED_WINNER_ITEMS = {"used data augmentation": "augmentation", "used image preprocessing": "preprocessing",
                          "used data curation": "data_curation", "used postprocessing": "postprocessing",
                          "used multi-task learning": "multi_task", "used multi-stage pipeline": "multi_stage"}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes(tmp_path):
    a = write_survey_workbook(tmp_path / "a.xlsx", simulate_tables(5), metadata=simulation_metadata(5))
    b = write_survey_workbook(tmp_path / "b.xlsx", simulate_tables(5), metadata=simulation_metadata(5))
    c = write_survey_workbook(tmp_path / "c.xlsx", simulate_tables(6), metadata=simulation_metadata(6))
    assert _sha(a) == _sha(b)
    assert _sha(a) != _sha(c)


def test_bundled_workbook_is_exactly_what_the_simulator_makes(tmp_path):
    """The bundled file is regenerated bit for bit by `challengelab simulate --seed 2021`."""
    fresh = write_survey_workbook(tmp_path / "x.xlsx", simulate_tables(2021), metadata=simulation_metadata(2021))
    assert _sha(fresh) == _sha(example_dir() / EXAMPLE_SURVEY_FILE)


@pytest.mark.parametrize("seed", [2021, 1, 99])
def test_winner_shares_within_two_points_of_the_published_figures(seed):
    survey = simulate_survey(seed)
    published = published_figures().query("population == 'winning teams'").set_index("quantity")["value"]
    winners = survey.responses[survey.responses["winner"]]
    assert len(winners) == 38
    for quantity, item in PUBLISHED_WINNER_ITEMS.items():
        share = 100 * winners[item].astype(float).mean()
        assert abs(share - float(published[quantity])) <= 2.0, (item, share)


def test_design_matches_the_2021_study():
    survey = challengelab.example_survey()
    summary = survey.summary()
    assert (summary["challenges"], summary["tasks"]) == (35, 80)
    assert abs(summary["responses"] / summary["leaderboard_teams"] - 0.72) < 0.03
    assert survey.tasks["n_teams"].min() >= 3 and survey.tasks["n_teams"].max() > 20
    organizers = survey.organizers
    assert abs((organizers["winner_exceeds_sota"] == "yes").mean() - 0.43) < 0.01
    assert abs((organizers["problem_solved"] == "yes").mean() - 0.11) < 0.01
    winners = survey.responses[survey.responses["winner"]]
    assert winners["lead_background"].mode().iat[0] == "computer science"
    assert winners["lead_degree"].mode().iat[0] == "doctorate"
    assert winners["lead_years_biomedical"].median() == 5
    assert winners["lead_years_dl"].median() == 4


def test_non_winners_follow_participation_figures():
    responses = challengelab.example_survey().responses
    assert abs(responses["deep_learning"].astype(float).mean() - 0.94) < 0.04
    assert abs(responses["ensembling"].astype(float).mean() - 0.50) < 0.08
    assert abs(responses["hours_spent"].astype(float).median() - 80) < 15


def test_simulated_data_is_labelled_synthetic():
    survey = simulate_survey(3)
    assert survey.is_synthetic
    assert "SYNTHETIC" in survey.metadata["description"]
    assert all(name.startswith("Synthetic") for name in survey.challenges["name"])


def test_settings_are_validated():
    with pytest.raises(ValueError, match="n_challenges"):
        SimulationSettings(n_challenges=10, n_tasks=5)
    with pytest.raises(ValueError, match="response_rate"):
        SimulationSettings(response_rate=0)


def test_scaled_simulation_keeps_ids_unique():
    tables = simulate_tables(1, SimulationSettings(n_challenges=70, n_tasks=160, n_winning_respondents=76))
    assert tables["tasks"]["task_id"].is_unique
    assert not tables["responses"].duplicated(["task_id", "team_id"]).any()
    assert isinstance(tables["responses"], pd.DataFrame)
