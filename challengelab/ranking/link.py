"""Linking computed rankings (and their bootstrap uncertainty) to survey responses.

:func:`link` matches the algorithms of an assessment to the teams of a survey, attaches the computed ranks
and bootstrap rank distributions to the responses, and :meth:`RankingLink.robustness` reruns the strategy
analysis over bootstrap replicates: "does this finding survive ranking uncertainty?"
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from challengelab.ranking.assessment import Assessment, load_assessment
from challengelab.ranking.bootstrap import BootstrapResult, bootstrap
from challengelab.ranking.methods import as_spec, rank
from challengelab.ranking.spec import RankingSpec
from challengelab.stats import strategy_tests
from challengelab.vocabulary import DEFAULT_ALPHA

__all__ = ["link", "RankingLink", "StrategyRobustness"]

RESPONSE_COLUMNS = ("computed_score", "computed_rank", "computed_winner", "winner_frequency", "median_rank",
                    "rank_lower", "rank_upper")


@dataclass
class StrategyRobustness:
    """Strategy tests rerun over bootstrap replicates of the ranking.

    Attributes
    ----------
    summary : DataFrame
        One row per item: the survey-rank analysis (``odds_ratio``, ``p_value``, ``p_adjusted``,
        ``significant``), the analysis with the full-data computed ranks (``odds_ratio_full``,
        ``p_adjusted_full``, ``significant_full``) and over replicates: ``n_replicates``, ``n_tested``,
        ``median_odds_ratio``, ``odds_ratio_low`` / ``odds_ratio_high`` (2.5 % / 97.5 % replicate quantiles,
        infinite under separation), ``share_significant`` (share of tested replicates with
        ``p_adjusted < alpha``) and ``share_separation`` (share with a zero or infinite odds ratio).
    replicates : DataFrame
        ``item``, ``replicate``, ``odds_ratio``, ``p_value``, ``p_adjusted`` (one row per item and replicate).
    """

    summary: pd.DataFrame
    replicates: pd.DataFrame
    alpha: float
    outcome: str
    test: str
    adjust: str


@dataclass
class RankingLink:
    """An assessment ranking attached to a survey (see :func:`link`).

    Attributes
    ----------
    spec : RankingSpec
    ranking : DataFrame
        Full-data ranking of the assessment (``task``, ``algorithm``, ``score``, ``rank``).
    bootstrap : BootstrapResult or None
    matches : DataFrame
        ``task``, ``algorithm``, ``task_id``, ``team_id``: matched algorithm-team pairs.
    unmatched_algorithms : DataFrame
        Algorithms of the assessment without a survey response (``task``, ``algorithm``, ``task_id``,
        ``team_id``; the team columns are missing when the mapping has no entry).
    unmatched_teams : DataFrame
        Survey responses without results in the assessment (``task_id``, ``team_id``).
    responses : DataFrame
        The survey responses of the matched teams with ``computed_score``, ``computed_rank``,
        ``computed_winner`` and, with a bootstrap, ``winner_frequency``, ``median_rank``, ``rank_lower``,
        ``rank_upper`` (95 % bootstrap interval).
    """

    survey: Any
    assessment: Assessment
    spec: RankingSpec
    ranking: pd.DataFrame
    bootstrap: BootstrapResult | None
    matches: pd.DataFrame
    unmatched_algorithms: pd.DataFrame
    unmatched_teams: pd.DataFrame
    responses: pd.DataFrame
    _replicate_ranks: np.ndarray | None = field(default=None, repr=False)  # (B, n_responses)

    @property
    def n_replicates(self) -> int:
        return 0 if self._replicate_ranks is None else self._replicate_ranks.shape[0]

    def replicate_responses(self, replicate: int | None = None) -> pd.DataFrame:
        """The matched responses with ``rank`` and ``winner`` replaced by a bootstrap replicate's ranks
        (``replicate=None``: by the full-data computed ranks)."""
        out = self.responses.drop(columns=[c for c in RESPONSE_COLUMNS if c in self.responses.columns])
        if replicate is None:
            ranks = self.responses["computed_rank"].to_numpy(dtype=float)
        else:
            if self._replicate_ranks is None:
                raise ValueError("this link has no bootstrap (use link(..., n_boot=...))")
            ranks = self._replicate_ranks[replicate]
        integral = np.all(ranks == np.round(ranks))
        out["rank"] = pd.array(ranks.astype(np.int64) if integral else ranks, dtype="Int64" if integral else "Float64")
        out["winner"] = ranks == 1
        return out

    def _replicate_tests(self, b: int, arguments: dict, show: bool) -> pd.DataFrame:
        if not show:
            return _replicate_rows(self, b, arguments, lambda: None)
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            handle = bar.add_task("strategy tests over replicates", total=b)
            return _replicate_rows(self, b, arguments, lambda: bar.advance(handle))

    def robustness(
        self,
        items: Sequence[str] | None = None,
        *,
        outcome: str = "winner",
        test: str = "exact_cmh",
        adjust: str = "holm",
        alpha: float = DEFAULT_ALPHA,
        n_replicates: int | None = 100,
        progress: bool | None = None,
        **test_arguments: Any,
    ) -> StrategyRobustness:
        """Rerun the strategy tests with the ranks of bootstrap replicates.

        For every replicate (the first ``n_replicates``; ``None`` = all), the matched responses get that
        replicate's ranks (``winner`` = rank 1) and :func:`challengelab.stats.strategy_tests` runs with the
        given ``items``, ``outcome``, ``test`` and ``adjust``. Identical outcome configurations are computed
        once. The baseline rows use the survey's own ranks and the full-data computed ranks of the same teams.
        Cost: one ``strategy_tests`` call per replicate (about 0.25 s with the 16 strategy items of the bundled
        example), hence the default of 100 replicates; a progress bar shows on a terminal.

        Returns
        -------
        StrategyRobustness
        """
        if self._replicate_ranks is None:
            raise ValueError("robustness needs a bootstrap: link(..., n_boot=...)")
        b = self.n_replicates if n_replicates is None else min(int(n_replicates), self.n_replicates)
        arguments = dict(items=items, outcome=outcome, test=test, adjust=adjust, **test_arguments)

        observed_responses = self.responses.drop(columns=[c for c in RESPONSE_COLUMNS if c in self.responses])
        observed = strategy_tests(_with_codebook(self.survey, observed_responses), **arguments)
        full = strategy_tests(_with_codebook(self.survey, self.replicate_responses(None)), **arguments)

        show = progress if progress is not None else (b >= 20 and sys.stderr.isatty())
        replicates = self._replicate_tests(b, arguments, show)
        summary = _robustness_summary(observed, full, replicates, alpha)
        return StrategyRobustness(summary, replicates, alpha, outcome, test, adjust)


def _replicate_rows(link: "RankingLink", b: int, arguments: dict, advance) -> pd.DataFrame:
    """Strategy tests with the ranks of replicates ``0 .. b-1`` (identical rankings computed once)."""
    cache: dict[bytes, pd.DataFrame] = {}
    frames = []
    for r in range(b):
        key = link._replicate_ranks[r].tobytes()
        if key not in cache:
            cache[key] = strategy_tests(_with_codebook(link.survey, link.replicate_responses(r)), **arguments)
        frames.append(cache[key][["item", "odds_ratio", "p_value", "p_adjusted"]].assign(replicate=r))
        advance()
    return pd.concat(frames, ignore_index=True)[["item", "replicate", "odds_ratio", "p_value", "p_adjusted"]]


def _with_codebook(survey: Any, responses: pd.DataFrame) -> Any:
    """Something strategy_tests accepts: an object with ``responses`` and the survey's ``codebook``."""
    codebook = getattr(survey, "codebook", None)
    if codebook is None:
        return responses

    class _View:
        pass

    view = _View()
    view.responses = responses
    view.codebook = codebook
    return view


