"""The ranking report at survey scale: stability first, compact per-task figures, long listings in the workbook
only, consensus only when algorithms recur across tasks, and the synthetic label from the file's own marker."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from challengelab.cli import app
from challengelab.figures.task_panels import boxplot_by_task
from challengelab.ranking import RankingSpec, bootstrap, load_assessment, rank
from challengelab.report import ranking as ranking_report
from challengelab.report.excel import read_table
from challengelab.report.ranking import (
    assessment_is_synthetic,
    build_ranking_report,
    recurring_algorithms,
    run_ranking,
    stability_table,
)
from challengelab.report.reproducibility import Provenance

runner = CliRunner()


def frame(*, shared: bool, seed: int = 5, tasks: int = 3, algorithms: int = 4, cases: int = 12) -> pd.DataFrame:
    """Per-case results; with ``shared`` every task ranks the same algorithms, else each task its own."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(tasks):
        for a in range(algorithms):
            name = f"A{a}" if shared else f"T{t}_A{a}"
            rows.append(pd.DataFrame({"task": f"T{t}", "case": np.arange(cases), "algorithm": name,
                                      "value": rng.normal(0.7 + 0.02 * a, 0.05, cases).round(4)}))
    return pd.concat(rows, ignore_index=True)


def provenance() -> Provenance:
    return Provenance(data="x.csv", data_path="x.csv", inputs=[], config_yaml="", seed=1, min_cell=0,
                      formats=["html"], out="out", command="challengelab rank x.csv --out out")


def test_recurring_algorithms_decides_whether_tasks_are_combined():
    own = rank(frame(shared=False), method="aggregate_then_rank")
    show, why = recurring_algorithms(own)
    assert not show and "every algorithm takes part in one task only" in why
    assert recurring_algorithms(rank(frame(shared=True), method="aggregate_then_rank")) == (True, "")
    one = rank(frame(shared=True, tasks=1), method="aggregate_then_rank")
    assert recurring_algorithms(one)[0] is False


def test_no_consensus_and_a_sentence_why_when_every_algorithm_is_in_one_task():
    assessment = load_assessment(frame(shared=False))
    run = run_ranking(assessment, RankingSpec(method="aggregate_then_rank"), n_boot=20, seed=1)
    assert run.consensus is None
    report = build_ranking_report(run, provenance(), n_boot=20)
    names = [t.name for t in report.tables()] + [f.name for f in report.figures()]
    assert "consensus" not in names and "task_dendrogram" not in names
    text = " ".join(getattr(b, "text", "") for s in report.sections for b in s.blocks)
    assert text.count("No consensus ranking and no clustering of tasks") == 2  # summary and the section


def test_consensus_is_shown_when_algorithms_recur():
    assessment = load_assessment(frame(shared=True))
    run = run_ranking(assessment, RankingSpec(method="aggregate_then_rank"), n_boot=20, seed=1)
    report = build_ranking_report(run, provenance(), n_boot=20)
    assert "consensus" in [t.name for t in report.tables()]
    assert "task_dendrogram" in [f.name for f in report.figures()]


def test_stability_table_equals_the_bootstrap_summaries():
    assessment = load_assessment(frame(shared=False, tasks=4, algorithms=5))
    spec = RankingSpec(method="aggregate_then_rank")
    run = run_ranking(assessment, spec, n_boot=50, seed=3)
    table = stability_table(run)
    boot = bootstrap(assessment, spec=spec, n_boot=50, seed=3)
    wins = boot.winner_frequencies()
    tau = boot.kendall_tau().groupby("task")["kendall_tau"].median()
    intervals = boot.rank_intervals(0.95)
    for row in table.itertuples():
        winner = rank(assessment, spec=spec).query("task == @row.task and rank == 1")["algorithm"].tolist()
        assert row.winner in winner
        expected = wins[(wins["task"] == row.task) & (wins["algorithm"] == row.winner)]["frequency"].item()
        assert row.winner_frequency == pytest.approx(expected)
        assert row.uncertain_winner == (expected < ranking_report.WINNER_THRESHOLD)
        assert row.median_kendall_tau == pytest.approx(tau[row.task])
        part = intervals[intervals["task"] == row.task]
        assert row.median_interval_width == pytest.approx((part["upper"] - part["lower"]).median())
    assert list(table.columns[:4]) == ["task", "n_algorithms", "n_cases", "winner"]


