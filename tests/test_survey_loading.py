"""Loading and validating survey files: every bad-input class is reported with its exact location."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

import challengelab
from challengelab import SurveyValidationError, load_survey


def _errors(path, **kwargs) -> SurveyValidationError:
    with pytest.raises(SurveyValidationError) as caught:
        load_survey(path, **kwargs)
    return caught.value


def _find(error: SurveyValidationError, text: str):
    matches = [i for i in error.issues if text in i.reason]
    assert matches, f"no issue mentioning {text!r} in:\n{error}"
    return matches


def _set_cell(workbook_path, sheet: str, row: int, column: str, value) -> None:
    wb = load_workbook(workbook_path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row=row, column=header.index(column) + 1).value = value  # cell(value=None) would be a no-op
    wb.save(workbook_path)


# --- valid files in every format --------------------------------------------------------------------------------


def test_workbook_csv_folder_and_parquet_load_identically(small_workbook, small_folder, tmp_path, small_tables):
    from_xlsx = load_survey(small_workbook)
    from_csv = load_survey(small_folder)
    parquet = tmp_path / "pq"
    parquet.mkdir()
    for name, frame in small_tables.items():
        frame.astype(object).astype(str).where(frame.notna(), None).to_parquet(parquet / f"{name}.parquet")
    from_parquet = load_survey(parquet)
    for name in ("challenges", "tasks", "responses", "organizers"):
        pd.testing.assert_frame_equal(getattr(from_xlsx, name), getattr(from_csv, name))
        pd.testing.assert_frame_equal(getattr(from_xlsx, name), getattr(from_parquet, name))
    assert from_xlsx.is_synthetic and from_csv.is_synthetic


def test_zip_of_csvs_loads(small_folder, tmp_path):
    archive = tmp_path / "survey.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in small_folder.glob("*.csv"):
            z.write(file, f"export/{file.name}")
    assert len(load_survey(archive).tasks) == 6


def test_dtypes_follow_the_codebook(small_workbook):
    r = load_survey(small_workbook).responses
    assert r["augmentation"].dtype == "boolean"
    assert r["winner"].dtype == bool
    assert (r["winner"] == (r["rank"] == 1)).all()
    assert isinstance(r["lead_degree"].dtype, pd.CategoricalDtype) and r["lead_degree"].cat.ordered
    assert list(r["lead_degree"].cat.categories) == ["bachelor", "master", "doctorate", "professor"]
    assert not r["lead_background"].cat.ordered
    assert r["team_size"].dtype == "Int64" and r["hours_spent"].dtype == "Float64"
    assert r["motivation__prize_money"].dtype == "boolean"
    # joined task and challenge columns
    assert {"challenge_id", "task_category", "modality", "n_teams", "conference", "year"} <= set(r.columns)


def test_missing_answers_are_na_not_false(small_workbook):
    _set_cell(small_workbook, "responses", 2, "augmentation", None)
    _set_cell(small_workbook, "responses", 2, "team_size", None)
    r = load_survey(small_workbook).responses
    assert r["augmentation"].isna().iat[0] and r["team_size"].isna().iat[0]


def test_answers_are_normalised(small_workbook):
    _set_cell(small_workbook, "responses", 2, "augmentation", "  YES ")
    _set_cell(small_workbook, "responses", 3, "augmentation", 0)
    _set_cell(small_workbook, "responses", 2, "lead_degree", "Doctorate")
    _set_cell(small_workbook, "responses", 2, "motivation", "Prize money;publication")
    r = load_survey(small_workbook).responses
    assert r["augmentation"].iat[0] == True and r["augmentation"].iat[1] == False  # noqa: E712 (pd.NA-safe)
    assert r["lead_degree"].iat[0] == "doctorate"
    assert r["motivation"].iat[0] == "prize money; publication"
    assert r["motivation__prize_money"].iat[0] and not r["motivation__knowledge_exchange"].iat[0]


# --- bad values: file, sheet, row, column, reason --------------------------------------------------------------


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("augmentation", "maybe", "expected a yes/no answer"),
    ("lead_degree", "PhD", "not an allowed answer; allowed: bachelor, master, doctorate, professor"),
    ("motivation", "fame; publication", "not an allowed answer"),
    ("team_size", 0, "greater than or equal to 1"),
    ("team_size", 2.5, "expected a whole number"),
    ("hours_spent", "lots", "expected a (finite) number"),
    ("lead_years_dl", -1, "greater than or equal to 0"),
    ("rank", 0, "greater than or equal to 1"),
    ("team_id", None, "team_id is required but empty"),
])
def test_bad_value_is_located_in_the_workbook(small_workbook, column, value, reason):
    _set_cell(small_workbook, "responses", 5, column, value)
    error = _errors(small_workbook)
    (issue,) = _find(error, reason)
    assert (issue.file, issue.sheet, issue.row, issue.column) == ("survey.xlsx", "responses", 5, column)
    assert "survey.xlsx, sheet responses, row 5, column " + column in str(error)
    counts = error.row_counts["responses"]
    assert counts["rows_in"] == counts["rows_accepted"] + counts["rows_rejected"]
    assert counts["rows_rejected"] == 1


def test_all_problems_are_collected_in_one_pass(small_workbook):
    _set_cell(small_workbook, "responses", 3, "augmentation", "maybe")
    _set_cell(small_workbook, "responses", 4, "team_size", -3)
    _set_cell(small_workbook, "tasks", 2, "task_category", "painting")
    _set_cell(small_workbook, "challenges", 2, "year", "twenty")
    error = _errors(small_workbook)
    located = {(i.sheet, i.row, i.column) for i in error.errors}
    assert {("responses", 3, "augmentation"), ("responses", 4, "team_size"), ("tasks", 2, "task_category"),
            ("challenges", 2, "year")} <= located


def test_csv_line_numbers_survive_blank_lines(small_folder):
    path = small_folder / "responses.csv"
    lines = path.read_text().splitlines()
    header, first, second, *rest = lines
    second = second.replace(",yes,", ",sometimes,", 1)
    path.write_text("\n".join([header, first, "", ",,,", second, *rest]) + "\n")
    error = _errors(small_folder)
    (issue,) = _find(error, "expected a yes/no answer")
    assert (issue.file, issue.row) == ("survey/responses.csv", 5)


def test_missing_required_column_is_named(small_folder):
    frame = pd.read_csv(small_folder / "responses.csv").drop(columns=["rank"])
    frame.to_csv(small_folder / "responses.csv", index=False)
    (issue,) = _find(_errors(small_folder), "required column 'rank' is missing")
    assert issue.column == "rank" and issue.file == "survey/responses.csv"


def test_unknown_column_is_a_warning_not_silently_dropped(small_folder):
    frame = pd.read_csv(small_folder / "responses.csv")
    frame["favourite_colour"] = "blue"
    frame.to_csv(small_folder / "responses.csv", index=False)
    survey = load_survey(small_folder)
    (warning,) = [w for w in survey.warnings if w.column == "favourite_colour"]
    assert warning.severity == "warning" and "unknown column" in warning.reason
    assert "favourite_colour" not in survey.responses.columns


def test_alias_headers_map_to_items(small_folder):
    frame = pd.read_csv(small_folder / "responses.csv").rename(
        columns={"augmentation": "Did you use data augmentation?", "k_fold_cv": "kfold"})
    frame.to_csv(small_folder / "responses.csv", index=False)
    survey = load_survey(small_folder)
    assert survey.responses["augmentation"].notna().any() and survey.responses["k_fold_cv"].notna().any()
    assert not [w for w in survey.warnings if "unknown column" in w.reason]


def test_missing_sheet_is_reported(small_workbook):
    wb = load_workbook(small_workbook)
    del wb["organizers"]
    wb.save(small_workbook)
    (issue,) = _find(_errors(small_workbook), "sheet 'organizers' is missing")
    assert issue.sheet == "organizers"


# --- cross-table checks ------------------------------------------------------------------------------------------


def test_duplicate_team_in_a_task(small_folder):
    frame = pd.read_csv(small_folder / "responses.csv", dtype=str)
    frame.loc[2, ["task_id", "team_id"]] = frame.loc[1, ["task_id", "team_id"]].to_numpy()
    frame.to_csv(small_folder / "responses.csv", index=False)
    (issue,) = _find(_errors(small_folder), "appears again (first at row 3)")
    assert (issue.row, issue.column) == (4, "team_id")


def test_duplicate_task_and_challenge_ids(small_workbook):
    wb = load_workbook(small_workbook)
    first_task = wb["tasks"].cell(row=2, column=1).value
    wb["tasks"].cell(row=3, column=1, value=first_task)
    first_challenge = wb["challenges"].cell(row=2, column=1).value
    wb["challenges"].cell(row=3, column=1, value=first_challenge)
    wb.save(small_workbook)
    error = _errors(small_workbook)
    (task_dup,) = [i for i in _find(error, "appears again") if i.sheet == "tasks"]
    (challenge_dup,) = [i for i in _find(error, "appears again") if i.sheet == "challenges"]
    assert task_dup.row == 3 and challenge_dup.row == 3


def test_response_for_unknown_task(small_workbook):
    _set_cell(small_workbook, "responses", 6, "task_id", "NO-SUCH-TASK")
    (issue,) = _find(_errors(small_workbook), "'NO-SUCH-TASK' is not in the tasks table")
    assert (issue.sheet, issue.row, issue.column) == ("responses", 6, "task_id")


def test_organizer_row_for_unknown_task(small_workbook):
    _set_cell(small_workbook, "organizers", 2, "task_id", "GHOST")
    (issue,) = _find(_errors(small_workbook), "'GHOST' is not in the tasks table")
    assert (issue.sheet, issue.row) == ("organizers", 2)


def test_task_in_unknown_challenge(small_workbook):
    _set_cell(small_workbook, "tasks", 4, "challenge_id", "C99")
    (issue,) = _find(_errors(small_workbook), "'C99' is not in the challenges table")
    assert (issue.sheet, issue.row, issue.column) == ("tasks", 4, "challenge_id")


def test_rank_above_leaderboard_size(small_workbook, small_tables):
    n_teams = int(small_tables["tasks"].set_index("task_id").loc[small_tables["responses"]["task_id"].iat[0],
                                                                 "n_teams"])
    _set_cell(small_workbook, "responses", 2, "rank", n_teams + 1)
    (issue,) = _find(_errors(small_workbook), f"exceeds the task's n_teams ({n_teams})")
    assert (issue.row, issue.column) == (2, "rank")


def test_task_without_responding_winner_is_a_warning(small_workbook, small_tables):
    winners = small_tables["responses"].index[small_tables["responses"]["rank"] == 1]
    excel_row = int(winners[0]) + 2
    _set_cell(small_workbook, "responses", excel_row, "rank", 2)
    survey = load_survey(small_workbook)
    assert any("no rank-1 response" in w.reason for w in survey.warnings)


def test_tied_ranks_are_allowed(small_workbook):
    _set_cell(small_workbook, "responses", 3, "rank", 2)
    _set_cell(small_workbook, "responses", 4, "rank", 2)
    survey = load_survey(small_workbook)
    assert (survey.responses["rank"] == 2).sum() >= 2


# --- unreadable input ---------------------------------------------------------------------------------------------


def test_unreadable_inputs_raise_validation_errors(tmp_path):
    missing = _errors(tmp_path / "nope.xlsx")
    assert "no such file" in missing.issues[0].reason
    text = tmp_path / "survey.txt"
    text.write_text("hello")
    assert "cannot read a .txt file" in _errors(text).issues[0].reason
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    assert "not a readable Excel workbook" in _errors(fake).issues[0].reason
    empty = tmp_path / "empty"
    empty.mkdir()
    assert len(_errors(empty).issues) == 4  # the four tables are each missing


def test_issues_frame_lists_every_issue(small_workbook):
    _set_cell(small_workbook, "responses", 3, "augmentation", "maybe")
    error = _errors(small_workbook)
    frame = error.to_frame()
    assert list(frame.columns) == ["severity", "file", "sheet", "row", "column", "value", "reason"]
    assert len(frame) == len(error.issues)


def test_example_survey_is_the_bundled_synthetic_round():
    survey = challengelab.example_survey()
    assert survey.is_synthetic
    assert len(survey.challenges) == 35 and len(survey.tasks) == 80
    assert "synthetic" in repr(survey).lower()


def test_filter_restricts_every_table():
    survey = challengelab.example_survey()
    isbi = survey.filter(conference="ISBI")
    assert set(isbi.responses["conference"]) == {"ISBI"}
    assert set(isbi.tasks["task_id"]) == set(isbi.responses["task_id"]) | set(isbi.tasks["task_id"])
    assert set(isbi.organizers["task_id"]) <= set(isbi.tasks["task_id"])
    assert len(survey.filter(conference=[])) if False else len(survey.filter(conference=[]).tasks) == 80
    with pytest.raises(ValueError, match="cannot filter by colour"):
        survey.filter(colour="red")


def test_coverage_counts_responses_per_task_including_silent_tasks(small_workbook):
    wb = load_workbook(small_workbook)
    ws = wb["responses"]
    header = [c.value for c in ws[1]]
    first_task = ws.cell(row=2, column=header.index("task_id") + 1).value
    for row in range(ws.max_row, 1, -1):  # remove every response of the first task
        if ws.cell(row=row, column=header.index("task_id") + 1).value == first_task:
            ws.delete_rows(row)
    wb.save(small_workbook)
    survey = load_survey(small_workbook)
    coverage = survey.coverage().set_index("task_id")
    assert coverage.loc[first_task, "responses"] == 0 and coverage.loc[first_task, "response_rate"] == 0
    assert not coverage.loc[first_task, "winner_responded"]
    counts = survey.responses.groupby("task_id").size()
    for task_id, n in counts.items():
        assert coverage.loc[task_id, "responses"] == n
        assert coverage.loc[task_id, "response_rate"] == pytest.approx(n / coverage.loc[task_id, "n_teams"])
    assert survey.summary()["median_response_rate"] == pytest.approx(coverage["response_rate"].median())
