"""``challengelab dashboard [PATH]``: start the Streamlit dashboard in this process.

PATH is read and validated once, by a worker process that starts before the server (so the two overlap), and the
app takes the result from that worker; an invalid PATH stops the command with every problem listed (exit 1).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from challengelab.cli import app
from challengelab.cli._common import DATA_HELP, console

#: The environment variable through which PATH reaches the app (see challengelab.dashboard.state).
DATA_ENV = "CHALLENGELAB_DATA"


def app_script() -> Path:
    """The Streamlit script of the dashboard (inside the package, so an installed wheel works too)."""
    spec = importlib.util.find_spec("challengelab.dashboard")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("challengelab.dashboard is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "app.py"


def streamlit_command(script: Path, *, host: str, port: int, browser: bool) -> list[str]:
    """The ``python -m streamlit run`` command line (headless-friendly, no usage statistics, no file watcher)."""
    return [sys.executable, "-m", "streamlit", "run", str(script),
            "--server.headless", "false" if browser else "true",
            "--server.address", host, "--server.port", str(port),
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal", "--theme.base", "light"]


def port_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now."""
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


@app.command()
def dashboard(
    path: Annotated[Path | None, typer.Argument(help=DATA_HELP, exists=True, dir_okay=True)] = None,
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 to serve other machines).")] = "127.0.0.1",
    browser: Annotated[bool, typer.Option("--browser/--no-browser", help="Open a browser tab.")] = False,
    check: Annotated[bool, typer.Option("--check/--no-check",
                                        help="Validate PATH first and stop with its problems listed.")] = True,
) -> None:
    """Start the dashboard on the bundled synthetic survey, or on PATH. Stop it with Ctrl+C."""
    from challengelab.cli._common import errors

    hint = busy_port_hint(host, port)
    if hint:
        errors.print(f"[red]error:[/red] {hint}")
        raise typer.Exit(1)
    loading = None
    if path is not None:
        path = path.expanduser().resolve()
        os.environ[DATA_ENV] = str(path)
        if check:
            from challengelab.dashboard import preload

            loading = preload.start(path)
    else:
        os.environ.pop(DATA_ENV, None)
    command = streamlit_command(app_script(), host=host, port=port, browser=browser)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    console.print(f"Starting the dashboard at [bold]http://{shown}:{port}[/bold] "
                  f"({'the bundled synthetic example' if path is None else path.name}); stop with Ctrl+C.")
    sys.stdout.flush()
    sys.stderr.flush()
    from challengelab.dashboard import server

    server.run(command, loading, on_invalid=report_loaded)
    server.exit_process(0)


def report_loaded(loaded) -> int:
    """List every problem of an invalid file; the exit code (0 valid, 1 invalid)."""
    from challengelab.cli._common import errors, print_issues

    if loaded.ok:
        return 0
    print_issues(loaded.issues, source=loaded.path)
    if loaded.row_counts:
        errors.print("rows: " + "; ".join(
            f"{t} {c['rows_in']} in = {c['rows_accepted']} accepted + {c['rows_rejected']} rejected"
            for t, c in loaded.row_counts.items()))
    return 1
