"""Per-task ranking figures at survey scale: one figure per kind with a task menu, built as light plotly dicts.

The subplot grids of :mod:`challengelab.figures.ranking` draw every task at once; with 80 tasks and 860
algorithms that is hundreds of thousands of page elements. The figures here show **one task at a time** and a
drop-down menu switches between tasks (only the chosen task's traces are drawn). They are plain figure
dictionaries (``{"data": [...], "layout": {...}}``), which plotly.js, :func:`plotly.io.to_json` and kaleido
accept as they are, so that building them costs no validation time. Values are rounded to six significant digits
for drawing only (tables keep the exact values).

Algorithms are on the vertical axis (one row each, names written out horizontally), so long names never
overlap; each figure's height follows the largest task.

Examples
--------
>>> import pandas as pd
>>> from challengelab.ranking import load_assessment, rank
>>> data = pd.DataFrame({"task": ["T1"] * 4 + ["T2"] * 4, "case": [1, 2] * 4,
...                      "algorithm": list("AABBCCDD"), "value": [.9, .8, .7, .6, .5, .4, .3, .2]})
>>> assessment = load_assessment(data)
>>> fig = boxplot_by_task(assessment, rank(assessment, method="aggregate_then_rank"))
>>> [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
['T1', 'T2']
>>> len(fig["data"]), sorted(fig["layout"]["updatemenus"][0]["buttons"][1]["args"][0])
(1, ['name', 'x'])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ROW_HEIGHT", "blob_by_task", "boxplot_by_task", "heatmap_by_task", "method_lines_by_task",
    "podium_by_task", "significance_by_task", "stability_overview", "task_selector", "tau_boxes",
]

#: Height of one algorithm row in pixels (a 12 px label plus space).
ROW_HEIGHT = 18
FONT = {"family": "Inter, 'Helvetica Neue', Arial, sans-serif", "size": 12, "color": "#222222"}
_BLUE, _DARK, _GREY = "#0072B2", "#08306b", "#8C8C8C"
#: The look of plotly's "plotly_white" template, written out (figure dicts carry no template object).
STYLE = {"font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
         "hoverlabel": {"font": {"family": FONT["family"]}}}
AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "ticks": ""}

Panel = tuple[list[dict], dict]


def _round(values: Any, digits: int = 6) -> list:
    """Numbers rounded to ``digits`` significant digits for drawing (NaN becomes None)."""
    out = []
    for v in np.asarray(values, dtype=float).tolist():
        if not math.isfinite(v):
            out.append(None)
        elif v == 0:
            out.append(0.0)
        else:
            out.append(round(v, digits - 1 - int(math.floor(math.log10(abs(v))))))
    return out


def _flatten(prefix: str, value: Any, out: dict) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = value


def _rows_axis(names: Sequence[str]) -> dict:
    """A vertical axis with one labelled row per algorithm, best at the top."""
    return {"tickmode": "array", "tickvals": list(range(1, len(names) + 1)), "ticktext": [str(n) for n in names],
            "range": [len(names) + 0.6, 0.4], "automargin": True, "showgrid": False, "zeroline": False}


def _flat_trace(trace: dict) -> dict:
    out: dict = {}
    _flatten("", trace, out)
    return out


def task_selector(panels: Mapping[Any, Panel], *, title: str, caption: str, x_title: str = "",
                  first: Any = None) -> dict:
    """One figure with a drop-down menu of tasks; each panel is ``(traces, axis layout)`` for one task.

    The figure holds the chosen task's traces; each menu entry carries only the trace attributes that differ
    between tasks (restyled in place), so the page draws one task and stores every value once. Every panel must
    have the same number and types of traces.
    """
    tasks = list(panels)
    first = tasks[0] if first is None or first not in panels else first
    flat = {t: [_flat_trace(trace) for trace in panels[t][0]] for t in tasks}
    n_traces = len(flat[first])
    keys = sorted({k for t in tasks for trace in flat[t] for k in trace if k != "type"})
    varying = [k for k in keys if any(len(flat[t]) != n_traces or
                                      any(trace.get(k) != base.get(k) for trace, base in zip(flat[t], flat[first]))
                                      for t in tasks)]
    def height(task) -> int:
        return max(320, 150 + ROW_HEIGHT * len(panels[task][1].get("yaxis", {}).get("tickvals", [])))

    buttons = []
    for task in tasks:
        update: dict = {"height": height(task)}
        _flatten("", {**panels[task][1], "title": {"text": f"{title}: {task}"}}, update)
        restyle = {k: [trace.get(k) for trace in flat[task]] for k in varying}
        buttons.append({"label": str(task), "method": "update", "args": [restyle, update]})
    layout = {
        **STYLE, "height": height(first), "showlegend": False,
        "title": {"text": f"{title}: {first}", "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "margin": {"l": 10, "r": 20, "t": 80, "b": 50},
        "xaxis": {**AXIS, "title": {"text": x_title}, "automargin": True},
        "yaxis": {**AXIS, "automargin": True},
        "updatemenus": [{"type": "dropdown", "buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.0,
                         "yanchor": "bottom", "active": tasks.index(first), "showactive": True,
                         "bgcolor": "#f5f7fa"}] if len(tasks) > 1 else [],
        "meta": {"caption": caption + (f" The figure shows task {first}; choose another task in the menu at the "
                                       "top right (HTML report); the workbook holds the data of every task."
                                       if len(tasks) > 1 else "")},
    }
    for key, value in panels[first][1].items():
        layout[key] = {**layout.get(key, {}), **value} if isinstance(value, Mapping) else value
    return {"data": [dict(trace) for trace in panels[first][0]], "layout": layout}


def _orders(ranking: pd.DataFrame) -> dict[Any, list]:
    """Each task's algorithms in rank order."""
    ordered = ranking.sort_values("rank", kind="stable")
    return {task: part.tolist() for task, part in ordered.groupby("task", sort=False)["algorithm"]}


