"""Survey figures: one plotly builder per figure, shared by the dashboard and the reports.

Every figure comes in two steps so that the data behind it can be offered for download:

1. a *table* — a tidy :class:`pandas.DataFrame` that holds exactly what is drawn: either a library result
   (:func:`challengelab.stats.winner_profile`, :func:`challengelab.stats.strategy_tests`, a model's ``.table``,
   :func:`challengelab.tables.published.compare_with_published`) after small-cell suppression, or one of the ``*_table``
   helpers below, which only select, count and arrange survey columns;
2. a *builder* ``*_figure(table, ...) -> go.Figure`` that draws that table and nothing else.

Each builder writes a one-sentence caption into ``fig.layout.meta["caption"]`` (read it with
:func:`figure_caption`). Rows flagged ``suppressed`` by :func:`challengelab.tables.disclosure.suppress_small_cells` keep
their label and are drawn as a grey "suppressed" note, never as a value. Builders never raise on an empty table:
they return a figure that says there is nothing to show.

Examples
--------
>>> import challengelab
>>> from challengelab.figures import survey as figs
>>> table = figs.coverage_table(challengelab.example_survey())
>>> fig = figs.coverage_figure(table)
>>> figs.figure_caption(fig).startswith("Share of each task's leaderboard")
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from challengelab.tables.disclosure import DEFAULT_MIN_CELL, suppress_small_cells

# --- style -----------------------------------------------------------------------------------------------------

#: Okabe–Ito colours (safe for colour-vision deficiencies).
WINNER_COLOR = "#D55E00"
OTHER_COLOR = "#0072B2"
ALL_COLOR = "#009E73"
NEUTRAL_COLOR = "#8C8C8C"
SUPPRESSED_COLOR = "#A0A0A0"
SEQUENCE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Answer levels that read as good / neutral / bad get matching colours in stacked bars.
LEVEL_COLORS = {"yes": "#009E73", "partially": "#E69F00", "unsure": "#BBBBBB", "no": "#CC79A7"}
FONT = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"

def _light_template():
    """plotly's "plotly_white" look with only the trace defaults these figures use: assigning a template copies
    it, and the full one (defaults for every trace type) costs most of a figure's build time."""
    import plotly.io as pio

    full = pio.templates["plotly_white"]
    return go.layout.Template(layout=full.layout, data={"bar": full.data.bar, "scatter": full.data.scatter,
                                                        "heatmap": full.data.heatmap})


#: The template of every survey figure (see :func:`_light_template`).
TEMPLATE = _light_template()

GROUP_LABELS = {"winner": "Winners", "winners": "Winners", "other": "Other teams", "others": "Other teams",
                "all": "All teams", True: "Winners", False: "Other teams"}


def group_label(group: object) -> str:
    """The display label of a ``group`` value of :func:`challengelab.stats.winner_profile`."""
    if isinstance(group, str):
        return GROUP_LABELS.get(group.strip().lower(), group)
    return GROUP_LABELS.get(group, str(group))  # type: ignore[arg-type]


def group_color(group: object) -> str:
    label = group_label(group)
    return {"Winners": WINNER_COLOR, "Other teams": OTHER_COLOR, "All teams": ALL_COLOR}.get(label, NEUTRAL_COLOR)


def figure_caption(fig: go.Figure) -> str:
    """The caption a builder stored in ``fig.layout.meta["caption"]`` ("" if none)."""
    meta = fig.layout.meta
    return str(meta.get("caption", "")) if isinstance(meta, dict) else ""


def _style(fig: go.Figure, *, title: str, caption: str, height: int | None = None,
           legend: bool = True) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "x": 0.01, "xanchor": "left", "xref": "container", "y": 0.985, "yref": "container",
               "yanchor": "top", "font": {"size": 17}},
        font={"family": FONT, "size": 13, "color": "#222222"},
        margin={"l": 10, "r": 20, "t": 78 if legend else 52, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0, "title": None,
                "traceorder": "normal"},
        showlegend=legend,
        hoverlabel={"font": {"family": FONT}},
        meta={"caption": caption},
    )
    if height:
        fig.update_layout(height=height)
    return fig


def _empty(title: str, message: str, caption: str = "") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15, "color": NEUTRAL_COLOR})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title=title, caption=caption or message, height=260, legend=False)


def _suppressed(table: pd.DataFrame) -> pd.Series:
    if "suppressed" in table.columns:
        return table["suppressed"].fillna(False).astype(bool)
    return pd.Series(False, index=table.index)


