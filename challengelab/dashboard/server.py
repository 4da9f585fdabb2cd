"""Run the dashboard's Streamlit server inside the calling process (``challengelab dashboard``).

Running in-process (rather than starting ``python -m streamlit`` anew) lets the file given on the command line be
read once while the server starts (:mod:`challengelab.dashboard.preload`: a small file by the warm-up thread, a
large one by a worker started before Streamlit), and lets the imports the first page needs happen while the browser
is still downloading the app. Stopping the command stops the server:
there is no second process to orphan.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from challengelab.dashboard.preload import Loading, LocalLoading


def _watch(loading: Loading | LocalLoading, on_invalid: Callable[[object], int]) -> None:
    if loading.ok() is False:
        exit_process(on_invalid(loading.result()))  # nothing to save: stop the server and this process


WARM_THREAD = "challengelab-warm"


def _quiet_warm_up(record: logging.LogRecord) -> bool:
    """Drop Streamlit's "missing ScriptRunContext" warning for the warm-up thread: it fills caches outside a
    script run on purpose, and the warning (which says itself that it can be ignored) would reach the terminal."""
    return WARM_THREAD not in record.getMessage()


def _warm(loading: Loading | LocalLoading | None, settle: float = 3.0) -> None:
    """Once the server serves: import what the first page needs and compute its overview (while the browser is
    still loading the app), so that the first session finds both ready. The next page's work (the strategy
    tests: scipy, statsmodels) waits until the first script run has ended and ``settle`` seconds more, so that
    it does not compete for the CPU with the first page, in Python or in the browser drawing it.

    Until the overview is computed the garbage collector stays off (:func:`run` turns it off); then what is
    loaded by then (modules, the survey, the first page's caches) is frozen (``gc.freeze``: never scanned again,
    which shortens the full collection Streamlit runs after every script run) and the collector turned on."""
    _wait_for_server()
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_quiet_warm_up)
    try:
        try:
            warm_imports()
        finally:
            if loading is not None:
                loading.begin()  # a small file is read here, now that the server listens (preload.LocalLoading)
        source = _warm_source(loading)
        if source is None:
            return
        from challengelab.dashboard import state

        state.precompute_overview(source)
    except Exception:  # noqa: BLE001 - warming up is an optimisation: the page computes it again if need be
        return
    finally:
        gc.freeze()
        gc.enable()
    try:
        if state.FIRST_RUN_DONE.wait(timeout=120):
            time.sleep(settle)
        state.precompute_strategies(source)
    except Exception:  # noqa: BLE001 - as above
        pass


def _warm_source(loading: Loading | LocalLoading | None):
    """The data source the first page will show (None when the file given is invalid)."""
    from challengelab.dashboard import state

    if loading is None:
        return state.bundled_source()
    if loading.ok():
        return state.path_source(loading.path, loading.hash())
    return None


def _wait_for_server(timeout: float = 60) -> None:
    """Return once Streamlit serves (so that warming up does not slow its start), or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "streamlit.runtime" in sys.modules:
            from streamlit.runtime import Runtime, RuntimeState

            if Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL:
                return
        time.sleep(0.01)


def run(command: list[str], loading: Loading | LocalLoading | None = None,
        on_invalid: Callable[[object], int] = lambda loaded: 1) -> None:
    """Serve ``command`` (a ``python -m streamlit run SCRIPT FLAGS...`` list, see
    :func:`challengelab.cli.dashboard.streamlit_command`) in this process until the server stops.

    ``loading`` (from :func:`challengelab.dashboard.preload.start`): when it reports an invalid file,
    ``on_invalid(loaded)`` lists the problems and returns the exit code, and the process ends with it.
    """
    if loading is not None:
        threading.Thread(target=_watch, args=(loading, on_invalid), name="challengelab-watch", daemon=True).start()
    gc.disable()  # until the first page is prepared (see _warm), which turns it on again
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
