"""Intake: questionnaires out of the codebook, raw-export readers, mapping, linking, and nothing lost.

The exports in tests/data/intake/ are SYNTHETIC and built by tests/data/make_intake_fixtures.py, which says which
public documentation each imitates. Round-trip tests rebuild their exports from the questionnaire files the CLI
writes, so a change of the questionnaire cannot go unnoticed.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import challengelab
from challengelab.cli import app
from challengelab.intake import (IntakeError, auto_mapping, limesurvey_structure, read_export, redcap_dictionary,
                                 run_intake, write_intake)
from challengelab.intake.fields import codebook_questions
from challengelab.intake.linking import name_score, normalise_name
from challengelab.intake.questionnaire import LIMESURVEY_COLUMNS, REDCAP_COLUMNS, read_dictionary

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = DATA / "intake"
TASKS, BOARDS = FIXTURES / "tasks.csv", FIXTURES / "leaderboards.csv"
runner = CliRunner()

_spec = importlib.util.spec_from_file_location("make_intake_fixtures", DATA / "make_intake_fixtures.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

EXPORTS = {"redcap_export.csv": "redcap", "redcap_export_labels.csv": "redcap", "limesurvey_codes.csv":
           "limesurvey", "limesurvey_full.csv": "limesurvey", "qualtrics.csv": "qualtrics",
           "redcap_spss.sav": "spss", "generic.csv": "generic", "generic.xlsx": "generic"}


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def expected_round(people: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The source answers as the round should hold them (team names, not ids), sorted."""
    codebook = challengelab.load_codebook("2021")
    participants, organizers = [], []
    for person in people:
        values = {k: "; ".join(v) if isinstance(v, list) else v for k, v in person["answers"].items()}
        task_id, team, rank = person["expect"]
        if person["role"] == "participant":
            participants.append({"task_id": task_id, "team": team, "rank": rank, **values})
        else:
            organizers.append({"task_id": task_id, **values})
    items = codebook.names(table="responses")
    frame = pd.DataFrame(participants)[["task_id", "team", "rank", *items]]
    return (frame.sort_values(["task_id", "team"], ignore_index=True),
            pd.DataFrame(organizers).sort_values("task_id", ignore_index=True))