def test_long_listings_go_to_the_workbook_only(monkeypatch):
    from challengelab.report.html_page import render_html

    monkeypatch.setattr(ranking_report, "PAGE_ROWS", 5)
    assessment = load_assessment(frame(shared=False))
    run = run_ranking(assessment, RankingSpec(method="aggregate_then_rank"), n_boot=20, seed=1)
    report = build_ranking_report(run, provenance(), n_boot=20)
    tables = {t.name: t for t in report.tables()}
    assert not tables["pairwise_tests"].on_page and not tables["ranking"].on_page
    assert tables["stability"].on_page and tables["podium"].on_page
    page = render_html(report)
    assert "in the Excel workbook (sheet &#x27;pairwise_tests&#x27;)" in page or \
        "in the Excel workbook (sheet 'pairwise_tests')" in page
    assert page.count("<tr>") < 60


def test_per_task_figure_holds_one_task_and_a_menu_with_every_task():
    data = frame(shared=False, tasks=3)
    assessment = load_assessment(data)
    ranking = rank(assessment, method="aggregate_then_rank")
    fig = boxplot_by_task(assessment, ranking)
    assert len(fig["data"]) == 1
    buttons = fig["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == ["T0", "T1", "T2"]
    second = data[data["task"] == "T1"]["value"].sort_values().tolist()  # drawn at 3 significant digits
    assert sorted(buttons[1]["args"][0]["x"][0]) == pytest.approx(second, abs=1e-3)
    assert buttons[1]["args"][1]["yaxis.ticktext"] == ranking[ranking["task"] == "T1"]["algorithm"].tolist()


def test_synthetic_marker_is_read_from_the_file_and_from_the_assessment(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("# SYNTHETIC per-case results, random numbers\n" + frame(shared=True).to_csv(index=False))
    assert assessment_is_synthetic(load_assessment(path))
    plain = tmp_path / "plain.csv"
    frame(shared=True).to_csv(plain, index=False)
    assert not assessment_is_synthetic(load_assessment(plain))
    assert assessment_is_synthetic(SimpleNamespace(synthetic=True, source=str(plain)))
    assert not assessment_is_synthetic(SimpleNamespace(synthetic=False, source=str(path)))


def test_rank_labels_synthetic_results_in_html_excel_and_manifest(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "results.csv"
    path.write_text("# SYNTHETIC per-case results, random numbers\n" + frame(shared=True).to_csv(index=False))
    out = tmp_path / "r"
    result = runner.invoke(app, ["rank", str(path), "--bootstrap", "20", "--out", str(out),
                                 "--format", "html,xlsx"])
    assert result.exit_code == 0, result.stderr
    page = (out / "report.html").read_text()
    assert 'id="synthetic-banner"' in page and "simulated per-case results" in page
    readme = [r[0] for r in load_workbook(out / "report.xlsx", read_only=True)["README"].iter_rows(values_only=True)]
    assert any(r and str(r).startswith("SYNTHETIC DATA") for r in readme)
    assert json.loads((out / "manifest.json").read_text())["synthetic_data"] is True


def test_na_treat_worst_puts_the_worst_observed_value_in_place_of_missing_results(tmp_path):
    data = frame(shared=True)
    data.loc[3, "value"] = np.nan
    path = tmp_path / "missing.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "r"
    result = runner.invoke(app, ["rank", str(path), "--bootstrap", "0", "--na-treat", "worst", "--out", str(out),
                                 "--format", "xlsx"])
    assert result.exit_code == 0, result.stderr
    spec = RankingSpec.from_yaml((out / "ranking.yaml").read_text())
    assert spec.na_treat == pytest.approx(data["value"].min())
    expected = rank(load_assessment(path), spec=spec)
    got = read_table(out / "report.xlsx", "ranking")
    assert got["rank"].tolist() == expected["rank"].tolist()
