"""Bootstrap of a ranking: resample the cases of each task and replay the ranking spec."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from challengelab.ranking import engine
from challengelab.ranking.assessment import load_assessment
from challengelab.ranking.compare import kendall_tau_rows
from challengelab.ranking.methods import TaskRanking, as_spec, combine_task_frames, rank_dtype, task_frame
from challengelab.ranking.spec import RESAMPLING, RankingSpec

__all__ = ["bootstrap", "BootstrapResult", "SingleCaseTaskWarning", "TaskSamples"]

#: Elements per vectorised block (bounds memory; about 16 MB per float array).
_BLOCK_ELEMENTS = 2_000_000
#: Work (array elements) above which ``progress=None`` shows a progress bar on a terminal.
_PROGRESS_WORK = 300_000_000


class SingleCaseTaskWarning(UserWarning):
    """A task with fewer than two cases cannot be bootstrapped and is left out."""


@dataclass
class TaskSamples:
    """The bootstrap ranks and scores of one task (arrays ordered as ``algorithms``)."""

    task: Any
    algorithms: np.ndarray
    full_ranks: np.ndarray
    ranks: np.ndarray  # (B, k)
    scores: np.ndarray  # (B, k)


@dataclass
class BootstrapResult:
    """Rankings of bootstrap samples of the cases, and their summaries.

    Attributes
    ----------
    spec : RankingSpec
        The ranking that was replayed.
    n_boot, seed : int
        Number of replicates and the seed they were drawn with.
    full : DataFrame
        The ranking of the full data (``task``, ``algorithm``, ``score``, ``rank``), every task.
    excluded_tasks : list
        Tasks left out of the bootstrap because they have a single case.
    samples : list of TaskSamples
        Per bootstrapped task: ``algorithms``, ``full_ranks``, ``ranks (n_boot, k)`` and ``scores (n_boot, k)``.
    ranks : DataFrame
        Long table ``task``, ``algorithm``, ``replicate`` (0-based), ``rank``, ``score``.
    """

    spec: RankingSpec
    n_boot: int
    seed: int | None
    full: pd.DataFrame
    excluded_tasks: list
    samples: list = field(repr=False)

    @property
    def tasks(self) -> list:
        """The bootstrapped tasks."""
        return [s.task for s in self.samples]

    @cached_property
    def ranks(self) -> pd.DataFrame:
        frames = []
        for s in self.samples:
            b, k = s.ranks.shape
            frames.append(pd.DataFrame({
                "task": s.task,
                "algorithm": np.tile(s.algorithms, b),
                "replicate": np.repeat(np.arange(b), k),
                "rank": rank_dtype(s.ranks.ravel(), self.spec.ties),
                "score": s.scores.ravel(),
            }))
        if not frames:
            return pd.DataFrame({"task": [], "algorithm": [], "replicate": [], "rank": [], "score": []})
        return pd.concat(frames, ignore_index=True)

    # ------------------------------------------------------------------------------------ summaries
    def rank_frequencies(self) -> pd.DataFrame:
        """How often each algorithm took each rank: ``task``, ``algorithm``, ``rank``, ``count``, ``frequency``.

        Every rank from 1 to the number of algorithms is listed (count 0 included) for integer ranks.
        """
        rows = []
        for s in self.samples:
            b, k = s.ranks.shape
            levels = np.unique(np.concatenate([np.arange(1, k + 1), np.unique(s.ranks)]))
            counts = (s.ranks[:, :, None] == levels[None, None, :]).sum(axis=0)  # (k, L)
            frame = pd.DataFrame({
                "task": s.task,
                "algorithm": np.repeat(s.algorithms, len(levels)),
                "rank": np.tile(levels, k),
                "count": counts.ravel().astype(np.int64),
            })
            frame["frequency"] = frame["count"] / b
            rows.append(frame)
        return pd.concat(rows, ignore_index=True)

    def winner_frequencies(self) -> pd.DataFrame:
        """Share of replicates in which each algorithm ranks first (ties included): ``task``, ``algorithm``,
        ``full_rank``, ``frequency``."""
        rows = []
        for s in self.samples:
            rows.append(pd.DataFrame({"task": s.task, "algorithm": s.algorithms, "full_rank": s.full_ranks,
                                      "frequency": (s.ranks == 1).mean(axis=0)}))
        return pd.concat(rows, ignore_index=True)

    def rank_intervals(self, level: float = 0.95) -> pd.DataFrame:
        """Bootstrap rank intervals.

        Returns ``task``, ``algorithm``, ``full_rank``, ``median_rank``, ``mean_rank``, ``lower``, ``upper``. The
        bounds are the ``(1 - level) / 2`` quantile taken downwards (numpy ``"lower"``) and the
        ``(1 + level) / 2`` quantile taken upwards (``"higher"``), so they are observed ranks.
        """
        if not 0 < level < 1:
            raise ValueError("level must lie in (0, 1)")
        rows = []
        tail = (1 - level) / 2
        for s in self.samples:
            rows.append(pd.DataFrame({
                "task": s.task, "algorithm": s.algorithms, "full_rank": s.full_ranks,
                "median_rank": np.median(s.ranks, axis=0), "mean_rank": s.ranks.mean(axis=0),
                "lower": np.quantile(s.ranks, tail, axis=0, method="lower"),
                "upper": np.quantile(s.ranks, 1 - tail, axis=0, method="higher"),
            }))
        return pd.concat(rows, ignore_index=True)

    def kendall_tau(self) -> pd.DataFrame:
        """Kendall's tau-b between each replicate's ranking and the full-data ranking of its task.

        Returns ``task``, ``replicate``, ``kendall_tau``. tau-b is NaN when it is undefined: a task with a
        single algorithm, or a ranking (full or replicate) that ties every algorithm, as test-then-rank does
        when nothing is significant. Summaries (:meth:`summary`, figures) drop NaN values and report how many.
        """
        rows = []
        for s in self.samples:
            rows.append(pd.DataFrame({"task": s.task, "replicate": np.arange(s.ranks.shape[0]),
                                      "kendall_tau": kendall_tau_rows(s.ranks, s.full_ranks)}))
        return pd.concat(rows, ignore_index=True)

    def tied_with_best(self, threshold: float = 3.0) -> pd.DataFrame:
        """Algorithms that cannot be told apart from the best one (bootstrap Bayes factor below ``threshold``).

        The reference is the full-data winner (the most frequent bootstrap winner among tied full-data
        winners). For every other algorithm, ``bayes_factor`` = (replicates in which the reference ranks
        strictly better) / (replicates in which the algorithm ranks at least as well as the reference),
        infinite when the denominator is 0. ``K < 3`` ("not worth more than a bare mention" on Jeffreys' scale;
        the rule of the DREAM challenges) puts the algorithm in the group tied with the best. Full-data winners
        are always in the group.

        Returns ``task``, ``algorithm``, ``full_rank``, ``reference``, ``bayes_factor``, ``tied_with_best``.
        """
        rows = []
        for s in self.samples:
            winners = np.flatnonzero(s.full_ranks == s.full_ranks.min())
            wins = (s.ranks == 1).mean(axis=0)
            ref = winners[np.argmax(wins[winners])]
            better = (s.ranks[:, [ref]] < s.ranks).sum(axis=0).astype(float)
            as_good = (s.ranks <= s.ranks[:, [ref]]).sum(axis=0).astype(float)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(as_good > 0, better / np.where(as_good > 0, as_good, 1), np.inf)
            factor[ref] = np.nan
            tied = (factor < threshold) | (s.full_ranks == s.full_ranks.min())
            rows.append(pd.DataFrame({"task": s.task, "algorithm": s.algorithms, "full_rank": s.full_ranks,
                                      "reference": s.algorithms[ref], "bayes_factor": factor,
                                      "tied_with_best": tied}))
        return pd.concat(rows, ignore_index=True)

    def summary(self, level: float = 0.95, threshold: float = 3.0) -> pd.DataFrame:
        """One row per task and algorithm: full score and rank, rank interval, winner frequency, tie with best,
        mean Kendall tau of the task (NaN replicates dropped) and the number of NaN tau values."""
        full = self.full[self.full["task"].isin(self.tasks)]
        out = full.rename(columns={"rank": "full_rank", "score": "full_score"})
        intervals = self.rank_intervals(level).drop(columns="full_rank")
        winners = self.winner_frequencies().drop(columns="full_rank").rename(columns={"frequency": "winner_frequency"})
        tied = self.tied_with_best(threshold)[["task", "algorithm", "bayes_factor", "tied_with_best"]]
        tau = self.kendall_tau().groupby("task", sort=False)["kendall_tau"].agg(
            mean_kendall_tau="mean", n_tau_undefined=lambda x: int(x.isna().sum())).reset_index()
        for part in (intervals, winners, tied):
            out = out.merge(part, on=["task", "algorithm"], how="left")
        return out.merge(tau, on="task", how="left")


def _block_size(ranking: TaskRanking, n_boot: int, n_jobs: int) -> int:
    """Replicates per block: as many as the memory bound allows, and at least one block per thread.

    The test-then-rank kernel keeps per replicate only the case counts and the ``(k, k)`` p-values (a few
    copies); the other methods hold an ``(n, k)`` array of the resampled cases.
    """
    n, k = ranking.n, ranking.k
    per_replicate = n + 4 * k * k if ranking.spec.method == "test_then_rank" else n * k
    size = min(n_boot, _BLOCK_ELEMENTS // max(per_replicate, 1), -(-n_boot // _threads(n_jobs)))
    return int(max(1, size))


def _threads(n_jobs: int) -> int:
    """``n_jobs`` as a number of threads (``<= 0`` or None: one per core)."""
    return int(n_jobs) if n_jobs and n_jobs > 0 else (os.cpu_count() or 1)


@dataclass
class _Job:
    """One task's bootstrap: the bound ranking, its draws and the output arrays."""

    ranking: TaskRanking
    indices: np.ndarray  # (B, n) drawn case indices
    keys: np.ndarray | None  # (B, k) tie-breaking keys for ties="random"
    full_ranks: np.ndarray
    ranks: np.ndarray
    scores: np.ndarray

    def run(self, block: slice) -> int:
        idx = self.indices[block]
        counts = engine.counts_from_indices(idx, self.ranking.n)
        scores = self.ranking.scores(counts, idx)
        self.ranks[block] = self.ranking.ranks(scores, None if self.keys is None else self.keys[block])
        self.scores[block] = scores
        return block.stop - block.start