def _robustness_summary(observed: pd.DataFrame, full: pd.DataFrame, replicates: pd.DataFrame,
                        alpha: float) -> pd.DataFrame:
    base = observed[["item", "odds_ratio", "p_value", "p_adjusted"]].copy()
    base["significant"] = base["p_adjusted"] < alpha
    f = full[["item", "odds_ratio", "p_adjusted"]].rename(columns={"odds_ratio": "odds_ratio_full",
                                                                   "p_adjusted": "p_adjusted_full"})
    f["significant_full"] = f["p_adjusted_full"] < alpha
    rows = []
    for item, part in replicates.groupby("item", sort=False):
        tested = part.dropna(subset=["p_adjusted"])
        odds = tested["odds_ratio"].to_numpy(dtype=float)
        rows.append({
            "item": item, "n_replicates": len(part), "n_tested": len(tested),
            "median_odds_ratio": float(np.quantile(odds, 0.5, method="inverted_cdf")) if len(odds) else np.nan,
            "odds_ratio_low": float(np.quantile(odds, 0.025, method="inverted_cdf")) if len(odds) else np.nan,
            "odds_ratio_high": float(np.quantile(odds, 0.975, method="inverted_cdf")) if len(odds) else np.nan,
            "share_significant": float((tested["p_adjusted"] < alpha).mean()) if len(tested) else np.nan,
            "share_separation": float(((odds == 0) | np.isinf(odds)).mean()) if len(odds) else np.nan,
        })
    return base.merge(f, on="item", how="left").merge(pd.DataFrame(rows), on="item", how="left")


