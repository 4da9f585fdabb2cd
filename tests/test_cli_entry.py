"""The ``challengelab`` entry point: every command is listed with its module, and a command's start imports only
the module that defines it."""

from __future__ import annotations

import subprocess
import sys

from challengelab.cli import app
from challengelab.cli.application import COMMAND_MODULES


def test_every_command_is_listed_with_the_module_that_defines_it():
    registered = {(c.name or c.callback.__name__): c.callback.__module__ for c in app.registered_commands}
    assert registered == {name: f"challengelab.cli.{module}" for name, module in COMMAND_MODULES.items()}
    assert list(registered) == list(COMMAND_MODULES)  # the order of `challengelab --help`


def _run(*arguments: str) -> subprocess.CompletedProcess:
    code = ("import sys; from challengelab.cli import main; sys.argv = ['challengelab', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('challengelab.cli.')))")
    return subprocess.run([sys.executable, "-c", code, *arguments], capture_output=True, text=True, timeout=120)


def test_a_command_imports_only_its_own_module():
    done = _run("dashboard", "--help")
    assert "Start the dashboard" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "['_common', 'application', 'dashboard']"


def test_help_and_unknown_commands_see_every_command():
    listing = _run("--help").stdout
    for name in COMMAND_MODULES:
        assert name in listing
    unknown = _run("nosuch")
    assert "No such command 'nosuch'" in unknown.stderr + unknown.stdout
