"""The ``challengelab`` command line.

Each command group lives in its own module and registers itself on the Typer app of
:mod:`challengelab.cli.application`; heavy libraries are imported inside the commands so that
``challengelab --help`` stays fast. ``challengelab.cli.app`` is that app with every command registered.
"""

from __future__ import annotations

from challengelab.cli.application import main

__all__ = ["app", "main"]


def __getattr__(name: str):
    if name == "app":
        from challengelab.cli.application import load_commands

        return load_commands()
    raise AttributeError(f"module 'challengelab.cli' has no attribute {name!r}")
