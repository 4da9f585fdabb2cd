"""The report as Markdown: GitHub-style tables, with the figures as PNG files in a folder beside it.

Static figures are drawn by the system's Chromium (Debian's ``/usr/bin/chromium``; nothing is downloaded) with
the plotly.js of the HTML report: ``Plotly.toImage`` draws each figure ``FIGURE_WIDTH`` CSS pixels wide and
rasterises it at ``FIGURE_SCALE`` times that size, in one page of the report's
:class:`~challengelab.report.headless.HeadlessChromium` that loads plotly.js while the report is still being
built.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path

from challengelab.report.headless import ChromiumError, DevTools, HeadlessChromium, Tab
from challengelab.report.document import (
    Code,
    Figure,
    KeyValues,
    Notice,
    Paragraph,
    Report,
    Table,
    filename,
    format_value,
)
from challengelab.outputs import markdown_literal as md

FIGURE_WIDTH = 900
FIGURE_SCALE = 2


class FigureExportError(RuntimeError):
    """Static figures could not be made (no Chromium, or Chromium failed)."""


def figure_filename(figure: Figure) -> str:
    return filename(figure.name) + ".png"


def render_markdown(report: Report, *, figure_dir: str = "figures", with_figures: bool = True) -> str:
    """The report as Markdown text; figures are referenced as ``figure_dir/<name>.png``."""
    report.check()
    lines: list[str] = [f"# {md(report.title)}", ""]
    if report.subtitle:
        lines += [md(report.subtitle), ""]
    if report.generated:
        lines += [f"Generated {md(report.generated)}", ""]
    if report.synthetic:
        lines += [f"> **{md(report.synthetic_text)}**", ""]
    contents = ["## Contents", ""]
    for number, section in enumerate(report.sections, start=1):
        contents.append(f"{number}. [{md(section.title)}](#{section.anchor})")
    contents.append("")
    n_table = n_figure = 0
    for number, section in enumerate(report.sections, start=1):
        if number == report.contents_after + 1:
            lines += contents
        lines += [f'<a id="{section.anchor}"></a>', "", f"## {number}. {md(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                run_in = f"**{md(block.heading)}.** " if block.heading else ""
                lines += [run_in + (f"**{md(block.text)}**" if block.emphasis else md(block.text)), ""]
            elif isinstance(block, Notice):
                title = f"**{md(block.title)}** " if block.title else ""
                marker = {"warning": "Warning: ", "synthetic": "", "info": ""}[block.kind]
                lines += [f"> {marker}{title}{md(block.text)}", ""]
            elif isinstance(block, KeyValues):
                if block.title:
                    lines += [f"### {md(block.title)}", ""]
                lines += ["| item | value |", "|---|---|"]
                lines += [f"| {md(k)} | {md(v)} |" for k, v in block.rows]
                lines.append("")
            elif isinstance(block, Code):
                if block.title:
                    lines += [f"### {md(block.title)}", ""]
                fence = "````" if "```" in block.text else "```"
                lines += [fence, block.text.replace("\r", ""), fence, ""]
            elif isinstance(block, Table):
                n_table += 1
                caption = f"**Table {n_table}. {md(block.title)}**" + (f" {md(block.caption)}" if block.caption
                                                                        else "")
                lines += [caption, "", *markdown_table(block), ""]
            elif isinstance(block, Figure):
                n_figure += 1
                caption = f"**Figure {n_figure}. {md(block.title)}**" + (f" {md(block.caption)}"
                                                                          if block.caption else "")
                if with_figures:
                    lines += [f"![{md(block.title)}]({figure_dir}/{figure_filename(block)})", ""]
                else:
                    lines += ["*(static figure not available: see the HTML report)*", ""]
                lines += [caption, ""]
    return "\n".join(lines).rstrip() + "\n"


def markdown_table(table: Table) -> list[str]:
    if not table.on_page:
        from challengelab.report.html_page import off_page_text

        return [f"*{md(off_page_text(table))}*"]
    frame, cut = table.shown()
    columns = list(frame.columns)
    if not columns:
        return ["(empty table)"]
    kinds = {c: table.kind(c) for c in columns}
    align = ["---:" if kinds[c] != "text" else "---" for c in columns]
    out = ["| " + " | ".join(md(table.header(c)) for c in columns) + " |", "|" + "|".join(align) + "|"]
    for row in frame.itertuples(index=False, name=None):
        out.append("| " + " | ".join(_cell(v, kinds[c]) for c, v in zip(columns, row)) + " |")
    if len(frame) == 0:
        out.append("| " + " | ".join("" for _ in columns) + " |")
    if cut:
        out += ["", f"*{md(cut)}*"]
    return out


def _cell(value: object, kind) -> str:
    text = format_value(value, kind)
    if isinstance(value, str) or kind == "text":
        return md(text)
    return text.replace("|", "\\|")  # a formatted number: digits, signs, %, commas


#: The page that draws PNG figures: plotly.js from a file beside it (compiled while the page loads) and one
#: function, ``figurePng(figure, width, height, scale)`` -> the PNG, base64-encoded.
FIGURE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script src="plotly.js"></script></head>
<body style="margin:0;background:#fff"><script>
window.figurePng = function (fig, width, height, scale, config) {
  var layout = fig.layout || {};
  delete layout.width; delete layout.height;
  return Plotly.toImage({data: fig.data || [], layout: layout, config: config},
                        {format: 'png', width: width, height: height, scale: scale})
    .then(function (url) { return url.slice(url.indexOf(',') + 1); });
};
</script></body></html>
"""