# --- per-case values --------------------------------------------------------------------------------------------


def boxplot_by_task(assessment, ranking: pd.DataFrame, *, first: Any = None) -> dict:
    """Per-case values of every algorithm (dots over a box), algorithms ordered by rank, one task at a time."""
    panels: dict[Any, Panel] = {}
    orders = _orders(ranking)
    for task, part in assessment.data.groupby("task", sort=False):
        order = orders[task]
        row = {a: i + 1 for i, a in enumerate(order)}
        part = part.dropna(subset=["value"])
        trace = {"type": "box", "orientation": "h", "x": _round(part["value"], 3),
                 "y": [row[a] for a in part["algorithm"]], "boxpoints": "all", "jitter": 0.5, "pointpos": 0,
                 "marker": {"size": 3, "color": _BLUE, "opacity": 0.55}, "line": {"width": 1, "color": _DARK},
                 "fillcolor": "rgba(0,114,178,0.08)", "hoverinfo": "x", "name": str(task)}
        panels[task] = ([trace], {"yaxis": _rows_axis(order)})
    return task_selector(panels, title="Per-case values", x_title="metric value", first=first,
                         caption="Per-case values of each algorithm (dots) with their distribution (box); "
                                 "algorithms are ordered by rank, best at the top.")


def heatmap_by_task(case_ranks: pd.DataFrame, ranking: pd.DataFrame, *, first: Any = None) -> dict:
    """How many cases gave each algorithm (row, by overall rank) each per-case rank (column)."""
    panels: dict[Any, Panel] = {}
    orders = _orders(ranking)
    for task, part in case_ranks.groupby("task", sort=False):
        order = orders[task]
        counts = part.groupby(["algorithm", "rank"]).size().unstack(fill_value=0).reindex(order, fill_value=0)
        trace = {"type": "heatmap", "z": counts.to_numpy().tolist(), "x": _round(counts.columns),
                 "y": list(range(1, len(order) + 1)), "colorscale": [[0, "#f7fbff"], [1, "#08306b"]], "showscale": False, "xgap": 1,
                 "ygap": 1, "hovertemplate": "case rank %{x}: %{z} cases<extra></extra>"}
        panels[task] = ([trace], {"yaxis": _rows_axis(order)})
    return task_selector(panels, title="Ranking heat map", x_title="rank within a case", first=first,
                         caption="Number of cases (darker = more) in which each algorithm took each per-case "
                                 "rank; algorithms ordered by overall rank, best at the top.")


# --- bootstrap ------------------------------------------------------------------------------------------------


