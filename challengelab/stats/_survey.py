"""Survey-level helpers: item look-up and types, outcome definitions (shared by profile, tests, regression)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Outcomes derived from the ranking within a task (fixed in number per task by design).
RANK_OUTCOMES = ("winner", "top_k", "top_fraction", "rank")


def responses_of(survey: Any) -> tuple[pd.DataFrame, Any]:
    """(responses DataFrame, codebook or None) of a Survey, or of a plain DataFrame."""
    if isinstance(survey, pd.DataFrame):
        return survey, None
    if hasattr(survey, "responses"):
        return survey.responses, getattr(survey, "codebook", None)
    raise TypeError(f"expected a challengelab Survey or a pandas DataFrame, not {type(survey).__name__}")


def item_type(name: str, responses: pd.DataFrame, codebook: Any) -> str:
    """binary, categorical, ordinal, numeric or multi_select (from the codebook, else from the dtype)."""
    if codebook is not None and name in codebook:
        return codebook[name].type
    if name not in responses.columns:
        raise ValueError(f"unknown item {name!r}: not a column of the survey responses")
    s = responses[name]
    if pd.api.types.is_bool_dtype(s.dtype):
        return "binary"
    if isinstance(s.dtype, pd.CategoricalDtype):
        return "ordinal" if s.cat.ordered else "categorical"
    if pd.api.types.is_numeric_dtype(s.dtype):
        values = set(pd.unique(s.dropna()))
        return "binary" if values <= {0, 1} else "numeric"
    return "categorical"


def check_item(name: str, responses: pd.DataFrame, codebook: Any) -> str:
    """Validate that an item exists and has data; return its type."""
    if not isinstance(name, str):
        raise ValueError(f"item names must be strings, not {name!r}")
    kind = item_type(name, responses, codebook)
    if kind == "multi_select":
        columns = multi_select_columns(name, responses, codebook)
        if not columns:
            raise ValueError(f"item {name!r} has no indicator columns in the responses")
        if all(responses[c].isna().all() for c in columns.values()):
            raise ValueError(f"item {name!r} has no answers (every value is missing)")
        return kind
    if name not in responses.columns:
        raise ValueError(f"unknown item {name!r}: not a column of the survey responses")
    if responses[name].isna().all():
        raise ValueError(f"item {name!r} has no answers (every value is missing)")
    return kind


def multi_select_columns(name: str, responses: pd.DataFrame, codebook: Any) -> dict[str, str]:
    """``{level: indicator column}`` of a multi_select item."""
    if codebook is not None and name in codebook:
        return {lv: c for lv, c in codebook[name].indicator_columns().items() if c in responses.columns}
    prefix = f"{name}__"
    return {c[len(prefix):]: c for c in responses.columns if c.startswith(prefix)}


def default_items(responses: pd.DataFrame, codebook: Any) -> list[str]:
    if codebook is not None:
        return [n for n in codebook.names(table="responses")
                if n in responses.columns or codebook[n].type == "multi_select"]
    fixed = {"task_id", "team_id", "rank", "winner", "challenge_id", "task_category", "modality", "n_teams",
             "conference", "year"}
    return [c for c in responses.columns if c not in fixed and "__" not in c]


def strategy_items(responses: pd.DataFrame, codebook: Any) -> list[str]:
    """Binary items of the strategy and algorithm sections (or every boolean column without a codebook)."""
    if codebook is not None:
        return [n for n in codebook.names(section=("strategy", "algorithm"), type="binary")
                if n in responses.columns]
    return [c for c in default_items(responses, None) if item_type(c, responses, None) == "binary"]


def outcome_series(responses: pd.DataFrame, outcome: str, k: int | None = None,
                   q: float | None = None) -> tuple[pd.Series, str]:
    """The outcome as a nullable boolean Series (or the rank for ``"rank"``) and a readable label.

    ``winner``: rank 1 in the task. ``top_k``: rank <= k. ``top_fraction``: rank <= max(1, floor(q * n_teams)),
    i.e. among the best ``q`` share of the task's leaderboard (``n_teams``; the number of responding teams
    when ``n_teams`` is missing). ``rank``: the rank itself. Any other name: a binary column of the responses.
    """
    if outcome == "rank":
        return responses["rank"], "rank"
    if outcome == "winner":
        return responses["winner"].astype("boolean"), "winning the task (rank 1)"
    if outcome == "top_k":
        if k is None or int(k) < 1:
            raise ValueError("outcome 'top_k' needs k >= 1 (e.g. k=3)")
        return (responses["rank"] <= int(k)).astype("boolean"), f"a top-{int(k)} rank in the task"
    if outcome == "top_fraction":
        if q is None or not 0 < float(q) < 1:
            raise ValueError("outcome 'top_fraction' needs 0 < q < 1 (e.g. q=0.1)")
        size = responses["n_teams"] if "n_teams" in responses.columns else None
        counts = responses.groupby("task_id", observed=True)["task_id"].transform("size")
        size = counts if size is None else size.astype("Float64").fillna(counts.astype("Float64"))
        cutoff = np.maximum(1, np.floor(float(q) * size.astype("float64").to_numpy() + 1e-9))
        top = responses["rank"].astype("Float64") <= cutoff
        return top.astype("boolean"), f"a rank in the top {float(q):.0%} of the task's leaderboard"
    if outcome not in responses.columns:
        raise ValueError(f"unknown outcome {outcome!r}: use winner, top_k, top_fraction, rank or a binary "
                         "column of the responses")
    s = responses[outcome]
    values = set(pd.unique(s.dropna()))
    if not (pd.api.types.is_bool_dtype(s.dtype) or values <= {0, 1}):
        raise ValueError(f"outcome {outcome!r} must be binary (True/False or 0/1)")
    if s.isna().all():
        raise ValueError(f"outcome {outcome!r} has no answers (every value is missing)")
    return s.astype("boolean"), outcome


def expand_predictors(predictors: Sequence[str], responses: pd.DataFrame, codebook: Any) -> list[str]:
    """Validated predictor columns; a multi_select item becomes its indicator columns."""
    if isinstance(predictors, str):
        predictors = [predictors]
    columns: list[str] = []
    for name in predictors:
        if name in responses.columns and name not in (codebook or ()):
            if responses[name].isna().all():
                raise ValueError(f"item {name!r} has no answers (every value is missing)")
            columns.append(name)
            continue
        kind = check_item(name, responses, codebook)
        if kind == "multi_select":
            columns.extend(multi_select_columns(name, responses, codebook).values())
        else:
            columns.append(name)
    return columns


def wilson_interval(count: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (as statsmodels ``proportion_confint(method="wilson")``); NaN where n = 0."""
    from statsmodels.stats.proportion import proportion_confint

    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, 1)
    low, high = proportion_confint(count, safe, alpha=1 - level, method="wilson")
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"
