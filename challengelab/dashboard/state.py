"""Dashboard state: which survey is shown, the sidebar filters, and cached library results.

Data sources
    ``bundled`` (the synthetic example), ``path`` (a file given to ``challengelab dashboard PATH``, passed in the
    ``CHALLENGELAB_DATA`` environment variable) and ``upload`` (a file uploaded on the *Your data* page; kept in
    this browser session only). Each source has an id (``bundled``, ``path:<sha256>``,
    ``upload:<sha256>``) that keys every cache, together with the filters.

Caching
    Loading is cached per source (``st.cache_resource``: one object shared by sessions showing the same data);
    every library call is cached with ``st.cache_data`` on ``(key, arguments)`` where ``key`` is the source id
    plus the filters; the survey object itself is passed as an unhashed ``_survey`` argument.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import challengelab
from challengelab.dashboard import DATA_ENV
from challengelab.limits import Limits
from challengelab.tables import breakdowns
from challengelab.tables.breakdowns import profile_table, strategy_table
from challengelab.tables.disclosure import DEFAULT_MIN_CELL
from challengelab.figures import survey as figs


#: Sidebar filters: survey column -> label.
FILTERS = {"conference": "Conference", "year": "Year", "task_category": "Task category", "modality": "Modality"}

#: Set when the first script run of the server has ended (the first page is on its way to the browser): the
#: launcher's warm-up waits for it before it computes for other pages, so that it does not compete with the first.
FIRST_RUN_DONE = threading.Event()

SOURCE_KEY = "source"
MIN_CELL_KEY = "min_cell"
UPLOAD_KEY = "upload"  # dict(name=..., id=..., survey=...) of the session's accepted upload


def filter_key(column: str) -> str:
    return f"filter_{column}"


# --- loading ---------------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner="Loading the bundled survey ...")
def _bundled() -> challengelab.Survey:
    return challengelab.example_survey()


@st.cache_resource(show_spinner="Loading the survey ...", max_entries=8)
def _from_path(path: str, key: str) -> tuple[challengelab.Survey | None, list]:
    """``(survey, [])`` or ``(None, issues)`` for the file with content hash ``key`` (failures are cached too).

    Read once per file and server: the result of the launcher's worker (:mod:`challengelab.dashboard.preload`)
    is taken when there is one; an edited file has another hash and is read again.
    """
    from challengelab.dashboard import preload

    loaded = preload.lookup(path, key) or preload.load(path)
    return loaded.survey, loaded.issues


def cli_path() -> Path | None:
    """The file passed to ``challengelab dashboard PATH``, if any."""
    value = os.environ.get(DATA_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def load_upload(name: str, content: bytes) -> tuple[challengelab.Survey, str]:
    """Validate uploaded bytes; returns ``(survey, source id)`` or raises :class:`SurveyValidationError`.

    The bytes are written to a temporary file (the loaders read files), which is removed before returning.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".zip"):
        raise challengelab.SurveyValidationError(
            [challengelab.ValidationIssue(f"unsupported file type {suffix or '(none)'!r}: upload an .xlsx "
                                          "workbook or a .zip of CSV files", file=name)], source=name)
    handle, temp = tempfile.mkstemp(suffix=suffix, prefix="challengelab-upload-")
    temp_name = Path(temp).name
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        survey = challengelab.load_survey(temp, limits=Limits.from_environment())
    except challengelab.SurveyValidationError as exc:
        exc.issues = [_rename(issue, temp_name, name) for issue in exc.issues]
        exc.source = name
        raise
    finally:
        Path(temp).unlink(missing_ok=True)
    survey = replace(survey, source=name, warnings=tuple(_rename(w, temp_name, name) for w in survey.warnings))
    return survey, "upload:" + hashlib.sha256(content).hexdigest()


def _rename(issue, temp_name: str, name: str):
    if issue.file and temp_name in issue.file:
        return replace(issue, file=issue.file.replace(temp_name, name))
    return issue


@dataclass(frozen=True)
class Source:
    id: str
    label: str
    survey: challengelab.Survey


def sources() -> dict[str, str]:
    """The data sources this session can choose: ``{choice: label}``."""
    out = {}
    path = cli_path()
    if path is not None:
        out["path"] = f"{path.name} (command line)"
    out["bundled"] = "Bundled example (synthetic)"
    upload = st.session_state.get(UPLOAD_KEY)
    if upload:
        out["upload"] = f"{upload['name']} (uploaded)"
    return out


