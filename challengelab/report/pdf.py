"""PDF: the HTML report printed by headless Chromium (vector figures, the page's print CSS).

Chromium (:class:`challengelab.report.headless.HeadlessChromium`: the system's, offline, a throw-away profile)
opens the page in a browser context of its own and prints it once the page says every figure is drawn. A report's
page for print holds its figures as SVG pictures (:mod:`challengelab.report.figure_images`; no script runs). The
page numbers of the contents are read from the named destinations of a print of the same layout without scripts,
made in a second tab meanwhile (:class:`PageNumbers`; figure boxes keep their size, so the pages are the same; the
final PDF is checked and, should a destination have moved, numbered again and reprinted). Every page carries its
number in the footer.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from pathlib import Path

from challengelab.report.headless import TIMEOUT_SECONDS, ChromiumError, DevTools, HeadlessChromium, Tab

FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#5b6473;font-family:sans-serif">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
#: The page says it has drawn every figure (or has none).
READY = ("document.readyState === 'complete' && location.href === {url} && (!document.querySelector('.plot') || "
         "document.body.hasAttribute('data-figures-drawn') || document.body.hasAttribute('data-figures-failed'))")
#: Writes ``pages`` (anchor -> page number) into the contents as ``<span class="page">`` (or updates them).
NUMBER_CONTENTS = """(pages) => {
  document.querySelectorAll('nav.toc a[href^="#"]').forEach(a => {
    const page = pages[a.getAttribute('href').slice(1)];
    if (page === undefined) return;
    let span = a.parentElement.querySelector(':scope > span.page');
    if (!span) {
      span = document.createElement('span');
      span.className = 'page';
      a.insertAdjacentElement('afterend', span);
    }
    span.textContent = String(page);
  });
  return true;
}"""
#: Options of every print: A4 from the page's CSS, backgrounds, the page number in the footer.
PRINT_OPTIONS = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": True,
                 "headerTemplate": "<span></span>", "footerTemplate": FOOTER}


class PdfError(ChromiumError):
    """Chromium is missing or did not produce a PDF."""


class PageNumbers:
    """The page of every anchor of a report, from a print of ``layout`` (an HTML file) with its scripts off,
    started now in a tab of its own and in a background thread (untagged: quicker, same pages).

    ``layout`` may be the interactive page: its figure boxes keep their size without scripts, so its pages are
    those of the page finally printed. :meth:`result` is ``{}`` when that print failed (the final print is then
    numbered from itself).
    """

    def __init__(self, browser: HeadlessChromium, layout: Path, timeout: float = TIMEOUT_SECONDS):
        self._pages: dict[str, int] = {}
        self._thread = threading.Thread(target=self._find, args=(browser, Path(layout).resolve().as_uri(), timeout),
                                        daemon=True, name="challengelab-pdf-pages")
        self._thread.start()

    def _find(self, browser: HeadlessChromium, url: str, timeout: float) -> None:
        try:
            devtools = browser.devtools()
            if devtools is None:
                return
            tab = Tab(devtools)
        except ChromiumError:
            return
        try:
            tab.send("Emulation.setScriptExecutionDisabled", {"value": True})
            tab.navigate(url)
            tab.poll_until(f"document.readyState === 'complete' && location.href === {json.dumps(url)}", timeout,
                           "the page did not load")
            data = tab.send("Page.printToPDF", {**PRINT_OPTIONS, "generateTaggedPDF": False})["data"]
            self._pages = destination_pages(base64.b64decode(data))
        except ChromiumError:
            return
        finally:
            tab.close()

    def result(self) -> dict[str, int]:
        self._thread.join()
        return self._pages


def print_pdf(html_path: Path, pdf_path: Path, *, browser: HeadlessChromium | None = None,
              timeout: float = TIMEOUT_SECONDS, pages: PageNumbers | None = None) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (page numbers in the footer and in the
    contents); raise :class:`PdfError` on failure.

    ``browser``: a running :class:`HeadlessChromium` to use (default: one started and stopped for this call).
    ``pages``: the contents' page numbers, found meanwhile from a page of the same layout (default: from
    ``html_path`` itself, in a second tab while this one loads). The printed PDF is checked, and in the rare case
    that a destination moved, the contents are numbered from it and the page printed again.
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    own = browser is None
    browser = HeadlessChromium(timeout=timeout) if browser is None else browser
    try:
        devtools = browser.devtools()
        if devtools is None:
            raise PdfError("Chromium is not installed (looked for $CHALLENGELAB_CHROMIUM, chromium, "
                           "chromium-browser, google-chrome): PDF skipped. Install Debian's 'chromium' package.")
        pages = pages or PageNumbers(browser, html_path, timeout)
        data = _print_numbered(devtools, html_path.as_uri(), pages, timeout)
    except PdfError:
        raise
    except ChromiumError as exc:
        raise PdfError(str(exc)) from exc
    finally:
        if own:
            browser.close()
    if not data.startswith(b"%PDF-"):
        raise PdfError("Chromium did not produce a PDF")
    pdf_path.write_bytes(data)
    return pdf_path


def _print_numbered(devtools: DevTools, url: str, numbers: PageNumbers, timeout: float) -> bytes:
    """Print ``url`` once it says its figures are drawn, with the contents numbered from ``numbers`` (checked
    against the printed PDF; numbered again from it and reprinted when a destination moved)."""
    tab = Tab(devtools, url)
    try:
        tab.wait_until(READY.format(url=json.dumps(url)), timeout, "the page did not finish drawing its figures")
        pages = numbers.result()
        if pages:
            tab.evaluate(f"({NUMBER_CONTENTS})({json.dumps(pages)})")
        pdf = base64.b64decode(tab.send("Page.printToPDF", PRINT_OPTIONS)["data"])
        actual = destination_pages(pdf)
        if actual and actual != pages:
            tab.evaluate(f"({NUMBER_CONTENTS})({json.dumps(actual)})")
            pdf = base64.b64decode(tab.send("Page.printToPDF", PRINT_OPTIONS)["data"])
        return pdf
    finally:
        tab.close()


def destination_pages(pdf: bytes) -> dict[str, int]:
    """Page number (1-based) of every named destination (the report's anchors) of a PDF written by Chromium.

    Reads the catalogue's ``/Dests`` dictionary and the page tree; returns ``{}`` when the PDF has neither.
    """
    objects = {int(m.group(1)): m.group(2) for m in
               re.finditer(rb"(?m)^(\d+) 0 obj\s*(<<.*?>>)\s*(?:endobj|stream)", pdf, re.S)}
    catalog = next((body for body in objects.values() if re.search(rb"/Type\s*/Catalog", body)), None)
    if catalog is None:
        return {}
    root = re.search(rb"/Pages\s+(\d+) 0 R", catalog)
    dests = re.search(rb"/Dests\s+(\d+) 0 R", catalog)
    if root is None or dests is None or int(dests.group(1)) not in objects:
        return {}
    order: list[int] = []

    def walk(number: int) -> None:
        body = objects.get(number, b"")
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
        if kids is None:
            order.append(number)
            return
        for kid in re.findall(rb"(\d+) 0 R", kids.group(1)):
            walk(int(kid))

    walk(int(root.group(1)))
    page_of = {number: i for i, number in enumerate(order, start=1)}
    found = re.findall(rb"/([^\s/\[\]()<>]+)\s*\[\s*(\d+) 0 R", objects[int(dests.group(1))])
    return {_pdf_name(name): page_of[int(ref)] for name, ref in found if int(ref) in page_of}


def _pdf_name(raw: bytes) -> str:
    """A PDF name token as text (``#xx`` escapes decoded)."""
    return re.sub(rb"#([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("utf-8", "replace")


def count_pages(pdf: Path | bytes) -> int:
    """Number of pages of a PDF written by Chromium (counts ``/Type /Page`` objects)."""
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
