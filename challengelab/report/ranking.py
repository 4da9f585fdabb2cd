"""The ranking report: rankings from per-case results, their bootstrap uncertainty and the consensus.

:func:`run_ranking` computes everything with :mod:`challengelab.ranking` (nothing is re-computed here);
:func:`build_ranking_report` arranges the results and the figures of :mod:`challengelab.figures.ranking` into a
:class:`~challengelab.report.document.Report` for the writers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    if ranking["task"].nunique() > 1:
        step("consensus ranking")
        cons = consensus(ranking, method=consensus_method)
    return RankingRun(assessment, spec, ranking, boot, cons, consensus_method, level)


def _caption(fig) -> str:
    meta = getattr(fig.layout, "meta", None)
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


def build_ranking_report(run: RankingRun, provenance: Provenance, *, title: str | None = None,
                         n_boot: int = 0, spec_yaml: str = "") -> Report:
    from challengelab.figures import ranking as rfig

    assessment = run.assessment
    summary = assessment.summary()
    n_tasks = len(summary)
    n_algorithms = int(assessment.data["algorithm"].nunique())
    sections: list[Section] = []

    # 1. Summary
    s1 = Section("Summary")
    winners = run.ranking[run.ranking["rank"] == 1].groupby("task", sort=False)["algorithm"].apply(
        lambda a: ", ".join(map(str, a)))
    s1.add(Paragraph(f"{n_tasks} task{'s' if n_tasks != 1 else ''}, {n_algorithms} algorithms, "
                     f"{int(summary['n_cases'].sum())} cases, {len(assessment.missing)} missing results; "
                     f"ranking method: {run.spec.label()}.", emphasis=True))
    for task, names in winners.items():
        s1.add(Paragraph(f"Task {task}: ranked first: {names}."))
    if run.consensus is not None and len(run.consensus):
        top = run.consensus[run.consensus["rank"] == run.consensus["rank"].min()]["algorithm"]
        s1.add(Paragraph(f"Consensus over tasks ({run.consensus_method}): {', '.join(map(str, top))} first."))
    s1.add(Table("data", "Assessment data by task", summary,
                 "Algorithms, cases and missing results per task, and the metric's direction."))
    if assessment.has_missing:
        s1.add(Notice(f"{len(assessment.missing)} algorithm x case results are missing; see the table "
                      "'missing' and the methods for how they were treated.", kind="warning"))
        s1.add(Table("missing", "Missing results", assessment.missing.reset_index(drop=True)))
    sections.append(s1)

    # 2. Methods
    s2 = Section("Methods")
    for paragraph in ranking_methods_text(run, n_boot, provenance.seed, provenance.versions):
        s2.add(Paragraph(paragraph))
    if spec_yaml:
        s2.add(Paragraph("The full ranking specification is listed in the reproducibility section."))
    sections.append(s2)

    # 3. Rankings
    s3 = Section("Rankings")
    s3.add(Table("ranking", "Ranking per task", run.ranking.reset_index(drop=True),
                 "Score: the aggregate (aggregate-then-rank), the aggregated case rank (rank-then-aggregate) or "
                 "the share of significant wins (test-then-rank)."))
    s3.add(_fig("podium", "Podium", rfig.podium(assessment, run.ranking)))
    s3.add(_fig("ranking_heatmap", "Ranking heat map", rfig.ranking_heatmap(assessment, run.ranking)))
    s3.add(_fig("dot_and_boxplot", "Metric values per algorithm", rfig.dot_and_boxplot(assessment, run.ranking)))
    sections.append(s3)

    # 4. Uncertainty
    if run.boot is not None and run.boot.tasks:
        s4 = Section("Ranking uncertainty (bootstrap)")
        intervals = run.boot.rank_intervals(run.level)
        s4.add(Table("rank_intervals", "Bootstrap rank intervals", intervals.reset_index(drop=True),
                     f"{run.level:.0%} intervals of the rank over {run.boot.n_boot} bootstrap samples."))
        s4.add(Table("winner_frequency", "How often each algorithm ranks first",
                     run.boot.winner_frequencies().reset_index(drop=True), kinds={"frequency": "share"}))
        tau = run.boot.kendall_tau()
        tau_summary = tau.groupby("task", sort=False)["kendall_tau"].describe()[
            ["count", "mean", "25%", "50%", "75%", "min"]].reset_index().rename(
            columns={"count": "n_replicates", "25%": "q1", "50%": "median", "75%": "q3"})
        s4.add(Table("stability", "Ranking stability (Kendall's tau-b, bootstrap vs. full data)", tau_summary))
        s4.add(_fig("blob_plot", "Blob plot of bootstrap ranks", rfig.blob_plot(run.boot, level=run.level)))
        s4.add(_fig("rank_frequency", "Rank frequencies", rfig.rank_frequency_bars(run.boot)))
        s4.add(_fig("kendall_tau", "Stability: Kendall's tau", rfig.kendall_tau_violin(run.boot)))
        sections.append(s4)

    # 5. Significance
    s5 = Section("Pairwise significance")
    largest = int(summary["n_algorithms"].max()) if len(summary) else 0
    if largest <= MAX_SIGNIFICANCE_ALGORITHMS:
        kwargs = {"alpha": run.spec.alpha, "adjust": run.spec.adjust if run.spec.adjust != "none" else "holm"}
        if run.spec.na_treat is not None:
            kwargs["na_treat"] = run.spec.na_treat
        try:
            table = rfig.significance_map_plot_table(assessment, **kwargs)
        except ValueError as exc:
            s5.add(Notice(f"The pairwise tests could not be run: {exc}", kind="warning"))
        else:
            s5.add(Paragraph("One-sided paired Wilcoxon signed-rank tests for every ordered pair of algorithms, "
                             f"p-values adjusted per task ({kwargs['adjust']}), alpha = {kwargs['alpha']:g}."))
            s5.add(Table("pairwise_tests", "Pairwise tests", table.reset_index(drop=True)))
            s5.add(_fig("significance_map", "Significance map", rfig.significance_map_plot(table=table)))
    else:
        s5.add(Notice(f"Skipped: a task has {largest} algorithms (more than {MAX_SIGNIFICANCE_ALGORITHMS}).",
                      kind="info"))
    sections.append(s5)

    # 6. Across tasks and methods
    s6 = Section("Across tasks and ranking methods")
    if run.consensus is not None:
        s6.add(Table("consensus", f"Consensus ranking ({run.consensus_method})",
                     run.consensus.reset_index(drop=True)))
        if n_tasks >= 3:
            s6.add(_fig("task_dendrogram", "Tasks clustered by their rankings", rfig.task_dendrogram(run.ranking)))
    na = {"na_treat": run.spec.na_treat} if run.spec.na_treat is not None else {}
    try:
        lines = rfig.method_lines_table(assessment, **na)
    except Exception as exc:  # noqa: BLE001 - e.g. missing values without na_treat
        s6.add(Notice(f"Comparison of ranking methods not possible: {exc}", kind="warning"))
    else:
        s6.add(Table("methods_compared", "Ranks under different ranking methods", lines.reset_index(drop=True)))
        s6.add(_fig("method_lines", "Ranks under different ranking methods", rfig.method_lines(table=lines)))
    sections.append(s6)

    # 7. Reproducibility
    sections.append(reproducibility_section(provenance))
    from pathlib import Path

    return Report(title=title or f"Ranking report: {Path(str(assessment.source)).name}",
                  subtitle=f"{n_tasks} tasks, {n_algorithms} algorithms; {run.spec.label()}",
                  sections=sections, generated=provenance.created,
                  readme=[("what", "Ranking report made by challengelab rank"), ("data", provenance.data),
                          ("ranking", run.spec.label()), ("generated (UTC)", provenance.created),
                          ("regenerate with", provenance.command)])


def reproducibility_section(provenance: Provenance) -> Section:
    section = Section("Reproducibility")
    section.add(Paragraph("The inputs, configuration and software below determine every table of this report; "
                          "the command regenerates it (the same inputs and seed give identical tables)."))
    section.add(Code(provenance.command, title="Command that regenerates this report"))
    section.add(KeyValues(provenance.rows(), name="reproducibility", title="Inputs, configuration and software"))
    if provenance.config_yaml:
        section.add(Code(provenance.config_yaml.rstrip(), title="Configuration"))
    return section