def current_source() -> Source:
    """The survey selected in the sidebar (falls back to the bundled example, with a message, on failure)."""
    choice = st.session_state.get(SOURCE_KEY) or next(iter(sources()))
    if choice == "upload" and st.session_state.get(UPLOAD_KEY):
        upload = st.session_state[UPLOAD_KEY]
        return Source(upload["id"], upload["name"], upload["survey"])
    if choice == "path" and cli_path() is not None:
        from challengelab.dashboard.preload import file_hash

        path = cli_path()
        try:
            source = path_source(path, file_hash(path))
        except OSError as exc:
            st.session_state["_load_error"] = (str(path), [challengelab.ValidationIssue(str(exc), file=path.name)])
        else:
            if source.survey is not None:
                return source
            st.session_state["_load_error"] = (str(path), _from_path(str(path), source.id.split(":", 1)[1])[1])
    return bundled_source()


def path_source(path: str | Path, key: str) -> Source:
    """The file given on the command line with content hash ``key`` (``survey`` is None when it is invalid)."""
    survey, _issues = _from_path(str(path), key)
    return Source(f"path:{key}", Path(path).name, survey)


def bundled_source() -> Source:
    return Source("bundled", "bundled example", _bundled())


# --- filters ---------------------------------------------------------------------------------------------------


def filter_facets(source: Source, filters: tuple) -> dict[str, list[tuple[object, int]]]:
    """For each sidebar filter: ``[(value, tasks), ...]`` left by the other filters (see
    :func:`challengelab.tables.facets.facet_counts`)."""
    return _filter_facets(source.id, filters, source.survey)


@st.cache_data(max_entries=256, show_spinner=False)
def _filter_facets(key: str, filters: tuple, _survey: challengelab.Survey) -> dict[str, list[tuple[object, int]]]:
    from challengelab.tables.facets import facet_counts

    frame = _survey.tasks.merge(_survey.challenges[["challenge_id", "conference", "year"]], on="challenge_id",
                                how="left")
    return facet_counts(frame, dict(filters))


def reset_filters() -> None:
    """Empty every filter (assigning [] rather than deleting the key, so the browser's widgets follow)."""
    for column in FILTERS:
        st.session_state[filter_key(column)] = []


def current_filters() -> tuple[tuple[str, tuple], ...]:
    """The sidebar selections as a hashable tuple; an empty selection means "all"."""
    return tuple((column, tuple(st.session_state.get(filter_key(column)) or ())) for column in FILTERS)


def min_cell() -> int:
    return int(st.session_state.get(MIN_CELL_KEY, DEFAULT_MIN_CELL))


@st.cache_resource(max_entries=64, show_spinner=False)
def _filtered(key: str, filters: tuple, _survey: challengelab.Survey) -> challengelab.Survey:
    return _survey.filter(**{column: list(values) or None for column, values in filters})


@dataclass(frozen=True)
class Context:
    """What every page needs: the full and the filtered survey, the cache key and the min cell size."""

    source: Source
    data: challengelab.Survey
    filters: tuple[tuple[str, tuple], ...]
    min_cell: int

    @property
    def survey(self) -> challengelab.Survey:
        return self.source.survey

    @property
    def key(self) -> str:
        return f"{self.source.id}|{self.filters!r}"

    @property
    def active_filters(self) -> dict[str, tuple]:
        return {column: values for column, values in self.filters if values}

    @property
    def labels(self) -> dict[str, str]:
        return item_labels(self.survey)

    @property
    def disclosable(self) -> bool:
        """May this selection's winners and other teams be described (see
        :func:`challengelab.tables.disclosure.survey_view_allowed`)? Always true without filters."""
        if self.data is self.survey:
            return True
        return _view_allowed(self.key, self.min_cell, self.data, self.survey)


@st.cache_data(max_entries=256, show_spinner=False)
def _view_allowed(key: str, min_cell: int, _view: challengelab.Survey, _whole: challengelab.Survey) -> bool:
    from challengelab.tables.disclosure import survey_view_allowed

    return survey_view_allowed(_view, _whole, min_cell=min_cell)


def context() -> Context:
    source = current_source()
    filters = current_filters()
    data = _filtered(source.id, filters, source.survey) if any(v for _, v in filters) else source.survey
    return Context(source, data, filters, min_cell())


def item_labels(survey: challengelab.Survey) -> dict[str, str]:
    """Display labels of the survey's codebook (see :func:`challengelab.tables.breakdowns.item_labels`)."""
    return breakdowns.item_labels(survey.codebook)


def short_labels(survey: challengelab.Survey) -> dict[str, str]:
    """Compact labels for axes with many columns (item names in words)."""
    return {item.name: item.name.replace("_", " ") for item in survey.codebook.items}


# --- cached library results ------------------------------------------------------------------------------------


@st.cache_data(max_entries=256, show_spinner=False)
def coverage(key: str, _survey: challengelab.Survey) -> pd.DataFrame:
    return figs.coverage_table(_survey)


@st.cache_data(max_entries=256, show_spinner=False)
def published(key: str, min_cell: int, _survey: challengelab.Survey) -> pd.DataFrame:
    return figs.published_table(_survey, min_cell=min_cell)


