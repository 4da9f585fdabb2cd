"""challengelab: meta-research on biomedical image analysis challenges.

Validated survey data (:func:`load_survey`, :class:`Survey`), statistics on what distinguishes winning
solutions (:mod:`challengelab.stats`), rankings and their uncertainty from per-case results
(:mod:`challengelab.ranking`), plotly figures (:mod:`challengelab.figures`), reports and a dashboard.
"""

from challengelab.survey import Codebook, CodebookError, Item, Survey, example_survey, load_codebook, load_survey
from challengelab.errors import SurveyValidationError, ValidationIssue

from challengelab._version import __version__  # noqa: E402


def __getattr__(name: str):
    # Heavier parts load on first use, so `import challengelab` stays quick.
    if name == "link":
        from challengelab.ranking.link import link

        return link
    if name in ("stats", "ranking", "figures", "synthetic", "tables"):
        import importlib

        return importlib.import_module(f"challengelab.{name}")
    raise AttributeError(f"module 'challengelab' has no attribute {name!r}")


__all__ = [
    "Codebook",
    "CodebookError",
    "Item",
    "Survey",
    "SurveyValidationError",
    "ValidationIssue",
    "__version__",
    "example_survey",
    "link",
    "load_codebook",
    "load_survey",
]