def bootstrap(
    data: Any,
    spec: RankingSpec | dict | None = None,
    *,
    n_boot: int = 1000,
    seed: int | None = None,
    n_jobs: int = 1,
    progress: bool | None = None,
    resampling: str | None = None,
    **ranking: Any,
) -> BootstrapResult:
    """Bootstrap a ranking: resample cases with replacement and rank every sample.

    Within a task, one resample of case indices is used for all algorithms. Tasks with a single case are left
    out with a :class:`SingleCaseTaskWarning`. All random numbers are drawn up front from
    ``numpy.random.default_rng(seed)`` (task by task: case indices, then tie-breaking keys for
    ``ties="random"``), so the result depends on the seed only, not on ``n_jobs``. Replicates are processed in
    vectorised blocks; test-then-rank sorts the paired differences once and evaluates every replicate's
    signed-rank sums from cumulative case counts.

    Parameters
    ----------
    data : Assessment, DataFrame or path
        Per-case results (see :func:`load_assessment`; other column names: load it first).
    spec : RankingSpec or dict, optional
        The ranking to replay; or give ``method=...`` and the other arguments of :func:`rank` as keywords.
    n_boot : int
        Number of bootstrap replicates.
    seed : int, optional
        Seed of the random generator.
    n_jobs : int
        Threads working on blocks of replicates (``-1``: one per core); results do not depend on it.
    progress : bool, optional
        Show a rich progress bar; ``None`` shows one on a terminal for long runs.
    resampling : {"paired", "challenger"}, optional
        How a case drawn more than once is treated (default: the spec's ``resampling``, ``"paired"``).
        ``paired``: every draw is a case of its own. ``challenger`` reproduces challengeR 1.0.5, which merges
        the drawn case ids with the data: rank-then-aggregate ranks all copies of a repeated case together (one
        case with copies x algorithms entries) and test-then-rank keeps one row per case id (about 63 % of the
        cases), so its intervals are wider. Aggregate-then-rank is the same in both.
    **ranking
        ``method``, ``aggregate``, ``ties``, ``na_treat``, ``alpha``, ``adjust``, ``smaller_is_better`` as for
        :func:`rank` (instead of ``spec``).

    Returns
    -------
    BootstrapResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from challengelab.ranking import bootstrap
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"task": "T1", "case": np.tile(np.arange(30), 3),
    ...                      "algorithm": np.repeat(["A", "B", "C"], 30),
    ...                      "value": np.repeat([0.8, 0.7, 0.6], 30) + rng.normal(0, 0.1, 90)})
    >>> result = bootstrap(data, method="aggregate_then_rank", n_boot=200, seed=1)
    >>> result.ranks.columns.tolist()
    ['task', 'algorithm', 'replicate', 'rank', 'score']
    >>> result.winner_frequencies()["frequency"].round(2).tolist()
    [1.0, 0.0, 0.0]
    """
    if int(n_boot) < 1:
        raise ValueError("n_boot must be a positive integer")
    n_boot = int(n_boot)
    spec = as_spec(spec, **ranking)
    if resampling is not None:
        if resampling not in RESAMPLING:
            raise ValueError(f"resampling must be one of {RESAMPLING}")
        spec = spec.model_copy(update={"resampling": resampling})
    matrices = load_assessment(data).matrices()
    rng = np.random.default_rng(seed)
    bootstrapped = [m for m in matrices if m.n_cases >= 2]
    pairs = spec.method == "test_then_rank"
    work = sum(n_boot * m.n_cases * (m.n_algorithms * (m.n_algorithms - 1) // 2 if pairs else m.n_algorithms)
               for m in bootstrapped)
    show = progress if progress is not None else (work > _PROGRESS_WORK and sys.stderr.isatty())
    frames, samples, excluded = [], [], []
    with _one_blas_thread(), _progress(show, n_boot * len(bootstrapped)) as advance:
        for matrix in matrices:  # one task at a time: its kernels are freed before the next one is built
            ranking = TaskRanking(matrix, spec)
            frames.append(task_frame(ranking))
            if matrix.n_cases < 2:
                excluded.append(matrix.task)
                warnings.warn(f"task {matrix.task!r} has a single case and is left out of the bootstrap",
                              SingleCaseTaskWarning, stacklevel=2)
                continue
            job = _draw(ranking, frames[-1], n_boot, rng)
            size = _block_size(ranking, n_boot, n_jobs)
            _run_blocks(job, [slice(s, min(s + size, n_boot)) for s in range(0, n_boot, size)], n_jobs, advance)
            samples.append(TaskSamples(matrix.task, matrix.algorithms, job.full_ranks, job.ranks, job.scores))
    return BootstrapResult(spec, n_boot, seed, combine_task_frames(frames, spec), excluded, samples)


def _draw(ranking: TaskRanking, full: pd.DataFrame, n_boot: int, rng: np.random.Generator) -> _Job:
    """Draw the case indices (then the tie-breaking keys) of one task."""
    matrix = ranking.matrix
    indices = rng.integers(0, matrix.n_cases, size=(n_boot, matrix.n_cases))
    keys = rng.random((n_boot, matrix.n_algorithms)) if ranking.spec.ties == "random" else None
    full_ranks = full.set_index("algorithm")["rank"].reindex(matrix.algorithms).to_numpy(dtype=float)
    shape = (n_boot, matrix.n_algorithms)
    return _Job(ranking, indices, keys, full_ranks, np.empty(shape), np.empty(shape))


def _one_blas_thread():
    """BLAS limited to one thread while the blocks run: the blocks are the parallel unit (``n_jobs``), and a
    multi-threaded BLAS on small matrix products only competes with them."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _run_blocks(job: _Job, blocks: list[slice], n_jobs: int, advance: Callable[[int], None]) -> None:
    """Run the blocks of replicates of one task, on ``n_jobs`` threads (``<= 0``: one per core)."""
    n_jobs = _threads(n_jobs)
    if n_jobs == 1 or len(blocks) == 1:
        for block in blocks:
            advance(job.run(block))
        return
    with ThreadPoolExecutor(max_workers=n_jobs) as pool:
        for done in pool.map(job.run, blocks):
            advance(done)


@contextlib.contextmanager
def _progress(show: bool, total: int):
    """A function that advances a rich progress bar (or does nothing when ``show`` is false)."""
    if not show:
        yield lambda done: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("bootstrap"), BarColumn(), TextColumn("{task.completed}/{task.total} replicates"),
                  TimeRemainingColumn(), transient=True) as bar:
        handle = bar.add_task("bootstrap", total=total)
        yield lambda done: bar.advance(handle, done)
