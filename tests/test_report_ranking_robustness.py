"""The "Ranking robustness" report section: its tables are the library's results, its figures are present, and
it renders through every writer (HTML, Markdown, Excel)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import challengelab
from challengelab._paths import EXAMPLE_ASSESSMENT_FILE, example_dir
from challengelab.ranking import RankingSpec, load_assessment
from challengelab.report.document import (
    Figure,
    KeyValues,
    Notice,
    Report,
    Section,
    Table,
)
from challengelab.report.ranking_robustness import SECTION_TITLE, ranking_robustness_section
from challengelab.tables.robustness import assessment_for_survey, unstable_tasks

ITEMS = ["metric_in_design", "failure_analysis", "augmentation", "ensembling"]
N_BOOT, N_REPLICATES, SEED = 30, 3, 11


@pytest.fixture(scope="module")
def survey():
    return challengelab.example_survey().filter(conference=["ISBI"])


@pytest.fixture(scope="module")
def assessment():
    return load_assessment(example_dir() / EXAMPLE_ASSESSMENT_FILE)


@pytest.fixture(scope="module")
def section(survey, assessment):
    return ranking_robustness_section(survey, assessment, n_boot=N_BOOT, n_replicates=N_REPLICATES, seed=SEED,
                                      min_cell=1, items=ITEMS)


@pytest.fixture(scope="module")
def expected(survey, assessment):
    linked = challengelab.link(survey, assessment_for_survey(assessment, survey),
                               RankingSpec(method="aggregate_then_rank"), n_boot=N_BOOT, seed=SEED)
    return linked, linked.robustness(ITEMS, n_replicates=N_REPLICATES)


def blocks(section: Section, kind) -> dict:
    return {b.name: b for b in section.blocks if isinstance(b, kind)}


def test_section_has_the_tables_and_figures(section):
    assert isinstance(section, Section) and section.title == SECTION_TITLE == "Ranking robustness"
    assert list(blocks(section, Table)) == ["robustness_strategies", "robustness_replicates",
                                            "robustness_rank_uncertainty", "robustness_unmatched_algorithms"]
    figures = blocks(section, Figure)
    assert list(figures) == ["robustness_forest", "robustness_kendall_tau", "robustness_blob_plot"]
    for figure in figures.values():
        fig = figure.figure if isinstance(figure.figure, dict) else figure.figure.to_plotly_json()
        assert figure.caption and figure.caption == fig["layout"]["meta"]["caption"]
        assert len(fig["data"]) > 0
    facts = dict(blocks(section, KeyValues)["robustness_link"].rows)
    assert facts["ranking"] == "mean-then-rank" and facts["bootstrap replicates of the ranking"] == str(N_BOOT)
    assert facts["matched responses"] == "124" and facts["seed"] == str(SEED)
    assert any(isinstance(b, Notice) and b.kind == "synthetic" for b in section.blocks)


def test_strategy_table_equals_the_library(section, expected, survey):
    _, robustness = expected
    table = blocks(section, Table)["robustness_strategies"].frame
    summary = robustness.summary
    assert table["item"].tolist() == summary["item"].tolist() == ITEMS
    labels = {item.name: item.label for item in survey.codebook.items}
    assert table["label"].tolist() == [labels[i] for i in ITEMS]
    for column in summary.columns:
        if column == "item":
            continue
        left, right = table[column], summary[column]
        if pd.api.types.is_bool_dtype(right):
            assert left.astype(bool).tolist() == right.tolist(), column
        else:
            np.testing.assert_allclose(left.to_numpy(float), right.to_numpy(float), err_msg=column)
    assert not table["suppressed"].any()


def test_replicates_table_and_forest_equal_the_library(section, expected, survey):
    _, robustness = expected
    replicates = blocks(section, Table)["robustness_replicates"].frame
    pd.testing.assert_frame_equal(replicates, robustness.replicates.reset_index(drop=True))
    assert len(replicates) == len(ITEMS) * N_REPLICATES
    forest = blocks(section, Figure)["robustness_forest"].figure
    medians = next(t for t in forest.data if t.name == "median over replicates")
    labels = {item.name: item.label for item in survey.codebook.items}
    drawn = dict(zip(medians.y, medians.x))
    for item, median in zip(robustness.summary["item"], robustness.summary["median_odds_ratio"]):
        assert drawn[labels[item]] == pytest.approx(min(median, 1e3))


def test_rank_uncertainty_and_unmatched_equal_the_library(section, expected):
    linked, _ = expected
    tables = blocks(section, Table)
    pd.testing.assert_frame_equal(tables["robustness_rank_uncertainty"].frame,
                                  linked.bootstrap.summary().reset_index(drop=True))
    pd.testing.assert_frame_equal(tables["robustness_unmatched_algorithms"].frame,
                                  linked.unmatched_algorithms.reset_index(drop=True))
    shown = unstable_tasks(linked.bootstrap)
    blob = blocks(section, Figure)["robustness_blob_plot"].figure  # one task at a time, a menu of the others
    assert [b["label"] for b in blob["layout"]["updatemenus"][0]["buttons"]] == [str(t) for t in shown]
    tau = linked.bootstrap.kendall_tau().groupby("task")["kendall_tau"].mean()
    assert tau[shown].max() <= tau.drop(shown).min()  # the least stable tasks are the ones drawn


def test_min_cell_suppresses_strategy_rows(survey, assessment):
    section = ranking_robustness_section(survey, assessment, n_boot=10, n_replicates=2, seed=1, min_cell=1000,
                                         items=ITEMS[:2])
    table = blocks(section, Table)["robustness_strategies"].frame
    assert table["suppressed"].all() and table["odds_ratio"].isna().all()
    assert table["share_significant"].isna().all() and table["item"].tolist() == ITEMS[:2]
    assert blocks(section, Table)["robustness_replicates"].frame.empty  # nothing suppressed leaks here
    assert any(isinstance(b, Notice) and "suppressed" in b.text for b in section.blocks)


def test_spec_and_seed_are_replayed(survey, assessment):
    spec = RankingSpec(method="rank_then_aggregate", aggregate="median")
    one = ranking_robustness_section(survey, assessment, spec, n_boot=10, n_replicates=2, seed=4, min_cell=1,
                                     items=ITEMS[:2])
    two = ranking_robustness_section(survey, assessment, spec, n_boot=10, n_replicates=2, seed=4, min_cell=1,
                                     items=ITEMS[:2])
    assert dict(blocks(one, KeyValues)["robustness_link"].rows)["ranking"] == "rank-then-median"
    for name, table in blocks(one, Table).items():
        pd.testing.assert_frame_equal(table.frame, blocks(two, Table)[name].frame)


def test_unlinkable_data_gives_a_notice_not_an_exception(survey):
    other = pd.DataFrame({"task": "elsewhere", "case": [1, 2, 1, 2], "algorithm": list("aabb"),
                          "value": [0.1, 0.2, 0.3, 0.4]})
    section = ranking_robustness_section(survey, other, n_boot=10, n_replicates=2, seed=1)
    assert section.title == SECTION_TITLE
    notices = [b for b in section.blocks if isinstance(b, Notice)]
    assert len(notices) == 1 and notices[0].kind == "warning" and "task of the survey" in notices[0].text


def test_assessment_is_restricted_to_the_survey_tasks(survey, assessment):
    restricted = assessment_for_survey(assessment, survey)
    assert set(restricted.tasks) == set(survey.tasks["task_id"]) & set(assessment.tasks)
    assert restricted.source == assessment.source
    pd.testing.assert_frame_equal(restricted.data.reset_index(drop=True), assessment.data[
        assessment.data["task"].isin(restricted.tasks)].reset_index(drop=True), check_categorical=False)
    assert len(restricted.tasks) == 17 < len(assessment.tasks)
    full = challengelab.example_survey()
    assert assessment_for_survey(assessment, full) is assessment


def test_section_renders_in_every_writer(section):
    from challengelab.report.excel import read_table, render_xlsx
    from challengelab.report.html_page import figure_anchor, render_html
    from challengelab.report.markdown import render_markdown

    report = Report(title="Robustness", sections=[section], synthetic=True)
    report.check()
    html = render_html(report)
    assert "Ranking robustness" in html
    for name in blocks(section, Figure):
        assert f'id="{figure_anchor(Figure(name, "", None))}"' in html
    assert "Used an ensemble of models" in html
    markdown = render_markdown(report, with_figures=False)
    assert "Strategy tests over bootstrap replicates of the ranking" in markdown
    workbook = io.BytesIO(render_xlsx(report))
    sheet = read_table(workbook, "robustness_strategies")
    assert sheet["item"].tolist() == ITEMS
