"""Look at a written HTML report the way a reader's browser does (Playwright driving the system's Chromium).

Used by the browser tests and ``benchmarks/bench_report_browser.py``: how long until the first figure is drawn,
whether every figure was drawn, how many page elements there are, and whether tick labels of any figure overlap
(bounding boxes of the labels of one axis compared pairwise). Nothing is downloaded: the Chromium of
:func:`challengelab.chromium.find_chromium` is used, and the page is opened from a ``file://`` address.

>>> from challengelab.report.browser import inspect_report
>>> facts = inspect_report("reports/ranking/report.html")  # doctest: +SKIP
>>> facts.first_figure_seconds < 3, facts.overlaps  # doctest: +SKIP
(True, [])
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from challengelab.chromium import find_chromium

#: Width of the window the reports are checked at (a laptop screen) and its height.
VIEWPORT = {"width": 1280, "height": 900}

_OVERLAPS_JS = """
() => {
  const out = [];
  document.querySelectorAll('.plot').forEach(plot => {
    plot.querySelectorAll('.xaxislayer-above, .yaxislayer-above').forEach(layer => {
      const boxes = [...layer.querySelectorAll('text')]
        .map(t => [t.textContent, t.getBoundingClientRect()])
        .filter(b => b[0].trim() && b[1].width > 0 && b[1].height > 0);
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i][1], b = boxes[j][1];
          const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (ox > 1 && oy > 1) out.push([plot.id, boxes[i][0], boxes[j][0]]);
        }
      }
    });
  });
  return out;
}
"""


@dataclass
class ReportInBrowser:
    """What a browser shows of a report: timings (seconds), counts and problems found."""

    first_figure_seconds: float
    all_figures_seconds: float
    figures: int
    drawn: int
    dom_nodes: int
    synthetic_banner: bool
    overlaps: list[tuple[str, str, str]] = field(default_factory=list)
    #: The page's own performance marks in seconds after navigation start (``plotly-unpacked``,
    #: ``plotly-ready``, ``first-figure``).
    marks: dict[str, float] = field(default_factory=dict)


def launch(playwright):
    """The system's Chromium through Playwright (``executable_path``; nothing is downloaded)."""
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("no Chromium found (install Debian's 'chromium' package or set CHALLENGELAB_CHROMIUM)")
    return playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])


def inspect_page(browser, path: str | Path, *, timeout: float = 120.0) -> ReportInBrowser:
    """Open ``path`` in a new tab of ``browser``, wait for every figure, and measure."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        start = time.perf_counter()
        page.goto(Path(path).resolve().as_uri(), wait_until="domcontentloaded")
        figures = page.locator(".plot").count()
        first = all_drawn = float("nan")
        if figures:
            page.wait_for_selector(".plot .main-svg", timeout=timeout * 1000)
            first = time.perf_counter() - start
            page.wait_for_selector("body[data-figures-drawn]", timeout=timeout * 1000)
            all_drawn = time.perf_counter() - start
        return ReportInBrowser(
            first_figure_seconds=first, all_figures_seconds=all_drawn, figures=figures,
            drawn=page.locator(".plot .main-svg").evaluate_all("els => new Set(els.map(e => e.closest('.plot')))"
                                                              ".size") if figures else 0,
            dom_nodes=page.evaluate("document.getElementsByTagName('*').length"),
            synthetic_banner=page.locator("#synthetic-banner").count() == 1,
            overlaps=[tuple(o) for o in page.evaluate(_OVERLAPS_JS)],
            marks={m["name"]: m["startTime"] / 1000 for m in
                   page.evaluate("performance.getEntriesByType('mark').map(m => ({name: m.name, "
                                 "startTime: m.startTime}))")},
        )
    finally:
        page.close()


def inspect_report(path: str | Path, *, timeout: float = 120.0) -> ReportInBrowser:
    """:func:`inspect_page` in a Chromium started for this one report."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            return inspect_page(browser, path, timeout=timeout)
        finally:
            browser.close()
