"""``challengelab dashboard [PATH]``: start the Streamlit dashboard in this process.

PATH is read and validated once, by a worker process that starts before the server (so the two overlap), and the
app takes the result from that worker; an invalid PATH stops the command with every problem listed (exit 1).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from challengelab.cli.application import app
from challengelab.cli._common import DATA_HELP, LIMITS_HELP, console, errors, limits_or_exit, print_issues
from challengelab.dashboard.launch import DATA_ENV, busy_port_hint, serve


@app.command()
def dashboard(
    path: Annotated[Path | None, typer.Argument(help=DATA_HELP, exists=True, dir_okay=True)] = None,
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on (default: this machine only; 0.0.0.0 serves "
                                           "every network interface).")] = "127.0.0.1",
    browser: Annotated[bool, typer.Option("--browser/--no-browser", help="Open a browser tab.")] = False,
    check: Annotated[bool, typer.Option("--check/--no-check",
                                        help="Validate PATH first and stop with its problems listed.")] = True,
    limits: Annotated[str | None, typer.Option("--limits", help=LIMITS_HELP)] = None,
) -> None:
    """Start the dashboard on the bundled synthetic survey, or on PATH. Stop it with Ctrl+C."""
    from challengelab.limits import LIMITS_ENV

    limits_or_exit(limits)  # a malformed --limits stops here, with a message
    if limits is not None:
        os.environ[LIMITS_ENV] = limits  # the app and its loader read the same limits
    hint = busy_port_hint(host, port)
    if hint:
        errors.print(f"[red]error:[/red] {hint}")
        raise typer.Exit(1)
    if path is not None:
        path = path.expanduser().resolve()
        os.environ[DATA_ENV] = str(path)
    else:
        os.environ.pop(DATA_ENV, None)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]note:[/yellow] listening on {host}: other machines can reach the dashboard and "
                      "upload files to it.")
    console.print(f"Starting the dashboard at [bold]http://{shown}:{port}[/bold] "
                  f"({'the bundled synthetic example' if path is None else path.name}); stop with Ctrl+C.")
    sys.stdout.flush()
    sys.stderr.flush()
    serve(path if check else None, host=host, port=port, browser=browser, on_invalid=report_loaded)


def report_loaded(loaded) -> int:
    """List every problem of an invalid file; the exit code (0 valid, 1 invalid)."""
    if loaded.ok:
        return 0
    print_issues(loaded.issues, source=loaded.path)
    if loaded.row_counts:
        errors.print("rows: " + "; ".join(
            f"{t} {c['rows_in']} in = {c['rows_accepted']} accepted + {c['rows_rejected']} rejected"
            for t, c in loaded.row_counts.items()))
    return 1
