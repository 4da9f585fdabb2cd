"""Both reports in a real browser (the system's Chromium through Playwright) and the survey PDF's first page.

Checks what a reader sees: the synthetic banner, every figure drawn, no overlapping tick labels at the default
size (bounding boxes of the labels of each axis compared pairwise), the key results on the first PDF page and
page numbers in the PDF's contents. Skipped, with the reason, when Chromium, Playwright or poppler is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from challengelab.cli import app
from challengelab.chromium import find_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]

if find_chromium() is None:
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    from challengelab.report.browser import launch

    with playwright_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def survey_report(tmp_path_factory):
    from test_report_survey import CONFIG, SETTINGS, hostile_tables

    from challengelab.report import write_survey_report
    from challengelab.survey import Survey
    from challengelab.synthetic.survey import simulation_metadata

    t = hostile_tables()
    survey = Survey.from_frames(t["challenges"], t["tasks"], t["responses"], t["organizers"],
                                metadata=simulation_metadata(7, SETTINGS))
    out = tmp_path_factory.mktemp("survey") / "report"
    write_survey_report(survey, out, config=CONFIG, formats=["html", "pdf"], min_cell=5)
    return out


@pytest.fixture(scope="module")
def ranking_report(tmp_path_factory):
    rng = np.random.default_rng(4)
    rows = []
    for t in range(5):
        for a in range(6 + t):
            rows.append(pd.DataFrame({"task": f"C{t:02d}-T1", "case": np.arange(15),
                                      "algorithm": f"C{t:02d}-T1-team{a:02d}",
                                      "value": rng.normal(0.7 + 0.01 * a, 0.05, 15).round(4)}))
    folder = tmp_path_factory.mktemp("ranking")
    path = folder / "results.csv"
    path.write_text("# SYNTHETIC per-case results (random numbers)\n"
                    + pd.concat(rows).to_csv(index=False), encoding="utf-8")
    out = folder / "report"
    result = CliRunner().invoke(app, ["rank", str(path), "--bootstrap", "50", "--out", str(out),
                                      "--format", "html,xlsx"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("which", ["survey_report", "ranking_report"])
def test_report_in_chromium_has_banner_every_figure_and_no_overlapping_labels(which, browser, request):
    from challengelab.report.browser import inspect_page

    out = request.getfixturevalue(which)
    facts = inspect_page(browser, out / "report.html")
    assert facts.synthetic_banner
    assert facts.figures >= 5 and facts.drawn == facts.figures
    assert facts.overlaps == []
    assert "first-figure" in facts.marks


def test_ranking_report_says_why_there_is_no_consensus(ranking_report, browser):
    page = browser.new_page()
    try:
        page.goto((ranking_report / "report.html").as_uri())
        text = page.inner_text("body")
    finally:
        page.close()
    assert "No consensus ranking and no clustering of tasks" in text
    assert "every algorithm takes part in one task only" in text
    assert text.index("Stability of the ranking per task") < text.index("Contents")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_first_pdf_page_holds_the_key_results_and_the_contents_have_page_numbers(survey_report):
    pdf = survey_report / "report.pdf"

    def text(first: int, last: int) -> str:
        return subprocess.run(["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout

    page_one = text(1, 1)
    for phrase in ("SYNTHETIC DATA", "1. Key results", "Strategies where winners differ most",
                   "Tests after correction", "Headline model", "rows used"):
        assert phrase in page_one, phrase
    contents = text(2, 2)
    assert "Contents" in contents
    methods = re.search(r"2\. Methods\s+(\d+)\s*$", contents, re.M)
    assert methods, contents[:400]
    assert "2. Methods" in text(int(methods.group(1)), int(methods.group(1)))
    assert re.search(r"^\s*1 / \d+\s*$", page_one, re.M)  # the page number in the footer
