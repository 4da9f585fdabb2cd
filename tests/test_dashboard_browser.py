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
    filter_pill,
    launch_chromium,
    serve,
    wait_charts,
    wait_idle,
    wait_settled,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_REASON = browser_skip_reason()
if _REASON:
    pytest.skip(f"real-browser tests skipped: {_REASON}", allow_module_level=True)

#: url path -> (title, charts expected at least)
PAGES = {"": ("What do winning teams do?", 3), "overview": ("What do winning teams do?", 3), "strategies": ("Winning strategies", 2),
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
    assert tab.get_by_text("Page not found").count() == 0  # every page opens at its own address


def test_sidebar_filter_changes_the_page(tab, server):
    open_page(tab, server, "")
    wait_charts(tab, 3)
    sidebar = tab.get_by_test_id("stSidebar")
    filter_pill(tab, "Conference", "ISBI").click()
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
    filter_pill(tab, "Conference", "MICCAI").click()
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
    wait_settled(tab)  # click once the layout stops moving
    button = tab.locator(".st-key-csv_response_coverage_per_task").get_by_text(
        "Download the data behind this figure (CSV)")
    with tab.expect_download() as info:
        button.click()
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


def _local(url: str, server: str) -> bool:
    return url.startswith((server, "data:", "blob:", "about:"))


def test_a_walk_through_every_page_makes_no_request_off_the_machine(chromium_browser, server):
    """Offline by construction: favicon, fonts, scripts and charts all come from the dashboard itself."""
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        for path, (title, n_charts) in PAGES.items():
            open_page(tab, server, path)
            tab.get_by_role("heading", name=title).wait_for()
            if n_charts:
                wait_charts(tab, n_charts)
            wait_idle(tab)
        filter_pill(tab, "Conference", "ISBI").click()  # and a filter, so that every widget has been drawn
        wait_idle(tab)
        tab.wait_for_timeout(1000)  # late requests (favicon, fonts)
    finally:
        context.close()
    assert requests, "no request was recorded"
    outside = sorted({url for url in requests if not _local(url, server)})
    assert outside == []


def _strategy_table(tab) -> list[list[str]]:
    table = tab.get_by_test_id("stTable").first
    table.wait_for()
    return [[cell.inner_text() for cell in row.locator("th, td").all()] for row in table.locator("tr").all()]


def test_a_deep_link_reproduces_the_filters_and_the_numbers(chromium_browser, server):
    first = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = first.new_page()
    tab.set_default_timeout(60_000)
    open_page(tab, server, "strategies")
    filter_pill(tab, "Task category", "segmentation").click()  # a whole disclosure block
    wait_idle(tab)
    tab.get_by_text("Filtered — task category: segmentation").wait_for()
    option = tab.get_by_role("option", name="Fisher exact test")
    for _ in range(5):  # a rerun that lands just after the click closes the list again
        tab.get_by_role("combobox", name="Test", exact=True).click()
        try:
            option.wait_for(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - try again
            wait_idle(tab)
    option.click()
    wait_idle(tab)
    tab.wait_for_function("location.search.includes('test=fisher')")
    link = tab.url
    numbers = _strategy_table(tab)
    first.close()
    assert "task_category=segmentation" in link and "/strategies" in link

    second = chromium_browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = second.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(link)
        wait_idle(tab)
        tab.get_by_text("Filtered — task category: segmentation").wait_for()
        assert "Fisher" in tab.get_by_role("combobox", name="Test", exact=True).input_value()
        assert _strategy_table(tab) == numbers
        assert tab.locator(EXCEPTION).count() == 0
    finally:
        second.close()


def test_a_broken_upload_shows_values_and_problems_grouped_by_cause(tab, server, small_tables, tmp_path):
    from challengelab.survey.write import write_survey_workbook

    tables = {name: frame.copy() for name, frame in small_tables.items()}
    typo = tables["tasks"].loc[0, "task_id"]
    tables["tasks"].loc[0, "task_id"] = typo + "x"  # every response of that task now refers to nothing
    tables["responses"]["augmentation"] = tables["responses"]["augmentation"].astype(object)
    tables["responses"].loc[tables["responses"].index[-1], "augmentation"] = "maybe"
    n_refs = int((small_tables["responses"]["task_id"] == typo).sum())
    path = write_survey_workbook(tmp_path / "broken.xlsx", tables)
    open_page(tab, server, "your-data")
    tab.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    tab.get_by_text("broken.xlsx is not valid").wait_for()
    rows = _strategy_table(tab)
    header, body = rows[0], rows[1:]
    assert {"Value", "Problem", "Rows", "Rows affected"} <= set(header)
    cells = [dict(zip(header, row)) for row in body]
    grouped = [c for c in cells if c["Value"] == typo and c["Sheet"] == "responses"]
    assert len(grouped) == 1 and grouped[0]["Rows affected"] == str(n_refs)  # one line for the cause
    assert "–" in grouped[0]["Rows"] or n_refs < 3
    assert any(c["Value"] == "maybe" and c["Column"] == "augmentation" for c in cells)  # the offending value
    assert tab.locator(EXCEPTION).count() == 0
