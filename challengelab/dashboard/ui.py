"""Small building blocks shared by the pages: banner, figure with caption and CSV download, guards."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from typing import NoReturn, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from challengelab.dashboard.state import FILTERS, Context
from challengelab.figures.survey import figure_caption
from challengelab.outputs import csv_bytes as safe_csv_bytes
from challengelab.outputs import markdown_literal

#: Text from the data (names, ids, file names, messages quoting values) goes through this before any
#: st.markdown / st.caption / st.error / widget label: it is shown as text, never as Markdown or HTML.
text = markdown_literal
from challengelab.tables.format import Kind, people_table

T = TypeVar("T")

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}


def header(ctx: Context, title: str, intro: str) -> None:
    """Page title, synthetic-data banner, one-line intro and the active filters."""
    st.title(title)
    synthetic_banner(ctx)
    st.markdown(intro)
    active = ctx.active_filters
    if active:
        shown = "; ".join(f"{FILTERS[c].lower()}: {', '.join(text(x) for x in v)}" for c, v in active.items())
        st.caption(f"Filtered — {shown}. {len(ctx.data.tasks)} of {len(ctx.survey.tasks)} tasks, "
                   f"{len(ctx.data.responses)} responses.")


def synthetic_banner(ctx: Context) -> None:
    if ctx.survey.is_synthetic:
        st.warning("**Synthetic data.** This survey was simulated from the published 2021 aggregates to "
                   "demonstrate the tools. It contains no real teams or answers; do not cite its numbers.",
                   icon=":material/science:")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "data"


def figure(fig: go.Figure, data: pd.DataFrame, *, name: str, key: str | None = None) -> None:
    """Draw ``fig`` with its caption and a button that downloads ``data`` (the table behind it) as CSV."""
    st.plotly_chart(fig, width="stretch", theme=None, config=PLOTLY_CONFIG, key=f"chart_{key or name}")
    caption = figure_caption(fig)
    if caption:
        st.caption(caption)
    st.download_button("Download the data behind this figure (CSV)", data=lambda: csv_bytes(data),
                       file_name=f"{slug(name)}.csv", mime="text/csv", key=f"csv_{key or name}", on_click="ignore",
                       icon=":material/download:", type="tertiary")


def table_download(data: pd.DataFrame, *, name: str, label: str = "Download table (CSV)",
                   key: str | None = None) -> None:
    st.download_button(label, data=lambda: csv_bytes(data), file_name=f"{slug(name)}.csv", mime="text/csv",
                       key=f"csv_{key or name}", on_click="ignore", icon=":material/download:")


def csv_bytes(data: pd.DataFrame) -> bytes:
    """The CSV behind a figure, formula-like text neutralised as in the reports; the download buttons call this
    only when clicked (deferred data)."""
    return safe_csv_bytes(data)


class PageStopped(BaseException):  # noqa: N818 - a signal, not an error
    """A page ended early, after saying why (:func:`stop`). Like Streamlit's own stop and rerun signals it is no
    ``Exception``, so that a page's ``except Exception`` (:func:`guarded`) never takes it for a failure."""


def stop() -> NoReturn:
    """End the page here, after its message. Unlike ``st.stop()``, which ends the whole script run, this ends
    the page only (:func:`challengelab.dashboard.app.run_page`), so that what the app draws around the page
    keeps working: the filters stay in place to be widened."""
    raise PageStopped


def require_tasks(ctx: Context) -> None:
    """Stop the page with a clear message when the filters leave no task."""
    if ctx.data.tasks.empty:
        st.info("**No tasks match the current filters.** Widen the selection in the sidebar (an empty filter "
                "means *all*).", icon=":material/filter_alt_off:")
        stop()


def require_responses(ctx: Context) -> None:
    require_tasks(ctx)
    if ctx.data.responses.empty:
        st.info("**No survey responses for the selected tasks.** Widen the filters in the sidebar.",
                icon=":material/filter_alt_off:")
        stop()


def require_disclosable(ctx: Context) -> None:
    """Stop the page when describing this selection could reveal a few respondents' answers by differencing."""
    if ctx.disclosable:
        return
    st.warning("**This selection cannot be described without risking the answers of a few respondents.** "
               f"Compared with other selections it would differ by fewer than {ctx.min_cell} winners or other "
               "teams, so subtracting one table from another could reveal their answers. Select whole task "
               "categories (small ones count together), or clear the filters.", icon=":material/lock:")
    stop()


def require_winners(ctx: Context) -> None:
    """Stop the page when the filters leave no responding winner (nothing to compare), or when the selection
    cannot be described safely (:func:`require_disclosable`)."""
    require_responses(ctx)
    winners = int(ctx.data.responses["winner"].astype(bool).sum())
    if winners == 0:
        st.info("**No winning team answered the survey in the current selection**, so winners cannot be "
                "compared with other teams. Widen the filters in the sidebar.", icon=":material/filter_alt_off:")
        stop()
    if winners == len(ctx.data.responses):
        st.info("**Only winners answered in the current selection**: there are no other teams to compare them "
                "with. Widen the filters in the sidebar.", icon=":material/filter_alt_off:")
        stop()
    require_disclosable(ctx)


