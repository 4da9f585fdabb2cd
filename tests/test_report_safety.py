"""Output safety helpers: escaping, formula neutralising, external-reference detection."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from challengelab.outputs import markdown_literal
from challengelab.report.safety import (
    FORMULA_PREFIXES,
    escape_html,
    external_references,
    neutralise_formula,
    neutralise_frame,
    script_json,
)

HOSTILE = "<script>alert(1)</script>"


def test_escape_html_escapes_markup_and_quotes():
    assert escape_html(HOSTILE) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escape_html('a" onmouseover="x') == "a&quot; onmouseover=&quot;x"
    assert escape_html(None) == ""


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_every_formula_prefix_is_neutralised(prefix):
    value = prefix + "cmd|' /C calc'!A0"
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["team A", "", "a=b", 3, -2.5, True, None])
def test_harmless_values_are_unchanged(value):
    assert neutralise_formula(value) == value


def test_neutralise_frame_changes_text_cells_and_headers_only():
    frame = pd.DataFrame({"name": ["=1+1", "ok", None], "=x": [-1, 2, 3]})
    out = neutralise_frame(frame)
    assert out["name"].tolist()[:2] == ["'=1+1", "ok"]
    assert list(out.columns) == ["name", "'=x"]
    assert out["'=x"].tolist() == [-1, 2, 3]
    assert frame.loc[0, "name"] == "=1+1"  # the input is not modified


def test_markdown_escaping_keeps_tables_and_html_inert():
    text = markdown_literal("a|b " + HOSTILE + " *x*\nnext")
    assert "|" not in text.replace("\\|", "")
    assert "<" not in text.replace("\\<", "") and ">" not in text.replace("\\>", "")
    assert "\n" not in text and "\\*x\\*" in text
    # rendered as CommonMark + tables (GitHub, Streamlit): one cell holding the literal text, no element from it
    page = MarkdownIt("commonmark").enable("table").render(f"| a | b |\n|---|---|\n| {text} | x |\n")
    assert page.count("<td>") == 2 and "<script>" not in page and "<em>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "a|b" in page


def test_script_json_cannot_close_the_script_element():
    text = script_json({"name": HOSTILE, "and": "a & b"})
    assert "</script" not in text and "<" not in text and "&" not in text
    assert json.loads(text) == {"name": HOSTILE, "and": "a & b"}


@pytest.mark.parametrize("page", [
    '<script src="https://cdn.plot.ly/plotly.js"></script>',
    '<link rel="stylesheet" href="http://example.org/a.css">',
    '<img srcset="//example.org/a.png 2x">',
    "<style>@import 'https://fonts.example/x.css';</style>",
    '<div style="background: url(https://example.org/a.png)"></div>',
    '<meta http-equiv="refresh" content="0; url=https://example.org">',
])
def test_external_references_are_found(page):
    assert external_references(page)


def test_offline_page_has_no_external_references():
    page = ('<a href="#section">x</a><svg xmlns="http://www.w3.org/2000/svg"></svg>'
            '<p>see https://example.org in text</p><img src="figures/a.png">')
    assert external_references(page) == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 9.)-+=#>*_`[]()!<>&;|~$:\\/'\"\t\n")), max_size=24))
def test_markdown_literal_renders_as_exactly_its_text(value):
    """CommonMark reads the escaped text back as the text itself (whitespace collapsed): no element, no entity."""
    import html as html_module

    text = " ".join(value.split())
    page = MarkdownIt("commonmark").render(markdown_literal(value))
    if not text:
        assert page == ""
        return
    assert page.startswith("<p>") and page.endswith("</p>\n")
    inner = page[3:-5]
    assert "<" not in inner and html_module.unescape(inner) == text