def blob_by_task(frequencies: pd.DataFrame, intervals: pd.DataFrame, *, level: float, first: Any = None) -> dict:
    """Bootstrap rank distribution: blob area = share of replicates at that rank; cross = full-data rank; line =
    the ``level`` rank interval."""
    panels: dict[Any, Panel] = {}
    for task, part in intervals.groupby("task", sort=False):
        part = part.sort_values("full_rank", kind="stable")
        order = part["algorithm"].tolist()
        row = {a: i + 1 for i, a in enumerate(order)}
        freq = frequencies[(frequencies["task"] == task) & (frequencies["count"] > 0)]
        rows = [row[a] for a in part["algorithm"]]
        full = part["full_rank"].to_numpy(dtype=float)
        traces = [
            {"type": "scatter", "mode": "markers", "x": _round(freq["rank"]), "y": [row[a] for a in freq["algorithm"]],
             "marker": {"size": _round(np.sqrt(freq["frequency"].to_numpy(dtype=float)) * 22, 2), "color": _BLUE,
                        "opacity": 0.6, "line": {"width": 0}},
             "customdata": _round(freq["frequency"], 2),
             "hovertemplate": "rank %{x} in %{customdata:.0%} of replicates<extra></extra>"},
            {"type": "scatter", "mode": "markers", "x": _round(full), "y": rows,
             "marker": {"symbol": "x", "color": "black", "size": 7},
             "error_x": {"type": "data", "symmetric": False, "array": _round(part["upper"].to_numpy(float) - full),
                         "arrayminus": _round(full - part["lower"].to_numpy(float)), "color": "black",
                         "thickness": 1, "width": 0},
             "hovertemplate": "full-data rank %{x}<extra></extra>"},
        ]
        panels[task] = (traces, {"yaxis": _rows_axis(order), "xaxis": {"range": [0.3, len(order) + 0.7]}})
    return task_selector(panels, title="Bootstrap ranks", x_title="rank", first=first,
                         caption=f"Blob area = share of bootstrap replicates in which the algorithm took that rank; "
                                 f"cross = rank on the full data; line = {level:.0%} bootstrap rank interval.")


def tau_boxes(tau: pd.DataFrame) -> dict:
    """Kendall's tau-b of the bootstrap rankings with the full-data ranking, one precomputed box per task."""
    stats = tau.dropna(subset=["kendall_tau"]).groupby("task", sort=False)["kendall_tau"].quantile(
        [0.0, 0.25, 0.5, 0.75, 1.0]).unstack()
    names = [str(t) for t in stats.index]
    trace = {"type": "box", "orientation": "h", "y": list(range(1, len(names) + 1)), "name": "Kendall's tau",
             "q1": _round(stats[0.25], 4), "median": _round(stats[0.5], 4), "q3": _round(stats[0.75], 4),
             "lowerfence": _round(stats[0.0], 4), "upperfence": _round(stats[1.0], 4),
             "line": {"color": _DARK, "width": 1}, "fillcolor": "rgba(0,114,178,0.2)"}
    return {"data": [trace], "layout": {
        **STYLE, "showlegend": False, "height": max(320, 130 + 14 * len(names)),
        "title": {"text": "Ranking stability per task (Kendall's tau)", "x": 0.01, "xanchor": "left",
                  "font": {"size": 15}},
        "margin": {"l": 10, "r": 20, "t": 60, "b": 50},
        "xaxis": {**AXIS, "title": {"text": "Kendall's tau-b, bootstrap ranking vs. full-data ranking"},
                  "range": [-1.05, 1.05]},
        "yaxis": {**AXIS, **_rows_axis(names), "tickfont": {"size": 10}},
        "meta": {"caption": "Box = quartiles, whiskers = smallest and largest value of Kendall's tau-b over the "
                            "bootstrap replicates of each task (1 = the replicate ranks exactly as the full data)."}}}


# --- significance and methods ---------------------------------------------------------------------------------


def _square(part: pd.DataFrame, order: list, column: str) -> np.ndarray:
    """``column`` as a k x k matrix: row = ``algorithm``, column = ``versus``, both in ``order`` (NaN elsewhere)."""
    position = {a: i for i, a in enumerate(order)}
    out = np.full((len(order), len(order)), np.nan)
    rows = [position[a] for a in part["algorithm"]]
    cols = [position[a] for a in part["versus"]]
    out[rows, cols] = part[column].to_numpy(dtype=float)
    return out


