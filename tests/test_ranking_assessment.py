"""load_assessment: formats, validation messages with user-visible row numbers, completion of missing results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from challengelab.errors import ValidationError
from challengelab.ranking import AssessmentValidationError, load_assessment, rank


def table(**overrides) -> pd.DataFrame:
    base = pd.DataFrame({"task": ["T1"] * 4, "case": [1, 2, 1, 2], "algorithm": ["A", "A", "B", "B"],
                         "value": [0.9, 0.8, 0.7, 0.6]})
    for k, v in overrides.items():
        base[k] = v
    return base


def test_dataframe_round_trip():
    a = load_assessment(table())
    assert list(a.data.columns) == ["task", "case", "algorithm", "value"]
    assert len(a.data) == 4 and not a.has_missing
    assert a.smaller_is_better == {"T1": False}
    assert a.summary()["n_cases"].tolist() == [2]


def test_csv_line_numbers_skip_comments_and_blank_lines(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("# synthetic\n# second comment\ntask,case,algorithm,value\nT1,1,A,0.9\n\nT1,2,A,abc\n"
                    "T1,1,B,0.7\nT1,1,B,0.75\n")
    with pytest.raises(AssessmentValidationError) as info:
        load_assessment(path)
    issues = info.value.issues
    reasons = [str(i) for i in issues]
    assert any("row 6" in r and "not a number (value: 'abc')" in r for r in reasons), reasons
    assert any("duplicate" in r and "row 7" in r and "row 8" in r for r in reasons), reasons
    assert all(str(path) in r for r in reasons)
    assert [(i.row, i.column, i.value) for i in issues][0] == (6, "value", "abc")
    assert isinstance(info.value, ValueError) and isinstance(info.value, ValidationError)
    assert info.value.to_frame()["row"].tolist() == [6, 8]


def test_synthetic_marker_is_read_from_the_file(tmp_path):
    path = tmp_path / "results.csv"
    table().to_csv(path, index=False)
    assert not load_assessment(path).synthetic
    marked = tmp_path / "synthetic.csv"
    marked.write_text("# SYNTHETIC results, every value is random\n" + path.read_text())
    assessment = load_assessment(marked)
    assert assessment.synthetic and "synthetic" in repr(assessment)
    frame = table()
    frame.attrs["synthetic"] = True
    assert load_assessment(frame).synthetic and not load_assessment(table()).synthetic


def test_bundled_example_is_synthetic():
    from challengelab._paths import EXAMPLE_ASSESSMENT_FILE, example_dir

    assert load_assessment(example_dir() / EXAMPLE_ASSESSMENT_FILE).synthetic


def test_identifiers_are_categorical_and_normalised():
    data = table(case=[1.0, 2.0, 1.0, 2.0], algorithm=["A", "A ", " B", "B"])
    a = load_assessment(data)
    assert isinstance(a.data["case"].dtype, pd.CategoricalDtype)
    assert a.matrices()[0].algorithms.tolist() == ["A", "B"]
    assert a.matrices()[0].cases.tolist() == [1, 2]


def test_excel_row_numbers(tmp_path):
    path = tmp_path / "results.xlsx"
    table(value=[0.9, "n.a.", 0.7, 0.6]).to_excel(path, index=False)
    with pytest.raises(AssessmentValidationError) as info:
        load_assessment(path)
    assert [(i.row, i.column) for i in info.value.issues] == [(3, "value")]
    assert "not a number (value: 'n.a.')" in str(info.value)


def test_parquet(tmp_path):
    path = tmp_path / "results.parquet"
    table().to_parquet(path)
    assert rank(path, method="aggregate_then_rank")["algorithm"].tolist() == ["A", "B"]


def test_missing_combinations_are_completed_and_listed():
    data = pd.DataFrame({"task": ["T1"] * 3, "case": [1, 2, 1], "algorithm": ["A", "A", "B"],
                         "value": [0.9, None, 0.7]})
    a = load_assessment(data)
    assert len(a.data) == 4
    assert a.missing.to_dict("records") == [
        {"task": "T1", "case": 2, "algorithm": "A", "reason": "empty"},
        {"task": "T1", "case": 2, "algorithm": "B", "reason": "absent"},
    ]
    assert np.isnan(a.matrices()[0].values).sum() == 2


def test_custom_column_names_and_direction_column():
    data = table().rename(columns={"task": "challenge", "case": "image", "algorithm": "team", "value": "dsc"})
    data["lower_is_better"] = ["yes"] * 4
    a = load_assessment(data, task="challenge", case="image", algorithm="team", value="dsc",
                        smaller_is_better="lower_is_better")
    assert a.smaller_is_better == {"T1": True}
    assert rank(a, method="aggregate_then_rank")["algorithm"].tolist() == ["B", "A"]


def test_missing_columns_name_the_available_ones():
    with pytest.raises(AssessmentValidationError, match=r"missing column\(s\) \['value'\].*available"):
        load_assessment(table().drop(columns="value"))


def test_non_finite_and_empty_identifiers():
    bad = table(value=[0.9, np.inf, 0.7, 0.6])
    bad.loc[3, "algorithm"] = " "
    with pytest.raises(AssessmentValidationError) as info:
        load_assessment(bad)
    text = str(info.value)
    assert "index 1" in text and "not finite" in text
    assert "index 3" in text and "empty algorithm" in text
    assert all(i.row is None and i.file == "DataFrame" for i in info.value.issues)


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(AssessmentValidationError, match="file not found"):
        load_assessment(tmp_path / "nope.csv")
    odd = tmp_path / "x.json"
    odd.write_text("{}")
    with pytest.raises(AssessmentValidationError, match="unsupported file type"):
        load_assessment(odd)


def test_direction_mapping_with_unknown_task():
    with pytest.raises(AssessmentValidationError, match="unknown task"):
        load_assessment(table(), smaller_is_better={"T9": True})
