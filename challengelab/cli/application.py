"""The ``challengelab`` Typer application and its entry point.

Each command lives in a module of this package that registers it on :data:`app` when imported
(:data:`COMMAND_MODULES`). :func:`main` imports only the module of the command named on the command line (all of
them for ``--help`` or an unknown name), so that e.g. ``challengelab dashboard`` does not build every other
command's options before it starts the server.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

import typer

app = typer.Typer(
    name="challengelab",
    help="Meta-research on biomedical image analysis challenges: validate survey data, analyse what winners "
         "do, rank challenge results with uncertainty, write reports, start the dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _commands() -> None:
    # A callback keeps ``challengelab COMMAND`` a group of subcommands also when main() registered one command
    # only (Typer would otherwise run that command as the program itself). The help text is the app's.
    pass


#: Command name -> the module of this package that defines it, in the order of ``challengelab --help``.
COMMAND_MODULES = {
    "validate": "survey_commands", "info": "survey_commands", "template": "survey_commands",
    "simulate": "survey_commands", "report": "report", "rank": "rank", "analyze": "analyze",
    "dashboard": "dashboard", "questionnaire": "intake", "intake": "intake",
}


def load_commands(names: Iterable[str] | None = None) -> typer.Typer:
    """Register the commands ``names`` (default: every command) on :data:`app` and return it."""
    wanted = COMMAND_MODULES if names is None else {n: COMMAND_MODULES[n] for n in names}
    for module in dict.fromkeys(wanted.values()):
        importlib.import_module(f"challengelab.cli.{module}")
    return app


def main() -> None:
    """Console entry point."""
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    load_commands([name] if name in COMMAND_MODULES else None)
    app()
