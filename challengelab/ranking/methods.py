"""Ranking methods: aggregate-then-rank, rank-then-aggregate and test-then-rank."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import numpy as np
import pandas as pd

from challengelab.ranking import engine
from challengelab.ranking.assessment import TaskMatrix, load_assessment
from challengelab.ranking.spec import RankingSpec
from challengelab.vocabulary import DEFAULT_ALPHA

__all__ = ["rank", "case_ranks", "as_spec", "TaskRanking", "MissingValuesError", "rank_dtype", "ranking_frame",
           "task_frame", "combine_task_frames"]


class MissingValuesError(ValueError):
    """The data has missing values and the ranking method needs ``na_treat`` to say how to treat them."""


_DEFAULTS = {"method": None, "aggregate": "mean", "ties": "min", "na_treat": None, "alpha": 0.05,
             "adjust": "none", "smaller_is_better": None, "seed": None}


def as_spec(spec: RankingSpec | dict | None = None, **arguments: Any) -> RankingSpec:
    """Return ``spec`` (a RankingSpec or its dictionary) or build one from keyword arguments (not both)."""
    if spec is not None:
        conflicting = sorted(k for k, v in arguments.items() if k in _DEFAULTS and not _same(v, _DEFAULTS[k]))
        if conflicting:
            raise TypeError(f"pass either spec= or ranking arguments, not both (got {', '.join(conflicting)})")
        return RankingSpec.from_dict(spec) if isinstance(spec, dict) else spec
    if arguments.get("method") is None:
        raise TypeError("a ranking needs method= ('aggregate_then_rank', 'rank_then_aggregate' or "
                        "'test_then_rank') or spec=")
    return RankingSpec(**{k: v for k, v in arguments.items() if v is not None or k in ("na_treat", "seed")})


def _same(value: Any, default: Any) -> bool:
    try:
        return bool(value == default) if not callable(value) else False
    except Exception:  # e.g. arrays
        return False


def alphabetical_positions(names: np.ndarray) -> np.ndarray:
    """Position of every name in case-insensitive alphabetical order (lower case first on equal letters).

    This is the order in which challengeR breaks ``ties="first"`` (algorithms are factor levels, sorted by R's
    collation). Examples: ``alphabetical_positions(np.array(["b", "A", "a"]))`` is ``[2, 1, 0]``.
    """
    keys = [(str(n).casefold(), str(n).swapcase()) for n in names]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    positions = np.empty(len(keys), np.int64)
    positions[order] = np.arange(len(keys))
    return positions


class TaskRanking:
    """A spec bound to one task's data: computes scores and ranks for a stack of case weightings.

    ``counts`` is ``None`` for the full data or a ``(B, n)`` array of case counts; ``indices`` the matching
    ``(B, n)`` resampled case indices (needed by order-statistic and callable aggregates and by
    ``resampling="challenger"``).
    """

    def __init__(self, matrix: TaskMatrix, spec: RankingSpec):
        self.matrix = matrix
        self.spec = spec
        self.smaller_is_better = spec.direction(matrix.task, default=matrix.smaller_is_better)
        self.values = _treat_missing(matrix, spec)
        self.badness_values = self.values if self.smaller_is_better else -self.values
        self.n, self.k = self.values.shape
        self.first_order = alphabetical_positions(matrix.algorithms)
        self._layout: engine.CaseTieLayout | None = None
        if spec.method == "rank_then_aggregate":
            keys = None
            if spec.ties == "random":
                keys = np.random.default_rng(spec.seed).random(self.values.shape)
            self.case_ranks = engine.rank_cases(self.badness_values, spec.ties, keys)  # "first": input order
            if spec.na_treat == "drop":
                self.case_ranks = np.where(np.isnan(self.values), np.nan, self.case_ranks)
        elif spec.method == "test_then_rank":
            # an algorithm without any result takes no part in the tests (challengeR drops its rows)
            self.tested = np.flatnonzero(~np.isnan(self.values).all(axis=0))
            self.wilcoxon = engine.PairedWilcoxon(-self.badness_values[:, self.tested])

    # -------------------------------------------------------------------------------------------- scores
    def _aggregate(self, x: np.ndarray, counts: np.ndarray | None, indices: np.ndarray | None) -> np.ndarray:
        agg = self.spec.aggregate
        if agg == "mean":
            if counts is None:
                return engine.exact_mean(x)[None, :]
            return engine.weighted_mean(x, counts)
        samples = x[None, :, :] if indices is None else x[indices]
        return _aggregate_samples(agg, samples)

    def scores(self, counts: np.ndarray | None = None, indices: np.ndarray | None = None) -> np.ndarray:
        """Scores ``(B, k)`` as reported (aggregate in metric units, mean rank, or share of wins)."""
        method = self.spec.method
        challenger = self.spec.resampling == "challenger" and counts is not None
        if method == "aggregate_then_rank":
            return self._aggregate(self.values, counts, indices)
        if method == "rank_then_aggregate":
            if challenger:
                return _aggregate_samples(self.spec.aggregate, self.challenger_case_ranks(indices))
            return self._aggregate(self.case_ranks, counts, indices)
        if challenger:  # challengeR's tests keep one row per case id
            counts = np.minimum(counts, 1.0)
        pvalues = self.pvalues(counts, adjusted=True)
        wins = (pvalues <= self.spec.alpha).sum(axis=-1).astype(float)
        scores = np.full(wins.shape, np.nan)
        m = len(self.tested)
        if m > 1:
            scores[:, self.tested] = wins[:, self.tested] / (m - 1)
        return scores

    def pvalues(self, counts: np.ndarray | None = None, adjusted: bool = True) -> np.ndarray:
        """Ordered-pair p-values ``(B, k, k)`` (``[b, i, j]``: i better than j), adjusted together per task.

        Algorithms without any result have NaN p-values; they are not counted as tests.
        """
        if counts is None:
            counts = np.ones((1, self.n))
        sub = self.wilcoxon.pvalues(counts)
        m = len(self.tested)
        if adjusted and self.spec.adjust != "none" and m > 1:
            off = ~np.eye(m, dtype=bool)
            sub[:, off] = adjust_task_pvalues(sub[:, off], self.spec.adjust)
        if m == self.k:
            return sub
        out = np.full((counts.shape[0], self.k, self.k), np.nan)
        out[:, self.tested[:, None], self.tested[None, :]] = sub
        return out

    def badness(self, scores: np.ndarray) -> np.ndarray:
        """Turn scores into "smaller is better" keys for ranking."""
        method = self.spec.method
        if method == "aggregate_then_rank":
            return scores if self.smaller_is_better else -scores
        if method == "rank_then_aggregate":
            return scores
        return -scores

    def ranks(self, scores: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
        tolerance = 0.0 if self.spec.method == "test_then_rank" else self.spec.tie_tolerance
        if self.spec.ties == "random" and keys is None:
            keys = np.random.default_rng(self.spec.seed).random(scores.shape)
        return engine.rank_rows(self.badness(scores), self.spec.ties, tolerance, keys, self.first_order)

    def challenger_case_ranks(self, indices: np.ndarray) -> np.ndarray:
        """Per-case ranks ``(B, n, k)`` of resampled cases ranked as challengeR's bootstrap does.

        challengeR merges the drawn case ids with the data and ranks each case id once: the ``c`` copies of a
        case drawn ``c`` times are ranked together, ``c * k`` entries with every algorithm tied with its own
        copies (copies in draw order, algorithms in input order within a copy).
        """
        if self._layout is None:
            keys = None
            if self.spec.ties == "random":
                keys = np.random.default_rng(self.spec.seed).random(self.values.shape)
            self._layout = engine.CaseTieLayout(self.badness_values, self.spec.ties, keys)
        copies = engine.counts_from_indices(indices, self.n)  # (B, n) draws per case
        c = np.take_along_axis(copies, indices, axis=1)[:, :, None]  # (B, n, 1) copies of the drawn case
        occurrence = engine.occurrence_numbers(indices)[:, :, None]  # 0 for the first copy, 1 for the second ...
        ranks = self._layout.ranks(indices, c, occurrence)
        if self.spec.na_treat == "drop":
            ranks = np.where(np.isnan(self.values[indices]), np.nan, ranks)
        return ranks


def _treat_missing(matrix: TaskMatrix, spec: RankingSpec) -> np.ndarray:
    values = matrix.values
    if not np.isnan(values).any():
        return values
    if isinstance(spec.na_treat, float):
        return np.where(np.isnan(values), spec.na_treat, values)
    if spec.na_treat is None and spec.method != "rank_then_aggregate":
        n_missing = int(np.isnan(values).sum())
        raise MissingValuesError(
            f"task {matrix.task!r} has {n_missing} missing value(s); {spec.method} needs na_treat='drop' "
            "or a number to substitute")
    return values


def _aggregate_samples(agg: Any, samples: np.ndarray) -> np.ndarray:
    """Aggregate ``samples (B, n, k)`` over the cases (NaN ignored)."""
    if agg == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            present = ~np.isnan(samples)
            return np.where(present, samples, 0.0).sum(axis=1) / present.sum(axis=1)
    if callable(agg):
        return engine.call_aggregate(agg, samples)
    return engine.order_statistic(samples, agg)


def adjust_task_pvalues(p: np.ndarray, method: str) -> np.ndarray:
    """The one place where the ranking adjusts p-values (rows = replicates, columns = a task's ordered pairs):
    :func:`challengelab.stats.adjust.p_adjust` with R's ``p.adjust`` semantics, NaN stays NaN and is not counted
    as a test (challengeR leaves untestable pairs out of the family)."""
    from challengelab.stats.adjust import p_adjust

    return p_adjust(p, method, count_nan=False)


def rank_dtype(ranks: np.ndarray, ties: str) -> np.ndarray:
    """Ranks as integers, except with ``ties="average"`` (and NaN ranks) where they stay floats."""
    if ties == "average" or np.isnan(ranks).any():
        return ranks
    return ranks.astype(np.int64)


def rank(
    data: Any,
    *,
    method: str | None = None,
    aggregate: Union[str, float, Callable[..., Any]] = "mean",
    ties: str = "min",
    na_treat: Union[str, float, None] = None,
    alpha: float = DEFAULT_ALPHA,
    adjust: str = "none",
    smaller_is_better: Union[bool, dict, None] = None,
    seed: int | None = None,
    spec: RankingSpec | None = None,
    task: str = "task",
    case: str = "case",
    algorithm: str = "algorithm",
    value: str = "value",
) -> pd.DataFrame:
    """Rank the algorithms of every task from per-case results.

    Parameters
    ----------
    data : Assessment, DataFrame or path
        Per-case results (see :func:`load_assessment`); anything but an :class:`Assessment` is loaded and
        validated first, with the column names given by ``task``, ``case``, ``algorithm`` and ``value``.
    method : {"aggregate_then_rank", "rank_then_aggregate", "test_then_rank"}
        See :class:`RankingSpec`.
    aggregate, ties, na_treat, alpha, adjust, seed
        See :class:`RankingSpec`.
    smaller_is_better : bool, mapping of task to bool, or None
        Direction of the metric. ``None`` (default) takes it from the assessment, where larger is better
        unless ``load_assessment`` was told otherwise.
    spec : RankingSpec, optional
        A complete spec instead of the individual arguments.

    Returns
    -------
    DataFrame
        ``task``, ``algorithm``, ``score``, ``rank``; sorted by task (input order) and rank. ``score`` is the
        aggregate in metric units (aggregate-then-rank), the aggregated case rank (rank-then-aggregate) or the
        share of the other algorithms an algorithm beats significantly (test-then-rank). ``rank`` is an integer
        (a float with ``ties="average"``). Algorithms whose score is missing rank last. ``attrs["spec"]``
        holds the spec as a dictionary (when serialisable).

    Notes
    -----
    Outputs match challengeR 1.0.5 (checked against an emulation of its algorithm in base R, see
    ``tests/reference/ranking/challenger_emulation.R``), except where stated.

    * Ties: two aggregated scores ``a``, ``b`` tie when ``|a - b| <= tie_tolerance * max(|a|, |b|)`` (relative,
      default 1e-10), so metrics of 1e-11 are ranked apart as in R, and full-data means are computed with a
      correctly rounded sum: the means of (0.9, 0.8, 0.7, 0.6) and (0.95, 0.85, 0.55, 0.65) are both exactly 0.75
      and tie, as in R. ``ties="first"`` breaks ties of scores in alphabetical order of the algorithms, as
      challengeR.
    * Test-then-rank: one-sided paired Wilcoxon signed-rank tests (normal approximation with continuity
      correction, zeros dropped; p = 1 when every difference is zero), all k(k-1) p-values of a task adjusted
      together; an algorithm wins against another when its adjusted p-value is at most ``alpha``; the score is
      the share of the other tested algorithms it beats. With ``na_treat="drop"`` an algorithm without any
      result in a task is not tested (not counted in the adjustment).
    * Deliberate differences: an algorithm whose score is missing (no result at all in a task) is kept and ranks
      last; challengeR leaves it out of that task. Rank-then-aggregate with ``ties="max"`` or ``"first"`` ranks
      missing values last in their case (see :func:`case_ranks`); challengeR leaves them unranked.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.ranking import rank
    >>> data = pd.DataFrame({"task": "T1", "case": [1, 2, 3, 4] * 3,
    ...                      "algorithm": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
    ...                      "value": [.90, .80, .70, .60, .95, .85, .55, .65, .50, .90, .60, .40]})
    >>> rank(data, method="aggregate_then_rank")
      task algorithm  score  rank
    0   T1         A   0.75     1
    1   T1         B   0.75     1
    2   T1         C   0.60     3
    >>> rank(data, method="rank_then_aggregate")["rank"].tolist()
    [1, 2, 3]
    """
    spec = as_spec(spec, method=method, aggregate=aggregate, ties=ties, na_treat=na_treat, alpha=alpha,
                   adjust=adjust, smaller_is_better=smaller_is_better, seed=seed)
    assessment = load_assessment(data, task=task, case=case, algorithm=algorithm, value=value)
    return ranking_frame([TaskRanking(matrix, spec) for matrix in assessment.matrices()], spec)


def ranking_frame(rankings: list[TaskRanking], spec: RankingSpec) -> pd.DataFrame:
    """The full-data ranking table of :func:`rank` from tasks already bound to ``spec``."""
    return combine_task_frames([task_frame(ranking) for ranking in rankings], spec)


def task_frame(ranking: TaskRanking) -> pd.DataFrame:
    """``task``, ``algorithm``, ``score``, ``rank`` of one task's full data."""
    scores = ranking.scores()[0]
    ranks = ranking.ranks(scores[None, :])[0]
    return pd.DataFrame({"task": ranking.matrix.task, "algorithm": ranking.matrix.algorithms, "score": scores,
                         "rank": rank_dtype(ranks, ranking.spec.ties)})


def combine_task_frames(frames: list[pd.DataFrame], spec: RankingSpec) -> pd.DataFrame:
    """Stack per-task rankings, sorted by task (input order) and rank; the spec goes into ``attrs``."""
    result = _sort(pd.concat(frames, ignore_index=True))
    if spec.serialisable:
        result.attrs["spec"] = spec.to_dict()
    return result


def _sort(frame: pd.DataFrame) -> pd.DataFrame:
    task_order = {t: i for i, t in enumerate(pd.unique(frame["task"]))}
    key = frame["task"].map(task_order)
    return (frame.assign(_t=key.to_numpy(), _o=np.arange(len(frame)))
            .sort_values(["_t", "rank", "_o"], kind="stable")
            .drop(columns=["_t", "_o"]).reset_index(drop=True))


def case_ranks(
    data: Any,
    *,
    ties: str = "min",
    smaller_is_better: Union[bool, dict, None] = None,
    seed: int | None = None,
    task: str = "task",
    case: str = "case",
    algorithm: str = "algorithm",
    value: str = "value",
) -> pd.DataFrame:
    """Rank the algorithms within every case (missing values rank last in their case).

    Missing values rank after every present value of their case: with ``ties="min"`` or ``"random"`` each gets
    the largest present rank plus one, with ``"average"`` the largest present rank plus ``(m + 1) / 2`` for ``m``
    missing values (so several missing values share the last positions), as challengeR's ``rankNA2``. With
    ``"max"`` they share rank ``k`` and with ``"first"`` they take the last ranks in input order; here we
    deliberately differ from challengeR, which leaves them unranked (they drop out of its aggregate).
    ``ties="first"`` breaks ties within a case in input order (challengeR's row order within a case).

    Returns
    -------
    DataFrame
        ``task``, ``case``, ``algorithm``, ``value``, ``rank`` — the input of rank-then-aggregate and of the
        per-case consensus (:func:`consensus` with ``method="per_case"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.ranking import case_ranks
    >>> data = pd.DataFrame({"case": [1, 1, 2, 2], "algorithm": ["A", "B", "A", "B"], "value": [1, 2, 4, 3]})
    >>> case_ranks(data, task=None)["rank"].tolist()
    [2, 1, 1, 2]
    """
    spec = RankingSpec(method="rank_then_aggregate", ties=ties, smaller_is_better=smaller_is_better, seed=seed)
    assessment = load_assessment(data, task=task, case=case, algorithm=algorithm, value=value)
    frames = []
    for matrix in assessment.matrices():
        ranking = TaskRanking(matrix, spec)
        n, k = matrix.values.shape
        frames.append(pd.DataFrame({
            "task": matrix.task,
            "case": np.repeat(matrix.cases, k),
            "algorithm": np.tile(matrix.algorithms, n),
            "value": matrix.values.ravel(),
            "rank": rank_dtype(ranking.case_ranks.ravel(), ties),
        }))
    return pd.concat(frames, ignore_index=True)
