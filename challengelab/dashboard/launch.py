"""How the dashboard is started: the app script, the Streamlit command line and the data-path variable.

The CLI (``challengelab dashboard``) and the browser-test helpers both start the server from here; nothing in
this module imports Streamlit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

#: The environment variable through which ``challengelab dashboard PATH`` passes PATH to the app.
DATA_ENV = "CHALLENGELAB_DATA"


def app_script() -> Path:
    """The Streamlit script of the dashboard (inside the package, so an installed wheel works too)."""
    spec = importlib.util.find_spec("challengelab.dashboard")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("challengelab.dashboard is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "app.py"


def streamlit_command(script: Path, *, host: str, port: int, browser: bool) -> list[str]:
    """The ``python -m streamlit run`` command line (headless-friendly, no usage statistics, no file watcher, the
    server's upload limit equal to the one the upload page states)."""
    from challengelab.dashboard import UPLOAD_LIMIT_MB

    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "false" if browser else "true",
            "--server.address", host, "--server.port", str(port),
            "--server.maxUploadSize", str(UPLOAD_LIMIT_MB),
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal", "--theme.base", "light"]
