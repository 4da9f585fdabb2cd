"""The report writers on a hand-made report: HTML, Excel, CSV, Markdown content, and atomic output."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pandas as pd
import plotly.graph_objects as go
import pytest
from markdown_it import MarkdownIt

from challengelab.report import output as output_module
from challengelab.report.atomic import OutputExistsError
from challengelab.report.document import Code, Figure, KeyValues, Notice, Paragraph, Report, Section, Table
from challengelab.report.excel import read_table, render_xlsx
from challengelab.report.html_page import render_html
from challengelab.report.markdown import render_markdown
from challengelab.report.output import csv_bytes, parse_formats, write_report_files
from challengelab.report.safety import external_references

HOSTILE = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _report() -> Report:
    table = pd.DataFrame({"team": [HOSTILE, FORMULA, "+cmd", "ok"], "n": [10, 12, 3, 8],
                          "share": [0.5, 0.25, None, 1.0], "p_value": [0.0004, 0.2, None, 0.04]})
    figure = go.Figure(go.Bar(x=[HOSTILE, "b"], y=[1, 2]))
    figure.update_layout(title=HOSTILE)
    return Report(
        title="Test report " + HOSTILE, synthetic=True, generated="2026-01-01T00:00:00Z",
        readme=[("data", FORMULA)],
        sections=[
            Section("First", [Paragraph("Lead " + HOSTILE, emphasis=True), Notice("careful " + HOSTILE, "warning"),
                              Table("teams", "Teams " + HOSTILE, table, "caption", kinds={"share": "share"}),
                              Figure("bars", "Bars", figure, "A caption")]),
            Section("Second", [KeyValues([("key", HOSTILE)], name="facts", title="Facts"),
                               Code("challengelab report --out x"),
                               Figure("more", "More bars", go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))]),
        ])


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.scripts, self.tags, self._in_script = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def test_html_is_self_contained_parses_and_escapes():
    page = render_html(_report())
    parser = _Collector()
    parser.feed(page)
    parser.close()
    # sections, table of contents, figures and the banner are all there
    for anchor in ("first", "second", "table-teams", "figure-bars", "figure-more", "figure-bars-plot",
                   "synthetic-banner", "plotlyjs"):
        assert anchor in parser.ids, anchor
    assert 'href="#table-teams"' in page and 'href="#figure-more"' in page
    # plotly.js is embedded exactly once, no figure carries its own copy, nothing comes from a CDN
    assert page.count('<script id="plotlyjs"') == 1
    assert page.count("Plotly.newPlot(") == 1  # one loop draws every figure
    assert not any(tag == "link" for tag in parser.tags)
    assert external_references(page) == []
    library = parser.scripts[0]
    rest = page.replace(library, "")
    assert "http://" not in rest.replace("http://evil.example", "") and "https://" not in rest
    assert "cdn.plot.ly" not in rest and "mathjax" not in rest.lower().replace('"typesetmath":false', "")
    # hostile text never appears as markup: escaped in HTML, \u-escaped in the figure JSON
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\\u003cscript\\u003ealert(1)\\u003c" in page
    # print-friendly CSS
    assert "@media print" in page and "@page" in page


def test_html_formats_numbers_and_marks_missing():
    page = render_html(_report())
    # the shared rules of challengelab.tables.format: whole percentages, "< 0.001", empty cells when missing
    assert "<td class=\"num\">50%</td>" in page and "&lt; 0.001" in page and "<td class=\"num\"></td>" in page
    assert "<th scope=\"col\">Share</th>" in page and "p_value" not in page.split("<tbody>")[0][-400:]


def test_infinite_values_are_words_on_pages_and_empty_cells_with_a_note_in_excel(tmp_path):
    from openpyxl import load_workbook

    frame = pd.DataFrame({"item": ["a", "b"], "odds_ratio": [float("inf"), 2.5], "p_value": [3.7e-7, 0.01234]})
    report = Report(title="t", sections=[Section("S", [Table("or", "Odds ratios", frame)])])
    page = render_html(report)
    assert ">infinite<" in page and "∞" not in page and ">0.0123<" in page and "e-07" not in page
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(report))
    sheet = load_workbook(path)["or"]
    assert sheet["B2"].value is None and "Infinite" in sheet["B2"].comment.text
    assert sheet["B3"].value == 2.5 and sheet["B3"].comment is None


def test_excel_has_readme_one_sheet_per_table_and_formatting(tmp_path):
    from openpyxl import load_workbook

    report = _report()
    path = tmp_path / "r.xlsx"
    path.write_bytes(render_xlsx(report))
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["README", "teams", "facts"]
    sheet = workbook["teams"]
    assert sheet.freeze_panes in ("A2", "B2")
    assert sheet.auto_filter.ref == "A1:D5"
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb.endswith("DCE6F1")
    assert sheet["C2"].number_format == "0%" and sheet["D2"].number_format == '[<0.001]"< 0.001";0.000'
    assert sheet["B2"].number_format == "#,##0"
    # formula-like text is stored as text with a leading quote, never as a formula
    assert sheet["A3"].value == "'" + FORMULA and sheet["A3"].data_type == "s"
    assert sheet["A4"].value == "'+cmd"
    assert sheet["A2"].value == HOSTILE  # plain text in a spreadsheet; nothing to escape
    readme = [row for row in workbook["README"].iter_rows(values_only=True)]
    assert any(r and r[1] == "'" + FORMULA for r in readme)
    assert any(r and r[0] and "SYNTHETIC" in str(r[0]) for r in readme)
    # values equal the table (after neutralising)
    back = read_table(path, "teams")
    assert back["n"].tolist() == [10, 12, 3, 8]
    assert back["share"].tolist()[:2] == [0.5, 0.25] and back["share"].isna().tolist()[2]


def test_csv_neutralises_formulas():
    table = _report().tables()[0]
    rows = list(csv.reader(io.StringIO(csv_bytes(table.frame).decode())))
    assert rows[0] == ["team", "n", "share", "p_value"]
    assert rows[2][0] == "'" + FORMULA and rows[3][0] == "'+cmd" and rows[3][2] == ""


def test_markdown_tables_escape_and_reference_pngs():
    text = render_markdown(_report())
    page = MarkdownIt("commonmark").enable("table").render(text)
    assert HOSTILE not in text and "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "![Bars](figures/bars.png)" in text and "(figures/more.png)" in text
    assert "| Team | Respondents | Share | p |" in text
    assert "> **SYNTHETIC DATA" in text


def test_parse_formats():
    assert parse_formats("html, XLSX,html") == ["html", "xlsx"]
    assert parse_formats("all") == ["html", "xlsx", "md", "pdf", "csv"]
    with pytest.raises(ValueError, match="unknown format"):
        parse_formats("docx")


def test_duplicate_names_are_rejected():
    report = _report()
    report.sections[1].add(Table("teams", "again", pd.DataFrame({"a": [1]})))
    with pytest.raises(ValueError, match="duplicate table names"):
        render_html(report)


def test_written_folder_has_manifest_and_no_partial_files(tmp_path):
    out = tmp_path / "reports" / "x"
    result = write_report_files(_report(), out, formats=["html", "xlsx", "csv"], extra_files={"a.yaml": "a: 1\n"})
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == ["a.yaml", "manifest.json", "report.html", "report.xlsx", "tables/facts.csv",
                     "tables/teams.csv"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} == set(names) - {"manifest.json"}
    assert result.skipped == {}
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["x"]  # no staging folder left


def test_failure_leaves_no_partial_report_and_keeps_the_old_one(tmp_path, monkeypatch):
    out = tmp_path / "x"
    write_report_files(_report(), out, formats=["html"])
    before = (out / "report.html").read_bytes()

    def broken(_report):
        raise RuntimeError("disk full")

    monkeypatch.setattr("challengelab.report.excel.render_xlsx", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_report_files(_report(), out, formats=["html", "xlsx"], force=True)
    assert (out / "report.html").read_bytes() == before and not (out / "report.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["x"]
    new = tmp_path / "new"
    with pytest.raises(RuntimeError):
        write_report_files(_report(), new, formats=["html", "xlsx"])
    assert not new.exists() and [p.name for p in tmp_path.iterdir()] == ["x"]


def test_an_unrelated_folder_is_not_replaced(tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete")
    with pytest.raises(OutputExistsError):
        write_report_files(_report(), out, formats=["html"])
    assert (out / "thesis.tex").exists()
    with pytest.raises(OutputExistsError, match="never|not replaced"):  # not even with force (see outputs.py)
        write_report_files(_report(), out, formats=["html"], force=True)
    assert (out / "thesis.tex").read_text() == "do not delete"


def test_missing_chromium_skips_pdf_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr("challengelab.report.headless.find_chromium", lambda: None)
    result = write_report_files(_report(), tmp_path / "r", formats=["html", "md", "pdf"])
    assert "pdf" in result.skipped and "Chromium is not installed" in result.skipped["pdf"]
    assert "png figures" in result.skipped
    assert not (tmp_path / "r" / "report.pdf").exists()
    assert "static figure not available" in (tmp_path / "r" / "report.md").read_text()
    assert output_module.BASENAME == "report"


def test_a_chromium_that_fails_to_start_is_named_with_its_error(tmp_path, monkeypatch):
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'chromium: error while loading shared libraries: libnss3.so' >&2\nexit 127\n")
    broken.chmod(0o755)
    monkeypatch.setenv("CHALLENGELAB_CHROMIUM", str(broken))
    result = write_report_files(_report(), tmp_path / "r", formats=["html", "md", "pdf"])
    for skipped in ("pdf", "png figures"):
        assert "exit code 127" in result.skipped[skipped] and "libnss3.so" in result.skipped[skipped]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["manifest.json", "report.html", "report.md"]
    assert "static figure not available" in (tmp_path / "r" / "report.md").read_text()