@st.cache_data(max_entries=256, show_spinner=False)
def organizers(key: str, item: str, by: str, min_cell: int, _survey: challengelab.Survey) -> pd.DataFrame:
    return figs.organizer_table(_survey, item, by, min_cell=min_cell)


@st.cache_data(max_entries=256, show_spinner=False)
def leaderboard(key: str, task_id: str, _survey: challengelab.Survey) -> pd.DataFrame:
    return figs.task_leaderboard_table(_survey, task_id)


@st.cache_data(max_entries=256, show_spinner=False)
def profile(key: str, items: tuple[str, ...], min_cell: int, _survey: challengelab.Survey) -> pd.DataFrame:
    """:func:`challengelab.stats.winner_profile` for ``items``, as :func:`~challengelab.tables.breakdowns.profile_table`."""
    from challengelab.stats import winner_profile

    return profile_table(winner_profile(_survey, items=list(items)), labels=item_labels(_survey),
                         min_cell=min_cell)


@st.cache_data(max_entries=256, show_spinner=False)
def tests(key: str, items: tuple[str, ...], test: str, adjust: str, min_cell: int,
          _survey: challengelab.Survey, outcome: str = "winner", k: int | None = None) -> pd.DataFrame:
    """:func:`challengelab.stats.strategy_tests` for ``items``, as :func:`~challengelab.tables.breakdowns.strategy_table`."""
    from challengelab.stats import strategy_tests

    table = strategy_tests(_survey, items=list(items), outcome=outcome, k=k, test=test, adjust=adjust)
    return strategy_table(table, labels=item_labels(_survey), min_cell=min_cell)


@st.cache_data(max_entries=128, show_spinner=False)
def regression(key: str, predictors: tuple[str, ...], outcome: str, model: str, k: int, q: float,
               _survey: challengelab.Survey):
    """:func:`challengelab.stats.rank_regression` (exceptions propagate; they are not cached)."""
    from challengelab.stats import rank_regression

    options: dict[str, object] = {}
    if outcome == "top_k":
        options["k"] = k
    if outcome == "top_fraction":
        options["q"] = q
    return rank_regression(_survey, list(predictors), outcome=outcome, model=model, **options)


def overview_coverage(ctx: Context) -> tuple[pd.DataFrame, go.Figure, go.Figure]:
    """The coverage table and the two overview figures drawn from it (cached)."""
    table = coverage(ctx.key, ctx.data)
    return (table, figure(ctx, "coverage", lambda: figs.coverage_figure(table)),
            figure(ctx, "sizes", lambda: figs.leaderboard_sizes_figure(table)))


def overview_published(ctx: Context) -> tuple[pd.DataFrame, go.Figure]:
    """The published 2021 quantities next to the data's own, and their figure (cached; exceptions propagate)."""
    table = published(ctx.key, ctx.min_cell, ctx.data)
    return table, figure(ctx, "published", lambda: figs.published_figure(table))


def precompute_overview(source: Source) -> None:
    """Fill the caches of the first page for ``source`` unfiltered with the default minimum cell size (the
    launcher calls this while the browser loads the app). Works outside a script run."""
    ctx = Context(source, source.survey, tuple((column, ()) for column in FILTERS), DEFAULT_MIN_CELL)
    overview_coverage(ctx)
    overview_published(ctx)
    filter_facets(source, ctx.filters)


def precompute_strategies(source: Source) -> None:
    """Fill the caches of *Winning strategies* (shares and the default tests, the slowest first visit) for
    ``source`` unfiltered with the default minimum cell size. Works outside a script run."""
    ctx = Context(source, source.survey, tuple((column, ()) for column in FILTERS), DEFAULT_MIN_CELL)
    items = tuple(ctx.data.strategy_items)
    if items:
        profile(ctx.key, items, ctx.min_cell, ctx.data)
        tests(ctx.key, items, "exact_cmh", "holm", ctx.min_cell, ctx.data)


@st.cache_resource(max_entries=512, show_spinner=False)
def _figure(key: str, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def figure(ctx: Context, name: str, build: Callable[[], go.Figure], *options: Hashable) -> go.Figure:
    """A built plotly figure, cached (shared, not copied) per data source, filters, min cell, ``name`` and
    ``options``: together they must identify every input of ``build``. Saves rebuilding figures on reruns."""
    return _figure(f"{ctx.key}|{ctx.min_cell}|{name}|{options!r}", build)


def template_bytes() -> bytes:
    """The empty survey template workbook (written to a temporary file, read back, removed)."""
    return _template_bytes()


@st.cache_data(show_spinner=False)
def _template_bytes() -> bytes:
    from challengelab.survey.write import write_survey_workbook

    with tempfile.TemporaryDirectory(prefix="challengelab-template-") as folder:
        path = write_survey_workbook(Path(folder) / "survey_template.xlsx")
        return Path(path).read_bytes()


def issues_table(issues: Sequence) -> pd.DataFrame:
    from challengelab.errors import issues_frame

    return issues_frame(issues)
