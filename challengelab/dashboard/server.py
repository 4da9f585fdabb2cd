"""Run the dashboard's Streamlit server inside the calling process (``challengelab dashboard``).

Running in-process (rather than starting ``python -m streamlit`` anew) lets the file given on the command line be
read once, by a worker started before Streamlit (:mod:`challengelab.dashboard.preload`), and lets the imports the
first page needs happen while the browser is still downloading the app. Stopping the command stops the server:
there is no second process to orphan.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future


def _watch(loading: Future, on_invalid: Callable[[object], int]) -> None:
    if not loading.result().ok:
        exit_process(on_invalid(loading.result()))  # nothing to save: stop the server and this process


WARM_THREAD = "challengelab-warm"


def _quiet_warm_up(record: logging.LogRecord) -> bool:
    """Drop Streamlit's "missing ScriptRunContext" warning for the warm-up thread: it fills caches outside a
    script run on purpose, and the warning (which says itself that it can be ignored) would reach the terminal."""
    return WARM_THREAD not in record.getMessage()


def _warm(loading: Future | None, settle: float = 3.0) -> None:
    """Once the server serves: import what the first page needs and compute its overview (while the browser is
    still loading the app), so that the first session finds both ready. The next page's work (the strategy
    tests: scipy, statsmodels) waits until the first script run has ended and ``settle`` seconds more, so that
    it does not compete for the CPU with the first page, in Python or in the browser drawing it."""
    _wait_for_server()
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_quiet_warm_up)
    warm_imports()
    from challengelab.dashboard import state

    try:
        if loading is None:
            source = state.bundled_source()
        elif loading.result().ok:
            source = state.path_source(loading.result().path, loading.result().hash)
        else:
            return
        state.precompute_overview(source)
        if state.FIRST_RUN_DONE.wait(timeout=120):
            time.sleep(settle)
        state.precompute_strategies(source)
    except Exception:  # noqa: BLE001 - warming up is an optimisation: the page computes it again if need be
        pass


def _wait_for_server(timeout: float = 60) -> None:
    """Return once Streamlit serves (so that warming up does not slow its start), or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "streamlit.runtime" in sys.modules:
            from streamlit.runtime import Runtime, RuntimeState

            if Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL:
                return
        time.sleep(0.01)


def run(command: list[str], loading: Future | None = None,
        on_invalid: Callable[[object], int] = lambda loaded: 1) -> None:
    """Serve ``command`` (a ``python -m streamlit run SCRIPT FLAGS...`` list, see
    :func:`challengelab.cli.dashboard.streamlit_command`) in this process until the server stops.

    ``loading`` (from :func:`challengelab.dashboard.preload.start`): when it reports an invalid file,
    ``on_invalid(loaded)`` lists the problems and returns the exit code, and the process ends with it.
    """
    if loading is not None:
        threading.Thread(target=_watch, args=(loading, on_invalid), name="challengelab-watch", daemon=True).start()
    threading.Thread(target=_warm, args=(loading,), name=WARM_THREAD, daemon=True).start()
    from streamlit.web import cli as streamlit_cli

    streamlit_cli.main.main(args=command[3:], prog_name="streamlit", standalone_mode=False)


def exit_process(code: int) -> None:
    """End the process after the server stopped (Streamlit leaves worker threads that would keep it alive)."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def warm_imports() -> None:
    """Import what the first page needs (run in a thread while the browser loads the app)."""
    import plotly.graph_objects as go

    import challengelab.dashboard.app  # noqa: F401 - streamlit, state, figures
    import challengelab.dashboard.ui  # noqa: F401

    go.Figure(go.Bar(x=[0], y=[0])).to_plotly_json()  # plotly loads its validators on first use
