"""load_assessment: formats, validation messages with user-visible row numbers, completion of missing results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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
    assert any("line 6" in r and "'abc' is not a number" in r for r in reasons), reasons
    assert any("duplicate" in r and "line 7" in r and "line 8" in r for r in reasons), reasons
    assert all(str(path) in r for r in reasons)
    assert isinstance(info.value, ValueError)


def test_excel_row_numbers(tmp_path):
    path = tmp_path / "results.xlsx"
    table(value=[0.9, "n.a.", 0.7, 0.6]).to_excel(path, index=False)
    with pytest.raises(AssessmentValidationError) as info:
        load_assessment(path)
    assert [i.location for i in info.value.issues] == ["row 3"]
    assert "'n.a.' is not a number" in str(info.value)


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
