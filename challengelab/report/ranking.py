"""The ranking report: rankings from per-case results, their bootstrap uncertainty and the consensus.

:func:`run_ranking` computes everything with :mod:`challengelab.ranking` (nothing is re-computed here);
:func:`build_ranking_report` arranges the results and the figures of :mod:`challengelab.figures.ranking` into a
:class:`~challengelab.report.document.Report` for the writers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from challengelab.report.document import Code, Figure, KeyValues, Notice, Paragraph, Report, Section, Table
from challengelab.report.reproducibility import Provenance

CONSENSUS_METHODS = ("euclidean", "average_rank", "median_rank", "borda", "per_case")
MAX_SIGNIFICANCE_ALGORITHMS = 60


@dataclass
class RankingRun:
    """Everything the ranking report shows, as returned by :mod:`challengelab.ranking`."""

    assessment: object
    spec: object
    ranking: pd.DataFrame
    boot: object | None
    consensus: pd.DataFrame | None
    consensus_method: str
    level: float = 0.95
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def boot_table(self, name: str) -> pd.DataFrame:
        """A bootstrap summary computed once: ``rank_intervals`` (at :attr:`level`), ``winner_frequencies``,
        ``kendall_tau`` or ``rank_frequencies``."""
        if name not in self._cache:
            method = getattr(self.boot, name)
            self._cache[name] = method(self.level) if name == "rank_intervals" else method()
        return self._cache[name]


def run_ranking(assessment, spec, *, n_boot: int = 1000, seed: int | None = None,
                consensus_method: str = "euclidean", level: float = 0.95,
                step: Callable[[str], None] | None = None) -> RankingRun:
    """Rank, bootstrap and (with several tasks) combine the tasks."""
    from challengelab.ranking import bootstrap, consensus, rank

    step = step or (lambda _s: None)
    step("ranking")
    ranking = rank(assessment, spec=spec)
    boot = None
    if n_boot > 0:
        step(f"bootstrap ({n_boot} replicates)")
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # single-case tasks are reported in the text instead
            boot = bootstrap(assessment, spec=spec, n_boot=n_boot, seed=seed, progress=False)
    cons = None
    if recurring_algorithms(ranking)[0]:
        step("consensus ranking")
        cons = consensus(ranking, method=consensus_method)
    return RankingRun(assessment, spec, ranking, boot, cons, consensus_method, level)


def _caption(fig) -> str:
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout
    meta = layout.get("meta") if isinstance(layout, dict) else getattr(layout, "meta", None)
    return str(meta.get("caption", "")) if isinstance(meta, dict) else ""


def _fig(name: str, title: str, fig) -> Figure:
    return Figure(name, title, fig, _caption(fig))


def _resampling_text(spec) -> str:
    if spec.method == "aggregate_then_rank":
        return "a case drawn several times counts several times, as in challengeR"
    if spec.resampling == "challenger":
        return ("challengeR-compatible resampling: copies of a case drawn several times were "
                + ("ranked together within that case" if spec.method == "rank_then_aggregate"
                   else "counted once in the tests"))
    return ("paired resampling: a case drawn several times counts as several cases; challengeR instead "
            + ("ranks the copies together within one case" if spec.method == "rank_then_aggregate"
               else "tests each case once (about 63 % of the cases)") + ", so its intervals differ")


def ranking_methods_text(run: RankingRun, n_boot: int, seed: int | None, versions: dict[str, str]) -> list[str]:
    """The methods section, generated from the spec and the run."""
    spec = run.spec
    aggregate = spec.aggregate if isinstance(spec.aggregate, str) else (
        f"the {spec.aggregate:g} quantile (R type 7)" if isinstance(spec.aggregate, float) else "a custom function")
    if spec.method == "aggregate_then_rank":
        how = (f"Aggregate-then-rank: each algorithm's metric values were aggregated over the cases of a task with "
               f"{aggregate} and the aggregates were ranked")
    elif spec.method == "rank_then_aggregate":
        last = ("missing values rank last" if spec.ties not in ("max", "first") else
                "missing values take the last ranks; challengeR leaves them unranked under this ties rule")
        how = (f"Rank-then-aggregate: the algorithms were ranked within every case ({last}), "
               f"the case ranks were aggregated with {aggregate}, and the aggregates were ranked")
    else:
        how = (f"Test-then-rank: for every ordered pair of algorithms a one-sided paired Wilcoxon signed-rank test "
               f"(normal approximation with continuity correction) was run; all k(k-1) p-values of a task were "
               f"adjusted together ({spec.adjust}) and an algorithm's score is the share of other algorithms it "
               f"beats at alpha = {spec.alpha:g}")
    na = {None: "missing values were not allowed", "drop": "missing values were dropped"}.get(
        spec.na_treat, f"missing values were replaced by {spec.na_treat}")
    text = [f"{how}. Ties were resolved with the '{spec.ties}' rule; {na}. Aggregated scores closer than a relative "
            f"{spec.tie_tolerance:g} count as tied, and means are computed with a correctly rounded sum, so that "
            "results match R."]
    if run.boot is not None:
        text.append(f"Uncertainty: the cases of each task were resampled with replacement {n_boot} times (the "
                    f"same cases for every algorithm; seed {seed}; {_resampling_text(spec)}) and every sample was "
                    f"ranked with the same method. Rank intervals are the {(1 - run.level) / 2:.3g} and {(1 + run.level) / 2:.3g} "
                    "quantiles of the bootstrap ranks; stability is Kendall's tau-b between each bootstrap ranking "
                    "and the full-data ranking.")
        if run.boot.excluded_tasks:
            text.append("Tasks with a single case cannot be bootstrapped and were left out of the uncertainty "
                        f"analysis: {', '.join(map(str, run.boot.excluded_tasks))}.")
    if run.consensus is not None:
        text.append(f"The tasks were combined into one consensus ranking with the '{run.consensus_method}' method.")
    text.append("Software: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
    return text


#: A task's winner is called uncertain when it ranks first in fewer than this share of the bootstrap replicates.
WINNER_THRESHOLD = 0.5
#: Above this many per-case values the podium plot (every value drawn twice) is left out of the ranking report.
PODIUM_MAX_VALUES = 5000
#: Listings longer than this many rows go to the workbook and CSV only.
PAGE_ROWS = 120
HEADERS = {"n_algorithms": "Algorithms", "n_cases": "Cases", "winner_frequency": "Winner first in",
           "winner_rank_low": "Winner's rank from", "winner_rank_high": "Winner's rank to",
           "median_interval_width": "Median rank-interval width", "median_kendall_tau": "Median Kendall's tau",
           "uncertain_winner": "Winner uncertain", "smaller_is_better": "Smaller is better", "full_rank": "Rank",
           "median_rank": "Median bootstrap rank", "mean_rank": "Mean bootstrap rank", "lower": "Rank from",
           "upper": "Rank to", "frequency": "Share of replicates", "first": "First", "second": "Second",
           "third": "Third", "algorithm_rank": "Rank of algorithm", "versus_rank": "Rank of versus",
           "method": "Ranking method", "mean_rank_consensus": "Mean rank"}


def assessment_is_synthetic(assessment) -> bool:
    """Whether the per-case results are synthetic: ``assessment.synthetic`` when the loader sets it, else a
    leading ``# ... SYNTHETIC ...`` comment line of the source file (as in the bundled example)."""
    flag = getattr(assessment, "synthetic", None)
    if flag is not None:
        return bool(flag)
    from pathlib import Path

    source = Path(str(getattr(assessment, "source", "")))
    if source.suffix.lower() not in (".csv", ".tsv", ".txt") or not source.is_file():
        return False
    with source.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.startswith("#"):
                return False
            if "synthetic" in line.lower():
                return True
    return False


