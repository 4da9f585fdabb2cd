"""PDF and PNG figures (headless Chromium over the DevTools pipe); skipped where Chromium is missing."""

from __future__ import annotations

import pytest

from challengelab.chromium import find_chromium
from challengelab.report.pdf import count_pages

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    from test_report_survey import CONFIG, hostile_tables  # the same small hostile survey

    from challengelab.report import write_survey_report
    from challengelab.synthetic.survey import simulation_metadata
    from challengelab.survey import Survey
    from test_report_survey import SETTINGS

    t = hostile_tables()
    survey = Survey.from_frames(t["challenges"], t["tasks"], t["responses"], t["organizers"],
                                metadata=simulation_metadata(7, SETTINGS))
    out = tmp_path_factory.mktemp("pdf") / "report"
    result = write_survey_report(survey, out, config=CONFIG, formats=["pdf", "md"], min_cell=5)
    return out, result


def test_pdf_is_printed_with_several_pages(printed):
    out, result = printed
    assert "pdf" not in result.skipped
    data = (out / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    pages = count_pages(data)
    assert pages == result.pdf_pages and pages > 5  # contents page + one page or more per section
    assert not (out / "report.html").exists()  # only the requested formats are kept


def test_pdf_page_count_agrees_with_poppler(printed):
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    out, result = printed
    info = subprocess.run(["pdfinfo", str(out / "report.pdf")], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == result.pdf_pages


def test_png_figures_beside_the_markdown(printed):
    out, result = printed
    assert "png figures" not in result.skipped
    text = (out / "report.md").read_text()
    pngs = sorted((out / "figures").glob("*.png"))
    assert len(pngs) == text.count("](figures/") >= 10
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
        width = int.from_bytes(data[16:20], "big")
        assert width == 1800  # 900 px at scale 2 (drawn by Chromium over DevTools)