def _num(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values, errors="coerce").astype(float).to_numpy()


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy/object columns (pyarrow-backed and categorical columns do not serialise well)."""
    out = frame.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if isinstance(dtype, pd.CategoricalDtype) or str(dtype) in ("string", "str") or "pyarrow" in str(dtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _row_height(n: int, per_row: int = 28, minimum: int = 280, extra: int = 130) -> int:
    return max(minimum, extra + per_row * n)


# --- overview --------------------------------------------------------------------------------------------------


def coverage_table(survey) -> pd.DataFrame:
    """One row per task: leaderboard size, responses, response rate and whether the winner answered.

    :meth:`challengelab.Survey.coverage` as plain columns for plotting and CSV. (Counts of answered
    questionnaires per task, not answers: nothing to suppress.)
    """
    return _plain(survey.coverage())


def coverage_figure(table: pd.DataFrame) -> go.Figure:
    """Histogram of the per-task response rate, split by whether the task's winner answered."""
    title = "Response coverage per task"
    caption = ("Share of each task's leaderboard that answered the survey (responses / teams on the leaderboard), "
               "one count per task; colour shows whether the task's winner answered.")
    if table.empty:
        return _empty(title, "No tasks in the current selection.")
    fig = go.Figure()
    bins = {"start": 0, "end": 1.0001, "size": 0.1}
    for responded, name, color in ((True, "winner answered", WINNER_COLOR),
                                   (False, "winner did not answer", NEUTRAL_COLOR)):
        part = table[table["winner_responded"] == responded]
        fig.add_trace(go.Histogram(x=_num(part["response_rate"]), xbins=bins, name=f"{name} ({len(part)})",
                                   marker={"color": color, "line": {"color": "white", "width": 1}},
                                   hovertemplate="response rate %{x}<br>%{y} tasks<extra></extra>"))
    median = float(np.nanmedian(_num(table["response_rate"])))
    fig.add_vline(x=median, line={"dash": "dash", "color": "#333333", "width": 1},
                  annotation_text=f"median {median:.0%}", annotation_position="top left")
    fig.update_layout(barmode="stack", bargap=0.05)
    fig.update_xaxes(title="Response rate (responses / leaderboard teams)", tickformat=".0%", range=[0, 1.02])
    fig.update_yaxes(title="Tasks")
    return _style(fig, title=title, caption=caption, height=360)


def leaderboard_sizes_figure(table: pd.DataFrame) -> go.Figure:
    """Box-and-points plot of leaderboard sizes (teams per task) by task category."""
    title = "Leaderboard sizes"
    caption = ("Number of teams on each task's leaderboard, by task category (one point per task; boxes show the "
               "median and quartiles).")
    if table.empty:
        return _empty(title, "No tasks in the current selection.")
    order = (table.groupby("task_category", observed=True)["n_teams"].median()
             .sort_values(ascending=False).index.tolist())
    fig = go.Figure()
    for i, category in enumerate(order):
        part = table[table["task_category"] == category]
        fig.add_trace(go.Box(
            x=_num(part["n_teams"]), name=f"{category} ({len(part)})", orientation="h",
            boxpoints="all" if len(table) <= 1000 else "outliers", jitter=0.4,
            pointpos=0, marker={"color": SEQUENCE[i % len(SEQUENCE)], "size": 5, "opacity": 0.6},
            line={"width": 1.5}, customdata=part[["task_id"]].to_numpy(),
            hovertemplate="%{customdata[0]}: %{x} teams<extra></extra>"))
    sizes = _num(table["n_teams"])
    sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
    if sizes.size and sizes.max() > 60:
        low, high = float(sizes.min()), float(sizes.max())
        fig.update_xaxes(type="log", range=[math.log10(low) - 0.1, math.log10(high) + 0.1],
                         **log_ticks(low / 1.25, high * 1.25))
    fig.update_xaxes(title="Teams on the leaderboard")
    fig.update_yaxes(categoryorder="array", categoryarray=[f"{c} ({(table['task_category'] == c).sum()})"
                                                           for c in order][::-1], automargin=True)
    return _style(fig, title=title, caption=caption, height=_row_height(len(order), per_row=44), legend=False)


def published_table(survey, *, min_cell: int = DEFAULT_MIN_CELL) -> pd.DataFrame:
    """:func:`challengelab.tables.published.compare_with_published` with small cells suppressed (``n < min_cell``)."""
    from challengelab.tables.published import compare_with_published

    table = compare_with_published(survey)
    return _plain(suppress_small_cells(
        table, count="n", min_cell=min_cell,
        keep=["study", "population", "quantity", "unit", "published", "source"]))


