"""The Streamlit app: page config, navigation, sidebar (data source, filters, minimum cell size).

Run with ``challengelab dashboard [PATH]`` or ``streamlit run app.py``. Pages live in
:mod:`challengelab.dashboard.views` (one script per page; the folder is deliberately not called ``pages/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from challengelab.dashboard import links, state, ui
from challengelab.outputs import markdown_literal

VIEWS = Path(__file__).resolve().parent / "views"

#: Navigation: section -> [(file in views/, title, icon, url path)]; empty sections are left out.
PAGES: dict[str, list[tuple[str, str, str, str]]] = {
    "Survey": [
        ("overview.py", "Overview", ":material/dashboard:", "overview"),
        ("strategies.py", "Winning strategies", ":material/emoji_events:", "strategies"),
        ("teams.py", "Teams and leads", ":material/groups:", "teams"),
        ("models.py", "Rank-linked models", ":material/functions:", "models"),
        ("organizers.py", "Organizers' view", ":material/assignment_turned_in:", "organizers"),
        ("explorer.py", "Challenge explorer", ":material/travel_explore:", "explorer"),
    ],
    "Rankings": [
        ("ranking_robustness.py", "Ranking robustness", ":material/stacked_line_chart:", "ranking-robustness"),
    ],
    "Data": [
        ("your_data.py", "Your data", ":material/upload_file:", "your-data"),
        ("intake.py", "Intake", ":material/input:", "intake"),
    ],
}


#: A filter is drawn as pills up to this many values in the data, as a multiselect above it.
PILLS_MAX = 12

#: The app's icon: a file in the package, so that the browser never asks a font host for it (works offline).
ICON = Path(__file__).resolve().parent / "static" / "favicon.png"


def icon_url() -> str:
    """:data:`ICON` as a ``data:`` URL. Streamlit passes a URL through as it is, whereas a file path is opened
    with Pillow on every script run (and Pillow imported during the first one)."""
    import base64

    return "data:image/png;base64," + base64.b64encode(ICON.read_bytes()).decode("ascii")


def navigation_pages() -> dict[str, list[st.Page]]:
    """Every page at its own URL. The root URL runs the overview through a hidden default page, so that
    ``/overview`` is a real address too (Streamlit gives the default page no path of its own)."""
    sections = {
        # no page icons: Streamlit shows a page's icon as the favicon, fetching Material icons from the internet
        section: [st.Page(VIEWS / file, title=title, url_path=url) for file, title, _icon, url in pages]
        for section, pages in PAGES.items() if pages
    }
    first = next(iter(PAGES.values()))[0]
    home = st.Page(_home, title=first[1], url_path="home", default=True, visibility="hidden")
    sections[next(iter(sections))].insert(0, home)
    return sections


def _home() -> None:
    """The root URL: the first page, run as a function (a second page on the same file would clash)."""
    import importlib

    first = next(iter(PAGES.values()))[0]
    importlib.import_module(f"challengelab.dashboard.views.{Path(first[0]).stem}").render()


def _on_source_change() -> None:
    state.reset_filters()


def _sync_filter(column: str, counts: dict[object, int]) -> None:
    """The filter's value from the URL on a link's first run; values the other filters leave no task for are
    dropped."""
    key = state.filter_key(column)
    links.sync(key, column, kind="int_list" if column == "year" else "list", default=[],
               options=lambda values: all(v in counts for v in values))
    chosen = st.session_state.get(key) or []
    if not set(chosen) <= set(counts):
        st.session_state[key] = [v for v in chosen if v in counts]


def _filter_widget(column: str, label: str, counts: dict[object, int], n_values: int) -> None:
    """One filter: pills when the data holds at most :data:`PILLS_MAX` values for it (every choice in view, one
    click each, and light for the browser to draw), else a multiselect; ``n_values`` is that number in the whole
    data, so the widget's kind never changes while other filters narrow the choices."""
    # the counts go in a caption: option labels that change between reruns make the browser drop the next click
    key = state.filter_key(column)
    help_text = ("Choose none for all values. The numbers below are the tasks each choice keeps, given the other "
                 "filters.")
    if n_values <= PILLS_MAX:
        st.pills(label, list(counts), selection_mode="multi", key=key, format_func=ui.text, help=help_text)
    else:
        st.multiselect(label, list(counts), key=key, placeholder="All", help=help_text)
    st.caption(", ".join(f"{ui.text(value)} {n}" for value, n in counts.items()) + " tasks" if counts
               else "no values")


