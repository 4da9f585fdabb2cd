"""Property tests of the readers: no input makes load_survey raise anything but SurveyValidationError.

Hypothesis feeds arbitrary bytes and text as CSV files, zip files and workbooks, and mutates valid files
byte by byte. The number of examples is kept small so that the module runs in seconds; raise
``HYPOTHESIS_PROFILE=thorough`` for a longer search.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import challengelab
from challengelab.limits import Limits

settings.register_profile("quick", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "quick")

#: Small limits so that no example can make the readers work long.
LIMITS = Limits(file_mb=1, unpacked_mb=5, rows=2000, columns=200, field_chars=5000)


def _load(path) -> None:
    try:
        challengelab.load_survey(path, limits=LIMITS)
    except challengelab.SurveyValidationError as exc:
        assert exc.issues and all(issue.reason for issue in exc.issues)
        for counts in exc.row_counts.values():
            assert counts["rows_in"] == counts["rows_accepted"] + counts["rows_rejected"]


class _Members(dict):
    def __repr__(self) -> str:  # keep failure reports short
        return "<valid CSV members>"


@pytest.fixture(scope="module")
def valid_members(tmp_path_factory):
    from tests.hostile.make_corpus import _csv_members

    return _Members(_csv_members())


@pytest.fixture(scope="module")
def valid_workbook(tmp_path_factory):
    from tests.hostile.make_corpus import _workbook

    return _Bytes(_workbook(tmp_path_factory.mktemp("wb"), "valid.xlsx").read_bytes())


class _Bytes(bytes):
    def __repr__(self) -> str:
        return f"<{len(self)} bytes>"


CSV_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400) | st.sampled_from(
    ["", "\n\n\n", '"', 'a,"b\nc', "task_id,team_id,rank\nT,1,TRUE\n", "\ufeffx", "#REF!", "=1+1", "1e308",
     "a\x00b", "\u200b"])


@settings(settings.get_profile(PROFILE))
@given(table=st.sampled_from(["challenges", "tasks", "responses", "organizers"]), text=CSV_TEXT,
       raw=st.binary(max_size=300), use_raw=st.booleans())
def test_any_csv_content_gives_a_validation_error_or_a_survey(tmp_path, valid_members, table, text, raw, use_raw):
    folder = tmp_path / "csv"
    folder.mkdir(exist_ok=True)
    for name, data in valid_members.items():
        (folder / name).write_bytes(data)
    (folder / f"{table}.csv").write_bytes(raw if use_raw else text.encode("utf-8", "surrogatepass"))
    _load(folder)


@settings(settings.get_profile(PROFILE))
@given(position=st.integers(min_value=0), values=st.binary(min_size=1, max_size=8), cut=st.booleans())
def test_any_damaged_workbook_gives_a_validation_error_or_a_survey(tmp_path, valid_workbook, position, values,
                                                                     cut):
    data = bytearray(valid_workbook)
    at = position % len(data)
    if cut:
        data = data[:at]
    else:
        data[at:at + len(values)] = values
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    _load(path)


@settings(settings.get_profile(PROFILE))
@given(position=st.integers(min_value=0), values=st.binary(min_size=1, max_size=8), member=st.text(max_size=20))
def test_any_damaged_zip_gives_a_validation_error_or_a_survey(tmp_path, valid_members, position, values, member):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in valid_members.items():
            archive.writestr(name, data)
        if member:
            archive.writestr(member.replace("\x00", "_") or "x", b"extra")
    data = bytearray(buffer.getvalue())
    at = position % len(data)
    data[at:at + len(values)] = values
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(data))
    _load(path)


@settings(settings.get_profile(PROFILE))
@given(cells=st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                                st.lists(st.integers(), max_size=2)), min_size=3, max_size=3))
def test_any_values_in_frames_give_a_validation_error_or_a_survey(valid_members, cells):
    import pandas as pd

    frames = {name.removesuffix(".csv"): pd.read_csv(io.BytesIO(data), dtype=object)
              for name, data in valid_members.items() if name != "about.csv"}
    responses = frames["responses"].copy()
    for column, value in zip(["task_id", "team_id", "rank"], cells):
        responses[column] = responses[column].astype(object)
        responses.at[0, column] = value
    frames["responses"] = responses
    try:
        challengelab.Survey.from_frames(**frames)
    except challengelab.SurveyValidationError as exc:
        assert exc.issues