def guarded(what: str, call: Callable[[], T]) -> T | None:
    """Run a library call; on failure show what went wrong in words (details folded away) and return None."""
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the page must show a message, never a traceback
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        st.error(f"**Could not compute {what}.** {text(message)}", icon=":material/error:")
        with st.expander("Technical details"):
            st.code("".join(traceback.format_exception_only(type(exc), exc)), language=None)
        return None


def folded(label: str, *, key: str):
    """A collapsed expander whose content is built only when the reader opens it (opening reruns the page):
    ``None`` while it is closed, else the container to fill. A table nobody asked for then costs the first view
    nothing (the browser loads a table's code with the first table it shows).

    Usage: ``box = folded("All rows", key="overview_rows")``, then ``if box is not None: with box: ...``.
    """
    box = st.expander(label, key=key, on_change="rerun")
    return box if box.open else None


def suppression_note(table: pd.DataFrame, ctx: Context, what: str = "rows") -> None:
    if "suppressed" in table.columns and table["suppressed"].fillna(False).astype(bool).any():
        n = int(table["suppressed"].fillna(False).astype(bool).sum())
        st.caption(f":material/visibility_off: {n} {what} rest on fewer than {ctx.min_cell} respondents and are "
                   "suppressed (survey participants were promised aggregated reporting). Change the minimum cell "
                   "size in the sidebar.")


#: Shown in the cells of a row that the minimum cell size hides.
SUPPRESSED = "suppressed"


def people_frame(frame: pd.DataFrame, columns: dict[str, str | None], *,
                 kinds: dict[str, Kind] | None = None) -> pd.DataFrame:
    """``frame[columns]`` as text in the report's style (:func:`challengelab.tables.format.people_table`):
    headers from ``columns`` (None: the shared header), and "suppressed" in the blanked cells of suppressed rows."""
    headers = {column: header for column, header in columns.items() if header}
    text = people_table(frame[list(columns)], labels=headers, kinds=kinds)
    if "suppressed" in frame.columns:
        hidden = frame["suppressed"].fillna(False).astype(bool).to_numpy()
        for column in text.columns:
            blank = text[column].eq("").to_numpy()
            text.loc[hidden & blank, column] = SUPPRESSED
    if "note" in columns:  # a column of nothing but empty notes says nothing
        header = text.columns[list(columns).index("note")]
        if text[header].eq("").all():
            text = text.drop(columns=header)
    return text


def people(frame: pd.DataFrame, columns: dict[str, str | None], *, kinds: dict[str, Kind] | None = None,
           max_static: int = 60) -> pd.DataFrame:
    """Show a table for people: formatted numbers, words as headers, wrapped text (never clipped). Tables longer
    than ``max_static`` rows scroll instead. Returns the text shown."""
    text = people_frame(frame, columns, kinds=kinds)
    if len(text) <= max_static:
        st.table(text.set_index(text.columns[0]))
    else:
        st.dataframe(text, hide_index=True, width="stretch")
    return text


def issues(items) -> None:
    """Validation problems grouped by cause (:func:`challengelab.tables.issues.issue_groups`), each with its
    value and rows, in a wrapped table; the full list as CSV."""
    from challengelab.tables.issues import issue_groups

    items = list(items)
    groups = issue_groups(items)
    if groups.empty:
        return
    if len(groups) < len(items):
        errors = sum(i.severity == "error" for i in items)
        counted = " and ".join(part for part in (
            f"{errors} problem{'s' if errors != 1 else ''}" if errors else "",
            f"{len(items) - errors} warning{'s' if len(items) - errors != 1 else ''}" if len(items) > errors else "")
            if part)
        st.caption(f"{counted} in {len(groups)} groups: rows that fail for the same reason and value are listed "
                   "together (a typo in one table makes every row that refers to it fail too).")
    columns = {"severity": "Severity", "file": "File", "sheet": "Sheet", "column": "Column", "rows": "Rows",
               "value": "Value", "problem": "Problem", "count": "Rows affected"}
    if groups["file"].nunique() <= 1:
        columns.pop("file")
    text = people_frame(groups, columns, kinds={"rows": "text", "count": "int", "value": "text"})
    text.index = range(1, len(text) + 1)
    st.table(text)


def with_interval(frame: pd.DataFrame, low: str = "ci_low", high: str = "ci_high",
                  name: str = "interval") -> pd.DataFrame:
    """``frame`` with an ``interval`` text column (``"0.61 to 7.72"``, on the estimate's scale)."""
    from challengelab.tables.format import format_interval

    return frame.assign(**{name: [format_interval(a, b) for a, b in zip(frame[low], frame[high])]})
