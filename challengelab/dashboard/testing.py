"""Helpers for driving the dashboard in a real browser (tests and benchmarks).

:func:`serve` starts the Streamlit server on a free loopback port and stops it (its own process only) on exit;
:func:`launch_chromium` starts Debian's Chromium through Playwright (never a downloaded browser); the selector
constants and :func:`wait_idle` / :func:`wait_charts` follow Streamlit's DOM.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from challengelab.chromium import find_chromium
from challengelab.dashboard.launch import DATA_ENV, app_script, streamlit_command

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'
EXCEPTION = '[data-testid="stException"]'


def chromium_path() -> str | None:
    """The system's Chromium (:func:`challengelab.chromium.find_chromium`); None if there is none."""
    return find_chromium()


def browser_skip_reason() -> str | None:
    """Why real-browser tests cannot run here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright; never `playwright install`)"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install -y chromium); .ci/run installs it"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(data: str | Path | None = None, *, port: int | None = None, timeout: float = 60,
          log: str | Path | None = None) -> Iterator[str]:
    """Run the dashboard server; yields its base URL; terminates the server (and only it) on exit."""
    port = port or free_port()
    env = dict(os.environ)
    env.pop(DATA_ENV, None)
    if data is not None:
        env[DATA_ENV] = str(Path(data).resolve())
    command = streamlit_command(app_script(), host="127.0.0.1", port=port, browser=False)
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen([sys.executable, *command[1:]], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the dashboard server exited with code {process.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the dashboard server did not answer within {timeout:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        if log:
            out.close()


def launch_chromium(playwright):
    """Debian's Chromium through Playwright (``executable_path``; nothing is downloaded)."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def wait_idle(page, timeout: float = 60_000) -> None:
    """Wait until the current script run has finished (the app is not running)."""
    with contextlib.suppress(Exception):  # the run may start a moment after the interaction
        page.wait_for_selector(RUNNING, timeout=400)
    page.wait_for_selector(IDLE, timeout=timeout)


def wait_settled(page, quiet: float = 0.3, timeout: float = 120.0) -> None:
    """Wait until the app has been idle (no script run) for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_selector(IDLE, timeout=timeout * 1000)
        time.sleep(quiet)
        if page.locator(IDLE).count():
            return
    raise TimeoutError("the app did not settle")


def wait_charts(page, count: int = 1, timeout: float = 60_000) -> None:
    """Wait until at least ``count`` plotly charts are drawn."""
    page.wait_for_function(f"document.querySelectorAll('{CHART}').length >= {count}", timeout=timeout)


def filter_pill(page, label: str, value: str):
    """The pill of ``value`` in the sidebar filter ``label`` (e.g. "Conference", "ISBI"); a click toggles it."""
    return (page.get_by_test_id("stSidebar").get_by_role("toolbar", name=label)
            .get_by_role("button", name=value, exact=True))


_ARM = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__clRan = false; window.__clDone = false;
  if (window.__clObserver) window.__clObserver.disconnect();
  window.__clObserver = new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running') window.__clRan = true;
    else if (window.__clRan && state === 'notRunning') window.__clDone = true;
  });
  window.__clObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


def timed_rerun(page, action, timeout: float = 120_000) -> float:
    """Seconds from ``action()`` (a click, a key press) to the end of the rerun it triggers, painted.

    A MutationObserver watches the app's script state, so a fast rerun is not missed.
    """
    wait_settled(page)
    page.evaluate(_ARM)
    start = time.perf_counter()
    action()
    page.wait_for_function("window.__clDone === true", timeout=timeout)
    page.evaluate(_FRAMES)
    return time.perf_counter() - start
