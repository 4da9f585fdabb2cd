"""The ``challengelab`` command line.

Each command group lives in its own module and registers itself on :data:`app`; heavy libraries are imported
inside the commands so that ``challengelab --help`` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="challengelab",
    help="Meta-research on biomedical image analysis challenges: validate survey data, analyse what winners "
         "do, rank challenge results with uncertainty, write reports, start the dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

# Command modules register themselves on `app` when imported.
from challengelab.cli import survey_commands as _survey_commands  # noqa: E402,F401
from challengelab.cli import report as _report  # noqa: E402,F401
from challengelab.cli import rank as _rank  # noqa: E402,F401
from challengelab.cli import analyze as _analyze  # noqa: E402,F401
from challengelab.cli import dashboard as _dashboard  # noqa: E402,F401
from challengelab.cli import intake as _intake  # noqa: E402,F401


def main() -> None:
    """Console entry point."""
    app()
