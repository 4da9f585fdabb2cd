"""The survey report end to end: content of every section, Excel = library results, determinism, CLI."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pandas as pd
import pytest
from typer.testing import CliRunner

from challengelab.cli import app
from challengelab.tables.breakdowns import item_labels, strategy_table
from challengelab.report import write_survey_report
from challengelab.report.build import SECTION_TITLES
from challengelab.report.document import slug
from challengelab.report.excel import read_table
from challengelab.report.safety import external_references, neutralise_frame
from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata
from challengelab.stats.analysis import run_analysis
from challengelab.stats.config import AnalysisConfig, ModelSpec
from challengelab.survey import Survey

HOSTILE = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'
SETTINGS = SimulationSettings(n_challenges=6, n_tasks=12, n_winning_respondents=10)
ITEMS = ["augmentation", "ensembling", "multi_task", "postprocessing"]
#: A small configuration so that the tests stay fast; the report does not depend on the default's size.
CONFIG = AnalysisConfig(
    title="Test report",
    strategy_items=ITEMS,
    models=[ModelSpec(name="rank_model", outcome="rank", predictors=ITEMS[1:3]),
            ModelSpec(name="top3_model", outcome="top_k", k=3, predictors=ITEMS[1:3])],
    seed=11,
)


def hostile_tables():
    tables = simulate_tables(seed=7, settings=SETTINGS)
    tables["challenges"].loc[0, "name"] = HOSTILE
    tables["challenges"].loc[1, "name"] = FORMULA
    tables["responses"].loc[0, "team_id"] = HOSTILE
    tables["tasks"].loc[0, "name"] = FORMULA
    return tables


@pytest.fixture(scope="module")
def survey():
    t = hostile_tables()
    return Survey.from_frames(t["challenges"], t["tasks"], t["responses"], t["organizers"],
                              metadata=simulation_metadata(7, SETTINGS), source="hostile.xlsx")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory, survey):
    out = tmp_path_factory.mktemp("r") / "report"
    result = write_survey_report(survey, out, config=CONFIG, formats=["html", "xlsx", "csv", "md"], min_cell=5)
    return out, result


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id"]


def test_html_has_every_section_and_figure_and_nothing_external(report_dir):
    out, _ = report_dir
    page = (out / "report.html").read_text(encoding="utf-8")
    parser = _Ids()
    parser.feed(page)
    parser.close()
    for title in SECTION_TITLES:
        assert slug(title) in parser.ids, title
    expected_figures = ["coverage", "leaderboard_sizes", "strategy_shares", "forest_tests_winner",
                        "forest_tests_top_3", "numeric_profile", "profile_lead_background",
                        "organizers_winner_exceeds_sota", "forest_rank_model", "forest_top3_model", "published"]
    for name in expected_figures:
        assert f"figure-{slug(name)}-plot" in parser.ids, name
        assert f'data-plot="figure-{slug(name)}-plot"' in page  # its spec is drawn by the page script
    assert page.count('<script id="plotlyjs"') == 1
    assert external_references(page) == []
    assert 'id="synthetic-banner"' in page
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for heading in ("Data.", "Winner profile.", "Strategy tests.", "Rank-linked models.", "Model rank_model.",
                    "Disclosure control.", "Software and randomness."):
        assert heading in page, heading
    assert "exact conditional test" in page and "Holm" in page


def test_excel_tables_equal_the_library_results(report_dir, survey):
    out, _ = report_dir
    result = run_analysis(survey, CONFIG)
    path = out / "report.xlsx"
    from openpyxl import load_workbook

    sheets = load_workbook(path, read_only=True).sheetnames
    assert sheets[0] == "README"
    for name in ("strategy_profile", "tests_winner", "tests_top_3", "models", "model_rank_model",
                 "model_top3_model", "published", "coverage", "challenges", "dataset", "reproducibility"):
        assert name in sheets, name

    def same(sheet: str, expected: pd.DataFrame, columns: list[str]):
        got = read_table(path, sheet)
        expected = neutralise_frame(expected.reset_index(drop=True))
        assert list(got.columns) == list(expected.columns)
        for column in columns:
            a = pd.to_numeric(got[column], errors="coerce") if expected[column].dtype != object else got[column]
            b = pd.to_numeric(expected[column], errors="coerce") if expected[column].dtype != object else \
                expected[column]
            if expected[column].dtype == object:
                assert a.where(a.notna(), None).tolist() == b.where(b.notna(), None).tolist(), (sheet, column)
            else:
                # openpyxl writes 16 significant digits (Excel itself keeps 15): equal to that precision;
                # an infinite value is an empty cell with a note (checked below)
                b = b.astype(float).replace([float("inf"), float("-inf")], float("nan"))
                pd.testing.assert_series_equal(a.astype(float), b.astype(float), check_names=False,
                                               check_exact=False, rtol=1e-15, atol=0, obj=f"{sheet}.{column}")

    tests = result["strategy_tests"]
    block = tests[tests["outcome"] == "winner"].reset_index(drop=True)
    block = strategy_table(block, labels=item_labels(survey.codebook), min_cell=5)
    same("tests_winner", block, ["item", "odds_ratio", "ci_low", "ci_high", "p_value", "p_adjusted",
                                 "winners_with", "others_total"])
    infinite = [i for i, v in enumerate(block["odds_ratio"]) if v == float("inf")]
    if infinite:
        from openpyxl import load_workbook as load

        sheet = load(path)["tests_winner"]
        column = list(block.columns).index("odds_ratio") + 1
        for i in infinite:
            cell = sheet.cell(i + 2, column)
            assert cell.value is None and "Infinite" in cell.comment.text
    coefficients = result["model_rank_model"].copy()
    coefficients.insert(1, "label", coefficients["term"].map(lambda t: survey.codebook[t].label
                                                              if t in survey.codebook else t))
    same("model_rank_model", coefficients, ["term", "estimate", "std_error", "p_value", "ci_low", "ci_high"])
    # the CSV tables hold the library's values exactly (shortest round-trip representation)
    from_csv = pd.read_csv(out / "tables" / "model_rank_model.csv")
    for column in ("estimate", "std_error", "p_value", "ci_low", "ci_high", "odds_ratio"):
        assert from_csv[column].tolist() == coefficients[column].tolist(), column
    from challengelab.figures.survey import published_table

    published = read_table(path, "published")
    library = published_table(survey, min_cell=5)  # compare_with_published, suppressed
    assert published["quantity"].tolist() == library["quantity"].tolist()
    for got, want in zip(published["observed"], library["observed"]):
        if isinstance(want, str):
            assert got == want
        elif want is None or pd.isna(want):
            assert got is None
        else:
            assert got == pytest.approx(float(want), rel=1e-15)


def test_formula_like_names_are_neutralised_in_excel_and_csv(report_dir):
    out, _ = report_dir
    challenges = read_table(out / "report.xlsx", "challenges")
    assert "'" + FORMULA in challenges["name"].tolist()
    assert FORMULA not in challenges["name"].tolist()
    assert HOSTILE in challenges["name"].tolist()  # harmless in a spreadsheet cell
    rows = list(csv.reader(io.StringIO((out / "tables" / "challenges.csv").read_text())))
    assert ["'" + FORMULA] == [r[1] for r in rows if r[1].endswith('"x")')]
    for path in (out / "tables").glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text())):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                if cell.startswith("-"):
                    float(cell)  # a negative number, not text


def test_markdown_report_escapes_and_lists_sections(report_dir):
    out, result = report_dir
    text = (out / "report.md").read_text()
    assert HOSTILE not in text
    for number, title in enumerate(SECTION_TITLES, start=1):
        assert f"## {number}. {title}" in text
    if "png figures" not in result.skipped:
        pngs = sorted(p.name for p in (out / "figures").glob("*.png"))
        assert "forest_rank_model.png" in pngs and len(pngs) == text.count("](figures/")
        assert all((out / "figures" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_reproducibility_section_and_manifest(report_dir, survey):
    out, _ = report_dir
    manifest = json.loads((out / "manifest.json").read_text())
    provenance = manifest["provenance"]
    assert provenance["seed"] == 11 and provenance["min_cell"] == 5
    assert provenance["versions"]["pandas"] == pd.__version__
    assert (out / "analysis.yaml").exists()
    assert AnalysisConfig.from_yaml(out / "analysis.yaml") == CONFIG
    page = (out / "report.html").read_text()
    assert provenance["config_sha256"] in page and "challengelab report" in page
    assert "--config" in provenance["command"] and "analysis.yaml" in provenance["command"]


def test_two_runs_give_identical_tables(tmp_path, survey, report_dir):
    first, _ = report_dir
    second = tmp_path / "again"
    write_survey_report(survey, second, config=CONFIG, formats=["xlsx", "csv"], min_cell=5)
    names = sorted(p.name for p in (first / "tables").glob("*.csv"))
    assert names == sorted(p.name for p in (second / "tables").glob("*.csv"))
    for name in names:
        if name == "reproducibility.csv":
            continue  # holds the run's timestamp
        assert (first / "tables" / name).read_bytes() == (second / "tables" / name).read_bytes(), name
    from openpyxl import load_workbook

    a = load_workbook(first / "report.xlsx", read_only=True)
    b = load_workbook(second / "report.xlsx", read_only=True)
    for sheet in a.sheetnames:
        if sheet in ("README", "reproducibility"):
            continue
        assert list(a[sheet].values) == list(b[sheet].values), sheet


def test_small_cells_are_suppressed_and_marked(tmp_path, survey):
    out = tmp_path / "r"
    write_survey_report(survey, out, config=CONFIG, formats=["xlsx", "html"], min_cell=50)
    profile = read_table(out / "report.xlsx", "strategy_profile")
    winners = profile[profile["group"] == "winners"]
    assert winners["suppressed"].all() and winners["share"].isna().all()
    assert winners["note"].str.contains("fewer than 50").all()
    page = (out / "report.html").read_text()
    assert 'class="suppressed"' in page and "suppressed: fewer than 50 respondents" in page


runner = CliRunner()


def test_cli_write_config_prints_the_default_yaml():
    result = runner.invoke(app, ["report", "--write-config"])
    assert result.exit_code == 0
    assert AnalysisConfig.from_yaml(result.stdout) == AnalysisConfig()


def test_cli_bad_data_gives_located_messages_exit_1_and_no_output(tmp_path):
    from challengelab.survey.write import write_survey_folder

    tables = simulate_tables(seed=7, settings=SETTINGS)
    tables["responses"]["rank"] = tables["responses"]["rank"].astype(object)
    tables["responses"].loc[3, "rank"] = "first"
    tables["tasks"].loc[2, "n_teams"] = -4
    data = write_survey_folder(tmp_path / "bad", tables, metadata=simulation_metadata(7, SETTINGS))
    out = tmp_path / "reports" / "bad"
    validate = runner.invoke(app, ["validate", str(data)])
    result = runner.invoke(app, ["report", str(data), "--out", str(out), "--format", "html"])
    assert result.exit_code == validate.exit_code == 1
    assert result.stderr == validate.stderr
    assert "rank" in result.stderr and "n_teams" in result.stderr
    assert not out.exists() and not (tmp_path / "reports").exists()


def test_cli_bad_config_exit_1(tmp_path):
    config = tmp_path / "a.yaml"
    config.write_text("adjust: sometimes\n")
    result = runner.invoke(app, ["report", "--out", str(tmp_path / "r"), "--config", str(config)])
    assert result.exit_code == 1 and "adjust" in result.stderr
    assert not (tmp_path / "r").exists()


def test_cli_writes_a_report_driven_by_the_config(tmp_path):
    from challengelab.survey.write import write_survey_folder

    # (a CSV folder: writers.write_survey_workbook stores a text starting with "=" as a formula)
    data = write_survey_folder(tmp_path / "survey", hostile_tables(), metadata=simulation_metadata(7, SETTINGS))
    config = CONFIG.model_copy(update={"adjust": "bonferroni", "models": CONFIG.models[:1]})
    (tmp_path / "a.yaml").write_text(config.to_yaml())
    out = tmp_path / "reports" / "small"
    result = runner.invoke(app, ["report", str(data), "--out", str(out), "--format", "html,xlsx",
                                 "--config", str(tmp_path / "a.yaml"), "--min-cell", "3", "--seed", "5"])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["analysis.yaml", "manifest.json", "report.html",
                                                     "report.xlsx"]
    used = AnalysisConfig.from_yaml(out / "analysis.yaml")
    assert used.adjust == "bonferroni" and used.seed == 5
    page = (out / "report.html").read_text()
    assert "the Bonferroni method" in page and "Model rank_model." in page and "top3_model" not in page
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["provenance"]["command"].startswith(f"challengelab report {data} --out {out}")
    assert manifest["provenance"]["min_cell"] == 3
    # the recorded command regenerates the report
    import shlex

    again = runner.invoke(app, shlex.split(manifest["provenance"]["command"])[1:])
    assert again.exit_code == 0, again.stderr
    tests_a = read_table(out / "report.xlsx", "tests_winner")
    assert tests_a["p_adjusted"].notna().any()


@pytest.mark.slow
def test_source_date_epoch_makes_the_html_byte_identical(tmp_path, survey, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pages = []
    for name in ("a", "b"):
        write_survey_report(survey, tmp_path / name, config=CONFIG, formats=["html"], min_cell=5)
        pages.append((tmp_path / name / "report.html").read_bytes())
    assert b"2023-11-14T22:13:20Z" in pages[0]
    # identical apart from the output folder named in the regenerating command
    a, b = (str(tmp_path / n).encode() for n in ("a", "b"))
    assert pages[0].replace(a, b"OUT") == pages[1].replace(b, b"OUT")


def test_key_results_open_the_report_and_agree_with_the_detailed_tables(report_dir):
    out, _ = report_dir
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.index('id="key-results"') < page.index('<nav class="toc"') < page.index('id="methods"')
    assert page.index('id="appendix-the-data"') > page.index('id="reproducibility"')  # raw listings last
    key = read_table(out / "report.xlsx", "key_strategies")
    profile = read_table(out / "report.xlsx", "strategy_profile")
    tests = read_table(out / "report.xlsx", "tests_winner").set_index("item")
    yes = profile[profile["level"].astype(str).str.lower().isin(("true", "yes", "1"))]
    shares = yes.pivot_table(index="item", columns="group", values="share", aggfunc="first")
    assert len(key) >= 1
    excess = (key["winners"] - key["others"]).tolist()
    assert excess == sorted(excess, reverse=True) and min(excess) > 0
    for row in key.itertuples():
        assert row.winners == pytest.approx(shares.at[row.item, "winners"])
        assert row.others == pytest.approx(shares.at[row.item, "others"])
        assert row.p_adjusted == pytest.approx(tests.at[row.item, "p_adjusted"])
    significant = tests[tests["p_adjusted"] < 0.05]
    for label in significant["label"]:
        assert label in page.split('id="key-results"')[1].split('<nav class="toc"')[0]
