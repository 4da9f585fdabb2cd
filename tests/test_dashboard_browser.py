"""The dashboard in a real browser: Debian's Chromium driven by Playwright against a live Streamlit server.

Skipped, with the reason, when chromium or the playwright package is missing (``.ci/run`` installs chromium).
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from challengelab.dashboard.testing import (
    CHART,
    EXCEPTION,
    browser_skip_reason,
    launch_chromium,
    serve,
    wait_charts,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_REASON = browser_skip_reason()
if _REASON:
    pytest.skip(f"real-browser tests skipped: {_REASON}", allow_module_level=True)

#: url path -> (title, charts expected at least)
PAGES = {"": ("What do winning teams do?", 3), "strategies": ("Winning strategies", 2),
         "teams": ("Teams and leads", 4), "models": ("Rank-linked models", 1),
         "organizers": ("Organizers' view", 2), "explorer": ("Challenge explorer", 1),
         "your-data": ("Your data", 0), "ranking-robustness": ("Ranking robustness", 1)}


@pytest.fixture(scope="module")
def server():
    with serve() as url:
        yield url


@pytest.fixture(scope="module")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def open_page(tab, server, path: str) -> None:
    tab.goto(f"{server}/{path}")
    wait_idle(tab)


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_opens_without_an_exception(tab, server, path):
    title, n_charts = PAGES[path]
    open_page(tab, server, path)
    tab.get_by_role("heading", name=title).wait_for()
    if n_charts:
        wait_charts(tab, n_charts)
    wait_idle(tab)
    assert tab.locator(EXCEPTION).count() == 0
    assert tab.get_by_text("Synthetic data.").count() == 1
    assert tab.locator(CHART).count() >= n_charts


def test_sidebar_filter_changes_the_page(tab, server):
    open_page(tab, server, "")
    wait_charts(tab, 3)
    sidebar = tab.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").first.click()
    tab.get_by_role("option", name="ISBI").click()
    tab.keyboard.press("Escape")
    wait_idle(tab)
    tab.get_by_text("Filtered — conference: ISBI").wait_for()
    wait_charts(tab, 3)
    assert tab.locator(EXCEPTION).count() == 0
    tasks = tab.get_by_test_id("stMetric").filter(has_text="Tasks").get_by_test_id("stMetricValue").inner_text()
    import challengelab

    assert int(tasks) == len(challengelab.example_survey().filter(conference="ISBI").tasks)
    # "Clear filters" empties the widget in the browser too: the next choice starts from nothing
    clear = sidebar.get_by_role("button", name="Clear filters")
    clear.click()
    wait_idle(tab)
    tab.get_by_text("Filtered —").wait_for(state="detached")
    sidebar.get_by_test_id("stMultiSelect").first.click()
    tab.get_by_role("option", name="MICCAI").click()
    tab.keyboard.press("Escape")
    wait_idle(tab)
    tab.get_by_text("Filtered — conference: MICCAI.").wait_for()
    assert tab.locator(EXCEPTION).count() == 0


def test_model_choice_refits(tab, server):
    open_page(tab, server, "models")
    wait_charts(tab, 1)
    tab.get_by_text("Full ranking (every position)").click()
    wait_idle(tab)
    tab.get_by_role("heading", name="Rank-ordered logit").wait_for()
    wait_charts(tab, 1)
    assert tab.locator(EXCEPTION).count() == 0
    assert tab.get_by_text("What was fitted.", exact=True).count() == 1


def test_csv_download_holds_the_figure_data(tab, server):
    import challengelab

    open_page(tab, server, "")
    wait_charts(tab, 3)
    with tab.expect_download() as info:
        tab.get_by_text("Download the data behind this figure (CSV)").first.click()
    download = info.value
    assert download.suggested_filename == "response_coverage_per_task.csv"
    with open(download.path(), "rb") as handle:
        frame = pd.read_csv(io.BytesIO(handle.read()))
    survey = challengelab.example_survey()
    assert len(frame) == len(survey.tasks)
    assert {"task_id", "n_teams", "responses", "response_rate", "winner_responded"} <= set(frame.columns)
    assert frame["responses"].sum() == len(survey.responses)
    assert tab.locator(EXCEPTION).count() == 0


def test_upload_in_the_browser(tab, server, small_workbook):
    open_page(tab, server, "your-data")
    tab.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(small_workbook))
    tab.get_by_text("is valid").wait_for()
    tab.get_by_role("button", name="on every page").click()
    wait_idle(tab)
    tab.get_by_text("The whole dashboard shows this file now").wait_for()
    assert tab.locator(EXCEPTION).count() == 0
