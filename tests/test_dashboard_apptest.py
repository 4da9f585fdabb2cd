"""The dashboard, page by page and widget by widget, through streamlit.testing.v1.AppTest (no browser)."""

from __future__ import annotations

import base64
import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")
import streamlit as st
from streamlit.testing.v1 import AppTest

import challengelab
from challengelab.dashboard import state

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
VIEWS = "challengelab/dashboard/views"
PAGES = ["overview", "strategies", "teams", "models", "organizers", "explorer", "your_data"]
TITLES = {"overview": "What do winning teams do?", "strategies": "Winning strategies", "teams": "Teams and leads",
          "models": "Rank-linked models", "organizers": "Organizers' view", "explorer": "Challenge explorer",
          "your_data": "Your data"}
#: Pages that draw at least this many figures on the bundled data with default settings.
MIN_CHARTS = {"overview": 3, "strategies": 2, "teams": 4, "models": 1, "organizers": 2, "explorer": 1,
              "your_data": 0}


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    """Every test starts with empty caches and no command-line data file."""
    monkeypatch.delenv(state.DATA_ENV, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_app(page: str | None = None, **session) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    if page and page != "overview":
        at.switch_page(f"{VIEWS}/{page}.py").run()
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def values(array) -> list:
    """A plotly data array from a figure spec (plain list or base64 typed array)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array or [])


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def download_labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


# --- every page ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_banner_figures_and_downloads(page):
    at = open_app(page)
    no_exception(at)
    assert at.title[0].value == TITLES[page]
    assert "Synthetic data" in texts(at.warning)  # the bundled example is synthetic
    figures = charts(at)
    assert len(figures) >= MIN_CHARTS[page]
    # every figure has a caption (stored in its layout) and a CSV download of its data
    for figure in figures:
        assert figure["layout"]["meta"]["caption"]
    assert sum(label.startswith("Download the data behind") for label in download_labels(at)) == len(figures)


def test_sidebar_offers_filters_and_min_cell():
    at = open_app()
    for column in state.FILTERS:
        widget = at.pills(key=state.filter_key(column))
        assert widget.value == []  # empty = all
    assert at.number_input(key=state.MIN_CELL_KEY).value == 5
    options = at.pills(key="filter_conference").options
    assert set(options) == {"ISBI", "MICCAI"}
    assert "ISBI 17, MICCAI 63 tasks" in [c.value for c in at.sidebar.caption]


def test_filters_narrow_each_other_with_counts():
    at = open_app()
    at.pills(key="filter_conference").set_value(["ISBI"]).run()
    survey = challengelab.example_survey().filter(conference=["ISBI"])
    years = survey.tasks.merge(survey.challenges[["challenge_id", "year"]], on="challenge_id")["year"]
    counts = years.value_counts().sort_index()
    assert [int(y) for y in at.pills(key="filter_year").options] == counts.index.tolist()
    captions = [c.value for c in at.sidebar.caption]
    assert ", ".join(f"{y} {n}" for y, n in counts.items()) + " tasks" in captions
    # the conference filter itself still offers every conference (counts given the other filters)
    assert set(at.pills(key="filter_conference").options) == {"ISBI", "MICCAI"}
    assert "ISBI 17, MICCAI 63 tasks" in captions


# --- filters ---------------------------------------------------------------------------------------------------


def test_filter_changes_every_count_on_the_overview():
    at = open_app()
    at.pills(key="filter_conference").set_value(["MICCAI"]).run()
    no_exception(at)
    expected = challengelab.example_survey().filter(conference="MICCAI")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tasks"] == str(len(expected.tasks))
    assert metrics["Responses"] == str(len(expected.responses))
    assert "Filtered" in texts(at.caption)
    coverage = charts(at)[0]
    n_tasks = sum(len(values(trace.get("x"))) for trace in coverage["data"] if trace["type"] == "histogram")
    assert n_tasks == len(expected.tasks)


@pytest.mark.parametrize("page", PAGES)
def test_filter_leaving_no_tasks_gives_a_message(page):
    at = open_app(page, filter_conference=["ISBI"], filter_task_category=["registration"])
    no_exception(at)
    if page == "your_data":  # the upload page does not depend on the filters
        return
    assert "No tasks match the current filters" in texts(at.info)
    assert not charts(at)


@pytest.mark.parametrize("page", ["overview", "strategies"])
def test_a_page_that_stops_early_still_has_its_sidebar(page):
    # a page that stops with a message keeps its sidebar, so the filters can be widened
    at = open_app(page, filter_conference=["ISBI"], filter_task_category=["registration"])
    no_exception(at)
    assert "No tasks match the current filters" in texts(at.info)
    assert at.pills(key="filter_conference").value == ["ISBI"]
    at.button(key="clear_filters").click().run()
    no_exception(at)
    assert charts(at)


def test_overview_tables_are_built_when_their_expander_opens():
    at = open_app()
    assert not at.table  # folded away: the first view draws charts only
    at.session_state["overview_published_table"] = True  # what opening the expander does
    at.run()
    no_exception(at)
    assert "Published" in at.table[0].value.columns


@pytest.mark.parametrize("page", ["strategies", "teams", "models"])
def test_filter_leaving_no_winners_gives_a_message(page):
    at = open_app(page, filter_task_category=["tracking"])  # 2 tasks, no responding winner
    no_exception(at)
    assert "No winning team answered" in texts(at.info)
    assert not charts(at)


@pytest.mark.parametrize("page", ["overview", "organizers", "explorer"])
def test_pages_without_winners_still_work(page):
    at = open_app(page, filter_task_category=["tracking"])
    no_exception(at)
    assert not at.error


def test_clear_filters_button():
    at = open_app(filter_modality=["CT"])
    assert at.pills(key="filter_modality").value == ["CT"]
    at.button[0].click().run()
    no_exception(at)
    assert at.pills(key="filter_modality").value == []


def test_filter_applies_across_page_switches():
    at = open_app("strategies", filter_conference=["ISBI"])
    no_exception(at)
    at.switch_page(f"{VIEWS}/teams.py").run()
    no_exception(at)
    assert at.pills(key="filter_conference").value == ["ISBI"]
    assert "Filtered" in texts(at.caption)


# --- small-cell suppression ------------------------------------------------------------------------------------


def test_suppression_blanks_small_breakdowns_and_says_so():
    at = open_app("organizers")
    no_exception(at)
    spec = json.dumps(charts(at)[0])
    assert "suppressed: too few answers" in spec  # categories with < 5 tasks
    assert "suppressed" in texts(at.caption)
    at.number_input(key=state.MIN_CELL_KEY).set_value(1).run()
    no_exception(at)
    assert "suppressed: too few answers" not in json.dumps(charts(at)[0])


def test_high_min_cell_suppresses_winner_breakdowns():
    at = open_app("strategies", min_cell=50)  # only 38 responding winners
    no_exception(at)
    shares = charts(at)[0]
    assert "not shown: too few respondents" in json.dumps(shares)
    markers = [t for t in shares["data"] if t.get("name") == "Winners"]
    assert not markers or not any(np.isfinite(values(markers[0].get("x"))))
    table = at.table[0].value
    assert (table["Winners"] == "suppressed").all()  # a word, never "None"
    assert (table["Odds ratio"] == "suppressed").all()


def test_a_selection_that_could_be_differenced_is_not_described():
    # detection alone holds 1 responding winner: describing it (or everything but it) could reveal that winner
    at = open_app("teams", filter_task_category=["detection"], min_cell=5)
    no_exception(at)
    assert "cannot be described" in texts(at.warning)
    assert not charts(at)
    at = open_app("teams", filter_task_category=["classification", "regression"], min_cell=5)  # whole blocks
    no_exception(at)
    assert "cannot be described" not in texts(at.warning)
    assert charts(at)


def test_explorer_hides_tasks_with_few_respondents():
    survey = challengelab.example_survey()
    sizes = survey.responses.groupby("task_id").size()
    small = sizes[sizes < 5].index[0]
    large = sizes[sizes >= 5].index[0]
    at = open_app("explorer")
    at.selectbox(key="explorer_task").set_value(small).run()
    no_exception(at)
    assert "Suppressed" in texts(at.info)
    assert not charts(at)
    at.selectbox(key="explorer_task").set_value(large).run()
    no_exception(at)
    heatmap = charts(at)[0]["data"][0]
    assert len(heatmap["y"]) == sizes[large]
    assert at.dataframe[0].value.shape[0] == sizes[large]


# --- models ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome, expected_model", [
    ("winner", "Conditional logit"), ("top_k", "Conditional logit"), ("top_fraction", "Conditional logit"),
    ("rank", "Rank-ordered logit"),
])
def test_model_outcomes(outcome, expected_model):
    at = open_app("models")
    at.radio(key="model_outcome").set_value(outcome).run()
    no_exception(at)
    assert not at.error
    assert any(expected_model in s.value for s in at.subheader)
    assert "What was fitted." in texts(at.markdown)
    assert charts(at)[0]["layout"]["xaxis"]["type"] == "log"
    coefficients = at.table[0].value
    labels = challengelab.tables.breakdowns.item_labels(challengelab.example_survey().codebook)
    assert set(coefficients.index) >= {labels[t] for t in ("metric_in_design", "failure_analysis", "multi_task")}
    assert list(coefficients.columns[:3]) == ["Odds ratio", "95% CI (odds ratio)", "p"]
    for odds, interval in zip(coefficients["Odds ratio"], coefficients["95% CI (odds ratio)"]):
        low, high = (float(x.replace(",", "")) for x in interval.split(" to "))
        assert low <= float(odds.replace(",", "")) <= high  # the interval is on the odds-ratio scale


def test_model_k_and_fraction_inputs():
    """The k and q inputs reach the model: the page shows the library's fit of that outcome, in the shared style."""
    from challengelab.stats import rank_regression
    from challengelab.tables.format import format_number

    survey = challengelab.example_survey()
    at = open_app("models")
    items = list(at.multiselect(key="model_predictors").value)

    def shown_estimates() -> list[str]:
        return sorted(at.table[0].value["Estimate (log-odds)"])

    def expected(**outcome) -> list[str]:
        return sorted(format_number(e) for e in rank_regression(survey, items, **outcome).table["estimate"])

    at.radio(key="model_outcome").set_value("top_k").run()
    at.number_input(key="model_k").set_value(2).run()
    no_exception(at)
    assert "regression of top_2 on" in texts(at.markdown)  # the model was fitted to the top-2 outcome
    assert shown_estimates() == expected(outcome="top_k", k=2)
    assert shown_estimates() != expected(outcome="top_k", k=3)
    at.radio(key="model_outcome").set_value("top_fraction").run()
    at.slider(key="model_q").set_value(0.25).run()
    no_exception(at)
    assert not at.error
    assert "regression of top_25pct on" in texts(at.markdown)
    assert shown_estimates() == expected(outcome="top_fraction", q=0.25)


@pytest.mark.parametrize("model, title", [("firth_logit", "Firth"), ("mixed_logit", "Mixed logit"),
                                          ("conditional_logit", "Conditional logit")])
def test_model_choices(model, title):
    at = open_app("models")
    at.selectbox(key="model_kind").set_value(model).run()
    no_exception(at)
    assert any(title in s.value for s in at.subheader)
    if model == "mixed_logit":  # a random intercept on a rank-derived outcome: the library warns
        assert at.warning


def test_rank_outcome_only_offers_rank_models():
    at = open_app("models")
    at.selectbox(key="model_kind").set_value("firth_logit").run()
    at.radio(key="model_outcome").set_value("rank").run()
    no_exception(at)
    assert at.selectbox(key="model_kind").options == ["Automatic (recommended)", "Rank-ordered logit (within tasks)"]
    assert at.selectbox(key="model_kind").value == "auto"


def test_separation_warning_is_shown():
    at = open_app("models")
    at.multiselect(key="model_predictors").set_value(["augmentation", "multi_task"]).run()
    no_exception(at)
    shown = texts(at.warning) + texts(at.markdown)
    assert "separat" in shown.lower()


def test_no_predictors_gives_a_message():
    at = open_app("models")
    at.multiselect(key="model_predictors").set_value([]).run()
    no_exception(at)
    assert "Choose at least one predictor" in texts(at.info)
    assert not charts(at)


def test_failing_model_gives_a_message_not_a_traceback(monkeypatch):
    import challengelab.stats

    def broken(*args, **kwargs):
        raise RuntimeError("the optimiser exploded")

    monkeypatch.setattr(challengelab.stats, "rank_regression", broken)
    at = open_app("models")
    no_exception(at)
    assert "Could not compute the model" in texts(at.error)
    assert "the optimiser exploded" in texts(at.error)
    assert not charts(at)


def test_strategy_test_choices():
    """The page shows the library's p-values for the chosen test and adjustment, in the shared style."""
    from challengelab.stats import strategy_tests
    from challengelab.tables.breakdowns import item_labels, strategy_table
    from challengelab.tables.format import format_p

    survey = challengelab.example_survey()

    def expected(column: str, **options) -> list[str]:
        table = strategy_table(strategy_tests(survey, **options), labels=item_labels(survey.codebook), min_cell=5)
        return sorted(format_p(p) for p in table[column] if pd.notna(p))

    def shown(column: str) -> list[str]:
        return sorted(p for p in at.table[0].value[column] if p not in ("", "suppressed"))

    at = open_app("strategies")
    seen = {}
    for test in ("cmh", "fisher", "exact_cmh"):
        at.selectbox(key="strategy_test").set_value(test).run()
        no_exception(at)
        assert len(at.table[0].value) == len(survey.strategy_items)
        seen[test] = shown("p")
        assert seen[test] == expected("p_value", test=test)
    assert seen["cmh"] != seen["fisher"]  # the choice of test changes the result
    at.selectbox(key="strategy_adjust").set_value("fdr_bh").run()
    no_exception(at)
    assert shown("p (Benjamini–Hochberg)") == expected("p_adjusted", test="exact_cmh", adjust="fdr_bh")


def test_organizers_breakdown_by_modality():
    at = open_app("organizers")
    at.get("button_group")[0].set_value("modality").run()
    no_exception(at)
    ticks = charts(at)[0]["layout"]["yaxis"]["categoryarray"]
    assert any("MRI" in tick for tick in ticks)


# --- your data -------------------------------------------------------------------------------------------------


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="uploader").upload(name, content).run()
    return at