def significance_by_task(table: pd.DataFrame, *, first: Any = None) -> dict:
    """A dark cell when the algorithm of the row is significantly better than the algorithm ranked at the column's
    rank (columns are numbered by rank, so that long names are written once, on the rows)."""
    panels: dict[Any, Panel] = {}
    for task, part in table.groupby("task", sort=False):
        order = (part.drop_duplicates("algorithm").sort_values("algorithm_rank", kind="stable")["algorithm"]
                 .tolist())
        z, p = _square(part, order, "significant"), _square(part, order, "p_adjusted")
        k = len(order)
        step = 1 if k <= 25 else 5
        trace = {"type": "heatmap", "z": [[None if v != v else int(v) for v in r] for r in z],
                 "x": list(range(1, k + 1)), "y": list(range(1, k + 1)),
                 "customdata": [_round(r, 2) for r in p], "zmin": 0,
                 "zmax": 1, "colorscale": [[0, "#eeeeee"], [1, "#08519c"]], "showscale": False, "xgap": 1,
                 "ygap": 1, "hovertemplate": "row better than the algorithm ranked %{x}?<br>adjusted p = "
                                             "%{customdata}<extra></extra>"}
        ticks = [v for v in range(1, k + 1) if v == 1 or v % step == 0]
        panels[task] = ([trace], {"yaxis": _rows_axis(order),
                                  "xaxis": {"tickmode": "array", "tickvals": ticks, "ticktext": [str(v) for v in ticks],
                                            "range": [0.5, k + 0.5], "side": "bottom"}})
    return task_selector(panels, title="Significance map", x_title="compared with the algorithm at rank",
                         first=first,
                         caption="Dark = the algorithm of the row is significantly better than the algorithm at the "
                                 "column's rank (one-sided paired Wilcoxon signed-rank test, p-values adjusted per "
                                 "task); rows and columns ordered by rank.")


def method_lines_by_task(table: pd.DataFrame, *, first: Any = None) -> dict:
    """Rank of every algorithm (line) under each ranking method (x), one task at a time."""
    methods = list(pd.unique(table["method"]))
    panels: dict[Any, Panel] = {}
    for task, part in table.groupby("task", sort=False):
        algorithms = list(pd.unique(part["algorithm"]))
        position = {a: i for i, a in enumerate(algorithms)}
        column = {m: j for j, m in enumerate(methods)}
        wide = np.full((len(algorithms), len(methods)), np.nan)
        wide[[position[a] for a in part["algorithm"]], [column[m] for m in part["method"]]] = \
            part["rank"].to_numpy(dtype=float)
        by_first = np.argsort(wide[:, 0], kind="stable")
        xs, ys, text = [], [], []
        positions = list(range(1, len(methods) + 1))
        for algorithm, ranks in zip([algorithms[i] for i in by_first], wide[by_first]):
            xs += positions + [None]
            ys += _round(ranks) + [None]
            text += [str(algorithm)] * len(methods) + [""]
        trace = {"type": "scatter", "mode": "lines+markers", "x": xs, "y": ys, "text": text,
                 "line": {"color": _BLUE, "width": 1}, "marker": {"size": 5, "color": _BLUE},
                 "hovertemplate": "%{text}: rank %{y}<extra></extra>"}
        k = len(wide)
        panels[task] = ([trace], {"xaxis": {"tickmode": "array", "tickvals": positions, "ticktext": methods,
                                            "range": [0.7, len(methods) + 0.3]},
                                  "yaxis": {"title": {"text": "rank", "standoff": 8}, "automargin": True,
                                            "range": [k + 0.5, 0.5],
                                            "tickvals": list(range(1, k + 1)),
                                            "ticktext": [str(v) for v in range(1, k + 1)]}})
    return task_selector(panels, title="Ranks under different ranking methods", first=first,
                         caption="Rank of each algorithm (one line each; hover for its name) under several ranking "
                                 "methods: flat lines mean the ranking does not depend on the method.")


