"""The "Ranking robustness" section: does a strategy finding survive the uncertainty of the ranking?

The survey links strategies to the *published* ranks; a rank is itself uncertain. This section attaches a ranking
computed from per-case results (and its bootstrap distribution) to the survey responses with
:func:`challengelab.link` and reruns the strategy tests over bootstrap replicates with
:meth:`~challengelab.ranking.RankingLink.robustness`. Everything is computed by the library; this module only
selects, suppresses small cells (:func:`challengelab.tables.disclosure.suppress_small_cells`) and arranges.

The helpers (:func:`~challengelab.tables.robustness.assessment_for_survey`, ``robustness_table``,
``robustness_replicates``) live in :mod:`challengelab.tables.robustness`, shared with the dashboard's *Ranking
robustness* page, so both show the same numbers.

>>> from challengelab.report.ranking_robustness import ranking_robustness_section
>>> section = ranking_robustness_section(survey, assessment, n_boot=200, n_replicates=50, seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from challengelab.tables.robustness import (
    assessment_for_survey,
    robustness_counts,
    robustness_replicates,
    robustness_table,
    unstable_tasks,
)
from challengelab.vocabulary import DEFAULT_ALPHA, TESTS
from challengelab.report.document import (
    Figure,
    KeyValues,
    Notice,
    Paragraph,
    Section,
    Table,
)

__all__ = [
    "RobustnessRun", "assessment_for_survey", "build_ranking_robustness_section", "ranking_robustness_section",
    "robustness_counts", "robustness_replicates", "robustness_table", "run_ranking_robustness",
    "unstable_tasks",
]

SECTION_TITLE = "Ranking robustness"

# --- helpers shared with the dashboard live in challengelab.tables.robustness ------------------------------------


# --- the section -------------------------------------------------------------------------------------------------


@dataclass
class RobustnessRun:
    """What the section shows, as returned by the library."""

    link: Any  # challengelab.ranking.RankingLink
    robustness: Any  # challengelab.ranking.StrategyRobustness or None (nothing to test)
    n_boot: int
    seed: int | None
    problem: str = ""  # why the strategy tests could not be rerun (empty when they were)


def run_ranking_robustness(survey, assessment, spec=None, *, n_boot: int = 200, n_replicates: int = 50,
                           seed: int | None = None, items: Sequence[str] | None = None, test: str = "exact_cmh",
                           adjust: str = "holm", alpha: float = DEFAULT_ALPHA, mapping=None,
                           step: Callable[[str], None] | None = None) -> RobustnessRun:
    """Link the ranking to the survey and rerun the strategy tests over ``n_replicates`` bootstrap replicates.

    Without a ``mapping`` the assessment is first restricted to the survey's tasks
    (:func:`assessment_for_survey`). Raises ``ValueError`` when nothing can be linked.
    """
    import challengelab
    from challengelab.ranking import RankingSpec

    step = step or (lambda _s: None)
    if int(n_boot) < 1:
        raise ValueError("the robustness analysis needs a bootstrap: n_boot >= 1")
    spec = spec if spec is not None else RankingSpec(method="aggregate_then_rank")
    if mapping is None:
        assessment = assessment_for_survey(assessment, survey)
    step(f"ranking robustness: bootstrap ({n_boot} replicates)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # single-case tasks are reported in the section instead
        linked = challengelab.link(survey, assessment, spec, mapping=mapping, n_boot=n_boot, seed=seed,
                                   progress=False)
    if linked.responses.empty:
        raise ValueError("no survey response could be matched to an algorithm of the assessment")
    if items is None:
        items = [i for i in getattr(survey, "strategy_items", []) if i in linked.responses.columns] or None
    step(f"ranking robustness: strategy tests ({n_replicates} replicates)")
    robustness, problem = None, ""
    winners = linked.responses["winner"].astype("boolean").fillna(False).astype(bool)
    if not winners.any() or winners.all():
        problem = ("the matched teams are all winners or all other teams, so winners cannot be compared with other "
                   "teams")
    else:
        robustness = linked.robustness(items, test=test, adjust=adjust, alpha=alpha, n_replicates=n_replicates,
                                       progress=False)
    return RobustnessRun(linked, robustness, int(n_boot), seed, problem)


def ranking_robustness_section(survey, assessment, spec=None, *, n_boot: int = 200, n_replicates: int = 50,
                               seed: int | None = None, min_cell: int = 5, items: Sequence[str] | None = None,
                               test: str = "exact_cmh", adjust: str = "holm", alpha: float = DEFAULT_ALPHA, mapping=None,
                               step: Callable[[str], None] | None = None) -> Section:
    """The "Ranking robustness" section of the survey report (see :func:`run_ranking_robustness`).

    Parameters
    ----------
    survey : Survey
    assessment : Assessment, DataFrame or path
        Per-case results whose ``task`` is the survey's ``task_id`` and ``algorithm`` its ``team_id`` (or give
        ``mapping``, see :func:`challengelab.link`).
    spec : RankingSpec, optional
        The ranking (default: mean-then-rank).
    n_boot, n_replicates, seed
        Bootstrap replicates of the ranking, how many of them the strategy tests are rerun on (about 0.25 s
        each), and the seed.
    min_cell : int
        Strategy rows resting on fewer winners or other teams are suppressed.

    Returns
    -------
    Section
        Never raises for data that cannot be linked: the section then holds a warning notice instead.
    """
    try:
        run = run_ranking_robustness(survey, assessment, spec, n_boot=n_boot, n_replicates=n_replicates, seed=seed,
                                     items=items, test=test, adjust=adjust, alpha=alpha, mapping=mapping, step=step)
    except Exception as exc:  # noqa: BLE001 - a report section states the problem instead of failing the report
        section = Section(SECTION_TITLE)
        section.add(Notice(f"The ranking robustness analysis could not be run: {exc}", kind="warning",
                           title="Ranking robustness not available"))
        return section
    labels = {item.name: item.label for item in survey.codebook.items} if hasattr(survey, "codebook") else {}
    return build_ranking_robustness_section(run, min_cell=min_cell, labels=labels)


def _in_order(table: pd.DataFrame, tasks: list) -> pd.DataFrame:
    """The rows of ``tasks``, tasks in the given order (figures draw one panel per task in row order)."""
    position = {task: i for i, task in enumerate(tasks)}
    part = table[table["task"].isin(position)]
    return part.iloc[np.argsort(part["task"].map(position).to_numpy(), kind="stable")]


def _caption(fig) -> str:
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout
    meta = layout.get("meta") if isinstance(layout, dict) else getattr(layout, "meta", None)
    return str(meta.get("caption", "")) if isinstance(meta, dict) else ""


def _fig(name: str, title: str, fig) -> Figure:
    return Figure(name, title, fig, _caption(fig))


def build_ranking_robustness_section(run: RobustnessRun, *, min_cell: int, labels: dict | None = None) -> Section:
    """Arrange a :class:`RobustnessRun` as a report :class:`~challengelab.report.document.Section`."""
    from challengelab.figures import ranking as rfig
    from challengelab.figures import task_panels

    linked, boot = run.link, run.link.bootstrap
    spec = linked.spec
    section = Section(SECTION_TITLE)
    n_tasks = int(linked.responses["task_id"].nunique())
    section.add(Paragraph(
        "Does a strategy finding survive the uncertainty of the ranking? The ranking was recomputed from the "
        f"per-case results ({spec.label()}) and bootstrapped {run.n_boot} times (cases resampled with "
        f"replacement within each task, seed {run.seed}). The strategy tests were then rerun with the ranks of "
        "each bootstrap replicate in place of the survey's ranks (winner = rank 1 in the replicate).",
        emphasis=True))
    if "synthetic" in str(linked.assessment.source).lower():
        section.add(Notice("The per-case results are synthetic (simulated random numbers), like the bundled "
                           "survey: do not cite these numbers.", kind="synthetic"))
    facts = [("ranking", spec.label()), ("bootstrap replicates of the ranking", str(run.n_boot)),
             ("seed", str(run.seed)), ("matched responses", str(len(linked.responses))),
             ("tasks with matched responses", str(n_tasks)),
             ("algorithms without a survey response", str(len(linked.unmatched_algorithms))),
             ("survey responses without per-case results", str(len(linked.unmatched_teams)))]
    if boot is not None and boot.excluded_tasks:
        facts.append(("tasks left out (single case)", ", ".join(map(str, boot.excluded_tasks))))
    section.add(KeyValues(facts, name="robustness_link", title="Ranking linked to the survey"))

    # --- strategies over replicates
    if run.robustness is None:
        section.add(Notice(f"The strategy tests could not be rerun: {run.problem}.", kind="warning"))
    else:
        robustness = run.robustness
        table = robustness_table(linked, robustness, min_cell=min_cell, labels=labels)
        shown = table[~table["suppressed"].astype(bool)]
        n_replicates = int(table["n_replicates"].max()) if table["n_replicates"].notna().any() else 0
        section.add(Paragraph(
            f"{(TESTS[robustness.test].short if robustness.test in TESTS else robustness.test).capitalize()}, p-values adjusted over the "
            f"strategies ({robustness.adjust}), alpha = {robustness.alpha:g}, rerun on {n_replicates} bootstrap "
            "replicates. share_significant is the share of replicates in which the strategy stays significant; "
            "median_odds_ratio and odds_ratio_low / odds_ratio_high (2.5 % and 97.5 % quantiles over replicates) "
            "describe the distribution of its effect; the _full columns use the ranks computed on all cases."))
        significant = shown[shown["significant"].astype("boolean").fillna(False).astype(bool)]
        if len(significant):
            parts = [f"{row.label} (significant in {row.share_significant:.0%} of replicates)"
                     for row in significant.itertuples()]
            section.add(Paragraph(f"With the survey's ranks, {len(significant)} strateg"
                                  f"{'y was' if len(significant) == 1 else 'ies were'} significant: "
                                  + "; ".join(parts) + "."))
        else:
            section.add(Paragraph("With the survey's ranks, no strategy was significant after adjustment."))
        section.add(Table(
            "robustness_strategies", "Strategy tests over bootstrap replicates of the ranking", table,
            "One row per strategy: the test with the survey's ranks, with the full-data computed ranks, and over "
            f"bootstrap replicates. Rows resting on fewer than {min_cell} winners or other teams are suppressed.",
            kinds={"share_significant": "share", "share_separation": "share", "odds_ratio": "num",
                   "odds_ratio_full": "num", "median_odds_ratio": "num", "odds_ratio_low": "num",
                   "odds_ratio_high": "num"},
            display_columns=[c for c in ("label", "odds_ratio", "p_adjusted", "odds_ratio_full", "p_adjusted_full",
                                         "n_tested", "median_odds_ratio", "odds_ratio_low", "odds_ratio_high",
                                         "share_significant", "winners_total", "others_total", "note")
                             if c in table.columns and (c != "note" or table["suppressed"].any())]))
        if table["suppressed"].any():
            section.add(Notice(f"{int(table['suppressed'].sum())} strateg(ies) rest on fewer than {min_cell} "
                               "winners or other teams and are suppressed.", kind="warning"))
        forest = shown.assign(item=shown["label"])
        section.add(_fig("robustness_forest", "Does the finding survive ranking uncertainty?",
                         rfig.strategy_robustness(table=forest)))
        section.add(Table("robustness_replicates", "Strategy tests in every replicate",
                          robustness_replicates(robustness, table), "One row per strategy and replicate.",
                          display_rows=16))

    # --- the ranking's own uncertainty
    if boot is not None and boot.tasks:
        intervals = boot.summary().reset_index(drop=True)
        section.add(Table("robustness_rank_uncertainty", "Bootstrap uncertainty of the computed ranking", intervals,
                          "Per task and algorithm: full-data score and rank, 95 % bootstrap rank interval, share "
                          "of replicates ranked first, tie with the best, mean Kendall's tau of the task.",
                          kinds={"winner_frequency": "share"}, display_rows=40))
        section.add(_fig("robustness_kendall_tau", "Ranking stability per task (Kendall's tau)",
                         task_panels.tau_boxes(boot.kendall_tau())))
        tasks = unstable_tasks(boot)
        section.add(Paragraph(f"Bootstrap ranks of the {len(tasks)} task(s) with the least stable ranking (lowest "
                              f"mean Kendall's tau) of {len(boot.tasks)}, one task at a time: "
                              + ", ".join(map(str, tasks)) + "."))
        intervals_shown = _in_order(boot.rank_intervals(0.95), tasks)
        section.add(_fig("robustness_blob_plot", "Bootstrap ranks of the least stable tasks",
                         task_panels.blob_by_task(boot.rank_frequencies(), intervals_shown, level=0.95)))

    # --- what could not be linked
    if len(linked.unmatched_teams):
        section.add(Table("robustness_unmatched_teams", "Survey responses without per-case results",
                          linked.unmatched_teams.reset_index(drop=True), display_rows=30))
    if len(linked.unmatched_algorithms):
        section.add(Table("robustness_unmatched_algorithms", "Algorithms without a survey response",
                          linked.unmatched_algorithms.reset_index(drop=True), display_rows=30))
    return section
