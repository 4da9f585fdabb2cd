"""Every numpydoc example of the library layers runs and gives the documented output.

The faces (cli, dashboard, report) are left out: their modules start servers or write files when imported in
the wrong context, and their behaviour is tested directly.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest


LIBRARY = ("survey", "intake", "synthetic", "stats", "ranking", "tables", "figures")
TOP = ("challengelab.vocabulary", "challengelab.errors", "challengelab.limits")


def _library_modules() -> list[str]:
    names = list(TOP)
    for package in LIBRARY:
        try:
            module = importlib.import_module(f"challengelab.{package}")
        except ModuleNotFoundError:
            continue
        names.append(module.__name__)
        names.extend(info.name for info in pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}."))
    return sorted(names)


MODULES = _library_modules()


def test_the_walk_finds_the_library():
    assert {"challengelab.stats.clogit", "challengelab.ranking.bootstrap", "challengelab.tables.format",
            "challengelab.survey.codebook"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
