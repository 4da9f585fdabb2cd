"""Browser benchmark of the reports: how fast a reader's Chromium draws them, and whether labels overlap.

Run: ``python benchmarks/bench_report_browser.py [--boot 1000] [--repeat 3]``.

Writes the ranking report of the bundled assessment (1000 bootstrap replicates) and the survey report (HTML),
opens each in the system's Chromium (Playwright, nothing downloaded) and prints: time until the first figure is
drawn (the page's own ``first-figure`` mark and the wall clock seen by Playwright), time until every figure is
drawn, page elements, figures drawn, overlapping tick labels, and whether the synthetic banner is there.

Reference, measured side by side in the same browser: a page holding only plotly.js (inline, uncompressed, as
plotly.py writes it) and one small figure — the least any page with plotly needs on this machine. Targets (issue
11): first figure of the ranking report <= 3 s on an idle machine, HTML <= 3 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def reference_page(folder: Path) -> Path:
    import plotly.graph_objects as go
    import plotly.io as pio

    path = folder / "reference.html"
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[2, 1, 3]))
    html = pio.to_html(fig, include_plotlyjs=True, full_html=True, div_id="ref")
    html = html.replace("</body>", "<script>document.getElementById('ref').on && null;"
                        "new MutationObserver(function(){ if (document.querySelector('.main-svg') && "
                        "!performance.getEntriesByName('first-figure').length) { performance.mark('first-figure'); "
                        "document.body.setAttribute('data-figures-drawn', '1'); }"
                        "}).observe(document.body, {childList: true, subtree: true});</script></body>")
    path.write_text(html.replace('class="plotly-graph-div"', 'class="plotly-graph-div plot"'), encoding="utf-8")
    return path


def write_reports(folder: Path, n_boot: int) -> dict[str, Path]:
    from typer.testing import CliRunner

    from challengelab._paths import example_dir
    from challengelab.cli import app

    runner = CliRunner()
    assessment = next(example_dir().glob("assessment_*.csv"))
    ranking = runner.invoke(app, ["rank", str(assessment), "--bootstrap", str(n_boot), "--seed", "1",
                                  "--out", str(folder / "ranking"), "--format", "html"])
    survey = runner.invoke(app, ["report", "--out", str(folder / "survey"), "--format", "html"])
    for name, result in (("rank", ranking), ("report", survey)):
        if result.exit_code != 0:
            raise SystemExit(f"challengelab {name} failed: {result.output}")
    return {"ranking report": folder / "ranking" / "report.html", "survey report": folder / "survey" / "report.html",
            "reference (plotly.js + 1 figure)": reference_page(folder)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boot", type=int, default=1000, help="bootstrap replicates of the ranking report")
    parser.add_argument("--repeat", type=int, default=3, help="page loads per report (median shown)")
    args = parser.parse_args()
    from challengelab.chromium import find_chromium

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("skipped: the playwright package is not installed (pip install -e '.[dev]')")
        return
    if find_chromium() is None:
        print("skipped: no Chromium (apt-get install chromium)")
        return
    from challengelab.report.browser import inspect_page, launch

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as scratch:
        pages = write_reports(Path(scratch), args.boot)
        results = {}
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for _ in range(args.repeat):  # interleaved, so that a busy moment hits every page alike
                for name, path in pages.items():
                    results.setdefault(name, []).append(inspect_page(browser, path))
            browser.close()
        print(f"Chromium, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; median of {args.repeat} loads")
        reference = statistics.median(r.marks.get("first-figure", r.first_figure_seconds)
                                      for r in results["reference (plotly.js + 1 figure)"])
        for name, runs in results.items():
            mark = statistics.median(r.marks.get("first-figure", r.first_figure_seconds) for r in runs)
            wall = statistics.median(r.first_figure_seconds for r in runs)
            every = statistics.median(r.all_figures_seconds for r in runs)
            last = runs[-1]
            size = pages[name].stat().st_size / 1e6
            print(f"\n== {name}: {size:.2f} MB, {last.figures} figures ({last.drawn} drawn), {last.dom_nodes:,} "
                  "page elements")
            print(f"   first figure drawn (page mark)  {mark:6.2f} s   = {mark / reference:4.1f} x reference")
            print(f"   first figure (Playwright wall)  {wall:6.2f} s;  every figure {every:6.2f} s")
            ready = [r.marks["plotly-ready"] for r in runs if "plotly-ready" in r.marks]
            if ready:
                print(f"   of which plotly.js unpacked and run {statistics.median(ready):6.2f} s after navigation")
            if not name.startswith("reference"):
                print(f"   overlapping tick labels: {len(last.overlaps)}; synthetic banner: "
                      f"{'yes' if last.synthetic_banner else 'NO'}")
                for overlap in last.overlaps[:5]:
                    print(f"     {overlap}")
            if name == "ranking report":
                print(f"   targets: HTML <= 3 MB {'met' if size <= 3 else 'NOT met'}; first figure <= 3 s "
                      f"{'met' if mark <= 3 else 'NOT met (on this machine now)'}")


if __name__ == "__main__":
    main()