def open_figure_page(devtools: DevTools, scratch: Path, timeout: float) -> Tab:
    """Open :data:`FIGURE_PAGE` (written into ``scratch``) in a tab of its own and wait for plotly.js."""
    import plotly.offline

    folder = Path(scratch) / "figure-page"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plotly.js").write_text(plotly.offline.get_plotlyjs(), encoding="utf-8")
    page = folder / "figures.html"
    page.write_text(FIGURE_PAGE, encoding="utf-8")
    url = page.as_uri()
    tab = Tab(devtools, url)
    tab.wait_until(f"document.readyState === 'complete' && location.href === {json.dumps(url)}", timeout,
                   "the figure page did not load")
    if not tab.evaluate("typeof Plotly === 'object' && typeof figurePng === 'function'"):
        raise ChromiumError("plotly.js did not load in Chromium")
    return tab


class FigurePngs:
    """The PNG figures of one report, drawn in a background thread in the page of
    :func:`open_figure_page` as soon as they are handed over (:meth:`add`), e.g. while the rest of the report is
    still being built; :meth:`write` waits for them. Get the one of a browser with :func:`figure_pngs`.
    """

    def __init__(self, browser: HeadlessChromium, *, width: int = FIGURE_WIDTH, scale: int = FIGURE_SCALE,
                 timeout: float = 600):
        self.browser, self.width, self.scale, self.timeout = browser, width, scale, timeout
        self._todo: queue.Queue = queue.Queue()
        self._added: dict[int, Figure] = {}
        self._done: dict[int, bytes | FigureExportError] = {}
        self._finished = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, figures: Iterable[Figure]) -> None:
        """Start drawing ``figures`` (those not handed over before)."""
        for figure in figures:
            if id(figure) not in self._added:
                self._added[id(figure)] = figure
                self._todo.put(figure)
        if self._thread is None and self._added:
            self._thread = threading.Thread(target=self._draw, daemon=True, name="challengelab-png")
            self._thread.start()

    def write(self, figures: list[Figure], folder: Path) -> list[Path]:
        """Write every figure to ``folder/<name>.png`` (drawing those not yet handed over); raises
        :class:`FigureExportError` when a figure could not be drawn."""
        self.add(figures)
        deadline = time.monotonic() + self.timeout
        with self._finished:
            if not self._finished.wait_for(lambda: all(id(f) in self._done for f in figures),
                                           max(0.0, deadline - time.monotonic())):
                raise FigureExportError(f"static figure export did not finish within {self.timeout:.0f} s")
        failed = next((png for f in figures if isinstance(png := self._done[id(f)], FigureExportError)), None)
        if failed is not None:
            raise failed  # before writing anything: all the figures or none
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / figure_filename(f) for f in figures]
        for path, figure in zip(paths, figures):
            path.write_bytes(self._done[id(figure)])  # type: ignore[arg-type]
        return paths

    def _draw(self) -> None:
        tab: Tab | None = None
        failure: FigureExportError | None = None
        while not self.browser.closed:
            try:
                figure = self._todo.get(timeout=0.2)
            except queue.Empty:
                continue
            if failure is None and tab is None:
                try:
                    tab = self._tab()
                except FigureExportError as exc:
                    failure = exc
            try:
                png = failure or _figure_png(tab, figure, self.width, self.scale, self.timeout)
            except FigureExportError as exc:
                png = exc
            with self._finished:
                self._done[id(figure)] = png
                self._finished.notify_all()

    def _tab(self) -> Tab:
        try:
            devtools = self.browser.devtools()
            if devtools is None:
                raise FigureExportError("no Chromium found (install Debian's 'chromium' package or set "
                                        "CHALLENGELAB_CHROMIUM); static PNG figures were not made")
            return self.browser.figure_page() or open_figure_page(devtools, self.browser.scratch, self.timeout)
        except ChromiumError as exc:
            raise FigureExportError(f"static figure export failed: {exc}") from exc


