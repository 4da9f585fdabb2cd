"""The dashboard's Intake page through streamlit's AppTest (no browser), and its bytes-in/bytes-out helpers."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("streamlit")
import streamlit as st
from streamlit.testing.v1 import AppTest

import challengelab
from challengelab.intake import IntakeError
from challengelab.intake.session import (Upload, candidate_entries, example_uploads, run_uploads, set_decision,
                                         suggestion_bytes)

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PAGE = "challengelab/dashboard/views/intake.py"


@pytest.fixture(autouse=True)
def _fresh():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield


def open_intake() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_page_is_in_the_navigation_under_data():
    from challengelab.dashboard.app import PAGES

    assert ("intake.py", "Intake", ":material/input:", "intake") in PAGES["Data"]


def test_page_asks_for_the_three_files():
    at = open_intake()
    assert at.title[0].value.startswith("Intake")
    assert any("Still needed" in i.value for i in at.info)
    assert not at.metric


def test_example_is_mapped_linked_and_resolvable():
    at = open_intake()
    at.button(key="intake_example").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at) == {"Rows read": "21", "Linked": "16", "For review": "5", "Rejected": "0"}
    assert any("Synthetic data" in w.value for w in at.warning)
    links = table_with(at, "team_answer")
    assert len(links) == 21 and (links["status"] == "review").sum() == 5
    mapping = table_with(at, "how")
    assert "motivation" in set(mapping["field"])
    # the misspelt "DeepSegg" and the exact "DeepSeg" claim one entry: link the first, reject the second
    rows = at.selectbox(key="intake_resolve_row")
    first = next(o for o in rows.options if "'DeepSeg'" in o)
    rows.set_value(_response_of(at, first)).run()
    at.button(key="intake_link").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["For review"] == "4"
    rows = at.selectbox(key="intake_resolve_row")
    second = next(o for o in rows.options if "'DeepSegg'" in o)
    rows.set_value(_response_of(at, second)).run()
    at.button(key="intake_reject").click().run()
    assert metrics(at) == {"Rows read": "21", "Linked": "17", "For review": "3", "Rejected": "1"}
    assert at.session_state["intake_links"] is not None


def _response_of(at: AppTest, label: str) -> str:
    row = int(label.split(":")[0].removeprefix("row "))
    full = at.session_state["intake_run"][1].result.links
    return full.loc[full["row"] == row, "response"].item()


def test_bad_upload_shows_located_problems_and_no_downloads():
    at = AppTest.from_file(str(APP), default_timeout=90)
    uploads = example_uploads()
    uploads["export"] = Upload("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(200))
    at.session_state["intake_files"] = uploads
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any("Nothing was written" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert "photo.csv" in set(problems["file"])


def test_run_uploads_gives_a_valid_round_and_links(tmp_path):
    run = run_uploads(example_uploads(), synthetic=True)
    assert set(run.files) == {"round", "links", "review", "key"}
    (tmp_path / run.files["round"].name).write_bytes(run.files["round"].content)
    survey = challengelab.load_survey(tmp_path / run.files["round"].name)
    assert survey.is_synthetic and len(survey.responses) == 13
    links = pd.read_csv(io.BytesIO(run.files["links"].content), dtype=str, keep_default_na=False)
    renamed = links.loc[links["team_answer"] == "The Unbeatables", "response"].item()
    decided = set_decision(links, renamed, "link", task_id="T1", team="UNet Rangers")
    again = run_uploads(example_uploads(), links=decided)
    row = again.result.links.set_index("response").loc[renamed]
    assert (row["status"], row["team"], row["decision"]) == ("linked", "UNet Rangers", "link")


def test_run_uploads_names_the_uploaded_file_in_problems():
    uploads = example_uploads()
    uploads["tasks"] = Upload("my_tasks.csv", b"task_id,challenge_id\nT1,C1\n")
    with pytest.raises(IntakeError) as caught:
        run_uploads(uploads)
    assert {i.file for i in caught.value.issues} == {"my_tasks.csv"}


def test_decision_helpers():
    assert candidate_entries("T1 / DeepSeg (rank 1, score 93.3); T2 / A / B (rank 2, score 60)") == \
        [("T1", "DeepSeg"), ("T2", "A / B")]
    links = pd.DataFrame({"response": ["a"], "decision": [""], "task_id": [""], "team": [""]})
    with pytest.raises(ValueError):
        set_decision(links, "a", "maybe")
    with pytest.raises(KeyError):
        set_decision(links, "b", "reject")


def test_mapping_proposal_for_an_export_without_known_columns():
    import yaml

    uploads = example_uploads()
    text = b"Teamname,Which challenge,Did you augment?\nDeepSeg,Liver Tumour Segmentation Challenge,Ja\n"
    uploads["export"] = Upload("handmade.csv", text)
    with pytest.raises(IntakeError):
        run_uploads(uploads)
    proposal = yaml.safe_load(suggestion_bytes(uploads))
    assert proposal["source"] == "handmade.csv"
    assert proposal["columns"]["Which challenge"]["item"] == "challenge_name"
    assert proposal["columns"]["Teamname"]["item"] == "team_name"
    assert proposal["columns"]["Did you augment?"]["candidates"][0]["item"] == "augmentation"
