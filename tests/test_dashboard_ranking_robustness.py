"""The *Ranking robustness* dashboard page, through AppTest (no browser).

The page runs inside the real app (navigation, sidebar filters, min-cell): through ``app.py`` once the page is
listed in ``challengelab.dashboard.app.PAGES``, until then through ``tests/apps/robustness_page.py``, which runs
the same ``app.main()`` with the page added to the navigation. Every test uses the ISBI tasks of the bundled
survey (17 tasks), small bootstraps and three strategies, so that a run takes seconds.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")
import streamlit as st
from streamlit.testing.v1 import AppTest

import challengelab
from challengelab.dashboard import app as dashboard_app
from challengelab.dashboard import ranking_state as rstate
from challengelab.dashboard import state
from challengelab.ranking import (
    AssessmentValidationError,
    RankingLink,
    RankingSpec,
    load_assessment,
)
from challengelab.tables.format import format_interval, format_p, format_ratio, format_share
from challengelab.tables.robustness import (
    assessment_for_survey,
    robustness_table,
)

ROOT = Path(__file__).resolve().parents[1]
PAGE_FILE = "ranking_robustness.py"
WIRED = any(page[0] == PAGE_FILE for pages in dashboard_app.PAGES.values() for page in pages)
SCRIPT = ROOT / "app.py" if WIRED else ROOT / "tests" / "apps" / "robustness_page.py"
PAGE = str(ROOT / "challengelab" / "dashboard" / "views" / PAGE_FILE)
ITEMS = ["metric_in_design", "failure_analysis", "augmentation"]
FAST = {"filter_conference": ["ISBI"], "min_cell": 1, "rr_n_boot": 20, "rr_n_replicates": 3, "rr_items": ITEMS}


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    monkeypatch.delenv(state.DATA_ENV, raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(**session) -> AppTest:
    at = AppTest.from_file(str(SCRIPT), default_timeout=120)
    for key, value in {**FAST, **session}.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def titles(at: AppTest) -> list[str]:
    return [c["layout"].get("title", {}).get("text", "") for c in charts(at)]


def values(array) -> list:
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array or [])


def text(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.proto.label == "Apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def isbi_survey():
    return challengelab.example_survey().filter(conference=["ISBI"])


def bundled_assessment():
    from challengelab._paths import EXAMPLE_ASSESSMENT_FILE, example_dir

    return load_assessment(example_dir() / EXAMPLE_ASSESSMENT_FILE)


# --- the page on the bundled data -----------------------------------------------------------------------------


def test_page_shows_every_figure_with_caption_and_download():
    at = open_page()
    assert at.title[0].value == "Ranking robustness"
    assert "Synthetic data" in text(at.warning)  # the synthetic banner of every page
    assert titles(at) == ["Does the finding survive ranking uncertainty?",
                          "Ranking stability across bootstrap replicates", "Ranking stability (bootstrap)",
                          "Rank frequencies (bootstrap)", "Podium plot"]
    captions = text(at.caption)
    for chart in charts(at):  # every figure's caption is shown under it
        assert chart["layout"]["meta"]["caption"] in captions
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("Download the data behind this figure (CSV)") == 5
    assert "Download every replicate's tests (CSV)" in labels
    assert "20 bootstrap replicates (seed 1)" in captions and "first 3 of 20 bootstrap replicates" in captions
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Matched responses"] == "124" and metrics["Tasks"] == "17"


def test_robustness_table_equals_the_library():
    at = open_page(rr_seed=5, min_cell=1)
    survey = isbi_survey()
    linked = challengelab.link(survey, assessment_for_survey(bundled_assessment(), survey),
                               RankingSpec(method="aggregate_then_rank"), n_boot=20, seed=5)
    expected = linked.robustness(ITEMS, n_replicates=3)
    shown = at.table[0].value  # text in the report's style, one row per strategy (the index)
    labels = state.item_labels(survey)
    assert shown.index.tolist() == [labels[i] for i in ITEMS]
    summary = expected.summary
    formatted = {"OR (survey ranks)": summary["odds_ratio"].map(format_ratio),
                 "p adjusted (survey ranks)": summary["p_adjusted"].map(format_p),
                 "OR (computed ranks)": summary["odds_ratio_full"].map(format_ratio),
                 "Median OR over replicates": summary["median_odds_ratio"].map(format_ratio),
                 "OR range, 95% of replicates": [format_interval(a, b) for a, b in
                                                  zip(summary["odds_ratio_low"], summary["odds_ratio_high"])],
                 "Significant in": summary["share_significant"].map(format_share)}
    for header, expected_text in formatted.items():
        assert shown[header].tolist() == list(expected_text), header
    # the forest plot draws the same medians (by strategy label, bottom to top)
    forest = charts(at)[0]
    medians = next(t for t in forest["data"] if t.get("name") == "median over replicates")
    drawn = dict(zip(values(medians["y"]), values(medians["x"])))
    for item, median in zip(ITEMS, expected.summary["median_odds_ratio"]):
        assert drawn[labels[item]] == pytest.approx(min(median, 1e3))


def test_settings_apply_only_on_submit_and_change_the_ranking():
    at = open_page()
    at.selectbox(key="rr_method").set_value("test_then_rank")
    at.run()
    assert "mean-then-rank" in text(at.caption)  # a form value without Apply is not applied
    at.selectbox(key="rr_method").set_value("test_then_rank")
    at.selectbox(key="rr_rank_adjust").set_value("holm")
    submit(at)
    captions = text(at.caption)
    assert "test-then-rank (holm)" in captions and "mean-then-rank" not in captions
    assert len(charts(at)) == 5


def test_robustness_is_cached_across_reruns(monkeypatch):
    calls = []
    original = RankingLink.robustness

    def counting(self, *args, **kwargs):
        calls.append(kwargs.get("n_replicates"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RankingLink, "robustness", counting)
    at = open_page()
    assert calls == [3]
    order = at.selectbox(key="rr_task").options
    at.selectbox(key="rr_task").set_value(order[1]).run()  # another task: figures change, no new tests
    at.radio(key="rr_values").set_value("box").run()
    assert calls == [3]
    at.number_input(key="rr_n_replicates").set_value(4)
    submit(at)
    assert calls == [3, 4]


def test_task_choice_and_per_case_figure():
    at = open_page()
    task_box = at.selectbox(key="rr_task")
    task = task_box.options[2]
    task_box.set_value(task).run()
    at.radio(key="rr_values").set_value("box").run()
    assert not at.exception
    algorithms = bundled_assessment().data.query("task == @task")["algorithm"].unique().tolist()
    blob = charts(at)[2]
    assert blob["layout"]["annotations"][0]["text"] == task  # the subplot title is the task
    assert set(values(blob["data"][0]["x"])) <= set(algorithms)
    box = charts(at)[4]
    assert titles(at)[4] == "Dot-and-boxplot of per-case results"
    assert {t["name"] for t in box["data"]} == set(algorithms)
    assert all(t["type"] == "box" for t in box["data"])


def test_tasks_are_ordered_from_least_stable():
    at = open_page()
    options = at.selectbox(key="rr_task").options
    survey = isbi_survey()
    linked = challengelab.link(survey, assessment_for_survey(bundled_assessment(), survey),
                               RankingSpec(method="aggregate_then_rank"), n_boot=20, seed=1)
    tau = linked.bootstrap.kendall_tau().groupby("task")["kendall_tau"].mean()
    shown = tau.reindex(options).fillna(np.inf).to_numpy()
    assert len(options) == 17 and (np.diff(shown) >= 0).all()


def test_min_cell_suppresses_strategies():
    at = open_page(min_cell=100, filter_conference=[])  # no filter: a filtered view this small is not described
    shown = at.table[0].value
    assert (shown["OR (survey ranks)"] == "suppressed").all() and (shown["Significant in"] == "suppressed").all()
    assert shown["Note"].str.contains("suppressed").all()
    assert "suppressed" in text(at.caption)
    forest = charts(at)[0]
    medians = next(t for t in forest["data"] if t.get("name") == "median over replicates")
    assert values(medians["x"]) == []  # nothing suppressed is drawn


def test_filters_leaving_no_winner_give_a_message():
    at = open_page(filter_conference=["ISBI"], filter_modality=["ultrasound"])
    assert "No tasks match the current filters" in text(at.info)
    assert not at.get("plotly_chart")


# --- other data -------------------------------------------------------------------------------------------------


def _small_survey(small_workbook):
    return challengelab.load_survey(small_workbook)


def test_uploaded_survey_needs_per_case_results_then_uses_them(small_workbook):
    from challengelab.synthetic.assessment import simulate_assessment

    survey = _small_survey(small_workbook)
    upload = {"name": "mine.xlsx", "id": "upload:test", "survey": survey}
    at = open_page(source="upload", upload=upload, filter_conference=[], rr_items=[])
    assert "No per-case results for this survey" in text(at.info)
    assert not at.get("plotly_chart")

    results = simulate_assessment(survey, seed=3, n_cases=(8, 12))
    assessment, source_id = rstate.load_assessment_upload("results.csv", results.to_csv(index=False).encode())
    at.session_state[rstate.ASSESSMENT_KEY] = {"name": "results.csv", "id": source_id, "assessment": assessment}
    at.run()
    assert not at.exception and not at.error
    assert len(charts(at)) == 5
    assert f"{len(survey.responses)}" == {m.label: m.value for m in at.metric}["Matched responses"]


def test_missing_results_give_a_message_not_a_traceback():
    data = bundled_assessment().data
    data = data[data["task"].isin(isbi_survey().tasks["task_id"])].copy()
    data.loc[data.index[0], "value"] = np.nan
    assessment, source_id = rstate.load_assessment_upload("holes.csv", data.to_csv(index=False).encode())
    upload = {"name": "holes.csv", "id": source_id, "assessment": assessment}
    at = open_page(rr_assessment_upload=upload)
    errors = text(at.error)
    assert "Could not compute the ranking" in errors and "missing" in errors.lower()
    assert not at.get("plotly_chart")
    at.selectbox(key="rr_missing").set_value("drop")
    submit(at)
    assert not at.error and len(charts(at)) == 5


def test_unmatched_algorithms_are_listed():
    at = open_page()
    survey = isbi_survey()
    linked = challengelab.link(survey, assessment_for_survey(bundled_assessment(), survey), n_boot=0)
    listed = at.dataframe[0].value
    assert sorted(listed["Algorithm"]) == sorted(linked.unmatched_algorithms["algorithm"])
    assert len(listed) > 0  # teams on the leaderboards that did not answer the survey
    assert {m.label: m.value for m in at.metric}["Algorithms without a response"] == str(len(listed))


# --- the state helpers -----------------------------------------------------------------------------------------


def test_load_assessment_upload_validates(tmp_path):
    with pytest.raises(ValueError, match="unsupported file type"):
        rstate.load_assessment_upload("results.txt", b"task,case,algorithm,value\n")
    bad = b"task,case,algorithm,value\nT1,c1,a,0.5\nT1,c1,a,0.6\n"
    with pytest.raises(AssessmentValidationError, match="(?i)duplicate") as failure:
        rstate.load_assessment_upload("dup.csv", bad)
    assert all(issue.file == "dup.csv" for issue in failure.value.issues)
    good = b"task,case,algorithm,value\nT1,c1,a,0.5\nT1,c1,b,0.6\nT1,c2,a,0.4\nT1,c2,b,0.7\n"
    assessment, source_id = rstate.load_assessment_upload("good.csv", good)
    assert assessment.source == "good.csv" and source_id.startswith("upload:")
    assert rstate.load_assessment_upload("good.csv", good)[1] == source_id
    assert not list(Path(rstate.tempfile.gettempdir()).glob("challengelab-assessment-*"))


def test_make_spec():
    assert rstate.make_spec("aggregate_then_rank", "median", "holm", "none") == RankingSpec(
        method="aggregate_then_rank", aggregate="median")
    assert rstate.make_spec("test_then_rank", "median", "holm", "drop") == RankingSpec(
        method="test_then_rank", adjust="holm", na_treat="drop")


def test_robustness_table_suppression_rule():
    survey = isbi_survey()
    linked = challengelab.link(survey, assessment_for_survey(bundled_assessment(), survey), n_boot=5, seed=1)
    result = linked.robustness(ITEMS, n_replicates=2)
    table = robustness_table(linked, result, min_cell=1)
    responses = linked.responses
    for row in table.itertuples():
        answered = responses[row.item].notna()
        assert row.winners_total == int((answered & responses["winner"].astype(bool)).sum())
        assert row.others_total == int((answered & ~responses["winner"].astype(bool)).sum())
    threshold = int(table[["winners_total", "others_total"]].min(axis=1).iloc[0]) + 1
    suppressed = robustness_table(linked, result, min_cell=threshold)
    small = table[["winners_total", "others_total"]].min(axis=1) < threshold
    assert suppressed["suppressed"].tolist() == small.tolist()
    assert suppressed.loc[small, "share_significant"].isna().all()
    pd.testing.assert_series_equal(suppressed.loc[~small, "share_significant"],
                                   table.loc[~small, "share_significant"])