def published_figure(table: pd.DataFrame) -> go.Figure:
    """Dumbbell chart: the published 2021 percentage next to the same quantity in this dataset."""
    title = "Published 2021 figures vs. this dataset"
    caption = ("Percentages reported in the two 2021 survey papers (open circles) and the same quantity computed "
               "on the data shown here (filled dots); hover for the population, n and source.")
    if table.empty:
        return _empty(title, "No comparable quantities.")
    part = table[table["unit"] == "percent"].copy()
    if part.empty:
        return _empty(title, "No comparable percentages.")
    part["label"] = part["quantity"].str.slice(0, 1).str.upper() + part["quantity"].str.slice(1) + \
        " — " + part["population"]
    part = part.iloc[::-1]
    hidden = _suppressed(part).to_numpy()
    published = _num(part["published"])
    observed = _num(part["observed"])
    fig = go.Figure()
    line_x: list = []
    line_y: list = []
    for label, p, o, h in zip(part["label"], published, observed, hidden):
        if not h and not math.isnan(o) and not math.isnan(p):
            line_x += [p, o, None]
            line_y += [label, label, None]
    fig.add_trace(go.Scatter(x=line_x, y=line_y, mode="lines", showlegend=False,
                             line={"color": "#CCCCCC", "width": 3}, hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=published, y=part["label"], mode="markers", name="published 2021",
        marker={"symbol": "circle-open", "size": 11, "color": "#333333", "line": {"width": 2}},
        customdata=part[["source"]].to_numpy(), hovertemplate="published: %{x:.0f} %<br>%{customdata[0]}"
                                                                  "<extra></extra>"))
    shown = ~hidden
    fig.add_trace(go.Scatter(
        x=observed[shown], y=part["label"][shown], mode="markers", name="this dataset",
        marker={"size": 11, "color": ALL_COLOR},
        customdata=np.column_stack([part["n"].astype(object).to_numpy()[shown]]),
        hovertemplate="this dataset: %{x:.0f} % (n = %{customdata[0]})<extra></extra>"))
    if hidden.any():
        fig.add_trace(go.Scatter(
            x=[2] * int(hidden.sum()), y=part["label"][hidden], mode="text", name="suppressed",
            text=["suppressed (small n)"] * int(hidden.sum()), textposition="middle right",
            textfont={"color": SUPPRESSED_COLOR}, showlegend=False, hoverinfo="skip"))
    fig.update_xaxes(title="Percent", range=[0, 104], ticksuffix=" %")
    fig.update_yaxes(automargin=True)
    return _style(fig, title=title, caption=caption, height=_row_height(len(part)))


# --- winning strategies ----------------------------------------------------------------------------------------


def _labels(table: pd.DataFrame, labels: dict[str, str] | None, column: str = "item") -> pd.Series:
    labels = labels or {}
    return table[column].astype(object).map(lambda name: labels.get(name, name))


def strategy_share_figure(table: pd.DataFrame, *, labels: dict[str, str] | None = None,
                          groups: Sequence[str] | None = ("winners", "others"),
                          title: str = "Strategy use: winners vs. other teams",
                          x_title: str = "Share of teams using the strategy",
                          caption: str | None = None) -> go.Figure:
    """Share of winners vs. other teams using each strategy, with 95 % intervals.

    ``table`` is the (suppressed) output of :func:`challengelab.stats.winner_profile` for binary items: one row
    per ``item`` and ``group`` with ``share, ci_low, ci_high, n``; for binary items only the "yes" level is drawn
    when a ``level`` column is present. ``labels`` maps item names to display labels.
    """
    caption = caption or ("Share of teams that used each strategy, winners vs. other teams, with 95 % confidence "
                          "intervals (Wilson); n = teams that answered the item. Rows with too few respondents are "
                          "suppressed.")
    if table.empty:
        return _empty(title, "No strategy items to show.")
    data = _binary_rows(table)
    if groups is not None:
        data = data[data["group"].isin(groups)]
    data = data.copy()
    data["label"] = _labels(data, labels)
    # Order items by the winners' share (largest on top).
    winners = data[data["group"].map(group_label) == "Winners"]
    key = winners.set_index("label")["share"] if len(winners) else data.groupby("label")["share"].mean()
    order = pd.to_numeric(key, errors="coerce").fillna(-1).sort_values().index.tolist()
    order += [label for label in data["label"].unique() if label not in order]
    fig = go.Figure()
    group_values = list(dict.fromkeys(data["group"]))
    offsets = np.linspace(0.18, -0.18, len(group_values)) if len(group_values) > 1 else [0.0]
    position = {label: i for i, label in enumerate(order)}
    for offset, group in zip(offsets, group_values):
        part = data[(data["group"] == group) & ~_suppressed(data)]
        y = part["label"].map(position).to_numpy(dtype=float) + offset
        share = _num(part["share"])
        fig.add_trace(go.Scatter(
            x=share, y=y, mode="markers", name=group_label(group),
            marker={"color": group_color(group), "size": 10},
            error_x={"type": "data", "symmetric": False, "array": _num(part["ci_high"]) - share,
                     "arrayminus": share - _num(part["ci_low"]), "thickness": 1.6, "width": 0},
            customdata=np.column_stack([part["label"].to_numpy(), part["n"].astype(object).to_numpy(),
                                        _num(part["ci_low"]), _num(part["ci_high"])]),
            hovertemplate="%{customdata[0]}<br>" + group_label(group) +
                          ": %{x:.0%} (95 % CI %{customdata[2]:.0%}–%{customdata[3]:.0%}), n = %{customdata[1]}"
                          "<extra></extra>"))
    fig.update_xaxes(title=x_title, tickformat=".0%", range=[-0.02, 1.04])
    fig.update_yaxes(tickvals=list(range(len(order))), ticktext=suppressed_ticks(data, order),
                     range=[-0.6, len(order) - 0.4], automargin=True, showgrid=False)
    return _style(fig, title=title, caption=caption, height=_row_height(len(order), per_row=34))