_FIGURE_PNGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def figure_pngs(browser: HeadlessChromium) -> FigurePngs:
    """The :class:`FigurePngs` of ``browser`` (one per browser, made on first use)."""
    if browser not in _FIGURE_PNGS:
        _FIGURE_PNGS[browser] = FigurePngs(browser)
    return _FIGURE_PNGS[browser]


def write_figure_pngs(figures: list[Figure], folder: Path, *, width: int = FIGURE_WIDTH,
                      scale: int = FIGURE_SCALE, timeout: float = 600,
                      browser: HeadlessChromium | None = None) -> list[Path]:
    """Export every figure to ``folder/<name>.png``, ``width`` x its height in CSS pixels drawn at ``scale``
    times that size (as the HTML report draws it, with the same plotly.js and configuration).

    ``browser``: the report's running :class:`~challengelab.report.headless.HeadlessChromium`, whose
    :func:`figure_pngs` may already be drawing them (default: one started and stopped for this call, with
    ``width``, ``scale`` and ``timeout``). Raises :class:`FigureExportError` when there is no Chromium or it fails.
    """
    if not figures:
        return []
    if browser is not None:
        return figure_pngs(browser).write(figures, folder)
    with HeadlessChromium(figures=open_figure_page, timeout=timeout) as own:
        return FigurePngs(own, width=width, scale=scale, timeout=timeout).write(figures, folder)


def _figure_png(tab: Tab, figure: Figure, width: int, scale: int, timeout: float) -> bytes:
    import base64

    from challengelab.report.html_page import PLOTLY_CONFIG, figure_height, figure_json

    try:
        data = tab.evaluate(f"figurePng({figure_json(figure.figure)}, {int(width)}, {figure_height(figure)}, "
                            f"{scale}, {json.dumps(PLOTLY_CONFIG)})", timeout=timeout)
    except ChromiumError as exc:
        raise FigureExportError(f"static figure export failed for figure {figure.name!r}: {exc}") from exc
    png = base64.b64decode(data or "")
    if not png.startswith(b"\x89PNG"):
        raise FigureExportError(f"static figure export produced no PNG for figure {figure.name!r}")
    return png
