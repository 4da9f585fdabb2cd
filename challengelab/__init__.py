"""challengelab: meta-research on biomedical image analysis challenges.

Validated survey data (:func:`load_survey`, :class:`Survey`), statistics on what distinguishes winning
solutions (:mod:`challengelab.stats`), rankings and their uncertainty from per-case results
(:mod:`challengelab.ranking`), plotly figures (:mod:`challengelab.figures`), reports and a dashboard.
"""

from challengelab._version import __version__

#: Public names and the module that defines them. They load on first use (PEP 562), so that importing a part of
#: the package (the command line, the dashboard launcher) does not import pandas before it needs it.
_NAMES = {name: "challengelab.survey" for name in ("Codebook", "CodebookError", "Item", "Survey", "example_survey",
                                                  "load_codebook", "load_survey")}
_NAMES.update(SurveyValidationError="challengelab.errors", ValidationIssue="challengelab.errors")


def __getattr__(name: str):
    # Heavier parts load on first use, so `import challengelab` stays quick.
    if name in _NAMES:
        import importlib

        value = getattr(importlib.import_module(_NAMES[name]), name)
        globals()[name] = value
        return value
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
