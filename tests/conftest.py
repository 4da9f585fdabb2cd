"""Shared fixtures: small simulated surveys written to disk in each supported format."""

from __future__ import annotations

import pytest

from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata

SMALL = SimulationSettings(n_challenges=3, n_tasks=6, n_winning_respondents=4)


@pytest.fixture
def small_tables():
    """Raw tables of a small synthetic survey (fresh copies for each test)."""
    return simulate_tables(seed=7, settings=SMALL)


@pytest.fixture
def small_folder(tmp_path, small_tables):
    from challengelab.survey.write import write_survey_folder

    return write_survey_folder(tmp_path / "survey", small_tables, metadata=simulation_metadata(7, SMALL))


@pytest.fixture
def small_workbook(tmp_path, small_tables):
    from challengelab.survey.write import write_survey_workbook

    return write_survey_workbook(tmp_path / "survey.xlsx", small_tables, metadata=simulation_metadata(7, SMALL))
