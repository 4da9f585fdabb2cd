"""``challengelab dashboard [PATH]``: start the Streamlit dashboard (replacing this process)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from challengelab.cli import app
from challengelab.cli._common import LIMITS_ENV, LIMITS_HELP, DATA_HELP, console, limits_or_exit, load_or_exit
from challengelab.dashboard.launch import DATA_ENV, app_script, streamlit_command


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
    input_limits = limits_or_exit(limits)
    if limits is not None:
        os.environ[LIMITS_ENV] = limits  # the app reads the same limits (challengelab.cli._common.LIMITS_ENV)
    if path is not None:
        path = path.expanduser().resolve()
        if check:
            survey = load_or_exit(path, limits=input_limits)  # exits 1 listing every problem
            console.print(f"[green]valid[/green]: {path.name} — {len(survey.tasks)} tasks, "
                          f"{len(survey.responses)} responses")
        os.environ[DATA_ENV] = str(path)
    else:
        os.environ.pop(DATA_ENV, None)
    command = streamlit_command(app_script(), host=host, port=port, browser=browser)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]note:[/yellow] listening on {host}: other machines can reach the dashboard and "
                      "upload files to it.")
    console.print(f"Starting the dashboard at [bold]http://{shown}:{port}[/bold] "
                  f"({'the bundled synthetic example' if path is None else path.name}); stop with Ctrl+C.")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)  # replace this process: stopping it stops the server, no orphan