def recurring_algorithms(ranking: pd.DataFrame) -> tuple[bool, str]:
    """Whether combining tasks means anything: ``(True, "")`` when most algorithms take part in two or more
    tasks, else ``(False, sentence saying why consensus and task clustering are not shown)``.

    >>> r = pd.DataFrame({"task": ["T1", "T1", "T2", "T2"], "algorithm": ["A", "B", "C", "D"], "rank": [1, 2, 1, 2]})
    >>> recurring_algorithms(r)[0]
    False
    """
    n_tasks = ranking["task"].nunique()
    if n_tasks < 2:
        return False, "There is one task, so there is no consensus ranking over tasks."
    per_algorithm = ranking.groupby("algorithm", sort=False)["task"].nunique()
    recurring = int((per_algorithm >= 2).sum())
    if per_algorithm.median() >= 2:
        return True, ""
    which = ("every algorithm takes part in one task only" if recurring == 0 else
             f"only {recurring} of {len(per_algorithm):,} algorithms take part in more than one task")
    return False, (f"No consensus ranking and no clustering of tasks: {which}, so the tasks rank different "
                   "algorithms. A consensus would put every task's winner first and the task distances would all "
                   "be equal, which says nothing about the algorithms.")


def stability_table(run: RankingRun) -> pd.DataFrame:
    """One row per task: size, winner, how often the winner ranks first over the bootstrap replicates, its rank
    interval, the median rank-interval width, the median Kendall's tau-b and whether the winner is uncertain."""
    summary = run.assessment.summary()[["task", "n_algorithms", "n_cases"]]
    full = run.ranking.sort_values(["rank"], kind="stable").drop_duplicates("task")[["task", "algorithm"]]
    out = summary.merge(full.rename(columns={"algorithm": "winner"}), on="task", how="left")
    if run.boot is None or not run.boot.tasks:
        return out
    wins = run.boot_table("winner_frequencies")
    best = wins[wins["full_rank"] == wins.groupby("task")["full_rank"].transform("min")]
    best = best.sort_values("frequency", ascending=False, kind="stable").drop_duplicates("task")
    intervals = run.boot_table("rank_intervals")
    width = (intervals["upper"] - intervals["lower"]).groupby(intervals["task"]).median().rename(
        "median_interval_width")
    winner_iv = intervals.merge(best[["task", "algorithm"]], on=["task", "algorithm"])
    tau = run.boot_table("kendall_tau").groupby("task")["kendall_tau"].median().rename("median_kendall_tau")
    out = out.drop(columns="winner").merge(
        best[["task", "algorithm", "frequency"]].rename(columns={"algorithm": "winner",
                                                                 "frequency": "winner_frequency"}),
        on="task", how="left")
    out = out.merge(winner_iv[["task", "lower", "upper"]].rename(
        columns={"lower": "winner_rank_low", "upper": "winner_rank_high"}), on="task", how="left")
    out = out.merge(width, left_on="task", right_index=True, how="left").merge(
        tau, left_on="task", right_index=True, how="left")
    out["uncertain_winner"] = out["winner_frequency"].lt(WINNER_THRESHOLD).where(out["winner_frequency"].notna())
    return out.reset_index(drop=True)


