"""The numpydoc examples of the ranking modules run and give the documented output."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "challengelab.ranking.assessment", "challengelab.ranking.bootstrap", "challengelab.ranking.compare",
    "challengelab.ranking.consensus", "challengelab.ranking.link", "challengelab.ranking.methods",
    "challengelab.ranking.significance", "challengelab.ranking.spec", "challengelab.ranking.engine", "challengelab.figures.ranking",
    "challengelab.synthetic.assessment",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no examples"