def round_as_text(path: Path, key: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The written round read back, team ids replaced through the key, answers as the codebook's text."""
    survey = challengelab.load_survey(path)
    names = dict(pd.read_csv(key, dtype=str)[["team_id", "team"]].itertuples(index=False))
    items = survey.codebook.names(table="responses")
    responses = survey.responses[["task_id", "team_id", "rank", *items]].copy()
    responses.insert(1, "team", responses.pop("team_id").map(names))

    def text(frame: pd.DataFrame) -> pd.DataFrame:
        return plain(frame.astype(object))

    organizers = survey.organizers.sort_values("task_id", ignore_index=True)
    return (text(responses.sort_values(["task_id", "team"], ignore_index=True)).astype(object),
            text(organizers).astype(object))


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Values as plain Python: missing -> None, booleans -> yes/no, whole floats -> int."""
    def one(v):
        if v is None or (not isinstance(v, (list, str)) and pd.isna(v)):
            return None
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v.item() if hasattr(v, "item") else v
    return pd.DataFrame({c: pd.Series([one(v) for v in frame[c]], dtype=object) for c in frame.columns})


def assert_same_answers(path: Path, key: Path, people: list[dict]) -> None:
    got_responses, got_organizers = round_as_text(path, key)
    want_responses, want_organizers = (plain(f) for f in expected_round(people))
    pd.testing.assert_frame_equal(got_responses, want_responses, check_dtype=False)
    pd.testing.assert_frame_equal(got_organizers, want_organizers, check_dtype=False)


# --- 1. questionnaires --------------------------------------------------------------------------------------------


def test_redcap_dictionary_follows_the_documented_columns():
    dictionary = redcap_dictionary("2021")
    assert tuple(dictionary.columns) == REDCAP_COLUMNS
    assert dictionary["Variable / Field Name"].iloc[0] == "record_id"
    by_name = dictionary.set_index("Variable / Field Name")
    assert by_name.loc["augmentation", "Field Type"] == "yesno"
    assert by_name.loc["motivation", "Field Type"] == "checkbox"
    assert by_name.loc["motivation", "Choices, Calculations, OR Slider Labels"].startswith("1, knowledge exchange | ")
    assert by_name.loc["lead_degree", "Choices, Calculations, OR Slider Labels"] == \
        "1, bachelor | 2, master | 3, doctorate | 4, professor"
    assert by_name.loc["team_size", "Text Validation Type OR Show Slider Number"] == "integer"
    assert (by_name.loc["team_size", "Text Validation Min"], by_name.loc["team_size", "Text Validation Max"]) == \
        ("1", "200")
    assert by_name.loc["team_name", "Identifier?"] == "y"
    assert by_name.loc["problem_solved", "Branching Logic (Show field only if...)"] == "[respondent_role] = '2'"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in dictionary["Variable / Field Name"])
    codebook = challengelab.load_codebook("2021")
    assert set(codebook.names()) <= set(dictionary["Variable / Field Name"])


def test_limesurvey_structure_follows_the_documented_rows():
    structure = limesurvey_structure("2021")
    assert tuple(structure.columns[:9]) == ("id", "related_id", "class", "type/scale", "name", "relevance", "text",
                                            "help", "language")
    assert tuple(structure.columns) == LIMESURVEY_COLUMNS
    questions = structure[structure["class"] == "Q"]
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", code) for code in questions["name"])
    assert questions["name"].is_unique
    position = structure.index[structure["name"] == "motivation"][0]
    subquestions = structure.loc[position + 1:position + 5]
    assert list(subquestions["class"]) == ["SQ"] * 5 and subquestions["name"].iloc[0] == "SQ001"
    degree = structure.index[structure["name"] == "leadDegree"][0]
    assert list(structure.loc[degree + 1:degree + 4, "text"]) == ["bachelor", "master", "doctorate", "professor"]
    assert structure.loc[structure["name"] == "augmentation", "type/scale"].item() == "Y"
    assert set(structure["class"]) == {"S", "SL", "G", "Q", "SQ", "A"}


@pytest.mark.parametrize("fmt, name", [("redcap", "dictionary.csv"), ("limesurvey", "survey.txt")])
def test_questionnaire_command_writes_a_file_that_reads_back(tmp_path, fmt, name):
    out = tmp_path / name
    result = cli("questionnaire", "--format", fmt, "--out", out)
    assert result.exit_code == 0, result.output
    if fmt == "limesurvey":
        assert out.read_bytes().startswith("\ufeff".encode())
    questions = read_dictionary(out)
    generated = codebook_questions(challengelab.load_codebook("2021"), fmt)
    assert [(q.code, q.kind, q.choices) for q in questions if q.code != "record_id"] == \
        [(q.code, q.kind, q.choices) for q in generated]
    again = cli("questionnaire", "--format", fmt, "--out", out)
    assert again.exit_code == 1 and "exists" in again.output
    assert cli("questionnaire", "--format", fmt, "--out", out, "--force").exit_code == 0


def test_unknown_questionnaire_format_is_refused(tmp_path):
    result = cli("questionnaire", "--format", "surveymonkey", "--out", tmp_path / "x.csv")
    assert result.exit_code == 2 and not (tmp_path / "x.csv").exists()


# --- 2. readers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, fmt", sorted(EXPORTS.items()))
def test_every_fixture_export_is_read_and_fully_linked(name, fmt):
    export = read_export(FIXTURES / name)
    assert export.format == fmt
    assert len(export.frame) == len(fixtures.respondents())
    if name == "qualtrics.csv":  # hand-typed questions: it needs a mapping (see the suggestion test)
        with pytest.raises(IntakeError, match="no column for the challenge or task"):
            run_intake(FIXTURES / name, TASKS, BOARDS)
        return
    result = run_intake(FIXTURES / name, TASKS, BOARDS)
    assert result.counts() == {"rows_read": 17, "linked": 17, "review": 0, "rejected": 0}


def test_limesurvey_full_answers_read_na_as_missing_and_subquestion_headings():
    export = read_export(FIXTURES / "limesurvey_full.csv")
    assert export.id_column == "Response ID"
    assert {"Date submitted", "Seed"} <= export.metadata_columns
    heading = "Incentives for participating (select all that apply) [prize money]"
    assert export.columns[heading].base.startswith("Incentives") and export.columns[heading].sub == "prize money"
    raw = (FIXTURES / "limesurvey_full.csv").read_text(encoding="utf-8-sig")
    assert "N/A" in raw and not (export.frame == "N/A").any().any()


def test_qualtrics_three_header_rows_and_row_numbers():
    export = read_export(FIXTURES / "qualtrics.csv")
    assert export.rows[0] == 4  # rows 1-3 are headers
    assert export.columns["Q5"].text == "Used data augmentation"
    assert export.columns["Q29_2"].sub_text == "prize money"


def test_spss_value_labels_and_variable_labels_are_read():
    export = read_export(FIXTURES / "redcap_spss.sav")
    assert dict(export.columns["lead_degree"].labels)["2"] == "master"
    assert export.columns["augmentation"].text == "Used data augmentation"
    assert dict(export.columns["motivation___1"].labels) == {"0": "Unchecked", "1": "Checked"}


def test_same_answers_from_every_format():
    want = expected_round(fixtures.respondents())[0]
    for name in ("redcap_export.csv", "limesurvey_codes.csv", "redcap_spss.sav", "generic.xlsx"):
        result = run_intake(FIXTURES / name, TASKS, BOARDS)
        names = dict(result.key[["team_id", "team"]].itertuples(index=False))
        got = result.survey.responses.assign(team=lambda f: f["team_id"].map(names))
        got = got.sort_values(["task_id", "team"], ignore_index=True)
        assert list(got["team"]) == list(want["team"]), name
        assert list(got["motivation"].fillna("")) == list(want["motivation"].fillna("")), name
        assert list(got["lead_degree"].astype(object).fillna("")) == list(want["lead_degree"].fillna("")), name


# --- round trips: codebook -> questionnaire -> tool export -> intake -> the same answers ----------------------------


def test_round_trip_redcap(tmp_path):
    assert cli("questionnaire", "--format", "redcap", "--out", tmp_path / "dictionary.csv").exit_code == 0
    people = fixtures.respondents(seed=101)
    for labels in (False, True):
        export = tmp_path / f"export_{labels}.csv"
        export.write_text(fixtures.redcap_records(people, tmp_path / "dictionary.csv", labels=labels))
        mapping = auto_mapping(read_export(export), challengelab.load_codebook("2021"))
        assert not mapping.unmapped(), [c.column for c in mapping.unmapped()]  # no edits needed
        out = tmp_path / f"round_{labels}.xlsx"
        result = cli("intake", export, "--tasks", TASKS, "--leaderboards", BOARDS, "--out", out,
                     "--dictionary", tmp_path / "dictionary.csv")
        assert result.exit_code == 0, result.output
        assert f"rows read {len(people)} = {len(people)} linked + 0 for review + 0 rejected" in " ".join(
            result.output.split())
        assert cli("validate", out).exit_code == 0
        assert_same_answers(out, tmp_path / f"round_{labels}.team_key.csv", people)


def test_round_trip_limesurvey(tmp_path):
    assert cli("questionnaire", "--format", "limesurvey", "--out", tmp_path / "survey.txt").exit_code == 0
    people = fixtures.respondents(seed=202)
    for full in (False, True):
        export = tmp_path / f"responses_{full}.csv"
        export.write_text("\ufeff" + fixtures.limesurvey_responses(people, tmp_path / "survey.txt", full=full),
                          encoding="utf-8")
        mapping = auto_mapping(read_export(export), challengelab.load_codebook("2021"))
        assert not mapping.unmapped(), [c.column for c in mapping.unmapped()]
        out = tmp_path / f"round_{full}.xlsx"
        result = cli("intake", export, "--tasks", TASKS, "--leaderboards", BOARDS, "--out", out)
        assert result.exit_code == 0, result.output
        assert cli("validate", out).exit_code == 0
        assert_same_answers(out, tmp_path / f"round_{full}.team_key.csv", people)


def test_round_has_pseudonymous_ids_and_leaderboard_sizes(tmp_path):
    result = run_intake(FIXTURES / "redcap_export.csv", TASKS, BOARDS)
    paths = write_intake(result, tmp_path / "round.xlsx")
    survey = challengelab.load_survey(paths["round"])
    assert survey.responses["team_id"].str.fullmatch(r"team_\d{3}").all()
    workbook_text = pd.read_excel(paths["round"], sheet_name=None)
    assert not any("DeepSeg" in str(v) for frame in workbook_text.values() for v in frame.to_numpy().ravel())
    assert dict(zip(survey.tasks["task_id"], survey.tasks["n_teams"])) == \
        pd.read_csv(BOARDS)["task_id"].value_counts().to_dict()
    key = pd.read_csv(paths["key"])
    assert key["team_id"].is_unique and "Équipe Ñandú" in set(key["team"])
    tie = survey.responses[survey.responses["task_id"] == "T3"]
    assert set(pd.read_csv(BOARDS).query("task_id == 'T3'")["rank"]) >= set(tie["rank"])


# --- 3. mapping ---------------------------------------------------------------------------------------------------


def test_suggest_proposes_scores_and_is_deterministic(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert cli("intake", FIXTURES / "qualtrics.csv", "--suggest", first).exit_code == 0
    assert cli("intake", FIXTURES / "qualtrics.csv", "--suggest", second).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    import yaml

    columns = yaml.safe_load(first.read_text())["columns"]
    assert columns["Q2"]["item"] == "challenge_name" and columns["Q2"]["how"] == "fuzzy"
    assert columns["Q2"]["score"] >= 80 and columns["Q2"]["candidates"]
    assert columns["Q29_1"] == {"item": "motivation", "level": "knowledge exchange", "how": "choice column",
                                "score": 100.0}
    out = tmp_path / "round.xlsx"
    result = cli("intake", FIXTURES / "qualtrics.csv", "--mapping", first, "--tasks", TASKS, "--leaderboards",
                 BOARDS, "--out", out)
    assert result.exit_code == 0, result.output
    assert_same_answers(out, tmp_path / "round.team_key.csv", fixtures.respondents())


def test_unmapped_answers_are_rejected_then_mapped_by_the_mapping_file(tmp_path):
    frame = pd.read_csv(FIXTURES / "generic.csv", dtype=str, keep_default_na=False)
    frame["augmentation"] = frame["augmentation"].replace({"yes": "Oui, toujours", "no": "Jamais"})
    raw = tmp_path / "export.csv"
    frame.to_csv(raw, index=False)
    result = run_intake(raw, TASKS, BOARDS)
    rejected = result.links[result.links["status"] == "rejected"]
    assert len(rejected) == (frame["augmentation"] != "").sum() > 0
    assert rejected["reason"].str.contains("column augmentation: answer 'Oui, toujours'|column augmentation: "
                                           "answer 'Jamais'").all()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  augmentation:\n    item: augmentation\n    values: {'Oui, toujours': 'yes', "
                       "Jamais: 'no'}\n")
    assert run_intake(raw, TASKS, BOARDS, mapping=mapping).counts()["rejected"] == 0


def test_a_bad_mapping_file_is_located(tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  Team: {item: no_such_item}\n  lead_degree: {item: lead_degree, values: "
                       "{phd: doctor}}\n")
    with pytest.raises(IntakeError) as caught:
        run_intake(FIXTURES / "generic.csv", TASKS, BOARDS, mapping=mapping)
    located = {(i.file, i.column) for i in caught.value.issues}
    assert ("mapping.yaml", "Team") in located and ("mapping.yaml", "lead_degree") in located


# --- 4. linking ---------------------------------------------------------------------------------------------------


def test_names_normalise_case_punctuation_and_accents():
    assert normalise_name("Équipe-Ñandú") == normalise_name("equipe nandu")
    assert name_score("Müller & Co", "Muller and Co") == 100.0
    assert name_score("DeepSegg", "DeepSeg") >= 90 > name_score("The Unbeatables", "DeepSeg")


def test_misspelt_accented_renamed_and_duplicated_teams(tmp_path):
    people = fixtures.tricky_people()
    result = run_intake(FIXTURES / "tricky_generic.csv", TASKS, BOARDS)
    links = result.links
    for person, (_, row) in zip(people, links.iterrows()):
        if person["expect"] == "review":
            assert row["status"] == "review", (person["team"], row["reason"])
        else:
            assert (row["status"], row["task_id"], row["team"]) == ("linked", *person["expect"][:2])
    duplicated = links[links["team_answer"].isin(["Müller & Co", "Mueller and Co"])]
    assert duplicated["reason"].str.contains("claimed by rows").all()
    renamed = links[links["team_answer"] == "The Unbeatables"].iloc[0]
    assert renamed["candidates"] and "score" in renamed["candidates"]
    assert set(result.review["response"]) == set(links.loc[links["status"] != "linked", "response"])


def test_decisions_in_the_links_file_are_reused(tmp_path):
    raw = FIXTURES / "tricky_generic.csv"
    out = tmp_path / "round.xlsx"
    assert cli("intake", raw, "--tasks", TASKS, "--leaderboards", BOARDS, "--out", out).exit_code == 0
    links_path = tmp_path / "round.links.csv"
    links = pd.read_csv(links_path, dtype=str, keep_default_na=False)
    renamed = links["team_answer"] == "The Unbeatables"
    links.loc[renamed, ["decision", "task_id", "team"]] = ["link", "T1", "KidneyKnights"]
    first, second = links.index[links["team_answer"].isin(["Müller & Co", "Mueller and Co"])]
    links.loc[first, ["decision", "task_id", "team"]] = ["link", "T3", "Müller & Co"]
    links.loc[second, "decision"] = "reject"
    links.to_csv(links_path, index=False)
    result = cli("intake", raw, "--tasks", TASKS, "--leaderboards", BOARDS, "--out", out, "--links", links_path,
                 "--force")
    assert result.exit_code == 0, result.output
    again = pd.read_csv(links_path, dtype=str, keep_default_na=False)
    assert again.loc[renamed, ["status", "team", "decision"]].values.tolist() == [["linked", "KidneyKnights", "link"]]
    assert again.loc[first, "status"] == "linked" and again.loc[second, "status"] == "rejected"
    assert "rows read 8 = 5 linked + 2 for review + 1 rejected" in " ".join(result.output.split())


def test_a_links_decision_naming_no_entry_goes_to_review(tmp_path):
    links = tmp_path / "links.csv"
    pd.DataFrame({"response": ["row2"], "decision": ["link"], "task_id": ["T1"], "team": ["Nobody"]}).to_csv(
        links, index=False)
    result = run_intake(FIXTURES / "tricky_generic.csv", TASKS, BOARDS, links=links)
    first = result.links.iloc[0]
    assert first["status"] == "review" and "not a leaderboard entry" in first["reason"]
    assert (first["decision"], first["team"]) == ("link", "Nobody")  # the person's decision is kept to be fixed
    again = tmp_path / "again.csv"
    result.links.to_csv(again, index=False)
    assert run_intake(FIXTURES / "tricky_generic.csv", TASKS, BOARDS, links=again).links.iloc[0]["status"] == "review"


# --- 5. nothing lost ----------------------------------------------------------------------------------------------


def test_no_row_is_ever_dropped(tmp_path):
    frame = pd.read_csv(FIXTURES / "tricky_generic.csv", dtype=str, keep_default_na=False)
    blank = pd.DataFrame([[""] * frame.shape[1]], columns=frame.columns)
    bad = frame.iloc[[0]].assign(team_size="lots", Team="UNet Rangers")
    frame = pd.concat([frame, blank, bad, frame.iloc[[1]]], ignore_index=True)
    raw = tmp_path / "export.csv"
    frame.to_csv(raw, index=False)
    result = run_intake(raw, TASKS, BOARDS)
    counts = result.counts()
    assert counts["rows_read"] == len(frame) == counts["linked"] + counts["review"] + counts["rejected"]
    assert list(result.links["row"]) == list(range(2, len(frame) + 2))
    statuses = dict(zip(result.links["row"], zip(result.links["status"], result.links["reason"])))
    assert statuses[len(frame) - 1] == ("rejected", "empty response (no answers)")
    assert statuses[len(frame)][0] == "rejected" and "team_size" in statuses[len(frame)][1]
    assert len(result.review) == counts["review"] + counts["rejected"]
    assert result.review["reason"].str.len().gt(0).all()


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_counts_add_up_for_every_fixture(name, tmp_path):
    mapping = None
    if name == "qualtrics.csv":  # hand-typed questions: confirm the suggested mapping as it is
        mapping = tmp_path / "mapping.yaml"
        assert cli("intake", FIXTURES / name, "--suggest", mapping).exit_code == 0
    result = run_intake(FIXTURES / name, TASKS, BOARDS, mapping=mapping)
    counts = result.counts()
    assert counts["rows_read"] == len(read_export(FIXTURES / name).frame)
    assert counts["rows_read"] == counts["linked"] + counts["review"] + counts["rejected"]


# --- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, message", [("unrelated.csv", "not a survey export"),
                                           ("image.csv", "PNG image"),
                                           ("make_intake_fixtures.py", "not a survey export")])
def test_bad_input_names_the_file_exits_1_and_writes_nothing(tmp_path, name, message):
    source = FIXTURES / name if (FIXTURES / name).exists() else DATA / name
    result = cli("intake", source, "--tasks", TASKS, "--leaderboards", BOARDS, "--out", tmp_path / "round.xlsx")
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert name in text and message in text and "Traceback" not in text
    assert list(tmp_path.iterdir()) == []


def test_bad_tasks_and_leaderboards_are_located(tmp_path):
    tasks = pd.read_csv(TASKS, dtype=str, keep_default_na=False)
    tasks.loc[1, "task_category"] = "painting"
    tasks.to_csv(tmp_path / "tasks.csv", index=False)
    boards = pd.read_csv(BOARDS, dtype=str)
    boards.loc[3, "rank"] = "first"
    boards.loc[4, "task_id"] = "T9"
    boards.to_csv(tmp_path / "boards.csv", index=False)
    with pytest.raises(IntakeError) as caught:
        run_intake(FIXTURES / "generic.csv", tmp_path / "tasks.csv", tmp_path / "boards.csv")
    located = {(i.file, i.row, i.column) for i in caught.value.issues}
    assert {("tasks.csv", 3, "task_category"), ("boards.csv", 5, "rank"), ("boards.csv", 6, "task_id")} <= located


def test_existing_outputs_are_refused_without_force(tmp_path):
    out = tmp_path / "round.xlsx"
    (tmp_path / "round.review.csv").write_text("keep me")
    result = cli("intake", FIXTURES / "generic.csv", "--tasks", TASKS, "--leaderboards", BOARDS, "--out", out)
    assert result.exit_code == 1 and "--force" in result.output
    assert (tmp_path / "round.review.csv").read_text() == "keep me" and not out.exists()
    forced = cli("intake", FIXTURES / "generic.csv", "--tasks", TASKS, "--leaderboards", BOARDS, "--out", out,
                 "--force")
    assert forced.exit_code == 0 and out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_the_intake_command_needs_its_inputs(tmp_path):
    result = cli("intake", FIXTURES / "generic.csv", "--out", tmp_path / "round.xlsx")
    assert result.exit_code == 2 and "--tasks" in result.output


# --- property: whatever the answers, every row is accounted for and no entry is linked twice -----------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_BOARD = pd.read_csv(BOARDS, dtype=str)
_CHALLENGES = list(pd.read_csv(TASKS, dtype=str)["challenge_name"].unique()) + ["", "Unknown Challenge"]
_answer = st.tuples(
    st.sampled_from(_CHALLENGES),
    st.sampled_from(["", "liver", "tumour", "2D tracking", "T3"]),
    st.one_of(st.sampled_from(list(_BOARD["team"])), st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12),
              st.sampled_from(list(_BOARD["team"])).map(lambda t: t.upper()[:-1])),
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_answer, min_size=1, max_size=12))
def test_every_row_ends_linked_review_or_rejected(tmp_path, answers):
    frame = pd.DataFrame([{"Team": team, "Challenge": challenge, "Task": task, "augmentation": "yes"}
                          for challenge, task, team in answers])
    raw = tmp_path / "export.csv"
    frame.to_csv(raw, index=False)
    result = run_intake(raw, TASKS, BOARDS)
    counts = result.counts()
    assert counts["rows_read"] == len(frame) == counts["linked"] + counts["review"] + counts["rejected"]
    linked = result.links[result.links["status"] == "linked"]
    assert not linked.duplicated(["task_id", "team"]).any()
    assert len(result.survey.responses) == len(linked)
    assert set(result.review["row"]) == set(result.links.loc[result.links["status"] != "linked", "row"])
    assert (result.review["reason"] != "").all()


# --- organizers and docstring examples ----------------------------------------------------------------------------


def test_organizer_answers_link_to_tasks_and_two_for_one_task_go_to_review(tmp_path):
    frame = pd.read_csv(FIXTURES / "generic.csv", dtype=str, keep_default_na=False)
    organizers = frame[frame["role"] == "organizer"]
    frame = pd.concat([frame, organizers.iloc[[0]]], ignore_index=True)
    raw = tmp_path / "export.csv"
    frame.to_csv(raw, index=False)
    result = run_intake(raw, TASKS, BOARDS)
    links = result.links[result.links["role"] == "organizer"]
    task = organizers["Task"].iloc[0]
    doubled = links[links["task_answer"] == task]
    assert len(doubled) == 2 and (doubled["status"] == "review").all()
    assert doubled["reason"].str.contains("claimed by rows").all()
    assert len(result.survey.organizers) == len(organizers) - 1


def test_docstring_examples_run():
    import doctest

    import challengelab.intake.fields as fields
    import challengelab.intake.linking as linking
    import challengelab.intake.mapping as mapping
    import challengelab.intake.pipeline as pipeline
    import challengelab.intake.questionnaire as questionnaire
    import challengelab.intake.readers as readers

    for module in (fields, linking, mapping, pipeline, questionnaire, readers):
        outcome = doctest.testmod(module)
        assert outcome.failed == 0 and outcome.attempted > 0, module.__name__


def test_redcap_project_with_its_own_names_and_codes_reads_through_its_dictionary(tmp_path):
    dictionary = redcap_dictionary("2021")
    degree = dictionary["Variable / Field Name"] == "lead_degree"
    dictionary.loc[degree, "Variable / Field Name"] = "degree_of_lead"
    dictionary.loc[degree, "Choices, Calculations, OR Slider Labels"] = \
        "10, Bachelor | 20, Master | 30, Doctorate | 40, Professor"
    dictionary.loc[degree, "Field Annotation"] = ""
    path = tmp_path / "project_dictionary.csv"
    dictionary.to_csv(path, index=False)
    people = fixtures.respondents(seed=5)
    for person in people:  # the project's field name and capitalised labels
        degree = person["answers"].get("lead_degree")
        person["answers"]["degree_of_lead"] = degree.capitalize() if degree else None
    export = tmp_path / "records.csv"
    export.write_text(fixtures.redcap_records(people, path))
    assert "degree_of_lead" in export.read_text().splitlines()[0]
    result = run_intake(export, TASKS, BOARDS, dictionary=path)
    assert result.counts()["linked"] == len(people)
    got = result.survey.responses.sort_values(["task_id", "rank"])["lead_degree"].astype(object)
    want = [p["answers"].get("lead_degree") for p in sorted(
        (p for p in people if p["role"] == "participant"), key=lambda p: (p["expect"][0], p["expect"][2]))]
    assert [None if pd.isna(g) else g for g in got] == want and any(want)


def test_limesurvey_export_reads_through_its_structure_file():
    result = run_intake(FIXTURES / "limesurvey_codes.csv", TASKS, BOARDS,
                        dictionary=FIXTURES / "limesurvey_structure.txt")
    plain_result = run_intake(FIXTURES / "limesurvey_codes.csv", TASKS, BOARDS)
    pd.testing.assert_frame_equal(result.survey.responses, plain_result.survey.responses)


def test_semicolon_separated_export_reads_the_same():
    text = (FIXTURES / "limesurvey_codes.csv").read_text(encoding="utf-8-sig")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "semicolons.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    a = run_intake(FIXTURES / "limesurvey_codes.csv", TASKS, BOARDS)
    b = run_intake(path, TASKS, BOARDS)
    pd.testing.assert_frame_equal(a.survey.responses, b.survey.responses)


def test_committed_fixtures_are_what_the_script_builds(tmp_path):
    written = fixtures.write_fixtures(tmp_path)
    for path in written:
        committed = FIXTURES / path.name
        if path.suffix == ".sav":
            import pyreadstat

            fresh, old = pyreadstat.read_sav(str(path))[0], pyreadstat.read_sav(str(committed))[0]
            pd.testing.assert_frame_equal(fresh, old)
        elif path.suffix == ".xlsx":
            pd.testing.assert_frame_equal(pd.read_excel(path), pd.read_excel(committed))
        else:
            assert path.read_bytes() == committed.read_bytes(), path.name


def test_role_answers_in_other_words():
    frame = pd.read_csv(FIXTURES / "generic.csv", dtype=str, keep_default_na=False)
    frame["role"] = frame["role"].replace({"organizer": "Challenge organiser", "participant": "Participant"})
    path = Path(pytest.importorskip("tempfile").mkdtemp()) / "roles.csv"
    frame.to_csv(path, index=False)
    assert run_intake(path, TASKS, BOARDS).counts()["linked"] == len(frame)


def test_bundled_example_is_what_the_script_builds(tmp_path):
    example = DATA.parent.parent / "data" / "example" / "intake"
    for path in fixtures.write_fixtures(tmp_path, example=True):
        assert path.read_bytes() == (example / path.name).read_bytes(), path.name
    assert "SYNTHETIC" in (example / "README.md").read_text()


def test_intake_imports_only_its_lower_layers():
    import ast

    allowed = ("challengelab.intake", "challengelab.survey", "challengelab.errors", "challengelab._paths",
               "challengelab.vocabulary")
    package = Path(challengelab.__file__).parent / "intake"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("challengelab"):
                assert node.module.startswith(allowed), (path.name, node.module)
                assert not any(a.name.startswith("_") for a in node.names
                               if not node.module.startswith("challengelab.intake")), (path.name, node.module)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("challengelab") and not a.name.startswith(allowed)
                               for a in node.names), path.name


def test_an_organizer_link_decision_needs_only_the_task(tmp_path):
    result = run_intake(FIXTURES / "generic.csv", TASKS, BOARDS)
    links = result.links.copy()
    organizer = links.index[links["role"] == "organizer"][0]
    links.loc[organizer, ["decision", "task_id"]] = ["link", "T4"]
    path = tmp_path / "links.csv"
    links.to_csv(path, index=False)
    again = run_intake(FIXTURES / "generic.csv", TASKS, BOARDS, links=path)
    assert again.links.loc[organizer, ["status", "task_id", "decision"]].tolist() == ["linked", "T4", "link"]
    assert "T4" in set(again.survey.organizers["task_id"])


def test_tasks_as_xlsx_with_name_for_the_challenge_and_an_export_without_rows(tmp_path):
    tasks = pd.read_csv(TASKS, dtype=str, keep_default_na=False).rename(columns={"challenge_name": "name"})
    tasks.to_excel(tmp_path / "tasks.xlsx", index=False)
    pd.read_csv(BOARDS).to_excel(tmp_path / "boards.xlsx", index=False)
    result = run_intake(FIXTURES / "generic.csv", tmp_path / "tasks.xlsx", tmp_path / "boards.xlsx")
    assert result.counts()["linked"] == 17
    assert set(result.survey.challenges["name"]) == set(tasks["name"])
    header_only = tmp_path / "empty_export.csv"
    header_only.write_text((FIXTURES / "redcap_export.csv").read_text().splitlines()[0] + "\n")
    empty = run_intake(header_only, TASKS, BOARDS)
    assert empty.counts() == {"rows_read": 0, "linked": 0, "review": 0, "rejected": 0}
    assert len(empty.survey.tasks) == 4 and empty.survey.responses.empty


def test_a_challenge_with_several_tasks_and_no_task_answer_goes_to_review_with_candidates(tmp_path):
    frame = pd.read_csv(FIXTURES / "tricky_generic.csv", dtype=str, keep_default_na=False).iloc[[1]]
    frame["Task"] = ""  # "equipe nandu" is on the leaderboards of both liver tasks
    frame.to_csv(tmp_path / "export.csv", index=False)
    row = run_intake(tmp_path / "export.csv", TASKS, BOARDS).links.iloc[0]
    assert row["status"] == "review"
    assert "T1 / Équipe Ñandú" in row["candidates"] and "T2 / Équipe Ñandú" in row["candidates"]


def test_suggested_answer_mappings_carry_scores(tmp_path):
    frame = pd.read_csv(FIXTURES / "generic.csv", dtype=str, keep_default_na=False)
    frame["lead_degree"] = frame["lead_degree"].replace({"bachelor": "Bachelor's degree", "master": "MSc"})
    frame.to_csv(tmp_path / "export.csv", index=False)
    assert cli("intake", tmp_path / "export.csv", "--suggest", tmp_path / "m.yaml").exit_code == 0
    import yaml

    entry = yaml.safe_load((tmp_path / "m.yaml").read_text())["columns"]["lead_degree"]
    assert entry["values"]["Bachelor's degree"] == "bachelor"
    assert entry["value_candidates"]["Bachelor's degree"] == {"level": "bachelor", "score": 100.0}
    assert entry["values"]["MSc"] is None and entry["value_candidates"]["MSc"]["score"] < 80
    assert "professor" not in entry["values"]  # exact answers need no entry


def test_same_inputs_give_the_same_files(tmp_path):
    first = write_intake(run_intake(FIXTURES / "tricky_generic.csv", TASKS, BOARDS), tmp_path / "a" / "r.xlsx")
    second = write_intake(run_intake(FIXTURES / "tricky_generic.csv", TASKS, BOARDS), tmp_path / "b" / "r.xlsx")
    for role in first:
        assert first[role].read_bytes() == second[role].read_bytes(), role
