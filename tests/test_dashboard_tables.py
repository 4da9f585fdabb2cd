"""Display helpers of the tables layer used by the dashboard: grouped validation problems, faceted filter counts;
and the launcher's promise to start without pandas."""

from __future__ import annotations

import doctest
import subprocess
import sys

import pandas as pd
import pytest

import challengelab
from challengelab.errors import ValidationIssue
from challengelab.tables import facets, issues
from challengelab.tables.issues import compact_rows, issue_groups, issue_value, whole_numbers


@pytest.mark.parametrize("module", [facets, issues, "ui"])
def test_doctests(module):
    if module == "ui":  # text from the data is escaped before it reaches Streamlit's Markdown
        from challengelab.dashboard import ui as module
    assert doctest.testmod(module).failed == 0


def test_a_typo_in_tasks_is_one_group_with_its_value(small_tables, tmp_path):
    from challengelab.survey.write import write_survey_workbook

    tables = {name: frame.copy() for name, frame in small_tables.items()}
    typo = tables["tasks"].loc[0, "task_id"]
    tables["tasks"].loc[0, "task_id"] = typo + "x"
    path = write_survey_workbook(tmp_path / "broken.xlsx", tables)
    with pytest.raises(challengelab.SurveyValidationError) as caught:
        challengelab.load_survey(path)
    found = [i for i in caught.value.issues if i.severity == "error"]
    groups = issue_groups(caught.value.issues)
    referring = groups[(groups["value"] == typo) & (groups["sheet"] == "responses")]
    assert len(referring) == 1
    n = int((small_tables["responses"]["task_id"] == typo).sum())
    assert int(referring["count"].iloc[0]) == n
    assert len(groups[groups["severity"] == "error"]) < len(found)  # grouping folds the follow-on rows
    assert list(groups["severity"]).index("error") == 0  # errors first


def test_values_and_whole_numbers():
    assert issue_value(ValidationIssue("rank 99 exceeds n_teams (8.0)", column="rank")) == "99"
    assert issue_value(ValidationIssue("bad", value=8.0)) == "8"
    assert issue_value(ValidationIssue("team (task_id, team_id) ('T1', 'T1-a') appears again")) == "T1, T1-a"
    assert issue_value(ValidationIssue("a whole table is missing")) == ""
    assert whole_numbers("8.0 and 8.05 and 10.0.1") == "8 and 8.05 and 10.0.1"
    assert compact_rows([]) == "" and compact_rows([3, 4]) == "3, 4" and compact_rows([1, 2, 3, 9]) == "1–3, 9"


def test_facets_count_tasks_left_by_the_other_filters():
    tasks = pd.DataFrame({"conference": ["A", "A", "B", "B", "B"], "year": [2020, 2021, 2021, 2021, None],
                          "modality": ["MRI", "CT", "CT", "MRI", "CT"]})
    out = facets.facet_counts(tasks, {"conference": (), "year": (2021,), "modality": ("CT",)})
    assert out["conference"] == [("A", 1), ("B", 1)]  # year 2021 and CT
    assert out["year"] == [(2021, 2)]  # CT in any conference; the missing year is left out
    assert out["modality"] == [("CT", 2), ("MRI", 1)]
    kept = facets.facet_counts(tasks, {"conference": ("Z",), "year": (), "modality": ()})
    assert ("Z", 0) in kept["conference"]  # a chosen value stays offered even when nothing has it


def test_the_command_line_starts_without_pandas():
    code = "import sys, challengelab.cli, challengelab.dashboard.server; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
