"""PDF and PNG figures (headless Chromium over the DevTools pipe); skipped where Chromium is missing."""

from __future__ import annotations

import pytest

from challengelab.chromium import find_chromium
from challengelab.report.html_page import PRINT_FIGURE_WIDTH
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
        assert width == 2 * PRINT_FIGURE_WIDTH  # as wide as on the printed page, at scale 2


def _sections_report():
    """Five sections with figures, one or more pages each (every section starts a page when printed)."""
    import plotly.graph_objects as go

    from challengelab.report.document import Figure, Paragraph, Report, Section

    sections = []
    for number, name in enumerate(["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]):
        blocks = [Paragraph(f"{name} text. " * 40 * (1 + number % 3))]
        blocks += [Figure(f"{name.lower()}_{i}", f"{name} figure {i}",
                          go.Figure(go.Scatter(x=[1, 2, 3], y=[i, 2, 1])).update_layout(height=380))
                   for i in range(number % 3 + 1)]
        sections.append(Section(name, blocks))
    return Report(title="Page numbers", sections=sections)


def _pdf_text(pdf, *pages: str) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _contents_numbers(pdf) -> dict[str, int]:
    """Section title -> the page number printed after it in the contents (page 1 of the PDF)."""
    import re

    text = _pdf_text(pdf, "-f", "1", "-l", "1")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s*\d+\. (\w+)\s+(\d+)\s*$", text, re.M)}


@pytest.mark.parametrize("estimate", ["kept", "wrong"])
def test_contents_page_numbers_are_those_of_the_printed_pdf(estimate, tmp_path, monkeypatch):
    """The contents are numbered from a print made without scripts in a second tab; the final print is checked
    and, when a destination does not match (here: a wrong first guess), numbered again and reprinted."""
    from challengelab.report import pdf as pdf_module
    from challengelab.report.headless import Tab
    from challengelab.report.html_page import render_html

    if estimate == "wrong":
        monkeypatch.setattr(pdf_module.PageNumbers, "result",
                            lambda self: {"alpha": 7, "beta": 7, "gamma": 7, "delta": 7, "epsilon": 7})
    kept_prints = []
    send = Tab.send

    def counting_send(self, method, params=None, **kwargs):
        if method == "Page.printToPDF" and (params or {}).get("generateTaggedPDF") is not False:
            kept_prints.append(method)
        return send(self, method, params, **kwargs)

    monkeypatch.setattr(Tab, "send", counting_send)
    html = tmp_path / "report.html"
    html.write_text(render_html(_sections_report()), encoding="utf-8")
    pdf = pdf_module.print_pdf(html, tmp_path / "report.pdf")
    pages = pdf_module.destination_pages(pdf.read_bytes())
    numbers = _contents_numbers(pdf)
    assert set(numbers) == {"Alpha", "Beta", "Gamma", "Delta", "Epsilon"}
    assert numbers == {name: pages[name.lower()] for name in numbers}
    assert len(set(numbers.values())) == 5  # on different pages: the check is not trivial
    assert len(kept_prints) == (1 if estimate == "kept" else 2)


def test_a_figure_chromium_cannot_draw_is_named_in_the_error(tmp_path):
    import plotly.graph_objects as go

    from challengelab.report.document import Figure
    from challengelab.report.figure_images import FigureExportError
    from challengelab.report.markdown import write_figure_pngs

    figure = Figure("bars", "Bars", go.Figure(go.Bar(x=["a"], y=[1])))
    paths = write_figure_pngs([figure], tmp_path / "ok", scale=1)
    assert [p.name for p in paths] == ["bars.png"] and paths[0].read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(FigureExportError, match="figure 'bars'.*width"):  # plotly.js refuses a width of 0
        write_figure_pngs([figure], tmp_path / "bad", width=0, scale=1)


def test_the_pdf_is_printed_from_a_page_of_svg_figures_without_scripts(tmp_path, monkeypatch):
    """The figures are drawn once as pictures (SVG for the PDF, the same picture as PNG for the Markdown); the
    printed page holds those pictures and no script, and its contents are numbered from the interactive page."""
    from challengelab.report import pdf as pdf_module
    from challengelab.report.output import write_report_files

    printed_pages = []
    original = pdf_module.print_pdf

    def recording(source, target, **kwargs):
        printed_pages.append(source.read_text(encoding="utf-8"))
        return original(source, target, **kwargs)

    monkeypatch.setattr(pdf_module, "print_pdf", recording)
    report = _sections_report()
    hostile = "</svg><script>alert(1)</script> & <b>bold</b>"
    report.sections[0].blocks[1].figure.update_layout(xaxis_title=hostile)
    result = write_report_files(report, tmp_path / "r", formats=["html", "md", "pdf"])
    assert result.skipped == {} and len(printed_pages) == 1
    page = printed_pages[0]
    assert "<script" not in page.lower() and f'data-figures-drawn="{len(report.figures())}"' in page
    assert page.count('<svg class="main-svg"') == len(report.figures()) == 9
    assert numbers_match_destinations(tmp_path / "r" / "report.pdf")
    text = _pdf_text(tmp_path / "r" / "report.pdf")
    assert "</svg><script>alert(1)</script> &" in text  # the axis title as text (plotly reads <b> as bold)
    png = (tmp_path / "r" / "figures" / "alpha_0.png").read_bytes()
    assert int.from_bytes(png[16:20], "big") == 2 * PRINT_FIGURE_WIDTH


def test_a_figure_that_cannot_be_a_picture_leaves_the_pdf_to_the_interactive_page(tmp_path, monkeypatch):
    from challengelab.report import pdf as pdf_module
    from challengelab.report.figure_images import FigureExportError, FigureImages
    from challengelab.report.output import write_report_files

    def failing(self, figures):
        raise FigureExportError("static figure export failed for figure 'alpha_0': broken")

    printed_pages = []
    original = pdf_module.print_pdf
    monkeypatch.setattr(pdf_module, "print_pdf",
                        lambda source, target, **kw: printed_pages.append(source.name) or original(source, target,
                                                                                                    **kw))
    monkeypatch.setattr(FigureImages, "get", failing)
    result = write_report_files(_sections_report(), tmp_path / "r", formats=["html", "md", "pdf"])
    assert printed_pages == ["report.html"] and "pdf" not in result.skipped
    assert "figure 'alpha_0'" in result.skipped["png figures"]
    assert numbers_match_destinations(tmp_path / "r" / "report.pdf")


def numbers_match_destinations(pdf) -> bool:
    from challengelab.report.pdf import destination_pages

    pages = destination_pages(pdf.read_bytes())
    numbers = _contents_numbers(pdf)
    return len(numbers) == 5 and numbers == {name: pages[name.lower()] for name in numbers}


def test_a_figure_that_breaks_the_exporter_is_named_not_waited_for(tmp_path, monkeypatch):
    """Any failure while drawing a figure reaches the caller, named (it used to end the drawing thread, and the
    caller waited for the timeout, then said only that)."""
    import plotly.graph_objects as go

    from challengelab.report import html_page
    from challengelab.report.document import Figure
    from challengelab.report.figure_images import FigureExportError
    from challengelab.report.markdown import write_figure_pngs

    def broken(fig):
        raise TypeError("Object of type Timestamp is not JSON serializable")

    monkeypatch.setattr(html_page, "figure_json", broken)
    with pytest.raises(FigureExportError, match="figure 'bars'.*TypeError.*JSON"):
        write_figure_pngs([Figure("bars", "Bars", go.Figure(go.Bar(x=["a"], y=[1])))], tmp_path / "f", timeout=60)
    assert not (tmp_path / "f").exists()