def podium_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """The first three algorithms of every task (ties share a place and are listed together)."""
    place = ranking.groupby("task", sort=False)["rank"].rank(method="dense")
    top = ranking.assign(place=place)[place <= 3]
    names = top.groupby(["task", "place"], sort=False)["algorithm"].agg(lambda a: ", ".join(map(str, a)))
    rows = []
    for task in pd.unique(ranking["task"]):
        rows.append({"task": task, **{column: names.get((task, float(i)), "")
                                      for i, column in enumerate(("first", "second", "third"), start=1)}})
    return pd.DataFrame(rows, columns=["task", "first", "second", "third"])


def _table(name: str, title: str, frame: pd.DataFrame, caption: str = "", **kwargs) -> Table:
    """A table of the ranking report: human headers, and long listings in the workbook only."""
    frame = frame.reset_index(drop=True)
    kwargs.setdefault("on_page", len(frame) <= PAGE_ROWS)
    return Table(name, title, frame, caption, labels=HEADERS, **kwargs)


def build_ranking_report(run: RankingRun, provenance: Provenance, *, title: str | None = None,
                         n_boot: int = 0, spec_yaml: str = "") -> Report:
    """The ranking report: stability across tasks first, then methods, per-task detail (one figure per kind with
    a task menu), uncertainty, pairwise tests, tasks and methods compared, the data, and reproducibility."""
    from pathlib import Path

    assessment = run.assessment
    stability = stability_table(run)
    recur, why_not = recurring_algorithms(run.ranking)
    sections = [
        _summary_section(run, stability, why_not),
        _methods_section(run, n_boot, provenance, spec_yaml),
        _rankings_section(run),
        _uncertainty_section(run),
        _significance_section(run),
        _across_section(run, recur, why_not),
        _data_section(run),
        reproducibility_section(provenance),
    ]
    synthetic = assessment_is_synthetic(assessment)
    n_tasks, n_algorithms = len(stability), int(assessment.data["algorithm"].nunique())
    return Report(title=title or f"Ranking report: {Path(str(assessment.source)).name}",
                  subtitle=f"{n_tasks} tasks, {n_algorithms} algorithms; {run.spec.label()}",
                  sections=[s for s in sections if s is not None], generated=provenance.created,
                  synthetic=synthetic, synthetic_text=SYNTHETIC_TEXT, contents_after=1,
                  readme=[("what", "Ranking report made by challengelab rank"), ("data", provenance.data),
                          ("synthetic data", "YES: simulated per-case results, not real challenge data"
                           if synthetic else "no"),
                          ("ranking", run.spec.label()), ("generated (UTC)", provenance.created),
                          ("regenerate with", provenance.command)])


