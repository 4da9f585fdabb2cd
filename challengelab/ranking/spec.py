"""The declarative description of a ranking: :class:`RankingSpec`.

A spec holds every choice that determines a ranking (method, aggregate, ties, missing values, test level and
multiple-testing adjustment, direction, bootstrap resampling). :func:`challengelab.ranking.rank`,
:func:`~challengelab.ranking.bootstrap`, reports and the dashboard all replay a spec, and it round-trips through
JSON and YAML so a report can state exactly how its ranking was made. The spec holds data only: the replay lives
in :mod:`~challengelab.ranking.methods` and :mod:`~challengelab.ranking.bootstrap`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from challengelab.vocabulary import DEFAULT_ALPHA

Method = Literal["aggregate_then_rank", "rank_then_aggregate", "test_then_rank"]
Ties = Literal["min", "max", "average", "first", "random"]
Adjust = Literal["none", "holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by"]
Resampling = Literal["paired", "challenger"]

METHODS: tuple[str, ...] = ("aggregate_then_rank", "rank_then_aggregate", "test_then_rank")
TIES: tuple[str, ...] = ("min", "max", "average", "first", "random")
ADJUST: tuple[str, ...] = ("none", "holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by")
NAMED_AGGREGATES: tuple[str, ...] = ("mean", "median")
RESAMPLING: tuple[str, ...] = ("paired", "challenger")

#: Relative tolerance under which two aggregated scores count as tied (see :class:`RankingSpec`).
DEFAULT_TIE_TOLERANCE = 1e-10


class RankingSpec(BaseModel):
    """How to turn per-case results into a ranking.

    Parameters
    ----------
    method : {"aggregate_then_rank", "rank_then_aggregate", "test_then_rank"}
        ``aggregate_then_rank`` aggregates each algorithm's values over the cases of a task and ranks the
        aggregates; ``rank_then_aggregate`` ranks the algorithms within every case (missing values rank last),
        aggregates these ranks and ranks the aggregates (missing values: see :func:`~challengelab.ranking.case_ranks`);
        ``test_then_rank`` runs a one-sided paired Wilcoxon
        signed-rank test for every ordered pair of algorithms and ranks by the share of significant wins.
    aggregate : "mean", "median", float in (0, 1) or callable
        Aggregate of values (``aggregate_then_rank``) or of case ranks (``rank_then_aggregate``). A float is a
        quantile (R type 7, numpy ``"linear"``). A callable receives a 1-D array (or an ndarray and an ``axis``
        keyword if it accepts one) and returns a number; specs with a callable cannot be serialised.
    ties : {"min", "max", "average", "first", "random"}
        As in R's ``rank``. ``first`` breaks ties of aggregated scores in alphabetical order of the algorithm
        names (case-insensitive; challengeR sorts algorithms as factor levels) and ties within a case
        (rank-then-aggregate) in input order (challengeR's row order within a case). ``random`` is reproducible
        through ``seed``.
    na_treat : None, "drop" or float
        Missing values: ``None`` raises if the method needs them treated (aggregate-then-rank and
        test-then-rank); ``"drop"`` ignores them (pairwise complete cases for tests; an algorithm without any
        result in a task takes no part in that task's tests and ranks last); a number replaces them.
        Rank-then-aggregate ranks missing values last in their case (see :func:`~challengelab.ranking.case_ranks`).
    alpha : float
        Significance level of ``test_then_rank``.
    adjust : {"none", "holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by"}
        Adjustment of the k(k-1) p-values of a task, applied together as R's ``p.adjust`` (missing p-values are
        not counted as tests).
    smaller_is_better : bool, mapping of task to bool, or None
        Direction of the metric. ``None`` takes it from the assessment (``load_assessment``), else larger is
        better.
    tie_tolerance : float
        Two aggregated scores ``a`` and ``b`` are tied when ``|a - b| <= tie_tolerance * max(|a|, |b|)``: relative
        to the scores' own scale, so scores of 1e-11 that differ by 1e-12 are ranked apart (as in challengeR) and
        a mean of 0.75 computed in two orders does not split into two ranks. Means of the full data are summed
        exactly (``math.fsum``), so exact decimal ties stay ties. Raw per-case values are compared exactly, as in R.
    resampling : {"paired", "challenger"}
        How :func:`~challengelab.ranking.bootstrap` treats a case drawn more than once. ``paired`` (default):
        every draw is a case of its own (the usual case bootstrap). ``challenger`` reproduces challengeR 1.0.5:
        rank-then-aggregate ranks all copies of a repeated case together within one case (ranks then run up
        to copies x algorithms) and test-then-rank keeps one row per case id (about 63 % of the cases);
        aggregate-then-rank is the same in both.
    seed : int or None
        Seed for ``ties="random"``.

    Examples
    --------
    >>> from challengelab.ranking import RankingSpec
    >>> spec = RankingSpec(method="test_then_rank", adjust="holm")
    >>> RankingSpec.from_json(spec.to_json()) == spec
    True
    >>> spec.label()
    'test-then-rank (holm)'
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    method: Method
    aggregate: Union[Literal["mean", "median"], float, Callable[..., Any]] = "mean"
    ties: Ties = "min"
    na_treat: Union[Literal["drop"], float, None] = None
    alpha: float = Field(DEFAULT_ALPHA, gt=0, lt=1)
    adjust: Adjust = "none"
    smaller_is_better: Union[bool, dict[str, bool], None] = None
    tie_tolerance: float = Field(DEFAULT_TIE_TOLERANCE, ge=0)
    seed: Union[int, None] = None
    resampling: Resampling = "paired"

    @field_validator("aggregate", mode="before")
    @classmethod
    def _check_aggregate(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value not in NAMED_AGGREGATES:
                raise ValueError(f"aggregate must be one of {NAMED_AGGREGATES}, a quantile in (0, 1) or a callable")
            return value
        if isinstance(value, bool):
            raise ValueError("aggregate must not be a bool")
        if isinstance(value, (int, float)):
            if not 0 < float(value) < 1:
                raise ValueError("a quantile aggregate must lie strictly between 0 and 1")
            return float(value)
        if callable(value):
            return value
        raise ValueError(f"aggregate must be one of {NAMED_AGGREGATES}, a quantile in (0, 1) or a callable")

    @field_validator("na_treat", mode="before")
    @classmethod
    def _check_na_treat(cls, value: Any) -> Any:
        if value is None or value == "drop":
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError('na_treat must be None, "drop" or a number')
        if value != value:  # NaN
            raise ValueError("na_treat must not be NaN")
        return float(value)

    @field_validator("smaller_is_better", mode="before")
    @classmethod
    def _check_direction(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): bool(v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _check_combination(self) -> "RankingSpec":
        if self.method == "test_then_rank" and self.aggregate != "mean":
            raise ValueError("aggregate does not apply to test_then_rank; leave it at 'mean'")
        return self

    # ------------------------------------------------------------------ serialisation
    @property
    def serialisable(self) -> bool:
        """False when ``aggregate`` is a callable."""
        return not callable(self.aggregate)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON types only)."""
        if not self.serialisable:
            raise TypeError("a RankingSpec with a callable aggregate cannot be serialised")
        return self.model_dump(mode="json")

    def to_json(self, **kwargs: Any) -> str:
        """JSON text; ``RankingSpec.from_json`` reads it back."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_yaml(self) -> str:
        """YAML text; ``RankingSpec.from_yaml`` reads it back."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RankingSpec":
        return cls.model_validate(dict(data))

    @classmethod
    def from_json(cls, text: str) -> "RankingSpec":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_yaml(cls, text: str) -> "RankingSpec":
        return cls.from_dict(yaml.safe_load(text))

    # ------------------------------------------------------------------ helpers
    def label(self) -> str:
        """A short human-readable name, e.g. for figure legends (``"mean-then-rank"``, ``"rank-then-median"``,
        ``"test-then-rank (holm)"``)."""
        if self.method == "test_then_rank":
            extra = [] if self.adjust == "none" else [self.adjust]
            if self.alpha != 0.05:
                extra.append(f"alpha {self.alpha:g}")
            return "test-then-rank" + (f" ({', '.join(extra)})" if extra else "")
        agg = self.aggregate
        if callable(agg):
            agg = getattr(agg, "__name__", "callable")
        elif isinstance(agg, float):
            agg = f"q{agg:g}"
        return f"{agg}-then-rank" if self.method == "aggregate_then_rank" else f"rank-then-{agg}"

    def direction(self, task: str, default: bool = False) -> bool:
        """Whether smaller values are better in ``task``."""
        if self.smaller_is_better is None:
            return default
        if isinstance(self.smaller_is_better, bool):
            return self.smaller_is_better
        return self.smaller_is_better.get(str(task), default)
