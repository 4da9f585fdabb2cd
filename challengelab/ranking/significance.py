"""Pairwise significance of algorithm differences (the data of challengeR's significance map)."""

from __future__ import annotations

from typing import Any, Union

import numpy as np
import pandas as pd

from challengelab.ranking.assessment import load_assessment
from challengelab.ranking.methods import TaskRanking, rank
from challengelab.ranking.spec import RankingSpec
from challengelab.vocabulary import DEFAULT_ALPHA

__all__ = ["significance_map", "pairwise_tests"]


def pairwise_tests(
    data: Any,
    *,
    alpha: float = DEFAULT_ALPHA,
    adjust: str = "holm",
    na_treat: Union[str, float, None] = None,
    smaller_is_better: Union[bool, dict, None] = None,
    task: str = "task",
    case: str = "case",
    algorithm: str = "algorithm",
    value: str = "value",
) -> pd.DataFrame:
    """One-sided paired Wilcoxon signed-rank tests for every ordered pair of algorithms in every task.

    The test of ``algorithm`` against ``versus`` has the alternative "``algorithm`` is better" (in the
    direction of the metric); normal approximation with continuity correction, zeros dropped, as challengeR.
    The k(k-1) p-values of a task are adjusted together.

    Returns
    -------
    DataFrame
        ``task``, ``algorithm``, ``versus``, ``p_value``, ``p_adjusted``, ``significant``
        (``p_adjusted <= alpha``, as challengeR).

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.ranking import pairwise_tests
    >>> data = pd.DataFrame({"case": list(range(6)) * 2, "algorithm": ["A"] * 6 + ["B"] * 6,
    ...                      "value": [.91, .88, .93, .85, .90, .87, .80, .84, .79, .86, .81, .83]})
    >>> pairwise_tests(data, task=None, adjust="none")[["algorithm", "versus", "p_value"]].round(6)
      algorithm versus   p_value
    0         A      B  0.029238
    1         B      A  0.982239
    """
    spec = RankingSpec(method="test_then_rank", alpha=alpha, adjust=adjust, na_treat=na_treat,
                       smaller_is_better=smaller_is_better)
    assessment = load_assessment(data, task=task, case=case, algorithm=algorithm, value=value)
    frames = []
    for matrix in assessment.matrices():
        ranking = TaskRanking(matrix, spec)
        raw = ranking.pvalues(adjusted=False)[0]
        adjusted = ranking.pvalues(adjusted=True)[0]
        i, j = np.nonzero(~np.eye(matrix.n_algorithms, dtype=bool))
        frames.append(pd.DataFrame({
            "task": matrix.task, "algorithm": matrix.algorithms[i], "versus": matrix.algorithms[j],
            "p_value": raw[i, j], "p_adjusted": adjusted[i, j], "significant": adjusted[i, j] <= alpha,
        }))
    return pd.concat(frames, ignore_index=True)


def significance_map(data: Any, *, ranking: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
    """The tidy data of a significance map: :func:`pairwise_tests` plus the ranks that order the axes.

    Parameters
    ----------
    data : Assessment, DataFrame or path
        Per-case results.
    ranking : DataFrame, optional
        ``task``, ``algorithm``, ``rank`` used to order the axes (default: test-then-rank with the same
        ``alpha`` and ``adjust``).
    **kwargs
        Passed to :func:`pairwise_tests` (``alpha``, ``adjust`` (default ``"holm"``), ``na_treat``,
        ``smaller_is_better``, column names).

    Returns
    -------
    DataFrame
        The columns of :func:`pairwise_tests` and ``algorithm_rank``, ``versus_rank``.
    """
    tests = pairwise_tests(data, **kwargs)
    if ranking is None:
        names = ("alpha", "adjust", "na_treat", "smaller_is_better", "task", "case", "algorithm", "value")
        arguments = {k: kwargs[k] for k in names if k in kwargs}
        arguments.setdefault("adjust", "holm")
        ranking = rank(data, method="test_then_rank", **arguments)
    order = ranking[["task", "algorithm", "rank"]]
    out = tests.merge(order.rename(columns={"rank": "algorithm_rank"}), on=["task", "algorithm"], how="left")
    out = out.merge(order.rename(columns={"algorithm": "versus", "rank": "versus_rank"}), on=["task", "versus"],
                    how="left")
    return out
