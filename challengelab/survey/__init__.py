"""One survey round: the codebook that declares it, reading and validating its tables, the :class:`Survey`.

Data flows one way inside this package: :mod:`~challengelab.survey.codebook` (the questionnaire) ->
:mod:`~challengelab.survey.read` (files to raw tables, located rows) -> :mod:`~challengelab.survey.schema`
(typed, validated columns) -> :mod:`~challengelab.survey.model` (the :class:`Survey` and its cross-table
checks); :mod:`~challengelab.survey.write` writes rounds and templates back out.
"""

from challengelab.survey.codebook import Codebook, CodebookError, Item, load_codebook
from challengelab.survey.model import Survey, example_survey, load_survey

__all__ = ["Codebook", "CodebookError", "Item", "Survey", "example_survey", "load_codebook", "load_survey"]