def _binary_rows(table: pd.DataFrame) -> pd.DataFrame:
    """For binary items, the rows of the "yes" level (tables without ``level`` are taken as they are)."""
    if "level" not in table.columns:
        return table
    level = table["level"].astype(object)
    yes = level.map(lambda v: str(v).strip().lower() in ("true", "yes", "1"))
    return table[yes] if yes.any() else table


def forest_table(result_table: pd.DataFrame, *, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A model coefficient table (``challengelab.stats.ModelResult.table``) on the odds-ratio scale.

    Columns ``term, label, odds_ratio, ci_low, ci_high, p_value`` (+ ``separated`` when present): the
    log-odds estimate and interval exponentiated. The intercept, if any, is dropped.
    """
    table = result_table.reset_index()
    first = table.columns[0]
    table = table.rename(columns={first: "term"}) if "term" not in table.columns else table
    table = table[table["term"].astype(str) != "(Intercept)"]
    out = pd.DataFrame({
        "term": table["term"].astype(str).to_numpy(),
        "label": [(labels or {}).get(t, t) for t in table["term"].astype(str)],
        "estimate": _num(table["estimate"]),
        "odds_ratio": np.exp(_num(table["estimate"])),
        "ci_low": np.exp(_num(table["ci_low"])),
        "ci_high": np.exp(_num(table["ci_high"])),
        "p_value": _num(table["p_value"]) if "p_value" in table.columns else np.nan,
    })
    for extra in ("separated", "note"):
        if extra in table.columns:
            out[extra] = table[extra].to_numpy()
    return out


def log_ticks(low: float, high: float, *, max_ticks: int = 12) -> dict:
    """Tick values and labels for a log axis from ``low`` to ``high``: 1-2-5 steps written as full numbers
    (``0.5``, ``1``, ``2``, ``1,000``), thinned to 1-10 steps or powers of ten when they would crowd.

    >>> log_ticks(0.1, 10)["ticktext"]
    ['0.1', '0.2', '0.5', '1', '2', '5', '10']
    >>> log_ticks(0.001, 1000)["ticktext"]
    ['0.001', '0.01', '0.1', '1', '10', '100', '1,000']
    """
    from challengelab.tables.format import format_number

    low, high = max(float(low), 1e-12), max(float(high), float(low) * 10)
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    for steps in ((1, 2, 5), (1, 3), (1,)):
        values = [m * 10.0 ** d for d in decades for m in steps]
        values = [v for v in values if low * 0.999 <= v <= high * 1.001]
        if len(values) <= max_ticks:
            break
    text = [f"{v:,.0f}" if v >= 1 else format_number(v).rstrip("0").rstrip(".") for v in values]
    return {"tickmode": "array", "tickvals": values, "ticktext": text}


def forest_figure(table: pd.DataFrame, *, label: str = "label", estimate: str = "odds_ratio",
                  ci_low: str = "ci_low", ci_high: str = "ci_high", p_value: str | None = "p_value",
                  title: str = "Odds ratios", x_title: str = "Odds ratio (log scale)",
                  caption: str | None = None, reference: float = 1.0) -> go.Figure:
    """Forest plot: one row per term/item, a point estimate with its interval on a log axis.

    Infinite or missing interval ends (separation) are drawn as arrows to the edge of the axis; rows without an
    estimate say "not estimable"; suppressed rows say so.
    """
    caption = caption or ("Point estimates with 95 % confidence intervals on a log scale; values right of 1 mean "
                          "higher odds for teams with the characteristic. Arrows mark intervals that do not end.")
    if table.empty:
        return _empty(title, "Nothing to show.", caption)
    data = table.iloc[::-1].reset_index(drop=True)
    labels = data[label].astype(str).tolist()
    est, lo, hi = _num(data[estimate]), _num(data[ci_low]), _num(data[ci_high])
    hidden = _suppressed(data).to_numpy()
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in (est, lo, hi)])
    low_edge = min(0.1, float(finite.min()) / 1.5) if finite.size else 0.1
    high_edge = max(10.0, float(finite.max()) * 1.5) if finite.size else 10.0
    low_edge, high_edge = max(low_edge, 1e-3), min(high_edge, 1e3)
    fig = go.Figure()
    fig.add_vline(x=reference, line={"color": "#444444", "width": 1, "dash": "dot"})
    # An infinite (or zero) odds ratio from separation is drawn at the axis edge with an arrow, not dropped.
    ok = ~np.isnan(est) & ~hidden
    lo_c = np.where(np.isfinite(lo) & (lo > 0), np.clip(lo, low_edge, high_edge), low_edge)
    hi_c = np.where(np.isfinite(hi) & (hi > 0), np.clip(hi, low_edge, high_edge), high_edge)
    lo_c = np.where(np.isnan(lo) & (est == np.inf), high_edge, lo_c)
    hi_c = np.where(np.isnan(hi) & (est == 0), low_edge, hi_c)
    est_c = np.clip(np.where(est > 0, est, low_edge), low_edge, high_edge)
    p = _num(data[p_value]) if p_value and p_value in data.columns else np.full(len(data), np.nan)
    ptext = [f"p = {v:.3g}" if np.isfinite(v) else "" for v in p]
    rows = np.flatnonzero(ok)
    line_x = [v for i in rows for v in (lo_c[i], hi_c[i], None)]
    line_y = [v for i in rows for v in (labels[i], labels[i], None)]
    fig.add_trace(go.Scatter(x=line_x, y=line_y, mode="lines", line={"color": OTHER_COLOR, "width": 2},
                             showlegend=False, hoverinfo="skip"))
    open_low = [i for i in rows if not (np.isfinite(lo[i]) and lo[i] >= low_edge)]
    open_high = [i for i in rows if not (np.isfinite(hi[i]) and hi[i] <= high_edge)]
    for ends, values, symbol in ((open_low, lo_c, "triangle-left"), (open_high, hi_c, "triangle-right")):
        if ends:
            fig.add_trace(go.Scatter(x=[values[i] for i in ends], y=[labels[i] for i in ends], mode="markers",
                                     marker={"symbol": symbol, "size": 10, "color": OTHER_COLOR},
                                     showlegend=False, hoverinfo="skip"))
    infinite = ok & ((est == np.inf) | (est == 0))
    finite = ok & ~infinite
    fig.add_trace(go.Scatter(
        x=est_c[finite], y=np.array(labels, dtype=object)[finite], mode="markers", showlegend=False,
        marker={"symbol": "square", "size": 11, "color": WINNER_COLOR},
        customdata=np.column_stack([est[finite], lo[finite], hi[finite], np.array(ptext, dtype=object)[finite]]),
        hovertemplate="%{y}<br>%{customdata[0]:.3g} (95 % CI %{customdata[1]:.3g} to %{customdata[2]:.3g})"
                      "<br>%{customdata[3]}<extra></extra>"))
    if infinite.any():
        fig.add_trace(go.Scatter(
            x=est_c[infinite], y=np.array(labels, dtype=object)[infinite], mode="markers+text", showlegend=False,
            marker={"symbol": ["triangle-right" if e == np.inf else "triangle-left" for e in est[infinite]],
                    "size": 13, "color": WINNER_COLOR},
            text=["inf, separation " if e == np.inf else " 0, separation" for e in est[infinite]],
            textposition=["top left" if e == np.inf else "top right" for e in est[infinite]],
            textfont={"color": WINNER_COLOR},
            customdata=np.column_stack([lo[infinite], hi[infinite], np.array(ptext, dtype=object)[infinite]]),
            hovertemplate="%{y}<br>estimate %{text} (only one end of the interval is informative)"
                          "<br>95 % CI %{customdata[0]:.3g} to %{customdata[1]:.3g}<br>%{customdata[2]}"
                          "<extra></extra>"))
    notes = [(labels[i], "suppressed: too few respondents" if hidden[i] else "not estimable")
             for i in range(len(labels)) if not ok[i]]
    if notes:
        fig.add_trace(go.Scatter(x=[low_edge * 1.1] * len(notes), y=[n[0] for n in notes], mode="text",
                                 text=[n[1] for n in notes], textposition="middle right", showlegend=False,
                                 textfont={"color": SUPPRESSED_COLOR}, hoverinfo="skip"))
    fig.update_xaxes(type="log", title=x_title, range=[math.log10(low_edge) - 0.05, math.log10(high_edge) + 0.05],
                     **log_ticks(low_edge, high_edge))
    fig.update_yaxes(categoryorder="array", categoryarray=labels, automargin=True, showgrid=False)
    return _style(fig, title=title, caption=caption, height=_row_height(len(labels), per_row=32), legend=False)


# --- teams and leads -------------------------------------------------------------------------------------------


def level_share_figure(table: pd.DataFrame, *, title: str, levels: Sequence[str] | None = None) -> go.Figure:
    """Grouped bars: the share of each answer level, winners vs. other teams, with 95 % intervals.

    ``table``: rows of :func:`challengelab.stats.winner_profile` for one categorical/ordinal item
    (``level, group, share, ci_low, ci_high, n, count``), suppressed.
    """
    caption = (f"{title}: share of each answer among winners and among other teams, with 95 % confidence "
               "intervals; n = team leads who answered. Groups with too few respondents are suppressed.")
    if table.empty:
        return _empty(title, "No answers in the current selection.", caption)
    data = table.copy()
    order = list(levels) if levels else list(dict.fromkeys(data["level"].astype(str)))
    order = [lv for lv in order if lv in set(data["level"].astype(str))]
    fig = go.Figure()
    for group in dict.fromkeys(data["group"]):
        part = data[(data["group"] == group)].copy()
        part["level"] = part["level"].astype(str)
        part = part.set_index("level").reindex(order)
        hidden = part["suppressed"].fillna(False).astype(bool) if "suppressed" in part.columns else \
            pd.Series(False, index=part.index)
        share = _num(part["share"])
        n = part["n"].astype(object).where(~hidden, None).dropna()
        n_text = f" (n = {n.iloc[0]})" if len(n) else " (suppressed)"
        fig.add_trace(go.Bar(
            x=order, y=share, name=group_label(group) + n_text, marker={"color": group_color(group)},
            error_y={"type": "data", "symmetric": False, "array": _num(part["ci_high"]) - share,
                     "arrayminus": share - _num(part["ci_low"]), "thickness": 1.3, "color": "#444444"},
            text=["suppressed" if h else "" for h in hidden], textposition="outside",
            hovertemplate="%{x}: %{y:.0%}<extra>" + group_label(group) + "</extra>"))
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(title="Share", tickformat=".0%", rangemode="tozero")
    return _style(fig, title=title, caption=caption, height=360)


def numeric_summary_figure(table: pd.DataFrame, *, labels: dict[str, str] | None = None,
                           title: str = "Experience, team size and effort") -> go.Figure:
    """Median and interquartile range per numeric item, winners vs. other teams (one panel per item).

    ``table``: rows of :func:`challengelab.stats.winner_profile` for numeric items
    (``item, group, n, median, q1, q3``), suppressed.
    """
    caption = ("Median (dot) and interquartile range (bar) for winners and other teams; each panel has its own "
               "scale. n = respondents who answered. Groups with too few respondents are suppressed.")
    if table.empty:
        return _empty(title, "No answers in the current selection.", caption)
    items = list(dict.fromkeys(table["item"]))
    names = [(labels or {}).get(item, item) for item in items]
    fig = make_subplots(rows=len(items), cols=1, subplot_titles=names,
                        vertical_spacing=min(0.16, 0.6 / len(items)))
    for annotation in fig.layout.annotations:
        annotation.update(x=0, xanchor="left", font={"size": 13, "color": "#444444"})
    for row, item in enumerate(items, start=1):
        part = table[table["item"] == item].iloc[::-1]
        hidden = _suppressed(part).to_numpy()
        med, q1, q3 = _num(part["median"]), _num(part["q1"]), _num(part["q3"])
        ylabels = [group_label(g) if hidden[i] or not np.isfinite(med[i]) else
                   f"{group_label(g)} (n = {part['n'].iloc[i]})" for i, g in enumerate(part["group"])]
        top = np.nanmax(q3) if np.isfinite(q3).any() else 1.0
        for i, group in enumerate(part["group"]):
            label = group_label(group)
            if hidden[i] or not np.isfinite(med[i]):
                fig.add_trace(go.Scatter(x=[0], y=[ylabels[i]], mode="text", showlegend=False, hoverinfo="skip",
                                         text=["suppressed: too few respondents" if hidden[i] else "no answers"],
                                         textposition="middle right", textfont={"color": SUPPRESSED_COLOR}),
                              row=row, col=1)
                continue
            n = part["n"].iloc[i]
            fig.add_trace(go.Scatter(
                x=[med[i]], y=[ylabels[i]], mode="markers", name=label, showlegend=False,
                marker={"color": group_color(group), "size": 11},
                error_x={"type": "data", "symmetric": False, "array": [q3[i] - med[i]],
                         "arrayminus": [med[i] - q1[i]], "thickness": 3, "width": 0},
                hovertemplate=f"{label}: median %{{x:.3g}} (IQR {q1[i]:.3g}–{q3[i]:.3g}), n = {n}<extra></extra>"),
                row=row, col=1)
        fig.update_yaxes(automargin=True, showgrid=False, row=row, col=1)
        fig.update_xaxes(range=[0, top * 1.08 if top > 0 else 1], row=row, col=1)
    return _style(fig, title=title, caption=caption, height=110 + 120 * len(items), legend=False)


# --- organizers ------------------------------------------------------------------------------------------------


def organizer_table(survey, item: str, by: str = "task_category", *,
                    min_cell: int = DEFAULT_MIN_CELL) -> pd.DataFrame:
    """Organizers' answers to ``item`` by ``by`` (a task column), counted and suppressed.

    Columns ``item, group, level, count, n, share, suppressed, note``: ``n`` organizer answers in the group,
    ``count`` of them giving ``level``. Groups with ``n < min_cell`` are suppressed; an ``all tasks`` row group
    comes first.
    """
    levels = list(survey.codebook[item].levels or ())
    frame = survey.organizers[["task_id", item]].merge(survey.tasks[["task_id", by]], on="task_id", how="left")
    frame = frame[frame[item].notna()]
    frame = pd.concat([frame.assign(**{by: "all tasks"}), frame.assign(**{by: frame[by].astype(object)})])
    rows = []
    for group, part in frame.groupby(by, sort=False, dropna=False):
        counts = part[item].astype(object).value_counts()
        for level in levels or counts.index.tolist():
            rows.append({"item": item, "group": "(missing)" if pd.isna(group) else str(group), "level": level,
                         "count": int(counts.get(level, 0)), "n": len(part)})
    table = pd.DataFrame(rows, columns=["item", "group", "level", "count", "n"])
    table["share"] = table["count"] / table["n"].where(table["n"] > 0)
    ordered = table.assign(_all=table["group"] != "all tasks").sort_values(["_all", "n", "group"],
                                                                              ascending=[True, False, True],
                                                                              kind="stable")
    return suppress_small_cells(ordered.drop(columns="_all").reset_index(drop=True), count="n",
                                min_cell=min_cell, keep=["item", "group", "level"])


def organizer_figure(table: pd.DataFrame, *, title: str, by_label: str = "task category") -> go.Figure:
    """Stacked horizontal bars: the share of each organizer answer per group (see :func:`organizer_table`)."""
    caption = (f"{title} Organizers' answers per {by_label} (one answer per task), as shares of the tasks in the "
               "group; n = tasks with an organizer answer. Groups with too few answers are suppressed.")
    if table.empty:
        return _empty(title, "No organizer answers in the current selection.", caption)
    groups = list(dict.fromkeys(table["group"]))[::-1]
    hidden_groups = set(table.loc[_suppressed(table), "group"])
    n_by_group = table.groupby("group", sort=False)["n"].first()
    ticks = [f"{g} (n = {n_by_group[g]})" if g not in hidden_groups else f"{g}" for g in groups]
    fig = go.Figure()
    for level in dict.fromkeys(table["level"]):
        part = table[table["level"] == level].set_index("group").reindex(groups)
        share = _num(part["share"])
        fig.add_trace(go.Bar(
            y=ticks, x=share, orientation="h", name=str(level),
            marker={"color": LEVEL_COLORS.get(str(level), NEUTRAL_COLOR), "line": {"color": "white", "width": 1}},
            text=[f"{v:.0%}" if np.isfinite(v) and v >= 0.06 else "" for v in share], textposition="inside",
            insidetextanchor="middle", customdata=part[["count"]].astype(object).to_numpy(),
            hovertemplate="%{y}<br>" + str(level) + ": %{x:.0%} (%{customdata[0]})<extra></extra>"))
    hidden = [t for g, t in zip(groups, ticks) if g in hidden_groups]
    if hidden:
        fig.add_trace(go.Scatter(x=[0.01] * len(hidden), y=hidden, mode="text", showlegend=False,
                                 text=["suppressed: too few answers"] * len(hidden), textposition="middle right",
                                 textfont={"color": SUPPRESSED_COLOR}, hoverinfo="skip"))
    fig.update_layout(barmode="stack", bargap=0.3)
    fig.update_xaxes(tickformat=".0%", range=[0, 1], title="Share of tasks")
    fig.update_yaxes(automargin=True, categoryorder="array", categoryarray=ticks)
    return _style(fig, title=title, caption=caption, height=_row_height(len(groups), per_row=30))


# --- challenge explorer ----------------------------------------------------------------------------------------


def task_leaderboard_table(survey, task_id: str, items: Sequence[str] | None = None) -> pd.DataFrame:
    """The respondents of one task in leaderboard order: ``rank, team_id, winner`` and their strategy answers."""
    items = list(items) if items is not None else survey.strategy_items
    frame = survey.responses[survey.responses["task_id"] == task_id]
    frame = frame[["rank", "team_id", "winner", *items]].sort_values(["rank", "team_id"], kind="stable")
    return _plain(frame).reset_index(drop=True)


def task_strategy_figure(table: pd.DataFrame, *, labels: dict[str, str] | None = None,
                         task: str = "") -> go.Figure:
    """Heat map of one task's respondents (rows, in rank order) by strategy (columns): used / not / no answer."""
    title = f"Strategies of the respondents{' — ' + task if task else ''}"
    caption = ("One row per responding team in leaderboard order (rank 1 on top); a filled cell means the team "
               "used the strategy, a light cell that it did not, a blank cell that it did not answer.")
    items = [c for c in table.columns if c not in ("rank", "team_id", "winner")]
    if table.empty or not items:
        return _empty(title, "No respondents for this task.", caption)
    values = np.full((len(table), len(items)), np.nan)
    for j, item in enumerate(items):
        column = table[item].astype(object)
        values[:, j] = [np.nan if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA
                        else float(bool(v)) for v in column]
    rows = [f"#{int(r)} {t}" if pd.notna(r) else str(t) for r, t in zip(table["rank"], table["team_id"])]
    columns = [(labels or {}).get(item, item) for item in items]
    text = np.where(np.isnan(values), "no answer", np.where(values == 1, "used", "not used"))
    fig = go.Figure(go.Heatmap(
        z=values, x=columns, y=rows, zmin=0, zmax=1, showscale=False, xgap=2, ygap=2,
        colorscale=[[0, "#E8EEF4"], [1, OTHER_COLOR]], text=text,
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True, type="category")
    fig.update_xaxes(tickangle=-35, automargin=True, side="bottom", type="category")
    fig = _style(fig, title=title, caption=caption, height=max(300, 200 + 26 * len(rows)), legend=False)
    return add_answer_legend(fig, {"used": OTHER_COLOR, "not used": "#E8EEF4", "no answer": "#FFFFFF"})


def suppressed_ticks(data: pd.DataFrame, order: list[str]) -> list[str]:
    """Axis labels that say which groups of a row are not shown (suppressed rows, and shares blanked because a
    count on one side was below the minimum), under the label (never over the dots)."""
    hidden = _suppressed(data)
    if "share" in data.columns:
        hidden = hidden | data["share"].isna()
    groups = data[hidden].groupby("label", sort=False)["group"].agg(
        lambda g: ", ".join(group_label(x).lower() for x in dict.fromkeys(g)))
    return [f"{label}<br><span style='font-size:11px;color:{SUPPRESSED_COLOR}'>{groups[label]} not shown: too few "
            "respondents on one side</span>" if label in groups.index else label for label in order]


def add_answer_legend(fig: go.Figure, colors: dict[str, str]) -> go.Figure:
    """Add a horizontal legend of coloured squares (``{label: colour}``) above a heat map, which has none."""
    for label, color in colors.items():
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label, hoverinfo="skip",
                                 marker={"symbol": "square", "size": 13, "color": color,
                                         "line": {"color": "#9AA5B1", "width": 1}}))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0,
                                               "xanchor": "left", "title": {"text": ""}})
    return fig


__all__ = [
    "add_answer_legend",
    "suppressed_ticks",
    "coverage_figure",
    "coverage_table",
    "figure_caption",
    "forest_figure",
    "forest_table",
    "group_label",
    "leaderboard_sizes_figure",
    "level_share_figure",
    "numeric_summary_figure",
    "organizer_figure",
    "organizer_table",
    "published_figure",
    "published_table",
    "strategy_share_figure",
    "task_leaderboard_table",
    "task_strategy_figure",
]
