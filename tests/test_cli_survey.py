"""The survey commands of the CLI: validate, info, template, simulate; the template round trip."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook
from typer.testing import CliRunner

import challengelab
from challengelab.cli import app
from challengelab.survey.schema import TASK_CATEGORIES

runner = CliRunner()


def test_validate_valid_file_exits_0_with_a_summary(small_workbook):
    result = runner.invoke(app, ["validate", str(small_workbook)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "6 tasks" in result.output
    assert "SYNTHETIC" in result.output


def test_validate_bad_file_exits_1_with_every_located_problem_and_no_traceback(small_workbook):
    wb = load_workbook(small_workbook)
    header = [c.value for c in wb["responses"][1]]
    wb["responses"].cell(row=3, column=header.index("augmentation") + 1).value = "perhaps"
    wb["responses"].cell(row=7, column=header.index("lead_degree") + 1).value = "wizard"
    wb.save(small_workbook)
    result = runner.invoke(app, ["validate", str(small_workbook)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert "survey.xlsx, sheet responses, row 3, column augmentation: expected a yes/no answer" in result.output
    assert "row 7, column lead_degree: not an allowed answer" in result.output
    assert "rows: " in result.output and "2 rejected" in result.output


def test_validate_missing_path_exits_1(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "missing.xlsx")])
    assert result.exit_code == 1 and "no such file" in result.output


def test_info_describes_the_bundled_data():
    result = runner.invoke(app, ["info"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in result.output and "80" in result.output and "augmentation" in result.output


def test_template_round_trip(tmp_path):
    """template -> fill -> load gives back what was filled in."""
    path = tmp_path / "template.xlsx"
    assert runner.invoke(app, ["template", str(path)]).exit_code == 0
    wb = load_workbook(path)
    assert set(wb.sheetnames) >= {"challenges", "tasks", "responses", "organizers", "columns", "about"}
    explained = pd.DataFrame(wb["columns"].values)
    assert {"augmentation", "task_category", "rank"} <= set(explained[1])
    formulas = [dv.formula1 for dv in wb["tasks"].data_validations.dataValidation]
    assert any(all(c in formula for c in TASK_CATEGORIES) for formula in formulas)

    def fill(sheet, rows):
        header = [c.value for c in wb[sheet][1]]
        for row in rows:
            wb[sheet].append([row.get(h) for h in header])

    fill("challenges", [{"challenge_id": "A", "name": "Alpha", "conference": "MICCAI", "year": 2024}])
    fill("tasks", [{"task_id": "A1", "challenge_id": "A", "task_category": "segmentation", "modality": "CT",
                    "n_teams": 3}])
    fill("responses", [{"task_id": "A1", "team_id": "t1", "rank": 1, "augmentation": "yes", "team_size": 4,
                        "lead_degree": "doctorate", "motivation": "publication; prize money"},
                       {"task_id": "A1", "team_id": "t2", "rank": 3, "augmentation": "no"}])
    fill("organizers", [{"task_id": "A1", "winner_exceeds_sota": "unsure", "problem_solved": "partially"}])
    wb.save(path)
    survey = challengelab.load_survey(path)
    r = survey.responses.set_index("team_id")
    assert r.loc["t1", "winner"] and not r.loc["t2", "winner"]
    assert r.loc["t1", "team_size"] == 4 and r.loc["t1", "lead_degree"] == "doctorate"
    assert r.loc["t1", "motivation"] == "prize money; publication"
    assert survey.organizers["problem_solved"].iat[0] == "partially"
    assert not survey.is_synthetic


def test_template_refuses_to_overwrite(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"keep me")
    result = runner.invoke(app, ["template", str(path)])
    assert result.exit_code == 1 and "--force" in result.output
    assert path.read_bytes() == b"keep me"
    assert runner.invoke(app, ["template", str(tmp_path / "t.csv")]).exit_code == 2


def test_simulate_writes_a_valid_folder_and_workbook(tmp_path):
    folder = tmp_path / "sim"
    result = runner.invoke(app, ["simulate", "--seed", "4", "--out", str(folder), "--n-tasks", "10",
                                 "--n-challenges", "4"])
    assert result.exit_code == 0, result.output
    assert challengelab.load_survey(folder).summary()["tasks"] == 10
    workbook = tmp_path / "sim.xlsx"
    assert runner.invoke(app, ["simulate", "--seed", "4", "--out", str(workbook)]).exit_code == 0
    assert challengelab.load_survey(workbook).is_synthetic
    again = runner.invoke(app, ["simulate", "--seed", "4", "--out", str(workbook)])
    assert again.exit_code == 1 and "exists" in again.output
    bad = runner.invoke(app, ["simulate", "--out", str(tmp_path / "x"), "--n-tasks", "3", "--n-challenges", "5"])
    assert bad.exit_code == 2 and "n_challenges" in bad.output


def test_text_that_looks_like_a_formula_round_trips_as_text(tmp_path, small_tables):
    from challengelab.survey.write import write_survey_workbook

    hostile = '=HYPERLINK("http://example.invalid","x")'
    tables = {**small_tables, "challenges": small_tables["challenges"].assign(name=hostile)}
    path = write_survey_workbook(tmp_path / "f.xlsx", tables)
    survey = challengelab.load_survey(path)
    assert (survey.challenges["name"] == hostile).all()
