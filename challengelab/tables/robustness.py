"""Tables of the ranking-robustness analysis, shared by the report section and the dashboard page.

Does a strategy finding survive the uncertainty of the ranking? :meth:`challengelab.ranking.RankingLink.robustness`
reruns the strategy tests over bootstrap replicates of a ranking computed from per-case results; these helpers
restrict the per-case results to a survey's tasks, add labels and respondent counts, suppress small cells
(:func:`challengelab.tables.disclosure.suppress_small_cells`) and order tasks by the stability of their ranking,
so that every face shows the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from challengelab.tables.disclosure import suppress_small_cells

__all__ = ["FIGURE_TASKS", "KEEP", "assessment_for_survey", "robustness_counts", "robustness_replicates",
           "robustness_table", "unstable_tasks"]

#: Label columns that stay visible in a suppressed row of the robustness table.
KEEP = ["item", "label"]
#: Blob plots and rank-frequency bars show at most this many tasks (the least stable ones).
FIGURE_TASKS = 6




def assessment_for_survey(assessment: Any, survey: Any):
    """The assessment restricted to the tasks of ``survey`` (``survey.tasks.task_id``, else the responses').

    A filtered survey (one conference, one year, ...) is linked to the results of its own tasks only, so that
    the algorithms of other tasks are neither bootstrapped nor listed as unmatched. Raises ``ValueError`` when
    no task is shared.
    """
    from challengelab.ranking import load_assessment

    assessment = load_assessment(assessment)
    tasks = getattr(survey, "tasks", None)
    ids = tasks["task_id"] if isinstance(tasks, pd.DataFrame) and "task_id" in tasks else \
        getattr(survey, "responses", survey)["task_id"]
    ids = set(ids.astype(str))
    keep = assessment.data["task"].astype(str).isin(ids)
    if keep.all():
        return assessment
    if not keep.any():
        shown = ", ".join(map(str, assessment.tasks[:5])) + (" ..." if len(assessment.tasks) > 5 else "")
        raise ValueError(f"none of the assessment's tasks ({shown}) is a task of the survey; the task column of "
                         "the per-case results must hold the survey's task_id")
    data = assessment.data[keep]
    tasks_kept = list(pd.unique(data["task"]))
    restricted = load_assessment(data.reset_index(drop=True),
                                 smaller_is_better={t: bool(assessment.smaller_is_better.get(t, False))
                                                    for t in tasks_kept})
    return replace(restricted, source=assessment.source)


def robustness_counts(linked: Any, items: Sequence[str]) -> pd.DataFrame:
    """Respondents behind each item of the robustness analysis: ``item``, ``n_answered``, ``winners_total``
    (survey winners who answered the item) and ``others_total`` (the other matched teams who answered)."""
    responses = linked.responses
    winner = responses["winner"].astype("boolean").fillna(False).astype(bool)
    rows = []
    for item in items:
        answered = responses[item].notna() if item in responses.columns else pd.Series(False, index=responses.index)
        rows.append({"item": item, "n_answered": int(answered.sum()), "winners_total": int((answered & winner).sum()),
                     "others_total": int((answered & ~winner).sum())})
    return pd.DataFrame(rows, columns=["item", "n_answered", "winners_total", "others_total"])


def robustness_table(linked: Any, robustness: Any, *, min_cell: int, labels: dict | None = None) -> pd.DataFrame:
    """The robustness summary (``robustness.summary``, one row per strategy item) with a ``label``,
    the respondent counts of :func:`robustness_counts`, and rows resting on fewer than ``min_cell`` winners or
    other teams suppressed (``suppressed`` and ``note`` columns)."""
    labels = labels or {}
    summary = robustness.summary.copy()
    counts = robustness_counts(linked, summary["item"].tolist())
    table = summary.merge(counts, on="item", how="left")
    table.insert(1, "label", table["item"].map(lambda name: labels.get(name, name)))
    table["n"] = table[["winners_total", "others_total"]].min(axis=1)
    table = suppress_small_cells(table, count="n", min_cell=min_cell, keep=KEEP)
    for column in ("n_replicates", "n_tested", "n_answered", "winners_total", "others_total"):
        table[column] = table[column].astype("Int64")  # blanked counts stay whole numbers
    return table.drop(columns="n").reset_index(drop=True)


def robustness_replicates(robustness: Any, table: pd.DataFrame) -> pd.DataFrame:
    """Per replicate results (``item``, ``replicate``, ``odds_ratio``, ``p_value``, ``p_adjusted``) of the items
    that are not suppressed in ``table``."""
    shown = table.loc[~table["suppressed"].astype(bool), "item"]
    replicates = robustness.replicates
    return replicates[replicates["item"].isin(set(shown))].reset_index(drop=True)


def unstable_tasks(boot: Any, n: int = FIGURE_TASKS) -> list:
    """The ``n`` bootstrapped tasks with the lowest mean Kendall's tau (least stable ranking first)."""
    tau = boot.kendall_tau().groupby("task", sort=False)["kendall_tau"].mean()
    order = tau.fillna(np.inf).sort_values(kind="stable")
    return order.index[:n].tolist()