SYNTHETIC_TEXT = ("SYNTHETIC DATA: this report was made from simulated per-case results, not from real challenge "
                  "submissions. Do not cite its rankings as findings.")


def _summary_section(run: RankingRun, stability: pd.DataFrame, why_not: str) -> Section:
    from challengelab.figures.task_panels import stability_overview

    assessment = run.assessment
    summary = assessment.summary()
    section = Section("Summary")
    n_tasks, n_algorithms = len(summary), int(assessment.data["algorithm"].nunique())
    text = (f"{n_tasks} task{'s' if n_tasks != 1 else ''}, {n_algorithms:,} algorithms, "
            f"{int(summary['n_cases'].sum()):,} cases, {len(assessment.missing):,} missing results; ranking "
            f"method: {run.spec.label()}.")
    if "uncertain_winner" in stability.columns:
        uncertain = stability[stability["uncertain_winner"].fillna(False).astype(bool)]
        text += (f" Over {run.boot.n_boot:,} bootstrap replicates of the cases, the winner of {len(uncertain)} of "
                 f"{len(stability)} tasks ranks first in fewer than {WINNER_THRESHOLD:.0%} of the replicates "
                 "(uncertain winner); the median Kendall's tau-b between bootstrap and full-data rankings is "
                 f"{stability['median_kendall_tau'].median():.2f} over tasks.")
    section.add(Paragraph(text, emphasis=True))
    if run.consensus is not None and len(run.consensus):
        top = run.consensus[run.consensus["rank"] == run.consensus["rank"].min()]["algorithm"]
        section.add(Paragraph(f"Consensus over tasks ({run.consensus_method}): {', '.join(map(str, top))} first."))
    elif why_not and n_tasks > 1:
        section.add(Paragraph(why_not))
    caption = ("Per task: the full-data winner, the share of bootstrap replicates in which it ranks first, its "
               f"{run.level:.0%} bootstrap rank interval, the median width of all algorithms' rank intervals and "
               "the median Kendall's tau-b; a winner is uncertain when it ranks first in fewer than "
               f"{WINNER_THRESHOLD:.0%} of the replicates.")
    section.add(_table("stability", "Stability of the ranking per task", stability, caption, on_page=True,
                       kinds={"winner_frequency": "share", "winner_rank_low": "int", "winner_rank_high": "int",
                              "median_interval_width": "num", "median_kendall_tau": "coef"}))
    if "winner_frequency" in stability.columns and len(stability) > 1:
        section.add(_fig("stability", "How certain is each task's winner?",
                         stability_overview(stability, threshold=WINNER_THRESHOLD)))
    return section


def _methods_section(run: RankingRun, n_boot: int, provenance: Provenance, spec_yaml: str) -> Section:
    section = Section("Methods")
    for paragraph in ranking_methods_text(run, n_boot, provenance.seed, provenance.versions):
        section.add(Paragraph(paragraph))
    if spec_yaml:
        section.add(Paragraph("The full ranking specification is listed in the reproducibility section."))
    return section


def _rankings_section(run: RankingRun) -> Section:
    from challengelab.figures import task_panels as panels
    from challengelab.ranking import case_ranks

    assessment, ranking = run.assessment, run.ranking
    section = Section("Rankings per task")
    section.add(_table("podium", "The first three of every task", podium_table(ranking), on_page=True))
    section.add(_table("ranking", "Ranking per task", ranking,
                       "Score: the aggregate (aggregate-then-rank), the aggregated case rank (rank-then-aggregate) or "
                       "the share of significant wins (test-then-rank)."))
    ranks = case_ranks(assessment, ties=run.spec.ties)
    section.add(_fig("values", "Per-case values", panels.boxplot_by_task(assessment, ranking)))
    section.add(_fig("ranking_heatmap", "Ranking heat map", panels.heatmap_by_task(ranks, ranking)))
    if len(assessment.data) <= PODIUM_MAX_VALUES:
        section.add(_fig("podium_plot", "Podium", panels.podium_by_task(ranks, ranking)))
    else:
        section.add(Paragraph(f"The podium plot is left out at this size ({len(assessment.data):,} per-case values); "
                              "the ranking heat map shows the same per-case ranks."))
    return section


