"""Dashboard hardening: data shown as text (never Markdown), downloads neutralised, no server paths."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from challengelab.dashboard import state, ui

APP = Path(__file__).resolve().parents[1] / "app.py"
HOSTILE = "![x](http://evil.example/a.png) [click](http://evil.example) :red[big]"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv(state.DATA_ENV, raising=False)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _markdown_bodies(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "error", "success", "info", "warning")
             for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_a_hostile_upload_name_is_shown_as_text_not_as_a_link_or_image():
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page("challengelab/dashboard/views/your_data.py").run()
    at.file_uploader(key="uploader").upload(f"{HOSTILE}.xlsx", b"not a workbook").run()
    assert not at.exception
    shown = _markdown_bodies(at)
    assert "is not valid" in shown
    # no live link, image or colour directive: every bracket and the colon before a word are backslash-escaped
    assert re.search(r"(?<!\\)[\[\]]", shown) is None and ":red" not in shown.replace("\\:red", "")
    assert "\\[click\\]" in shown
    assert "challengelab-upload-" not in shown and "/tmp" not in shown  # no server paths


def test_csv_downloads_neutralise_formulas():
    frame = pd.DataFrame({"value": ["=HYPERLINK(\"http://evil\")", "+1", "ok", None], "n": [1, -2, 3, 4]})
    text = ui.csv_bytes(frame).decode()
    assert "'=HYPERLINK" in text and "'+1" in text and ",-2" in text.replace("\n", ",")


def test_text_helper_escapes_markdown():
    assert ui.text("a *b* <i>") == "a \\*b\\* \\<i\\>"


def test_a_challenge_name_written_as_markdown_stays_text(monkeypatch, tmp_path, small_tables):
    from challengelab.survey.write import write_survey_folder

    tables = {name: frame.copy() for name, frame in small_tables.items()}
    tables["challenges"]["name"] = "![pixel](http://evil.example/p.png) **bold**"
    monkeypatch.setenv(state.DATA_ENV, str(write_survey_folder(tmp_path / "hostile", tables)))
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page("challengelab/dashboard/views/explorer.py").run()
    assert not at.exception
    shown = _markdown_bodies(at)
    assert "pixel" in shown  # the name is shown ...
    assert "![pixel](" not in shown and "**bold**" not in shown  # ... as text