def _temp_uploads() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("challengelab-upload-*")}


@pytest.fixture
def own_temp_dir(tmp_path, monkeypatch):
    """A temporary folder of this test's own, so that uploads of tests running beside it are not counted."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_valid_upload_switches_the_whole_dashboard(small_workbook, own_temp_dir):
    before = _temp_uploads()
    at = open_app("your_data")
    _upload(at, "mine.xlsx", small_workbook.read_bytes())
    no_exception(at)
    assert "mine.xlsx is valid" in texts(at.success)
    assert _temp_uploads() == before  # the temporary file is gone
    at.button(key="use_upload").click().run()
    no_exception(at)
    assert at.radio(key=state.SOURCE_KEY).value == "upload"
    assert "The whole dashboard shows this file now" in texts(at.info)
    expected = challengelab.load_survey(small_workbook)
    at.switch_page(f"{VIEWS}/overview.py").run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tasks"] == str(len(expected.tasks))
    # back to the bundled example through the sidebar
    at.radio(key=state.SOURCE_KEY).set_value("bundled").run()
    no_exception(at)
    assert {m.label: m.value for m in at.metric}["Tasks"] == "80"


def test_valid_zip_of_csvs(small_folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for csv in Path(small_folder).glob("*.csv"):
            archive.write(csv, csv.name)
    at = open_app("your_data")
    _upload(at, "mine.zip", buffer.getvalue())
    no_exception(at)
    assert "mine.zip is valid" in texts(at.success)


def test_invalid_upload_lists_every_problem_with_its_location(small_tables, tmp_path, own_temp_dir):
    from challengelab.survey.write import write_survey_workbook

    tables = {name: frame.copy() for name, frame in small_tables.items()}
    tables["responses"].loc[0, "augmentation"] = "maybe"
    tables["tasks"].loc[1, "n_teams"] = -3
    path = write_survey_workbook(tmp_path / "broken.xlsx", tables)
    before = _temp_uploads()
    at = open_app("your_data")
    _upload(at, "broken.xlsx", path.read_bytes())
    no_exception(at)
    assert "broken.xlsx is not valid" in texts(at.error)
    problems = at.table[0].value
    assert {"Sheet", "Rows", "Column", "Value", "Problem"} <= set(problems.columns)
    assert ("responses", "augmentation") in set(zip(problems["Sheet"], problems["Column"]))
    assert ("tasks", "n_teams") in set(zip(problems["Sheet"], problems["Column"]))
    assert (problems["Rows"] != "").all()
    values = dict(zip(problems["Column"], problems["Value"]))
    assert values["augmentation"] == "maybe" and values["n_teams"] == "-3"  # the offending values, as written
    assert not problems.astype(str).apply(lambda c: c.str.contains("challengelab-upload-")).any().any()
    assert "Download every problem, one per row (CSV)" in download_labels(at)
    assert _temp_uploads() == before
    assert at.radio(key=state.SOURCE_KEY).value if at.radio else True  # nothing switched
    assert not at.radio or at.radio(key=state.SOURCE_KEY).value == "bundled"


@pytest.mark.parametrize("name, content", [("garbage.xlsx", b"this is not a workbook"),
                                           ("garbage.zip", b"PK\x03\x04 broken zip"),
                                           ("empty.xlsx", b"")])
def test_malformed_upload_gives_a_message(name, content):
    at = open_app("your_data")
    _upload(at, name, content)
    no_exception(at)
    assert f"{name} is not valid" in texts(at.error)


def test_template_download_is_a_workbook():
    at = open_app("your_data")
    assert "Download the empty template (.xlsx)" in download_labels(at)
    data = state.template_bytes()
    assert data[:2] == b"PK"
    frame = pd.read_excel(io.BytesIO(data), sheet_name=None)
    assert {"challenges", "tasks", "responses", "organizers"} <= set(frame)


# --- data from the command line -------------------------------------------------------------------------------


def test_command_line_path_is_shown(monkeypatch, small_workbook):
    monkeypatch.setenv(state.DATA_ENV, str(small_workbook))
    at = open_app()
    no_exception(at)
    expected = challengelab.load_survey(small_workbook)
    assert {m.label: m.value for m in at.metric}["Tasks"] == str(len(expected.tasks))
    assert at.radio(key=state.SOURCE_KEY).value == "path"


def test_invalid_command_line_path_falls_back_with_a_message(monkeypatch, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    monkeypatch.setenv(state.DATA_ENV, str(broken))
    at = open_app()
    no_exception(at)
    assert "Could not load" in texts(at.error)
    assert {m.label: m.value for m in at.metric}["Tasks"] == "80"


def test_data_without_any_responding_winner(monkeypatch, tmp_path):
    from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata
    from challengelab.survey.write import write_survey_workbook

    settings = SimulationSettings(n_challenges=3, n_tasks=6, n_winning_respondents=0)
    path = write_survey_workbook(tmp_path / "nowinners.xlsx", simulate_tables(3, settings),
                                 metadata=simulation_metadata(3, settings))
    monkeypatch.setenv(state.DATA_ENV, str(path))
    for page in PAGES:
        at = open_app(page)
        no_exception(at)
        if page in ("strategies", "teams", "models"):
            assert "No winning team answered" in texts(at.info)


def test_a_filter_with_many_values_is_a_multiselect(monkeypatch, tmp_path):
    """Pills while the data holds few values of a filter (the bundled data: every filter), a multiselect above
    app.PILLS_MAX; the kind follows the whole data, so it stays while other filters narrow the choices."""
    from challengelab.dashboard.app import PILLS_MAX
    from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata
    from challengelab.survey.write import write_survey_workbook

    settings = SimulationSettings(n_challenges=8, n_tasks=30, n_winning_respondents=10)
    tables = simulate_tables(5, settings)
    tables["tasks"]["modality"] = [f"modality {i % (PILLS_MAX + 3):02d}" for i in range(len(tables["tasks"]))]
    path = write_survey_workbook(tmp_path / "many.xlsx", tables, metadata=simulation_metadata(5, settings))
    monkeypatch.setenv(state.DATA_ENV, str(path))
    at = open_app()
    no_exception(at)
    modality = at.multiselect(key="filter_modality")
    assert len(modality.options) == PILLS_MAX + 3
    assert at.pills(key="filter_conference").options  # the few-valued filters stay pills
    conference = at.pills(key="filter_conference").options[0]
    at.pills(key="filter_conference").set_value([conference]).run()
    no_exception(at)
    narrowed = at.multiselect(key="filter_modality")  # still a multiselect, with the values left
    assert 0 < len(narrowed.options) <= PILLS_MAX  # fewer than the pills limit now; the kind stays
    narrowed.set_value([narrowed.options[0]]).run()
    no_exception(at)
    survey = challengelab.load_survey(path).filter(conference=[conference], modality=[narrowed.options[0]])
    assert {m.label: m.value for m in at.metric}["Tasks"] == str(len(survey.tasks))