def _uncertainty_section(run: RankingRun) -> Section | None:
    from challengelab.figures import task_panels as panels

    if run.boot is None or not run.boot.tasks:
        return None
    section = Section("Ranking uncertainty (bootstrap)")
    intervals = run.boot_table("rank_intervals")
    first = _least_certain_task(run)
    section.add(_fig("blob_plot", "Bootstrap ranks",
                     panels.blob_by_task(run.boot_table("rank_frequencies"), intervals, level=run.level, first=first)))
    section.add(_fig("kendall_tau", "Ranking stability per task", panels.tau_boxes(run.boot_table("kendall_tau"))))
    section.add(_table("rank_intervals", "Bootstrap rank intervals", intervals,
                       f"{run.level:.0%} intervals of the rank over {run.boot.n_boot:,} bootstrap samples."))
    section.add(_table("winner_frequency", "How often each algorithm ranks first", run.boot_table("winner_frequencies"),
                       kinds={"frequency": "share"}))
    return section


def _least_certain_task(run: RankingRun):
    wins = run.boot_table("winner_frequencies")
    best = wins[wins["full_rank"] == wins.groupby("task")["full_rank"].transform("min")]
    per_task = best.groupby("task", sort=False)["frequency"].max()
    return per_task.idxmin() if len(per_task) else None


def _significance_section(run: RankingRun) -> Section:
    from challengelab.figures import ranking as rfig
    from challengelab.figures import task_panels as panels

    section = Section("Pairwise significance")
    spec = run.spec
    adjust = spec.adjust if spec.adjust != "none" else "holm"
    kwargs = {"alpha": spec.alpha, "adjust": adjust}
    if spec.na_treat is not None:
        kwargs["na_treat"] = spec.na_treat
    try:
        table = rfig.significance_map_plot_table(run.assessment, **kwargs)
    except ValueError as exc:
        section.add(Notice(f"The pairwise tests could not be run: {exc}", kind="warning"))
        return section
    section.add(Paragraph("One-sided paired Wilcoxon signed-rank tests for every ordered pair of algorithms, "
                          f"p-values adjusted per task ({adjust}), alpha = {spec.alpha:g}."))
    section.add(_fig("significance_map", "Significance map", panels.significance_by_task(table)))
    section.add(_table("pairwise_tests", "Pairwise tests", table))
    return section


def _across_section(run: RankingRun, recur: bool, why_not: str) -> Section:
    from challengelab.figures import ranking as rfig
    from challengelab.figures import task_panels as panels

    section = Section("Across tasks and ranking methods")
    n_tasks = run.ranking["task"].nunique()
    if run.consensus is not None and recur:
        section.add(_table("consensus", f"Consensus ranking ({run.consensus_method})", run.consensus))
        if n_tasks >= 3:
            section.add(_fig("task_dendrogram", "Tasks clustered by their rankings",
                             rfig.task_dendrogram(run.ranking)))
    elif n_tasks > 1:
        section.add(Notice(why_not, kind="info", title="Consensus and task clustering not shown"))
    na = {"na_treat": run.spec.na_treat} if run.spec.na_treat is not None else {}
    try:
        lines = rfig.method_lines_table(run.assessment, **na)
    except Exception as exc:  # noqa: BLE001 - e.g. missing values without na_treat
        section.add(Notice(f"Comparison of ranking methods not possible: {exc}", kind="warning"))
        return section
    section.add(_fig("method_lines", "Ranks under different ranking methods", panels.method_lines_by_task(lines)))
    section.add(_table("methods_compared", "Ranks under different ranking methods", lines))
    return section


def _data_section(run: RankingRun) -> Section:
    assessment = run.assessment
    section = Section("Appendix: the data")
    section.add(_table("data", "Assessment data by task", assessment.summary(),
                       "Algorithms, cases and missing results per task, and the metric's direction.", on_page=True))
    if assessment.has_missing:
        section.add(Notice(f"{len(assessment.missing):,} algorithm x case results are missing; see the table "
                           "'missing' and the methods for how they were treated.", kind="warning"))
        section.add(_table("missing", "Missing results", assessment.missing))
    return section


def reproducibility_section(provenance: Provenance) -> Section:
    section = Section("Reproducibility")
    section.add(Paragraph("The inputs, configuration and software below determine every table of this report; "
                          "the command regenerates it (the same inputs and seed give identical tables)."))
    section.add(Code(provenance.command, title="Command that regenerates this report"))
    section.add(KeyValues(provenance.rows(), name="reproducibility", title="Inputs, configuration and software"))
    if provenance.config_yaml:
        section.add(Code(provenance.config_yaml.rstrip(), title="Configuration"))
    return section
