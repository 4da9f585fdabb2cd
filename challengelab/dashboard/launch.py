"""How the dashboard is started: the app script, the Streamlit command line and the data-path variable.

The CLI (``challengelab dashboard``) and the browser-test helpers both start the server from here; nothing in
this module imports Streamlit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from challengelab.dashboard import DATA_ENV  # noqa: F401 - the launcher sets it, the app reads it


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


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def busy_port_hint(host: str, port: int, tries: int = 50) -> str | None:
    """None when ``port`` is free; otherwise a message naming the next free port (if one of the next ``tries``
    is) and the ``--port`` option."""
    if port_free(host, port):
        return None
    free = next((p for p in range(port + 1, min(port + 1 + tries, 65536)) if port_free(host, p)), None)
    hint = f"start it with --port {free} (free now)" if free else "choose another with --port"
    return f"port {port} is in use on {host} (another dashboard or server?): {hint}."


def serve(path: Path | None, *, host: str, port: int, browser: bool, on_invalid) -> None:
    """Run the dashboard server in this process until it stops, then end the process.

    With ``path``, a worker reads and validates the file while the server starts
    (:mod:`challengelab.dashboard.preload`); an invalid file calls ``on_invalid(loaded)`` and the process exits
    with the code it returns.
    """
    from challengelab.dashboard import preload, server

    loading = preload.start(path) if path is not None else None
    server.run(streamlit_command(app_script(), host=host, port=port, browser=browser), loading,
               on_invalid=on_invalid)
    server.exit_process(0)
