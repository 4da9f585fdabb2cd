"""``challengelab rank``: the ranking report's tables equal the ranking library's results."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from challengelab.cli import app
from challengelab.ranking import RankingSpec, bootstrap, consensus, load_assessment, rank
from challengelab.report.excel import read_table
from challengelab.report.safety import external_references

HOSTILE = "<script>alert(1)</script>"
FORMULA = "=1+2"
runner = CliRunner()


def assessment_frame(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    names = ["A1", HOSTILE, FORMULA, "A4", "A5"]
    for task, n_cases in (("T1", 15), ("T2", 20), ("T3", 12)):
        skill = rng.normal(0.8, 0.03, len(names))
        for a, name in enumerate(names):
            values = np.clip(skill[a] + rng.normal(0, 0.05, n_cases), 0, 1).round(4)
            rows.append(pd.DataFrame({"task": task, "case": np.arange(n_cases), "algorithm": name,
                                      "value": values}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def results_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("rank") / "results.csv"
    assessment_frame().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def ranked(results_csv):
    out = results_csv.parent / "reports" / "r1"
    result = runner.invoke(app, ["rank", str(results_csv), "--method", "rank_then_aggregate", "--bootstrap", "60",
                                 "--seed", "1", "--out", str(out), "--format", "html,xlsx,csv"])
    assert result.exit_code == 0, result.stderr
    return out


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id"]


def test_rank_writes_html_and_excel_with_every_part(ranked):
    names = sorted(p.name for p in ranked.iterdir())
    assert names == ["manifest.json", "ranking.yaml", "report.html", "report.xlsx", "tables"]
    page = (ranked / "report.html").read_text()
    parser = _Ids()
    parser.feed(page)
    for anchor in ("summary", "methods", "rankings-per-task", "ranking-uncertainty-bootstrap",
                   "pairwise-significance", "across-tasks-and-ranking-methods", "appendix-the-data",
                   "reproducibility"):
        assert anchor in parser.ids, anchor
    for figure in ("stability", "values", "ranking-heatmap", "podium-plot", "blob-plot", "kendall-tau",
                   "significance-map", "task-dendrogram", "method-lines"):
        assert f"figure-{figure}-plot" in parser.ids, figure
    assert page.count('<script id="plotlyjs"') == 1 and external_references(page) == []
    # findings first: the stability table is the first table of the report
    assert page.index('id="table-stability"') < page.index('id="methods"')
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Rank-then-aggregate" in page and "resampled with replacement 60 times" in page


def test_rank_tables_equal_the_library(ranked, results_csv):
    spec = RankingSpec.from_yaml((ranked / "ranking.yaml").read_text())
    assert spec.method == "rank_then_aggregate" and spec.seed == 1
    data = load_assessment(results_csv)
    expected = rank(data, spec=spec)
    got = read_table(ranked / "report.xlsx", "ranking")
    assert got["task"].tolist() == expected["task"].tolist()
    assert got["algorithm"].tolist() == ["'" + a if a.startswith("=") else a for a in expected["algorithm"]]
    assert got["rank"].tolist() == expected["rank"].tolist()
    np.testing.assert_allclose(got["score"].astype(float), expected["score"].astype(float), rtol=1e-15)
    boot = bootstrap(data, spec=spec, n_boot=60, seed=1)
    intervals = boot.rank_intervals(0.95)
    got = read_table(ranked / "report.xlsx", "rank_intervals")
    for column in ("full_rank", "median_rank", "mean_rank", "lower", "upper"):
        np.testing.assert_allclose(got[column].astype(float), intervals[column].astype(float), rtol=1e-15)
    expected_consensus = consensus(expected, method="euclidean")
    got = read_table(ranked / "report.xlsx", "consensus")
    assert got["rank"].tolist() == expected_consensus["rank"].tolist()
    # formula-like algorithm names are neutralised in the CSV tables too
    text = (ranked / "tables" / "ranking.csv").read_text()
    assert "\n" + "T1,'=1+2," in text.replace('"', "") or ",'=1+2," in text
    assert ",=1+2," not in text


def test_same_seed_same_tables(ranked, results_csv, tmp_path):
    out = tmp_path / "r2"
    result = runner.invoke(app, ["rank", str(results_csv), "--method", "rank_then_aggregate", "--bootstrap", "60",
                                 "--seed", "1", "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    for path in sorted((ranked / "tables").glob("*.csv")):
        if path.name == "reproducibility.csv":
            continue
        assert path.read_bytes() == (out / "tables" / path.name).read_bytes(), path.name


def test_bad_results_give_located_messages_and_no_output(tmp_path):
    frame = assessment_frame()
    frame["value"] = frame["value"].astype(object)
    frame.loc[4, "value"] = "n/a!"
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "reports" / "bad"
    result = runner.invoke(app, ["rank", str(path), "--method", "aggregate_then_rank", "--out", str(out)])
    assert result.exit_code == 1
    assert "row 6" in result.stderr and "value" in result.stderr
    assert not out.exists() and not (tmp_path / "reports").exists()


def test_bad_options_exit_2(results_csv, tmp_path):
    result = runner.invoke(app, ["rank", str(results_csv), "--method", "vote", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "method" in result.stderr
    result = runner.invoke(app, ["rank", str(results_csv), "--format", "docx", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "unknown format" in result.stderr
    assert not (tmp_path / "x").exists()
