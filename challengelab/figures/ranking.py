"""Plotly figures of rankings and their uncertainty (the figures of challengeR, natively in plotly).

Convention: every figure ``name(...)`` has a companion ``name_table(...)`` that returns the tidy DataFrame the
figure draws; the builder accepts the same inputs (or that table directly via ``table=``) and returns a
:class:`plotly.graph_objects.Figure` whose caption is ``fig.layout.meta["caption"]``.

===================================  =======================================  ======================================
figure                               input                                    tidy table
===================================  =======================================  ======================================
:func:`dot_and_boxplot`              assessment (+ ranking)                   :func:`dot_and_boxplot_table`
:func:`podium`                       assessment (+ ranking)                   :func:`podium_table`
:func:`ranking_heatmap`              assessment (+ ranking)                   :func:`ranking_heatmap_table`
:func:`blob_plot`                    :class:`~challengelab.ranking.BootstrapResult`  :func:`blob_plot_table`
:func:`kendall_tau_violin`           BootstrapResult (or several, by label)   :func:`kendall_tau_violin_table`
:func:`rank_frequency_bars`          BootstrapResult                          :func:`rank_frequency_bars_table`
:func:`significance_map_plot`        assessment                               :func:`significance_map_plot_table`
:func:`method_lines`                 assessment + ranking specs               :func:`method_lines_table`
:func:`task_dendrogram`              ranking (task, algorithm, rank)          :func:`task_dendrogram_table`
:func:`strategy_robustness`          :class:`~challengelab.ranking.StrategyRobustness`  :func:`strategy_robustness_table`
===================================  =======================================  ======================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Union

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from challengelab.ranking import (
    BootstrapResult,
    RankingSpec,
    case_ranks,
    load_assessment,
    rank,
    significance_map,
    task_agreement,
)

__all__ = [
    "blob_plot", "blob_plot_table", "dot_and_boxplot", "dot_and_boxplot_table", "kendall_tau_violin",
    "kendall_tau_violin_table", "method_lines", "method_lines_table", "podium", "podium_table",
    "rank_frequency_bars", "rank_frequency_bars_table", "ranking_heatmap", "ranking_heatmap_table",
    "significance_map_plot", "significance_map_plot_table", "strategy_robustness", "strategy_robustness_table",
    "task_dendrogram", "task_dendrogram_table",
]

RankingLike = Union[pd.DataFrame, RankingSpec, Mapping, None]
_COLUMNS = 3
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf")


# ---------------------------------------------------------------------------------------------- helpers
def _ranking(data: Any, ranking: RankingLike) -> pd.DataFrame:
    if isinstance(ranking, pd.DataFrame):
        return ranking
    if ranking is None:
        return rank(data, method="aggregate_then_rank")
    spec = ranking if isinstance(ranking, RankingSpec) else RankingSpec.from_dict(ranking)
    return rank(data, spec=spec)


def _ordered(frame: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """Attach ``rank`` and an ``order`` (position within the task by rank) to rows with task and algorithm."""
    ranks = ranking[["task", "algorithm", "rank"]].copy()
    ranks["order"] = ranks.groupby("task", sort=False).cumcount() + 1  # ranking tables are sorted by rank
    return frame.merge(ranks, on=["task", "algorithm"], how="left")


def _grid(tasks: Sequence, **kwargs: Any) -> tuple[go.Figure, dict]:
    n = max(1, len(tasks))
    cols = min(_COLUMNS, n)
    rows = math.ceil(n / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[str(t) for t in tasks], **kwargs)
    where = {t: (i // cols + 1, i % cols + 1) for i, t in enumerate(tasks)}
    fig.update_layout(height=max(320, 300 * rows), template="plotly_white")
    return fig, where


def _finish(fig: go.Figure, caption: str, title: str | None = None) -> go.Figure:
    fig.update_layout(meta={"caption": caption})
    if title:
        fig.update_layout(title=title)
    return fig


def _tasks(frame: pd.DataFrame) -> list:
    return list(pd.unique(frame["task"]))


def _color(i: int) -> str:
    return _PALETTE[i % len(_PALETTE)]


# ---------------------------------------------------------------------------------------------- dot-and-boxplot
def dot_and_boxplot_table(data: Any, ranking: RankingLike = None) -> pd.DataFrame:
    """Per-case values with the algorithm's rank: ``task``, ``case``, ``algorithm``, ``value``, ``rank``,
    ``order``."""
    assessment = load_assessment(data)
    return _ordered(assessment.data, _ranking(assessment, ranking)).sort_values(["task", "order", "case"],
                                                                               kind="stable")


def dot_and_boxplot(data: Any = None, ranking: RankingLike = None, *, table: pd.DataFrame | None = None,
                    seed: int = 0) -> go.Figure:
    """Per-case values of every algorithm (jittered dots over a boxplot), algorithms ordered by rank.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.figures.ranking import dot_and_boxplot
    >>> data = pd.DataFrame({"task": "T1", "case": [1, 2] * 2, "algorithm": list("AABB"), "value": [.9, .8, .7, .6]})
    >>> fig = dot_and_boxplot(data)
    >>> [trace.name for trace in fig.data]
    ['A', 'B']
    """
    table = dot_and_boxplot_table(data, ranking) if table is None else table
    tasks = _tasks(table)
    fig, where = _grid(tasks)
    for t in tasks:
        part = table[table["task"] == t]
        for algorithm, rows in part.groupby("algorithm", sort=False):
            label = f"{algorithm}"
            fig.add_trace(go.Box(x=[label] * len(rows), y=rows["value"], name=label, boxpoints="all", jitter=0.4,
                                 pointpos=0, marker={"size": 4, "opacity": 0.6, "color": _color(int(rows["order"].iloc[0]) - 1)},
                                 line={"width": 1}, customdata=rows[["case", "rank"]],
                                 hovertemplate="algorithm %{x}<br>case %{customdata[0]}<br>value %{y}"
                                               "<br>rank %{customdata[1]}<extra></extra>",
                                 showlegend=False), *where[t])
    fig.update_yaxes(title_text="value", col=1)
    return _finish(fig, "Per-case values of each algorithm (dots) with their distribution (box); algorithms are "
                        "ordered by their rank.", "Dot-and-boxplot of per-case results")


# ---------------------------------------------------------------------------------------------- podium
def podium_table(data: Any, ranking: RankingLike = None, ties: str = "min") -> pd.DataFrame:
    """Per-case values, case ranks and the algorithm's overall rank: ``task``, ``case``, ``algorithm``,
    ``value``, ``case_rank``, ``rank``, ``order``."""
    assessment = load_assessment(data)
    cr = case_ranks(assessment, ties=ties).rename(columns={"rank": "case_rank"})
    return _ordered(cr, _ranking(assessment, ranking)).sort_values(["task", "order", "case"], kind="stable")


def podium(data: Any = None, ranking: RankingLike = None, *, table: pd.DataFrame | None = None) -> go.Figure:
    """Podium plot: each algorithm's per-case values at its podium place (x = overall rank order); the values
    of one case are joined by a line, coloured by the case rank of the algorithm on the left end; the bars
    below count how often each algorithm took each case rank."""
    table = podium_table(data, ranking) if table is None else table
    tasks = _tasks(table)
    fig, where = _grid(tasks)
    for t in tasks:
        part = table[table["task"] == t]
        algorithms = part.drop_duplicates("algorithm").sort_values("order")
        k = len(algorithms)
        position = dict(zip(algorithms["algorithm"], algorithms["order"]))
        wide = part.pivot_table(index="case", columns="algorithm", values="value", sort=False)
        wide = wide[[a for a in algorithms["algorithm"] if a in wide.columns]]
        xs, ys = [], []
        for _, row in wide.iterrows():
            xs.extend([position[a] for a in wide.columns] + [None])
            ys.extend(list(row.to_numpy()) + [None])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"width": 0.5, "color": "rgba(120,120,120,0.35)"},
                                 hoverinfo="skip", showlegend=False), *where[t])
        for case_rank, rows in part.groupby("case_rank", sort=True):
            fig.add_trace(go.Scatter(
                x=rows["order"] + (rows["case_rank"] - (k + 1) / 2) * 0.6 / max(k, 1), y=rows["value"],
                mode="markers", marker={"size": 5, "color": _color(int(case_rank) - 1)},
                name=f"case rank {case_rank:g}", legendgroup=f"r{case_rank}", showlegend=t == tasks[0],
                customdata=rows[["algorithm", "case"]],
                hovertemplate="%{customdata[0]}, case %{customdata[1]}<br>value %{y}<extra></extra>"), *where[t])
        fig.update_xaxes(tickvals=list(position.values()),
                         ticktext=[f"{a} ({o})" for a, o in position.items()], row=where[t][0], col=where[t][1])
    return _finish(fig, "Podium plot: per-case values placed by case rank around each algorithm's podium place "
                        "(ordered by overall rank); grey lines join the values of one case.",
                   "Podium plot")


# ---------------------------------------------------------------------------------------------- ranking heatmap
def ranking_heatmap_table(data: Any, ranking: RankingLike = None, ties: str = "min") -> pd.DataFrame:
    """How many cases gave each algorithm each case rank: ``task``, ``algorithm``, ``case_rank``, ``count``,
    ``rank``, ``order``."""
    assessment = load_assessment(data)
    cr = case_ranks(assessment, ties=ties)
    counts = cr.groupby(["task", "algorithm", "rank"], sort=False).size().rename("count").reset_index()
    counts = counts.rename(columns={"rank": "case_rank"})
    return _ordered(counts, _ranking(assessment, ranking)).sort_values(["task", "order", "case_rank"])


def ranking_heatmap(data: Any = None, ranking: RankingLike = None, *, table: pd.DataFrame | None = None) -> go.Figure:
    """Ranking heatmap: number of cases (colour) in which each algorithm (x, by overall rank) took each case
    rank (y)."""
    table = ranking_heatmap_table(data, ranking) if table is None else table
    tasks = _tasks(table)
    fig, where = _grid(tasks)
    for t in tasks:
        part = table[table["task"] == t]
        wide = part.pivot_table(index="case_rank", columns="algorithm", values="count", fill_value=0, sort=False)
        order = part.drop_duplicates("algorithm").sort_values("order")["algorithm"].tolist()
        wide = wide.reindex(columns=order, fill_value=0).sort_index()
        fig.add_trace(go.Heatmap(z=wide.to_numpy(), x=order, y=wide.index.to_numpy(), coloraxis="coloraxis",
                                 hovertemplate="%{x}: case rank %{y} in %{z} cases<extra></extra>"), *where[t])
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(title_text="case rank", col=1)
    fig.update_layout(coloraxis={"colorscale": "Blues", "colorbar": {"title": "cases"}})
    return _finish(fig, "Ranking heatmap: number of cases in which each algorithm (ordered by overall rank) took "
                        "each per-case rank.", "Ranking heatmap")


# ---------------------------------------------------------------------------------------------- blob plot
def blob_plot_table(result: BootstrapResult, level: float = 0.95) -> pd.DataFrame:
    """Bootstrap rank frequencies with the full-data rank and the rank interval: ``task``, ``algorithm``,
    ``rank``, ``count``, ``frequency``, ``full_rank``, ``median_rank``, ``lower``, ``upper``, ``order``."""
    freq = result.rank_frequencies()
    intervals = result.rank_intervals(level)[["task", "algorithm", "full_rank", "median_rank", "lower", "upper"]]
    table = freq.merge(intervals, on=["task", "algorithm"], how="left")
    order = result.full[["task", "algorithm"]].copy()
    order["order"] = order.groupby("task", sort=False).cumcount() + 1
    return table.merge(order, on=["task", "algorithm"], how="left").sort_values(["task", "order", "rank"])


def blob_plot(result: BootstrapResult | None = None, *, table: pd.DataFrame | None = None,
              level: float = 0.95) -> go.Figure:
    """Blob plot: area of each blob = share of bootstrap replicates in which the algorithm (x, by full-data
    rank) took the rank (y); black cross = full-data rank, line = bootstrap rank interval (``level``)."""
    table = blob_plot_table(result, level) if table is None else table
    tasks = _tasks(table)
    fig, where = _grid(tasks)
    for t in tasks:
        part = table[(table["task"] == t) & (table["count"] > 0)]
        fig.add_trace(go.Scatter(
            x=part["algorithm"], y=part["rank"], mode="markers",
            marker={"size": np.sqrt(part["frequency"]) * 30, "color": [_color(int(o) - 1) for o in part["order"]],
                    "opacity": 0.75, "line": {"width": 0}},
            customdata=part[["frequency"]], showlegend=False,
            hovertemplate="%{x}: rank %{y} in %{customdata[0]:.1%} of replicates<extra></extra>"), *where[t])
        summary = table[table["task"] == t].drop_duplicates("algorithm").sort_values("order")
        xs, ys = [], []
        for _, row in summary.iterrows():
            xs.extend([row["algorithm"], row["algorithm"], None])
            ys.extend([row["lower"], row["upper"], None])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "black", "width": 1}, showlegend=False,
                                 hoverinfo="skip"), *where[t])
        fig.add_trace(go.Scatter(x=summary["algorithm"], y=summary["full_rank"], mode="markers",
                                 marker={"symbol": "x", "color": "black", "size": 7}, showlegend=False,
                                 hovertemplate="%{x}: full-data rank %{y}<extra></extra>"), *where[t])
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(title_text="rank", col=1)
    return _finish(fig, f"Blob plot of bootstrap ranks: blob area = share of replicates with that rank; cross = "
                        f"rank on the full data; line = {level:.0%} bootstrap rank interval.",
                   "Ranking stability (bootstrap)")


# ---------------------------------------------------------------------------------------------- Kendall violin
def kendall_tau_violin_table(results: Union[BootstrapResult, Mapping[str, BootstrapResult]]) -> pd.DataFrame:
    """Kendall's tau-b of every replicate vs. the full data: ``label``, ``task``, ``replicate``,
    ``kendall_tau`` (NaN replicates, where tau-b is undefined, are dropped)."""
    if isinstance(results, BootstrapResult):
        results = {results.spec.label(): results}
    frames = [r.kendall_tau().assign(label=label) for label, r in results.items()]
    table = pd.concat(frames, ignore_index=True)[["label", "task", "replicate", "kendall_tau"]]
    return table.dropna(subset=["kendall_tau"]).reset_index(drop=True)


def kendall_tau_violin(results: Any = None, *, table: pd.DataFrame | None = None) -> go.Figure:
    """Violins of Kendall's tau between bootstrap rankings and the full-data ranking, per task (x) and, when a
    mapping of labelled results is given, per ranking method (colour)."""
    table = kendall_tau_violin_table(results) if table is None else table
    fig = go.Figure()
    tasks = list(pd.unique(table["task"].astype(str)))
    across = len(tasks) > 20  # many tasks: one row per task, every label readable (the figure grows downwards)
    for i, (label, part) in enumerate(table.groupby("label", sort=False)):
        where = {"y": part["task"].astype(str), "x": part["kendall_tau"], "orientation": "h"} if across else \
            {"x": part["task"].astype(str), "y": part["kendall_tau"]}
        fig.add_trace(go.Violin(**where, name=str(label), box_visible=True, meanline_visible=True, points=False,
                                line_color=_color(i)))
    tau_axis = {"title": "Kendall's tau", "range": [-1.05, 1.05]}
    task_axis = {"title": "task", "type": "category", "categoryorder": "array", "categoryarray": tasks,
                 "tickmode": "array", "tickvals": tasks, "ticktext": tasks, "automargin": True}
    if across:
        fig.update_layout(violinmode="group", template="plotly_white", xaxis=tau_axis,
                          yaxis={**task_axis, "autorange": "reversed", "tickfont": {"size": 11}},
                          height=max(450, 16 * len(tasks) + 140))
    else:
        fig.update_layout(violinmode="group", template="plotly_white", yaxis=tau_axis, xaxis=task_axis)
    return _finish(fig, "Kendall's tau-b between the ranking of each bootstrap replicate and the full-data ranking "
                        "(1 = identical ranking); replicates where tau-b is undefined (all algorithms tied) are "
                        "left out.", "Ranking stability across bootstrap replicates")


# ---------------------------------------------------------------------------------------------- rank frequencies
def rank_frequency_bars_table(result: BootstrapResult) -> pd.DataFrame:
    """``task``, ``algorithm``, ``rank``, ``count``, ``frequency``, ``order``."""
    freq = result.rank_frequencies()
    order = result.full[["task", "algorithm"]].copy()
    order["order"] = order.groupby("task", sort=False).cumcount() + 1
    return freq.merge(order, on=["task", "algorithm"], how="left").sort_values(["task", "order", "rank"])


def rank_frequency_bars(result: BootstrapResult | None = None, *, table: pd.DataFrame | None = None) -> go.Figure:
    """Stacked bars: share of bootstrap replicates in which each algorithm (x, by full-data rank) took each
    rank (colour)."""
    table = rank_frequency_bars_table(result) if table is None else table
    tasks = _tasks(table)
    fig, where = _grid(tasks)
    ranks = sorted(pd.unique(table["rank"]))
    for t in tasks:
        part = table[table["task"] == t]
        for r in ranks:
            rows = part[part["rank"] == r].sort_values("order")
            if rows.empty or rows["count"].sum() == 0:
                continue
            fig.add_trace(go.Bar(x=rows["algorithm"], y=rows["frequency"], name=f"rank {r:g}",
                                 legendgroup=f"r{r}", showlegend=t == tasks[0],
                                 marker_color=_color(int(math.ceil(r)) - 1),
                                 hovertemplate="%{x}: rank " + f"{r:g}" + " in %{y:.1%}<extra></extra>"), *where[t])
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickformat=".0%")
    fig.update_yaxes(title_text="share of replicates", col=1)
    return _finish(fig, "Share of bootstrap replicates in which each algorithm took each rank.",
                   "Rank frequencies (bootstrap)")


# ---------------------------------------------------------------------------------------------- significance map
def significance_map_plot_table(data: Any, **kwargs: Any) -> pd.DataFrame:
    """See :func:`challengelab.ranking.significance_map` (``alpha``, ``adjust`` default ``"holm"``, ...)."""
    return significance_map(data, **kwargs)


def significance_map_plot(data: Any = None, *, table: pd.DataFrame | None = None, **kwargs: Any) -> go.Figure:
    """Significance map: a dark cell when the algorithm on the y axis is significantly better than the one on
    the x axis (one-sided paired Wilcoxon, adjusted p-value below alpha); axes ordered by rank."""
    table = significance_map_plot_table(data, **kwargs) if table is None else table
    tasks = _tasks(table)
    fig, where = _grid(tasks)
    for t in tasks:
        part = table[table["task"] == t]
        order = (part.drop_duplicates("algorithm").sort_values(["algorithm_rank"], kind="stable")["algorithm"]
                 .tolist())
        z = part.pivot_table(index="algorithm", columns="versus", values="significant", aggfunc="first",
                             sort=False).reindex(index=order, columns=order).astype(float)
        p = part.pivot_table(index="algorithm", columns="versus", values="p_adjusted", aggfunc="first",
                             sort=False).reindex(index=order, columns=order)
        fig.add_trace(go.Heatmap(z=z.to_numpy(), x=order, y=order, customdata=p.to_numpy(), zmin=0, zmax=1,
                                 colorscale=[[0, "#f2f2f2"], [1, "#08519c"]], showscale=False, xgap=1, ygap=1,
                                 hovertemplate="%{y} better than %{x}?<br>adjusted p = %{customdata:.4g}"
                                               "<extra></extra>"), *where[t])
    fig.update_yaxes(autorange="reversed")
    return _finish(fig, "Significance map: dark = the algorithm on the row is significantly better than the one in "
                        "the column (one-sided paired Wilcoxon signed-rank test, p-values adjusted per task); "
                        "both axes are ordered by rank.", "Significance map")


# ---------------------------------------------------------------------------------------------- ranks across methods
DEFAULT_SPECS: tuple[RankingSpec, ...] = (
    RankingSpec(method="aggregate_then_rank", aggregate="mean"),
    RankingSpec(method="aggregate_then_rank", aggregate="median"),
    RankingSpec(method="rank_then_aggregate", aggregate="mean"),
    RankingSpec(method="rank_then_aggregate", aggregate="median"),
    RankingSpec(method="test_then_rank"),
)


def method_lines_table(data: Any, specs: Sequence[RankingSpec] | Mapping[str, RankingSpec] | None = None,
                       **na: Any) -> pd.DataFrame:
    """Ranks of every algorithm under several ranking specs: ``task``, ``method``, ``algorithm``, ``score``,
    ``rank``. ``specs`` defaults to mean/median aggregate-then-rank, mean/median rank-then-aggregate and
    test-then-rank; a mapping gives the labels."""
    assessment = load_assessment(data)
    specs = DEFAULT_SPECS if specs is None else specs
    labelled = specs.items() if isinstance(specs, Mapping) else [(s.label(), s) for s in specs]
    frames = []
    for label, spec in labelled:
        if na and spec.method != "rank_then_aggregate":
            spec = spec.model_copy(update=na)
        frames.append(rank(assessment, spec=spec).assign(method=label))
    return pd.concat(frames, ignore_index=True)[["task", "method", "algorithm", "score", "rank"]]


def method_lines(data: Any = None, specs: Any = None, *, table: pd.DataFrame | None = None) -> go.Figure:
    """Line plot of ranks (y) across ranking methods (x), one line per algorithm: how much the ranking depends
    on the method."""
    table = method_lines_table(data, specs) if table is None else table
    tasks = _tasks(table)
    fig, where = _grid(tasks)
    algorithms = list(pd.unique(table["algorithm"]))
    for t in tasks:
        part = table[table["task"] == t]
        for algorithm, rows in part.groupby("algorithm", sort=False):
            i = algorithms.index(algorithm)
            fig.add_trace(go.Scatter(x=rows["method"], y=rows["rank"], mode="lines+markers", name=str(algorithm),
                                     legendgroup=str(algorithm), showlegend=t == tasks[0],
                                     line={"color": _color(i)},
                                     hovertemplate=f"{algorithm}" + ": rank %{y} (%{x})<extra></extra>"), *where[t])
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(title_text="rank", col=1)
    fig.update_xaxes(tickangle=-30)
    return _finish(fig, "Rank of each algorithm under different ranking methods.", "Ranks across ranking methods")


# ---------------------------------------------------------------------------------------------- task dendrogram
def task_dendrogram_table(ranking: pd.DataFrame, linkage: str = "complete") -> pd.DataFrame:
    """Hierarchical clustering of tasks by the distance ``1 - Kendall's tau-b`` of their rankings.

    Returns one row per merge: ``step``, ``left``, ``right`` (task names or ``"cluster <step>"``),
    ``distance``, ``size``. Pairs of tasks without a defined tau (fewer than two shared algorithms) get the
    largest distance, 2.

    This differs on purpose from challengeR 1.0.5: its Kendall-based task distance
    (``relation_dissimilarity.ranked.list`` in R/relation.R) uses ``1 - tau`` only when ``kendall(1:2, 1:2) == 1``,
    but that evaluates to 0.99999999999999978 in R, so it takes ``tau`` itself as the distance and clusters tasks
    by similarity. Our dendrogram merges the most similar tasks first and can therefore look different.
    """
    from scipy.cluster.hierarchy import linkage as scipy_linkage
    from scipy.spatial.distance import squareform

    agreement = task_agreement(ranking)
    tasks = list(pd.unique(ranking["task"]))
    if len(tasks) < 2:
        raise ValueError("a dendrogram needs at least two tasks")
    tau = agreement.pivot_table(index="task", columns="other_task", values="kendall_tau", sort=False, dropna=False)
    tau = tau.reindex(index=tasks, columns=tasks)
    distance = (1.0 - tau.to_numpy(dtype=float))
    distance = np.where(np.isnan(distance), 2.0, distance)
    np.fill_diagonal(distance, 0.0)
    distance = (distance + distance.T) / 2
    z = scipy_linkage(squareform(distance, checks=False), method=linkage)
    names = [str(t) for t in tasks]
    rows = []
    for step, (a, b, d, size) in enumerate(z, start=1):
        label = lambda i: names[int(i)] if i < len(names) else f"cluster {int(i) - len(names) + 1}"  # noqa: E731
        rows.append({"step": step, "left": label(a), "right": label(b), "distance": float(d), "size": int(size)})
    return pd.DataFrame(rows)


def _linkage_from_table(table: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    clusters = {f"cluster {s}" for s in table["step"]}
    leaves = list(dict.fromkeys(x for x in pd.concat([table["left"], table["right"]]) if x not in clusters))
    n = len(leaves)
    index = {name: i for i, name in enumerate(leaves)}
    index.update({f"cluster {s}": n + s - 1 for s in table["step"]})
    z = np.array([[index[l], index[r], d, size] for l, r, d, size in
                  zip(table["left"], table["right"], table["distance"], table["size"])], dtype=float)
    return z, leaves


def task_dendrogram(ranking: pd.DataFrame | None = None, *, table: pd.DataFrame | None = None,
                    linkage: str = "complete") -> go.Figure:
    """Dendrogram of tasks clustered by the similarity of their rankings (distance ``1 - Kendall's tau``)."""
    from scipy.cluster.hierarchy import dendrogram

    table = task_dendrogram_table(ranking, linkage) if table is None else table
    z, leaves = _linkage_from_table(table)
    tree = dendrogram(z, labels=leaves, no_plot=True)
    fig = go.Figure()
    for xs, ys in zip(tree["icoord"], tree["dcoord"]):
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#444", "width": 1.5}, showlegend=False,
                                 hovertemplate="distance %{y:.3f}<extra></extra>"))
    ticks = [5 + 10 * i for i in range(len(tree["ivl"]))]
    fig.update_layout(template="plotly_white", xaxis={"tickvals": ticks, "ticktext": tree["ivl"], "title": "task",
                                                      "range": [0, 10 * len(ticks)], "showgrid": False},
                      yaxis={"title": "1 - Kendall's tau"}, height=420)
    return _finish(fig, f"Tasks clustered ({linkage} linkage) by how differently they rank the algorithms "
                        "(distance 1 - Kendall's tau-b on shared algorithms).", "Dendrogram of tasks")