@dataclass(frozen=True)
class SidebarState:
    """What the sidebar settled before the page ran: the data sources offered and each filter's counts."""

    choices: dict[str, str]
    counts: dict[str, dict[object, int]]
    #: how many values each filter has in the whole data (not narrowed by the other filters)
    sizes: dict[str, int]


def sidebar_state() -> SidebarState:
    """Settle the sidebar's values before the page runs, without drawing anything: the data source, the filters
    and the minimum cell size (on a link's first run from the URL, see :mod:`~challengelab.dashboard.links`),
    filters corrected to the values the data holds."""
    choices = state.sources()
    links.sync(state.SOURCE_KEY, "data", default=next(iter(choices)), options=list(choices))
    if st.session_state.get(state.SOURCE_KEY) not in choices:
        st.session_state[state.SOURCE_KEY] = next(iter(choices))
    source = state.current_source()
    facets = state.filter_facets(source, _url_or_current_filters())
    counts = {column: dict(facets[column]) for column in state.FILTERS}
    for column in state.FILTERS:
        _sync_filter(column, counts[column])
    links.sync(state.MIN_CELL_KEY, "min_cell", kind="int", default=state.DEFAULT_MIN_CELL,
               options=lambda v: 1 <= v <= 100)
    everything = state.filter_facets(source, tuple((column, ()) for column in state.FILTERS))
    return SidebarState(choices, counts, {column: len(everything[column]) for column in state.FILTERS})


def sidebar(settled: SidebarState) -> None:
    """The sidebar's widgets, holding the values :func:`sidebar_state` settled."""
    choices = settled.choices
    with st.sidebar:
        st.markdown("### Dataset")
        if len(choices) > 1:
            st.radio("Survey shown", list(choices), format_func=lambda c: markdown_literal(choices[c]),
                     key=state.SOURCE_KEY,
                     on_change=_on_source_change, label_visibility="collapsed")
        else:
            st.caption(markdown_literal(choices[next(iter(choices))]))
        st.markdown("### Filters")
        for column, label in state.FILTERS.items():
            _filter_widget(column, label, settled.counts[column], settled.sizes[column])
        st.button("Clear filters", on_click=state.reset_filters, icon=":material/filter_alt_off:", key="clear_filters",
                  disabled=not any(v for _, v in state.current_filters()), width="stretch")
        st.markdown("### Privacy")
        st.number_input("Minimum cell size", min_value=1, max_value=100, step=1, key=state.MIN_CELL_KEY,
                        help="Breakdowns resting on fewer respondents than this are suppressed, because survey "
                             "participants were promised aggregated, non-identifying reporting. 1 shows "
                             "everything.")
        st.caption("The address bar holds the filters and settings of this page: copy it to share the view.")


def _url_or_current_filters() -> tuple:
    """The filters in force for the facet counts (on a link's first run, the ones in the URL)."""
    out = []
    for column in state.FILTERS:
        key = state.filter_key(column)
        if key in st.session_state:
            out.append((column, tuple(st.session_state[key] or ())))
        else:
            out.append((column, tuple(links.from_url(column, "int_list" if column == "year" else "list") or ())))
    return tuple(out)


def load_error() -> None:
    failed = st.session_state.pop("_load_error", None)
    if failed:
        path, issues = failed
        st.error(f"**Could not load {markdown_literal(Path(path).name)}** ({len(issues)} problem(s)); showing the "
                 "bundled example instead. Open *Your data* to upload a corrected file.", icon=":material/error:")
        with st.expander("Problems"):
            ui.issues(issues)


def main() -> None:
    page = st.navigation(navigation_pages())
    # after st.navigation, so that the bundled icon replaces the pages' Material icons as the favicon (those
    # would be fetched from a font server on the internet)
    st.set_page_config(page_title="challengelab — what do winners do?", page_icon=icon_url(),
                       layout="wide", initial_sidebar_state="expanded")
    try:
        settled = sidebar_state()
        load_error()
        run_page(page, settled)
    finally:
        state.FIRST_RUN_DONE.set()


def run_page(page, settled: SidebarState) -> None:
    """The sidebar's widgets, then the page (which may stop early, :func:`challengelab.dashboard.ui.stop`).

    The widgets come first on purpose: drawn after the page, a filter chosen while a long page was still
    running could be lost under load (seen in the deep-link browser test and the filter benchmark); and drawing
    the page first did not bring its first chart sooner (measured side by side)."""
    sidebar(settled)
    try:
        page.run()
    except ui.PageStopped:  # the page said why; the sidebar lets the reader widen the filters
        pass


if __name__ == "__main__":
    main()
