"""Render a :class:`~challengelab.report.document.Report` into a report folder, atomically.

Layout of ``--out reports/NAME``::

    reports/NAME/
      report.html          self-contained, offline
      report.xlsx          README sheet + one sheet per table
      report.md            Markdown, with figures/*.png beside it
      figures/*.png
      report.pdf           the HTML printed by headless Chromium
      tables/*.csv         (format "csv") one CSV per table, formula-like text neutralised
      <extra files>        e.g. analysis.yaml, the configuration used
      manifest.json        SHA-256 of every file, inputs, versions, command
"""

from __future__ import annotations

import csv
import io
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from challengelab.report.atomic import staged_folder
from challengelab.report.document import KeyValues, Report, filename
from challengelab.report.headless import HeadlessChromium
from challengelab.report.reproducibility import Provenance

FORMATS = ("html", "xlsx", "md", "pdf", "csv")
DEFAULT_FORMATS = ("html", "xlsx", "md", "pdf")
BASENAME = "report"


def parse_formats(text: str | Sequence[str]) -> list[str]:
    """``"html,xlsx"`` -> ``["html", "xlsx"]`` (validated, de-duplicated, in the given order; ``all`` = every
    format)."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    aliases = {"excel": "xlsx", "markdown": "md", "htm": "html"}
    out: list[str] = []
    for item in items:
        if item == "all":
            out.extend(f for f in FORMATS if f not in out)
            continue
        item = aliases.get(item, item)
        if item not in FORMATS:
            raise ValueError(f"unknown format {item!r}; choose from {', '.join(FORMATS)} (comma-separated)")
        if item not in out:
            out.append(item)
    if not out:
        raise ValueError("no output format given")
    return out


@dataclass
class WriteResult:
    """What was written: the folder, its files, and formats that were skipped with the reason."""

    out: Path
    files: list[Path] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    pdf_pages: int | None = None
    #: files of an earlier challengelab output at ``out`` that were replaced (``--force``); empty if none
    replaced: list[str] = field(default_factory=list)


def csv_bytes(frame) -> bytes:
    """A table as UTF-8 CSV with formula-like text neutralised (see :mod:`challengelab.report.safety`)."""
    from challengelab.report.excel import cell_value

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([cell_value(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        writer.writerow(["" if (v := cell_value(value)) is None else v for value in row])
    return buffer.getvalue().encode("utf-8")


def write_report_files(
    report: Report,
    out: Path,
    *,
    formats: Sequence[str] = DEFAULT_FORMATS,
    provenance: Provenance | None = None,
    extra_files: Mapping[str, str | bytes] | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    inputs: Sequence[str | Path | None] = (),
    browser: HeadlessChromium | None = None,
) -> WriteResult:
    """Write every requested format into a staging folder, then move it to ``out`` in one step.

    Formats that cannot be made on this machine (PDF or PNG figures without Chromium) are skipped and reported
    in ``WriteResult.skipped``; any other failure raises and leaves ``out`` untouched. ``out`` may hold only an
    earlier challengelab output, replaced with ``force=True`` (see :mod:`challengelab.outputs`); ``inputs``
    (the data files read) are never replaced. ``browser``: a Chromium started early with
    :func:`report_browser` (default: one is started here when the PDF or the Markdown is asked for).
    """
    formats = parse_formats(list(formats))
    step = progress or (lambda _name: None)
    report.check()
    out = Path(out)
    result = WriteResult(out=out)
    if provenance is not None:
        inputs = [*inputs, provenance.data_path]
    with (nullcontext(browser) if browser is not None else report_browser(formats)) as browser, \
            staged_folder(out, force=force, inputs=inputs, generator="challengelab report") as stage, \
            tempfile.TemporaryDirectory(prefix="challengelab-print-") as scratch:
        staging = stage.path
        printer = _start_html_and_pdf(report, formats, staging, Path(scratch), step, browser)
        try:
            _write_xlsx_csv_md(report, formats, staging, result, step, browser)
        finally:
            if printer is not None:
                step("waiting for the PDF")
                printer.finish(result)
        _write_extra_files(staging, extra_files or {})
        step("writing manifest")
        stage.manifest.update({"title": report.title, "synthetic_data": report.synthetic,
                               "skipped": result.skipped,
                               "provenance": provenance.to_dict() if provenance else None})
        written = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    result.files = sorted([out / p for p in written if p.name != ".challengelab-staging"] + [out / "manifest.json"])
    result.replaced = stage.replaced
    return result


@contextmanager
def report_browser(formats: Sequence[str]) -> Iterator[HeadlessChromium | None]:
    """A headless Chromium for the PDF and PNG figures of ``formats``, started now in the background with the page
    that draws the figures (None when neither format is asked for); stopped when the block ends. Start it before
    the report is built, so that it boots and loads plotly.js meanwhile; hand figures to
    :func:`~challengelab.report.figure_images.figure_images` as they are made."""
    from challengelab.report.figure_images import figure_images, open_figure_page

    formats = parse_formats(list(formats))
    if "pdf" not in formats and "md" not in formats:
        yield None
        return
    browser = HeadlessChromium(figures=open_figure_page)
    figure_images(browser, png="md" in formats)
    try:
        yield browser
    finally:
        browser.close()


class _PdfPrinter:
    """Prints the report to PDF in a background thread while the other formats are written.

    The contents' page numbers come from ``layout`` (the HTML just written) printed without scripts; the PDF is
    the page for print (:func:`~challengelab.report.html_page.render_html` with the figures as SVG pictures),
    written to ``scratch`` once every figure is drawn. Should a figure fail to draw as a picture, the interactive
    page ``layout`` is printed instead (it draws the figures itself).
    """

    def __init__(self, report: Report, layout: Path, target: Path, scratch: Path, browser: HeadlessChromium):
        self.report, self.layout, self.target, self.scratch, self.browser = report, layout, target, scratch, browser
        self.outcome: dict[str, object] = {}
        self.thread = threading.Thread(target=self._print, name="challengelab-pdf", daemon=True)
        self.thread.start()

    def _print(self) -> None:
        from challengelab.report.pdf import PageNumbers, PdfError, count_pages, print_pdf

        try:
            pages = PageNumbers(self.browser, self.layout)
            source = self._page_for_print()
            self.outcome["pages"] = count_pages(print_pdf(source, self.target, browser=self.browser, pages=pages))
        except PdfError as exc:
            self.outcome["skipped"] = str(exc)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            self.outcome["error"] = exc

    def _page_for_print(self) -> Path:
        """The page with SVG figures, or ``layout`` when the figures could not be drawn as pictures."""
        from challengelab.report.figure_images import FigureExportError, figure_images
        from challengelab.report.html_page import render_html

        figures = self.report.figures()
        try:
            images = figure_images(self.browser).get(figures) if figures else []
        except FigureExportError:
            return self.layout
        page = self.scratch / "print-figures.html"
        page.write_text(render_html(self.report, figure_svgs={f.name: i.svg for f, i in zip(figures, images)}),
                        encoding="utf-8")
        return page

    def finish(self, result: WriteResult) -> None:
        """Wait for the printer; a failure other than "no Chromium" is raised here, in the main thread."""
        self.thread.join()
        if "error" in self.outcome:
            raise self.outcome["error"]  # type: ignore[misc]
        if "skipped" in self.outcome:
            result.skipped["pdf"] = str(self.outcome["skipped"])
        if "pages" in self.outcome:
            result.pdf_pages = int(self.outcome["pages"])  # type: ignore[arg-type]


def _start_html_and_pdf(report: Report, formats: Sequence[str], staging: Path, scratch: Path,
                        step: Callable[[str], None], browser: HeadlessChromium | None) -> _PdfPrinter | None:
    """Write the HTML (to the report, or to scratch when only the PDF needs it) and start printing the PDF
    (``browser`` is then the one :func:`report_browser` started, as it does whenever the PDF is asked for)."""
    from challengelab.report.html_page import render_html

    if "html" not in formats and "pdf" not in formats:
        return None
    step("writing HTML")
    source = staging / f"{BASENAME}.html" if "html" in formats else scratch / "print.html"
    source.write_text(render_html(report), encoding="utf-8")
    if "pdf" not in formats:
        return None
    step("printing PDF (headless Chromium)")
    return _PdfPrinter(report, source, staging / f"{BASENAME}.pdf", scratch, browser)


def _write_xlsx_csv_md(report: Report, formats: Sequence[str], staging: Path, result: WriteResult,
                       step: Callable[[str], None], browser: HeadlessChromium | None) -> None:
    from challengelab.report.excel import render_xlsx
    from challengelab.report.figure_images import FigureExportError
    from challengelab.report.markdown import render_markdown, write_figure_pngs

    if "xlsx" in formats:
        step("writing Excel")
        (staging / f"{BASENAME}.xlsx").write_bytes(render_xlsx(report))
    if "csv" in formats:
        step("writing CSV tables")
        _write_csv_tables(report, staging / "tables")
    if "md" in formats:
        step("drawing PNG figures (Chromium)")
        with_figures = True
        try:
            write_figure_pngs(report.figures(), staging / "figures", browser=browser)
        except FigureExportError as exc:
            with_figures = False
            result.skipped["png figures"] = str(exc)
        step("writing Markdown")
        (staging / f"{BASENAME}.md").write_text(render_markdown(report, with_figures=with_figures),
                                                encoding="utf-8")


def _write_csv_tables(report: Report, folder: Path) -> None:
    """One CSV per table and per named key-value block, named like the workbook's sheets."""
    from challengelab.report.excel import sheet_names

    facts = [b for s in report.sections for b in s.blocks if isinstance(b, KeyValues) and b.name]
    names = sheet_names([t.name for t in report.tables()] + [k.name for k in facts])
    folder.mkdir()
    for table in report.tables():
        (folder / f"{filename(names[table.name])}.csv").write_bytes(csv_bytes(table.frame))
    for kv in facts:
        frame = pd.DataFrame(kv.rows, columns=["item", "value"])
        (folder / f"{filename(names[kv.name])}.csv").write_bytes(csv_bytes(frame))


def _write_extra_files(staging: Path, extra_files: Mapping[str, str | bytes]) -> None:
    for name, content in extra_files.items():
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