# ---------------------------------------------------------------------------------------------- strategy robustness
def strategy_robustness_table(robustness: Any) -> pd.DataFrame:
    """The summary of :meth:`challengelab.ranking.RankingLink.robustness` (one row per strategy item)."""
    return robustness.summary.copy()


def strategy_robustness(robustness: Any = None, *, table: pd.DataFrame | None = None) -> go.Figure:
    """Does a strategy finding survive ranking uncertainty? Per item (y): the odds ratio with the survey's ranks
    (diamond), the median and 95 % range over bootstrap replicates of the ranking (dot and line, log scale),
    labelled with the share of replicates in which the adjusted p-value stays below alpha."""
    table = strategy_robustness_table(robustness) if table is None else table
    table = table.iloc[::-1]
    cap = 1e3  # infinite odds ratios (separation) are drawn at the axis edge

    def clip(values: pd.Series) -> np.ndarray:
        v = values.to_numpy(dtype=float)
        return np.clip(np.where(np.isposinf(v), cap, v), 1.0 / cap, cap)

    items = table["item"].tolist()
    fig = go.Figure()
    xs, ys = [], []
    for item, low, high in zip(items, clip(table["odds_ratio_low"]), clip(table["odds_ratio_high"])):
        xs.extend([low, high, None])
        ys.extend([item, item, None])
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#6baed6", "width": 4}, hoverinfo="skip",
                             name="95 % of replicates"))
    fig.add_trace(go.Scatter(x=clip(table["median_odds_ratio"]), y=items, mode="markers",
                             marker={"color": "#08519c", "size": 8}, name="median over replicates",
                             customdata=table[["share_significant", "n_tested"]],
                             hovertemplate="%{y}: median OR %{x:.2f}<br>significant in %{customdata[0]:.0%} of "
                                           "%{customdata[1]} replicates<extra></extra>"))
    infinite = np.isposinf(table["odds_ratio"].to_numpy(dtype=float))
    fig.add_trace(go.Scatter(x=clip(table["odds_ratio"]), y=items, mode="markers+text",
                             marker={"symbol": ["triangle-right" if i else "diamond" for i in infinite],
                                     "color": "#d62728", "size": [12 if i else 9 for i in infinite]},
                             text=["inf, separation " if i else "" for i in infinite], textposition="top left",
                             textfont={"color": "#d62728", "size": 11},
                             name="survey ranks", hovertemplate="%{y}: OR %{x:.2f} (survey ranks)<extra></extra>"))
    labels = [f"{s:.0%}" if pd.notna(s) else "n/a" for s in table["share_significant"]]
    fig.add_trace(go.Scatter(x=[cap * 1.6] * len(items), y=items, mode="text", text=labels, showlegend=False,
                             hoverinfo="skip"))
    fig.add_vline(x=1, line={"color": "grey", "dash": "dot"})
    from challengelab.figures.survey import log_ticks

    values = np.concatenate([clip(table[c]) for c in ("odds_ratio_low", "odds_ratio_high", "median_odds_ratio",
                                                      "odds_ratio")])
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (0.1, 10.0)
    fig.update_layout(template="plotly_white", height=max(320, 28 * len(items) + 120),
                      xaxis={"type": "log", "title": "odds ratio (winner vs. other teams, within tasks)",
                             **log_ticks(min(low, 0.5), max(high, 2.0) * 1.7)},
                      legend={"orientation": "h", "y": -0.15})
    return _finish(fig, "Strategy odds ratios with the survey's ranks (diamond) and over bootstrap replicates of "
                        "the ranking (median and 95 % range); the number on the right is the share of replicates "
                        "in which the strategy stays significant after adjustment.",
                   "Does the finding survive ranking uncertainty?")