def _mapping_table(mapping: Any, assessment: Assessment) -> pd.DataFrame:
    """``task``, ``algorithm``, ``task_id``, ``team_id`` for every algorithm of the assessment."""
    algorithms = assessment.data[["task", "algorithm"]].drop_duplicates().reset_index(drop=True)
    if mapping is None:
        return algorithms.assign(task_id=algorithms["task"].astype(str), team_id=algorithms["algorithm"].astype(str))
    if isinstance(mapping, Mapping):
        mapping = pd.DataFrame({"algorithm": list(mapping.keys()), "team_id": list(mapping.values())})
    if not isinstance(mapping, pd.DataFrame):
        raise TypeError("mapping must be a DataFrame or a dict of algorithm -> team_id")
    if not {"algorithm", "team_id"} <= set(mapping.columns):
        raise ValueError("mapping needs the columns 'algorithm' and 'team_id' (and optionally 'task', 'task_id')")
    table = mapping.copy()
    if "task" not in table.columns:
        table = algorithms.merge(table, on="algorithm", how="left")
    if "task_id" not in table.columns:
        table["task_id"] = table["task"].astype(str)
    table = algorithms.merge(table[["task", "algorithm", "task_id", "team_id"]], on=["task", "algorithm"],
                             how="left")
    duplicated = table.dropna(subset=["team_id"]).duplicated(["task_id", "team_id"], keep=False)
    if duplicated.any():
        raise ValueError("mapping assigns the same team to several algorithms: "
                         f"{table.dropna(subset=['team_id'])[duplicated][['task_id', 'team_id']].values.tolist()[:5]}")
    return table


