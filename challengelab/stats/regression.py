"""Rank regression: which strategies go with winning, a top rank, or a better rank — within tasks."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal


from challengelab.stats._design import format_terms
from challengelab.stats._result import ModelResult
from challengelab.vocabulary import outcome_key
from challengelab.stats._survey import (
    RANK_OUTCOMES,
    expand_predictors,
    outcome_series,
    responses_of,
)
from challengelab.stats.clogit import conditional_logit
from challengelab.stats.firth import firth_logit
from challengelab.stats.imputation import fit_imputed
from challengelab.stats.mixed import mixed_logit
from challengelab.stats.rologit import rank_ordered_logit

MODELS = ("auto", "conditional_logit", "rank_ordered_logit", "firth_logit", "mixed_logit")


def rank_regression(
    survey: Any,
    items: str | Sequence[str],
    outcome: str = "winner",
    model: Literal["auto", "conditional_logit", "rank_ordered_logit", "firth_logit", "mixed_logit"] = "auto",
    k: int | None = None,
    q: float | None = None,
    strata: str = "task_id",
    group: str = "challenge_id",
    ties: Literal["efron", "breslow"] = "efron",
    n_agq: int = 25,
    ci_level: float = 0.95,
    firth: bool | None = None,
    missing: Literal["complete_cases", "impute"] = "complete_cases",
    n_imputations: int = 20,
    seed: int | None = 2021,
) -> ModelResult:
    """Regress an outcome of the ranking on strategies (or any items), with the model that fits the design.

    Outcomes: ``winner`` (rank 1), ``top_k`` (rank <= k), ``top_fraction`` (rank within the best ``q`` share of
    the leaderboard), ``rank`` (the full ranking), or the name of a binary column that is *not* fixed per task
    (e.g. "beats the baseline"). Positive coefficients always mean "associated with a better rank / winning".

    ``model="auto"`` chooses, and says why in ``method``:

    - ``rank`` -> rank-ordered (exploded) logit stratified by task (uses every position);
    - ``winner`` / ``top_k`` / ``top_fraction`` -> conditional logit stratified by task (the number of winners
      per task is fixed by design, so a random intercept per task is degenerate);
    - in both cases, if a predictor separates the outcome within tasks (e.g. every winner used augmentation),
      maximum likelihood diverges and the *Firth-penalised version of the same stratified model* is fitted
      (``firth=True``); the comparison stays within tasks. The warnings say so. The pooled ``firth_logit``
      stays available by name, but it compares teams across competitions;
    - any other binary outcome -> logistic regression with a random intercept per ``group`` (challenge), by
      maximum likelihood with adaptive Gauss-Hermite quadrature.

    Parameters
    ----------
    survey : Survey or pandas.DataFrame
    items : str or list of str
        Items used as predictors (binary, numeric, categorical; a multi-select item becomes its indicator
        columns).
    outcome : str
    model : {"auto", "conditional_logit", "rank_ordered_logit", "firth_logit", "mixed_logit"}
    k, q : optional
        Parameters of ``top_k`` and ``top_fraction``.
    strata : str
        Task column (strata of the conditional and rank-ordered logit).
    group : str
        Random-intercept grouping of the mixed model.
    ties : {"efron", "breslow"}
        Tied ranks in the rank-ordered logit (the Firth-penalised version always uses Breslow's, as coxphf).
    n_agq : int
        Quadrature nodes of the mixed model.
    ci_level : float
    firth : bool, optional
        Stratified models only: None (default) fits the Firth-penalised version exactly when a predictor
        separates the outcome; True / False force it on / off.
    missing : {"complete_cases", "impute"}
        ``complete_cases`` (default) drops rows with a missing answer (``n_dropped`` on the result);
        ``impute`` fills them by multiple imputation by chained equations and pools the fits by Rubin's rules
        (:mod:`challengelab.stats.imputation`).
    n_imputations, seed : int
        Number of imputed data sets and the random seed (``missing="impute"``).
    Returns
    -------
    ModelResult

    Examples
    --------
    >>> import challengelab
    >>> from challengelab.stats import rank_regression
    >>> fit = rank_regression(challengelab.example_survey(), ["metric_in_design", "failure_analysis"],
    ...                       outcome="rank")
    >>> fit.model
    'rank_ordered_logit'
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
    data, columns, target, label = _prepare(survey, items, outcome, model, k, q, strata, group)
    rank_derived = outcome in RANK_OUTCOMES
    reason = ""
    chosen = model
    if model == "auto":
        chosen, reason = _choose(outcome, rank_derived)
    elif outcome == "rank" and model != "rank_ordered_logit":
        raise ValueError("the full ranking (outcome='rank') needs model='rank_ordered_logit' (or 'auto')")
    elif outcome != "rank" and model == "rank_ordered_logit":
        raise ValueError(f"model 'rank_ordered_logit' needs outcome='rank', not {outcome!r}")
    if missing not in ("complete_cases", "impute"):
        raise ValueError(f"missing must be 'complete_cases' or 'impute', not {missing!r}")
    stratified_firth = firth if firth is not None else (None if model == "auto" else False)

    def fit(frame):
        return _fit(chosen, frame, target, columns, strata, group, ties, n_agq, ci_level, stratified_firth)

    if missing == "impute":
        if stratified_firth is None and chosen in ("conditional_logit", "rank_ordered_logit"):
            stratified_firth = fit(data).firth  # the complete-case fit decides; all imputations then agree
        result = fit_imputed(fit, data, columns, n_imputations, seed, auxiliary=[target], ci_level=ci_level)
    else:
        result = fit(data)

    warnings = list(result.warnings)
    if chosen == "mixed_logit" and rank_derived:
        warnings.append(f"{outcome} is derived from the ranking, which fixes how many rows per task have it; a "
                        "random-intercept model cannot represent that dependence. Prefer the conditional logit.")
    if chosen == "firth_logit" and rank_derived:
        warnings.append(f"{outcome} is derived from the ranking within tasks, but the pooled Firth model compares "
                        "teams across competitions; prefer the conditional or rank-ordered logit (firth=True).")
    method = result.method
    if outcome != "rank" and label != target:
        method = f"{method} ({target} means {label}.)"
    if reason:
        method = f"{method} Model chosen automatically: {reason}"
        if result.firth and result.separated:
            method += (f" Because {format_terms(list(result.separated))} separate(s) the outcome, the "
                       "Firth-penalised version of this stratified model was fitted.")
    return dataclasses.replace(result, warnings=warnings, method=method)


def _prepare(survey, items, outcome, model, k, q, strata, group):
    """(data with the outcome column, predictor columns, outcome column name, outcome label), validated."""
    responses, codebook = responses_of(survey)
    columns = expand_predictors(items, responses, codebook)
    if not columns:
        raise ValueError("give at least one item")
    y, label = outcome_series(responses, outcome, k, q)
    target = outcome_key(outcome, k, q)
    if target in columns:
        raise ValueError(f"the outcome {target!r} cannot also be a predictor")
    rank_derived = outcome in RANK_OUTCOMES
    stratified = model in ("auto", "conditional_logit", "rank_ordered_logit") and rank_derived
    needed = [strata] if stratified else []
    if model == "mixed_logit" or (model == "auto" and not rank_derived):
        needed = [group]
    for column in needed:
        if column not in responses.columns:
            raise ValueError(f"column {column!r} not found in the survey responses")
    data = responses[columns + [c for c in (strata, group) if c in responses.columns]].copy()
    data[target] = y.astype("Float64") if outcome == "rank" else y.astype("boolean")
    if stratified and data[strata].nunique() < 2:
        raise ValueError(f"a stratified model needs at least two strata of {strata!r}; the data has one")
    return data, columns, target, label


def _fit(chosen, data, target, columns, strata, group, ties, n_agq, ci_level, firth) -> ModelResult:
    if chosen == "rank_ordered_logit":
        # "positive = earlier event = better rank" already matches the package's convention
        return rank_ordered_logit(data, target, columns, strata, ties="breslow" if firth else ties,
                                  ci_level=ci_level, firth=firth)
    if chosen == "conditional_logit":
        return conditional_logit(data, target, columns, strata, ci_level=ci_level, firth=firth)
    if chosen == "firth_logit":
        return firth_logit(data, target, columns, ci_level=ci_level)
    return mixed_logit(data, target, columns, group, n_agq=n_agq, ci_level=ci_level)


def _choose(outcome: str, rank_derived: bool) -> tuple[str, str]:
    if outcome == "rank":
        return "rank_ordered_logit", (
            "the outcome is the full ranking, so the rank-ordered logit uses every position (not only the "
            "winner) and compares teams only with teams of the same task."
        )
    if not rank_derived:
        return "mixed_logit", (
            f"{outcome} is not fixed by design within tasks, so a random intercept for the challenge is "
            "identifiable and accounts for teams of the same challenge being alike."
        )
    return "conditional_logit", (
        f"{outcome} is fixed by design within each task (the ranking decides how many teams have it), so a "
        "random intercept per task is degenerate; the conditional logit compares each team only with its "
        "own competitors."
    )
