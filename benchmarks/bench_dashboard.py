"""Dashboard speed in a real browser: command to first chart next to a bare Streamlit app, first rendered chart
and time per filter interaction.

*Command to first chart*: seconds from starting ``challengelab dashboard FILE`` (a newly simulated file each round,
so nothing is cached) to the first plotly chart drawn in the first browser session, measured side by side with the
floor: ``streamlit run`` of a bare app holding one plotly chart, started with the same flags, in the same run
(rounds alternate). The target is a difference under 1 s.

Runs the Streamlit server (as ``challengelab dashboard`` does) and Debian's Chromium through Playwright, on the
bundled data and on a 100x simulated dataset (8,000 tasks, about 59,000 responses; written as a folder of CSV
files, because the Excel reader takes about a minute at that size — pass ``--xlsx`` to measure that too).

    .venv/bin/python benchmarks/bench_dashboard.py [--repeat 5] [--only startup|bundled|100x] [--xlsx]

Prints the figures; asserts nothing (targets: first chart < 5 s, interaction < 1 s on the bundled data).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from challengelab.dashboard.testing import (
    browser_skip_reason,
    filter_pill,
    launch_chromium,
    serve,
    timed_rerun,
    wait_charts,
)


BARE_APP = ("import plotly.graph_objects as go\nimport streamlit as st\n\n"
            "st.plotly_chart(go.Figure(go.Bar(x=[1, 2, 3], y=[3, 1, 2])))\n")


def _launch_to_chart(browser, command: list[str], port: int, timeout: float = 300) -> float:
    """Seconds from starting ``command`` to the first chart drawn in a new browser session on ``port``."""
    import subprocess
    import urllib.request

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:  # as a user would: retry until the server answers
            if process.poll() is not None:
                raise RuntimeError(f"{command[:3]} exited with code {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.02)
            if time.perf_counter() - start > timeout:
                raise TimeoutError("the server did not start")
        page.goto(f"http://127.0.0.1:{port}/")
        wait_charts(page, 1, timeout=timeout * 1000)
        return time.perf_counter() - start
    finally:
        process.terminate()
        process.wait(30)
        context.close()


def startup(rounds: int) -> None:
    """Command to first chart: ``challengelab dashboard NEWFILE`` next to a bare Streamlit app, alternating."""
    from playwright.sync_api import sync_playwright

    from challengelab.dashboard.launch import streamlit_command
    from challengelab.dashboard.testing import free_port
    from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata
    from challengelab.survey.write import write_survey_workbook

    print("\n== command to first chart (new file each round; bare Streamlit app as the floor) ==", flush=True)
    bare_times, ours_times = [], []
    with tempfile.TemporaryDirectory(prefix="challengelab-bench-") as folder, sync_playwright() as playwright:
        bare = Path(folder) / "bare_app.py"
        bare.write_text(BARE_APP)
        browser = launch_chromium(playwright)
        try:
            for i in range(rounds):
                settings = SimulationSettings()
                data = write_survey_workbook(Path(folder) / f"survey_{i}.xlsx", simulate_tables(100 + i, settings),
                                             metadata=simulation_metadata(100 + i, settings))
                port = free_port()
                bare_times.append(_launch_to_chart(
                    browser, streamlit_command(bare, host="127.0.0.1", port=port, browser=False), port))
                port = free_port()
                ours_times.append(_launch_to_chart(browser, [
                    sys.executable, "-c", "from challengelab.cli import main; main()", "dashboard", str(data),
                    "--port", str(port)], port))
                print(f"round {i + 1}: bare {bare_times[-1]:.2f} s, challengelab dashboard {ours_times[-1]:.2f} s "
                      f"(+{ours_times[-1] - bare_times[-1]:.2f} s)", flush=True)
        finally:
            browser.close()
    differences = [o - b for o, b in zip(ours_times, bare_times)]
    print(f"bare Streamlit app, one plotly chart: {summary(bare_times)}")
    print(f"challengelab dashboard NEWFILE.xlsx:  {summary(ours_times)}")
    print(f"difference (target < 1 s): {summary(differences)}", flush=True)


def make_100x(folder: Path, xlsx: bool) -> Path:
    from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata
    from challengelab.survey.write import write_survey_folder, write_survey_workbook

    settings = SimulationSettings(n_tasks=8000, n_challenges=3500, n_winning_respondents=3800)
    tables = simulate_tables(2021, settings)
    metadata = simulation_metadata(2021, settings)
    if xlsx:
        return write_survey_workbook(folder / "survey_100x.xlsx", tables, metadata=metadata)
    return write_survey_folder(folder / "survey_100x", tables, metadata=metadata)


def first_chart(browser, url: str, path: str = "", charts: int = 1, context=None) -> float:
    """Seconds from navigation to the first ``charts`` plotly charts drawn, in a new browser session.

    Without ``context`` the tab opens in a fresh browser profile (nothing cached: the browser downloads and
    compiles Streamlit's and plotly's JavaScript); with one, in a new tab of that (warm) profile.
    """
    own = context is None
    context = context or browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(f"{url}/{path}")
    page.wait_for_selector("h1", timeout=600_000)
    TITLES.append(time.perf_counter() - start)  # the page's first content: the app has answered
    wait_charts(page, charts, timeout=600_000)
    elapsed = time.perf_counter() - start
    page.close()
    if own:
        context.close()
    return elapsed


#: Seconds to the page title of every first_chart() call (app answered; charts not yet drawn).
TITLES: list[float] = []


def filter_interactions(browser, url: str, path: str, repeat: int) -> tuple[list[float], list[float]]:
    """Select a task category and clear it again, ``repeat`` times: (first-time timings, repeated timings).

    Task categories that the disclosure rule lets the pages describe (whole blocks), so that every interaction
    computes the page's tables (a single conference would only show the "cannot be described" notice)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(600_000)
    page.goto(f"{url}/{path}")
    wait_charts(page, 1, timeout=600_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    sidebar = page.get_by_test_id("stSidebar")
    timings = []
    for i in range(repeat):
        for value in ("segmentation", "classification"):
            pill = filter_pill(page, "Task category", value)
            timings.append(timed_rerun(page, pill.click))  # choosing a value reruns the app at once
            clear = sidebar.get_by_role("button", name="Clear filters")
            clear.scroll_into_view_if_needed()
            timings.append(timed_rerun(page, clear.click))
    context.close()
    first, repeated = timings[:4], timings[4:]
    return first, repeated


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"median {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"


def run(name: str, data: Path | None, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    print(f"\n== {name} ==", flush=True)
    start = time.perf_counter()
    with serve(data, timeout=120) as url, sync_playwright() as playwright:
        print(f"server up (health answered): {time.perf_counter() - start:.2f} s", flush=True)
        browser = launch_chromium(playwright)
        try:
            print(f"first chart, first session (cold: imports + loading the data): "
                  f"{first_chart(browser, url):.2f} s (title after {TITLES[-1]:.2f} s)", flush=True)
            print(f"first chart, new session (data cached): {first_chart(browser, url):.2f} s "
                  f"(title after {TITLES[-1]:.2f} s)", flush=True)
            print(f"all 3 overview charts, new session: {first_chart(browser, url, charts=3):.2f} s", flush=True)
            warm = browser.new_context(viewport={"width": 1400, "height": 1000})
            first_chart(browser, url, context=warm)  # fills the browser cache
            tabs = [first_chart(browser, url, context=warm) for _ in range(3)]
            print(f"first chart, new tab of a browser that has visited before (JS cached): {summary(tabs)}; "
                  f"title after {summary(TITLES[-3:])}", flush=True)
            for path in ("strategies", "teams", "models"):
                cold = first_chart(browser, url, path)
                again = first_chart(browser, url, path, context=warm)
                print(f"first chart on /{path}: fresh browser {cold:.2f} s (first computation), "
                      f"visited browser {again:.2f} s (cached)", flush=True)
            warm.close()
            for path in ("", "strategies"):
                first, repeated = filter_interactions(browser, url, path, repeat)
                where = path or "overview"
                print(f"filter interaction on /{where}, first time (computing): {summary(first)}", flush=True)
                print(f"filter interaction on /{where}, repeated (cached): {summary(repeated)}", flush=True)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=4, help="rounds of filter interactions per page")
    parser.add_argument("--only", choices=["startup", "bundled", "100x"], help="run one part only")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the command-to-first-chart comparison")
    parser.add_argument("--xlsx", action="store_true", help="write the 100x dataset as .xlsx (slow to read)")
    args = parser.parse_args(argv)
    reason = browser_skip_reason()
    if reason:
        print(f"cannot run: {reason}")
        return 1
    import os

    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.only in (None, "startup"):
        startup(args.rounds)
    if args.only in (None, "bundled"):
        run("bundled data (80 tasks, 615 responses)", None, args.repeat)
    if args.only in (None, "100x"):
        with tempfile.TemporaryDirectory(prefix="challengelab-bench-") as folder:
            start = time.perf_counter()
            data = make_100x(Path(folder), args.xlsx)
            print(f"\n(100x dataset simulated and written in {time.perf_counter() - start:.1f} s: {data.name})")
            run("100x data (8,000 tasks, ~59,000 responses)", data, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
