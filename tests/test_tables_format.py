"""The one number style (tables.format): every kind has a text rule and an Excel format, and columns read evenly."""

from __future__ import annotations

import typing

import pandas as pd
import pytest

from challengelab.report.excel import NUMBER_FORMATS
from challengelab.tables.format import (
    EXCEL_FORMATS,
    FORMATTERS,
    Kind,
    column_kind,
    format_cell,
    people_table,
)


def test_every_kind_has_a_text_rule_and_an_excel_format():
    kinds = set(typing.get_args(Kind))
    assert kinds - {"text"} == set(FORMATTERS) == set(EXCEL_FORMATS)
    assert kinds == set(NUMBER_FORMATS)


def test_kendall_tau_columns_have_two_decimals_each():
    frame = pd.DataFrame({"task": ["a", "b", "c", "d"], "median_kendall_tau": [1.0, 0.873, 0.95, float("nan")]})
    assert column_kind("median_kendall_tau", frame["median_kendall_tau"]) == "coef"
    shown = people_table(frame)["Median kendall tau"].tolist()
    assert shown == ["1.00", "0.87", "0.95", ""]


@pytest.mark.parametrize("value, kind, text", [
    (0.0000373, "p", "< 0.001"), (0.04567, "p", "0.0457"), (1.0, "p", "1.00"),
    (float("inf"), "ratio", "infinite"), (14.23, "ratio", "14.2"), (2.0, "ratio", "2.00"),
    (0.634, "share", "63%"), (12.5, "percent", "12.5%"), (float("nan"), "percent", ""),
    (8.0, "int", "8"), (12345, "int", "12,345"), (-0.5, "coef", "-0.50"), (float("-inf"), "coef", "minus infinite"),
    (True, "text", "yes"),
])
def test_cells_follow_the_rule_of_their_kind(value, kind, text):
    assert format_cell(value, kind) == text
