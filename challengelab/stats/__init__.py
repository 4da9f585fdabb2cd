"""Statistics on what distinguishes winning solutions, verified against R.

Survey level (take a :class:`challengelab.Survey`):

- :func:`winner_profile` — winners vs. other teams vs. all, per item, with Wilson intervals / quartiles;
- :func:`strategy_tests` — per binary item, the association with winning *within* tasks (exact stratified test);
- :func:`rank_regression` — models linking strategies to winning, top-k membership or the full ranking;
- :class:`AnalysisConfig` and :func:`run_analysis` — the whole analysis, as used by ``challengelab analyze``.

DataFrame level (the building blocks, each matching an R reference):

- :func:`conditional_logit` (``survival::clogit``, exact), :func:`rank_ordered_logit` (``survival::coxph`` with
  strata), both with ``firth=True`` (``coxphf``); :func:`firth_logit` (``logistf``, pooled across
  competitions), :func:`mixed_logit` (``lme4::glmer``, adaptive quadrature), :func:`exact_cmh`
  (``mantelhaen.test(exact = TRUE)``), :func:`mantel_haenszel` (``mantelhaen.test``), :func:`p_adjust`
  (``p.adjust``); :mod:`challengelab.stats.imputation` (MICE and Rubin's rules, ``mice::pool``).

Every model returns a :class:`ModelResult`.
"""

from challengelab.stats._result import ModelResult
from challengelab.stats.analysis import AnalysisResult, analysis_steps, run_analysis
from challengelab.stats.clogit import conditional_logit
from challengelab.stats.adjust import p_adjust
from challengelab.stats.cmh import exact_cmh, mantel_haenszel
from challengelab.stats.config import AnalysisConfig, ConfigError, ModelSpec, OutcomeSpec
from challengelab.stats.firth import firth_logit
from challengelab.stats.mixed import mixed_logit
from challengelab.stats.profiles import winner_profile
from challengelab.stats.regression import rank_regression
from challengelab.stats.rologit import rank_ordered_logit
from challengelab.stats.strategy import strategy_tests

__all__ = [
    "AnalysisConfig",
    "AnalysisResult",
    "ConfigError",
    "ModelResult",
    "ModelSpec",
    "OutcomeSpec",
    "analysis_steps",
    "conditional_logit",
    "exact_cmh",
    "firth_logit",
    "mantel_haenszel",
    "mixed_logit",
    "p_adjust",
    "rank_ordered_logit",
    "rank_regression",
    "run_analysis",
    "strategy_tests",
    "winner_profile",
]