def stability_overview(table: pd.DataFrame, *, threshold: float) -> dict:
    """Every task in one figure: how often its winner ranks first over the bootstrap replicates (left) and the
    median Kendall's tau-b of the replicate rankings (right); uncertain winners in orange.

    ``table`` is the cross-task stability table of the ranking report (``task``, ``winner_frequency``,
    ``median_kendall_tau``, ``uncertain_winner``).
    """
    names = [str(t) for t in table["task"]]
    rows = list(range(1, len(names) + 1))
    uncertain = table["uncertain_winner"].fillna(False).astype(bool).tolist()
    colors = ["#D55E00" if u else _BLUE for u in uncertain]
    data = [
        {"type": "scatter", "mode": "markers", "x": _round(table["winner_frequency"], 3), "y": rows,
         "marker": {"color": colors, "size": 8}, "text": names, "xaxis": "x", "yaxis": "y",
         "hovertemplate": "%{text}: winner first in %{x:.0%} of replicates<extra></extra>"},
        {"type": "scatter", "mode": "markers", "x": _round(table["median_kendall_tau"], 3), "y": rows,
         "marker": {"color": colors, "size": 8, "symbol": "diamond"}, "text": names, "xaxis": "x2", "yaxis": "y",
         "hovertemplate": "%{text}: median Kendall's tau %{x:.2f}<extra></extra>"},
    ]
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": threshold, "x1": threshold, "y0": 0, "y1": 1,
               "line": {"color": _GREY, "dash": "dot", "width": 1}}]
    return {"data": data, "layout": {
        **STYLE, "showlegend": False, "height": max(320, 140 + 16 * len(names)),
        "title": {"text": "How certain is each task's winner?", "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "margin": {"l": 10, "r": 20, "t": 80, "b": 50},
        "xaxis": {**AXIS, "domain": [0, 0.48], "range": [-0.02, 1.02], "tickformat": ".0%",
                  "title": {"text": "winner ranks first (share of replicates)"}},
        "xaxis2": {**AXIS, "domain": [0.56, 1], "range": [-1.05, 1.05], "title": {"text": "median Kendall's tau-b"}},
        "yaxis": {**AXIS, **_rows_axis(names), "tickfont": {"size": 10}},
        "shapes": shapes,
        "meta": {"caption": "One row per task. Left: share of bootstrap replicates in which the full-data winner "
                            f"ranks first; orange = below {threshold:.0%}, the winner is uncertain (dotted line). "
                            "Right: median Kendall's tau-b between the bootstrap rankings and the full-data ranking "
                            "(1 = identical)."}}}


def podium_by_task(case_ranks: pd.DataFrame, ranking: pd.DataFrame, *, first: Any = None) -> dict:
    """Podium plot, one task at a time: each algorithm's per-case values at its podium place (x = overall rank,
    names in the hover and on the rank table), dots coloured by the algorithm's rank in that case, grey lines
    joining the values of one case.

    ``case_ranks`` is :func:`challengelab.ranking.case_ranks` (``task``, ``case``, ``algorithm``, ``value``,
    ``rank``).
    """
    panels: dict[Any, Panel] = {}
    orders = _orders(ranking)
    for task, part in case_ranks.groupby("task", sort=False):
        order = orders[task]
        k = len(order)
        place = {a: i + 1 for i, a in enumerate(order)}
        part = part.dropna(subset=["value"]).assign(place=lambda d: d["algorithm"].map(place))
        part = part.sort_values(["case", "place"], kind="stable")
        xs, ys = [], []
        for _, rows in part.groupby("case", sort=False):
            xs += rows["place"].tolist() + [None]
            ys += _round(rows["value"], 3) + [None]
        offset = (part["rank"].to_numpy(dtype=float) - (k + 1) / 2) * 0.6 / max(k, 1)
        traces = [
            {"type": "scatter", "mode": "lines", "x": xs, "y": ys, "hoverinfo": "skip",
             "line": {"width": 0.5, "color": "rgba(120,120,120,0.35)"}},
            {"type": "scatter", "mode": "markers", "x": _round(part["place"].to_numpy(float) + offset, 3),
             "y": _round(part["value"], 3), "text": part["algorithm"].astype(str).tolist(),
             "marker": {"size": 5, "color": _round(part["rank"], 3), "colorscale": "Viridis", "cmin": 1,
                        "cmax": max(k, 2), "showscale": True,
                        "colorbar": {"title": {"text": "rank in case"}, "thickness": 12}},
             "hovertemplate": "%{text}<br>value %{y}<extra></extra>"},
        ]
        step = 1 if k <= 25 else 5
        ticks = [v for v in range(1, k + 1) if v == 1 or v % step == 0]
        panels[task] = (traces, {"xaxis": {"tickmode": "array", "tickvals": ticks,
                                           "ticktext": [str(v) for v in ticks], "range": [0.4, k + 0.6]}})
    return task_selector(panels, title="Podium", x_title="overall rank (podium place)", first=first,
                         caption="Per-case values of each algorithm at its podium place (overall rank; names in the "
                                 "table 'The first three of every task' and on hover), coloured by the algorithm's "
                                 "rank in that case; grey lines join the values of one case.")
