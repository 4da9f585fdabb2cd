"""The Streamlit app: page config, navigation, sidebar (data source, filters, minimum cell size).

Run with ``challengelab dashboard [PATH]`` or ``streamlit run app.py``. Pages live in
:mod:`challengelab.dashboard.views` (one script per page; the folder is deliberately not called ``pages/``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from challengelab.dashboard import state
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


def navigation_pages() -> dict[str, list[st.Page]]:
    return {
        section: [st.Page(VIEWS / file, title=title, icon=icon, url_path=url, default=(url == "overview"))
                  for file, title, icon, url in pages]
        for section, pages in PAGES.items() if pages
    }


def _on_source_change() -> None:
    state.reset_filters()


def sidebar() -> None:
    choices = state.sources()
    if st.session_state.get(state.SOURCE_KEY) not in choices:
        st.session_state[state.SOURCE_KEY] = next(iter(choices))
    with st.sidebar:
        st.markdown("### Dataset")
        if len(choices) > 1:
            st.radio("Survey shown", list(choices), format_func=lambda c: markdown_literal(choices[c]),
                     key=state.SOURCE_KEY,
                     on_change=_on_source_change, label_visibility="collapsed")
        else:
            st.caption(markdown_literal(choices[next(iter(choices))]))
        source = state.current_source()
        options = state.filter_options(source)
        st.markdown("### Filters")
        for column, label in state.FILTERS.items():
            key = state.filter_key(column)
            chosen = st.session_state.get(key)
            if chosen and not set(chosen) <= set(options[column]):
                st.session_state[key] = [v for v in chosen if v in options[column]]
            st.multiselect(label, options[column], key=key, placeholder="All",
                           help="Leave empty for all values.")
        st.button("Clear filters", on_click=state.reset_filters, icon=":material/filter_alt_off:",
                  disabled=not any(v for _, v in state.current_filters()), width="stretch")
        st.markdown("### Privacy")
        st.number_input("Minimum cell size", min_value=1, max_value=100, value=state.DEFAULT_MIN_CELL,
                        step=1, key=state.MIN_CELL_KEY,
                        help="Breakdowns resting on fewer respondents than this are suppressed, because survey "
                             "participants were promised aggregated, non-identifying reporting. 1 shows "
                             "everything.")


def main() -> None:
    st.set_page_config(page_title="challengelab — what do winners do?", page_icon=":material/emoji_events:",
                       layout="wide", initial_sidebar_state="expanded")
    page = st.navigation(navigation_pages())
    sidebar()
    failed = st.session_state.pop("_load_error", None)
    if failed:
        path, issues = failed
        st.error(f"**Could not load {markdown_literal(Path(path).name)}** ({len(issues)} problem(s)); showing the "
                 "bundled example instead. Open *Your data* to upload a corrected file.", icon=":material/error:")
        with st.expander("Problems"):
            st.dataframe(state.issues_table(issues), hide_index=True)
    page.run()


if __name__ == "__main__":
    main()
