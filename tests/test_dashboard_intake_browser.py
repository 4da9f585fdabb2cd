"""The Intake page in a real browser (Debian's Chromium through Playwright): example in, review table out."""

from __future__ import annotations

import os

import pytest

from challengelab.dashboard.testing import EXCEPTION, browser_skip_reason, launch_chromium, serve, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_REASON = browser_skip_reason()
if _REASON:
    pytest.skip(f"real-browser tests skipped: {_REASON}", allow_module_level=True)


def test_intake_page_runs_the_example_in_a_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    shot = os.environ.get("CHALLENGELAB_INTAKE_SCREENSHOT") or str(tmp_path / "intake.png")
    with serve() as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_context(viewport={"width": 1400, "height": 1300}).new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/intake")
        wait_idle(page)
        page.get_by_role("button", name="Use the SYNTHETIC example").click()
        page.get_by_text("For review").first.wait_for()
        wait_idle(page)
        assert page.locator(EXCEPTION).count() == 0
        metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert metrics == ["21", "16", "5", "0"]
        page.get_by_role("button", name="Download the round (.xlsx)").wait_for()
        page.screenshot(path=shot, full_page=True)
        browser.close()
