"""Static pictures of a report's figures: SVG for the PDF, PNG for the Markdown, from one drawing each.

Every figure is drawn once by the plotly.js of the HTML report, in one page of the report's
:class:`~challengelab.report.headless.HeadlessChromium` (the system's Chromium; nothing is downloaded) that loads
plotly.js while Python still analyses the data. ``Plotly.toImage`` gives the figure as SVG, exactly
:data:`~challengelab.report.html_page.PRINT_FIGURE_WIDTH` CSS pixels wide (the printed page's width, so the PDF
shows the figure as drawn); when PNGs are wanted, the same SVG is rasterised at ``scale`` times that size.
Figures are handed over section by section while the report is still being built (:meth:`FigureImages.add`).

>>> from challengelab.report.figure_images import FigureImages
>>> from challengelab.report.headless import HeadlessChromium
>>> with HeadlessChromium(figures=open_figure_page) as browser:  # doctest: +SKIP
...     images = FigureImages(browser, png=True).get([figure])
...     images[0].svg[:4], images[0].png[:4]
('<svg', b'\\x89PNG')
"""

from __future__ import annotations

import base64
import json
import queue
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from challengelab.report.document import Figure
from challengelab.report.headless import ChromiumError, DevTools, HeadlessChromium, Tab
from challengelab.report.html_page import PRINT_FIGURE_WIDTH

#: PNG pixels per CSS pixel.
FIGURE_SCALE = 2

#: The page that draws figures: plotly.js from a file beside it (compiled while the page loads) and one function,
#: ``figureImages(figure, width, height, scale, config, png)`` -> ``{svg, png}`` (the PNG base64-encoded, or
#: null when not asked for).
FIGURE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script src="plotly.js"></script></head>
<body style="margin:0;background:#fff"><script>
window.figureImages = async function (fig, width, height, scale, config, png) {
  var layout = fig.layout || {};
  delete layout.width; delete layout.height;
  var url = await Plotly.toImage({data: fig.data || [], layout: layout, config: config},
                                 {format: 'svg', width: width, height: height});
  var out = {svg: decodeURIComponent(url.slice(url.indexOf(',') + 1)), png: null};
  if (png) {
    var image = new Image();
    image.src = url;
    await image.decode();
    var canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    var context = canvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    var data = canvas.toDataURL('image/png');
    out.png = data.slice(data.indexOf(',') + 1);
  }
  return out;
};
</script></body></html>
"""


class FigureExportError(RuntimeError):
    """Static figures could not be made (no Chromium, or Chromium failed)."""


@dataclass(frozen=True)
class FigureImage:
    """One figure drawn: its SVG text, and its PNG bytes when asked for."""

    svg: str
    png: bytes | None = None


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
    if not tab.evaluate("typeof Plotly === 'object' && typeof figureImages === 'function'"):
        raise ChromiumError("plotly.js did not load in Chromium")
    return tab


class FigureImages:
    """The pictures of one report's figures, drawn in a background thread in the page of
    :func:`open_figure_page` as soon as they are handed over (:meth:`add`); :meth:`get` waits for them.

    Parameters
    ----------
    browser : HeadlessChromium
        The report's browser (its :meth:`~HeadlessChromium.figure_page` is used when it has one).
    png : bool
        Also rasterise each SVG to PNG (for the Markdown).
    width, scale : int
        Width in CSS pixels (default: the printed page's) and PNG pixels per CSS pixel.
    """

    def __init__(self, browser: HeadlessChromium, *, png: bool = True, width: int = PRINT_FIGURE_WIDTH,
                 scale: int = FIGURE_SCALE, timeout: float = 600):
        self.browser, self.png, self.width, self.scale, self.timeout = browser, png, width, scale, timeout
        self._todo: queue.Queue = queue.Queue()
        self._added: dict[int, Figure] = {}
        self._done: dict[int, FigureImage | FigureExportError] = {}
        self._finished = threading.Condition()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def add(self, figures: Iterable[Figure]) -> None:
        """Start drawing ``figures`` (those not handed over before)."""
        with self._starting:
            for figure in figures:
                if id(figure) not in self._added:
                    self._added[id(figure)] = figure
                    self._todo.put(figure)
            if self._thread is None and self._added:
                self._thread = threading.Thread(target=self._draw, daemon=True, name="challengelab-figures")
                self._thread.start()

    def get(self, figures: list[Figure]) -> list[FigureImage]:
        """The pictures of ``figures`` (drawing those not yet handed over), in order; raises
        :class:`FigureExportError` when one could not be drawn."""
        self.add(figures)
        deadline = time.monotonic() + self.timeout
        with self._finished:
            if not self._finished.wait_for(lambda: all(id(f) in self._done for f in figures),
                                           max(0.0, deadline - time.monotonic())):
                raise FigureExportError(f"static figure export did not finish within {self.timeout:.0f} s")
        out = [self._done[id(f)] for f in figures]
        failed = next((image for image in out if isinstance(image, FigureExportError)), None)
        if failed is not None:
            raise failed
        return out  # type: ignore[return-value]

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
                image = failure or self._image(tab, figure)
            except FigureExportError as exc:
                image = exc
            except Exception as exc:  # noqa: BLE001 - e.g. a figure that is not JSON; told to the waiting thread
                image = FigureExportError(f"static figure export failed for figure {figure.name!r}: "
                                          f"{type(exc).__name__}: {exc}")
            with self._finished:
                self._done[id(figure)] = image
                self._finished.notify_all()

    def _tab(self) -> Tab:
        try:
            devtools = self.browser.devtools()
            if devtools is None:
                raise FigureExportError("no Chromium found (install Debian's 'chromium' package or set "
                                        "CHALLENGELAB_CHROMIUM); static figures were not made")
            return self.browser.figure_page() or open_figure_page(devtools, self.browser.scratch, self.timeout)
        except ChromiumError as exc:
            raise FigureExportError(f"static figure export failed: {exc}") from exc

    def _image(self, tab: Tab, figure: Figure) -> FigureImage:
        from challengelab.report.html_page import PLOTLY_CONFIG, figure_height, figure_json

        try:
            drawn = tab.evaluate(f"figureImages({figure_json(figure.figure)}, {int(self.width)}, "
                                 f"{figure_height(figure)}, {self.scale}, {json.dumps(PLOTLY_CONFIG)}, "
                                 f"{'true' if self.png else 'false'})", timeout=self.timeout)
        except ChromiumError as exc:
            raise FigureExportError(f"static figure export failed for figure {figure.name!r}: {exc}") from exc
        svg = (drawn or {}).get("svg") or ""
        if not svg.startswith("<svg"):
            raise FigureExportError(f"static figure export produced no SVG for figure {figure.name!r}")
        png = None
        if self.png:
            png = base64.b64decode((drawn or {}).get("png") or "")
            if not png.startswith(b"\x89PNG"):
                raise FigureExportError(f"static figure export produced no PNG for figure {figure.name!r}")
        return FigureImage(svg, png)


_REGISTRY: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def figure_images(browser: HeadlessChromium, *, png: bool | None = None) -> FigureImages:
    """The :class:`FigureImages` of ``browser`` (one per browser, made on first use; ``png`` is set then, by
    :func:`challengelab.report.output.report_browser`, and must agree later)."""
    images = _REGISTRY.get(browser)
    if images is None:
        images = _REGISTRY[browser] = FigureImages(browser, png=True if png is None else png)
    elif png and not images.png:
        raise ValueError("the figures of this browser are drawn without PNGs")
    return images