def link(
    survey: Any,
    assessment: Any,
    spec: RankingSpec | dict | None = None,
    *,
    mapping: pd.DataFrame | Mapping | None = None,
    n_boot: int = 1000,
    seed: int | None = None,
    n_jobs: int = 1,
    progress: bool | None = None,
    **rank_arguments: Any,
) -> RankingLink:
    """Attach computed ranks and bootstrap rank distributions to the survey responses.

    Parameters
    ----------
    survey : Survey or DataFrame
        A :class:`challengelab.Survey` (or its ``responses``: ``task_id``, ``team_id``, ``rank``, ``winner``
        and the items).
    assessment : Assessment, DataFrame or path
        Per-case results (see :func:`load_assessment`).
    spec : RankingSpec or dict, optional
        The ranking; default ``RankingSpec(method="aggregate_then_rank")``; or give ``method=...`` and the
        other arguments of :func:`rank` as keywords.
    mapping : DataFrame or dict, optional
        Which survey team each algorithm is: columns ``algorithm``, ``team_id`` and optionally ``task`` (the
        assessment's task) and ``task_id`` (the survey's), or a dict ``algorithm -> team_id``. Default: the
        algorithm is the ``team_id`` and the task is the ``task_id``.
    n_boot, seed, n_jobs, progress
        Bootstrap of the ranking (``n_boot=0``: none). See :func:`bootstrap`.

    Returns
    -------
    RankingLink
        Matched responses with computed ranks and bootstrap summaries, the unmatched algorithms and teams,
        and :meth:`RankingLink.robustness` to rerun the strategy analysis over bootstrap replicates.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.ranking import link
    >>> responses = pd.DataFrame({"task_id": "T1", "team_id": ["a", "b"], "rank": [1, 2],
    ...                           "winner": [True, False], "aug": [True, False]})
    >>> results = pd.DataFrame({"task": "T1", "case": [1, 2, 3] * 3, "algorithm": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
    ...                         "value": [.9, .8, .85, .7, .75, .72, .5, .6, .55]})
    >>> linked = link(responses, results, n_boot=50, seed=1)
    >>> linked.responses[["team_id", "rank", "computed_rank"]]
      team_id  rank  computed_rank
    0       a     1              1
    1       b     2              2
    >>> linked.unmatched_algorithms["algorithm"].tolist()
    ['c']
    """
    if spec is None and not rank_arguments:
        spec = RankingSpec(method="aggregate_then_rank")
    spec = as_spec(spec, **rank_arguments) if spec is not None else as_spec(None, **rank_arguments)
    assessment = load_assessment(assessment)
    responses = survey.responses if hasattr(survey, "responses") else survey
    if not isinstance(responses, pd.DataFrame) or not {"task_id", "team_id"} <= set(responses.columns):
        raise TypeError("survey must be a Survey or a responses DataFrame with task_id and team_id")

    table = _mapping_table(mapping, assessment)
    keys = responses[["task_id", "team_id"]].astype(str)
    known = set(map(tuple, keys.to_numpy()))
    mapped = table.dropna(subset=["team_id"])
    is_match = np.array([(str(t), str(m)) in known for t, m in zip(mapped["task_id"], mapped["team_id"])], bool)
    matches = mapped[is_match].reset_index(drop=True)
    unmatched_algorithms = pd.concat([table[table["team_id"].isna()], mapped[~is_match]]).reset_index(drop=True)
    matched_keys = set(zip(matches["task_id"].astype(str), matches["team_id"].astype(str)))
    in_assessment = np.array([tuple(k) in matched_keys for k in keys.to_numpy()], bool)
    unmatched_teams = responses.loc[~in_assessment, ["task_id", "team_id"]].reset_index(drop=True)

    ranking = rank(assessment, spec=spec)
    result = None
    if n_boot:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            result = bootstrap(assessment, spec=spec, n_boot=n_boot, seed=seed, n_jobs=n_jobs, progress=progress)

    linked = responses.loc[in_assessment].copy()
    key = pd.DataFrame({"task_id": linked["task_id"].astype(str).to_numpy(),
                        "team_id": linked["team_id"].astype(str).to_numpy()})
    pairs = matches.assign(task_id=matches["task_id"].astype(str), team_id=matches["team_id"].astype(str))
    key = key.merge(pairs, on=["task_id", "team_id"], how="left")
    full = key.merge(ranking, on=["task", "algorithm"], how="left")
    linked["computed_score"] = full["score"].to_numpy()
    linked["computed_rank"] = full["rank"].to_numpy()
    linked["computed_winner"] = full["rank"].to_numpy() == 1

    replicate_ranks = None
    if result is not None:
        boot_tasks = set(result.tasks)
        keep = key["task"].isin(boot_tasks).to_numpy()
        if not keep.all():
            dropped = sorted(set(key.loc[~keep, "task"].astype(str)))
            warnings.warn(f"responses of task(s) {dropped} are left out of the bootstrap link (single case)",
                          UserWarning, stacklevel=2)
            linked, key = linked.loc[keep], key.loc[keep].reset_index(drop=True)
        intervals = result.rank_intervals()
        winners = result.winner_frequencies()
        summary = key.merge(intervals, on=["task", "algorithm"], how="left").merge(
            winners[["task", "algorithm", "frequency"]], on=["task", "algorithm"], how="left")
        linked["winner_frequency"] = summary["frequency"].to_numpy()
        linked["median_rank"] = summary["median_rank"].to_numpy()
        linked["rank_lower"] = summary["lower"].to_numpy()
        linked["rank_upper"] = summary["upper"].to_numpy()
        replicate_ranks = _replicate_matrix(result, key)
    return RankingLink(survey, assessment, spec, ranking, result, matches, unmatched_algorithms, unmatched_teams,
                       linked.reset_index(drop=True), replicate_ranks)


def _replicate_matrix(result: BootstrapResult, key: pd.DataFrame) -> np.ndarray:
    """Ranks ``(B, n_rows)`` of the linked responses in every replicate."""
    out = np.empty((result.n_boot, len(key)))
    for s in result.samples:
        position = {a: i for i, a in enumerate(s.algorithms)}
        rows = np.flatnonzero((key["task"] == s.task).to_numpy())
        if len(rows):
            columns = [position[a] for a in key["algorithm"].to_numpy()[rows]]
            out[:, rows] = s.ranks[:, columns]
    return out
