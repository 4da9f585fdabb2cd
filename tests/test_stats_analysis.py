"""AnalysisConfig, run_analysis, the `challengelab analyze` command and the docstring examples."""

from __future__ import annotations

import doctest
import importlib
import json
import pkgutil

import pytest
from typer.testing import CliRunner

import challengelab
import challengelab.stats
from challengelab.cli import app
from challengelab.stats import AnalysisConfig, ConfigError, ModelSpec, OutcomeSpec, run_analysis


@pytest.fixture(scope="module")
def survey():
    return challengelab.example_survey()


@pytest.fixture(scope="module")
def result(survey):
    return run_analysis(survey)


def test_config_yaml_round_trip(tmp_path):
    config = AnalysisConfig(adjust="fdr_bh", outcomes=[OutcomeSpec(outcome="top_fraction", q=0.1)],
                            models=[ModelSpec(name="rank_all", outcome="rank", predictors=["augmentation"])])
    path = tmp_path / "analysis.yaml"
    path.write_text(config.to_yaml())
    assert AnalysisConfig.from_yaml(path) == config
    assert AnalysisConfig.from_yaml(AnalysisConfig().to_yaml()) == AnalysisConfig()


@pytest.mark.parametrize("text,where", [
    ("test: chi2\n", "test"),
    ("models:\n  - {name: BadName}\n", "models.0.name"),
    ("outcomes:\n  - {outcome: top_k}\n", "outcomes.0"),
    ("ci_level: 1.5\n", "ci_level"),
    ("unknown_setting: 1\n", "unknown_setting"),
    ("models:\n  - {name: a}\n  - {name: a}\n", "unique"),
    ("- just\n- a list\n", "mapping"),
])
def test_config_errors_say_where(text, where):
    with pytest.raises(ConfigError, match=where):
        AnalysisConfig.from_yaml(text + "\n")


def test_default_analysis_tables(result, survey):
    assert {"profile", "strategy_tests", "models", "coefficients", "model_rank_strategies",
            "model_winner_strategies", "model_top3_strategies"} <= set(result)
    tests = result["strategy_tests"]
    assert set(tests["outcome"]) == {"winner", "top_3"}
    assert len(tests) == 2 * len(survey.strategy_items)
    models = result["models"].set_index("name")
    assert models.loc["rank_strategies", "model"] == "rank_ordered_logit"
    # every winner used augmentation: the Firth-penalised conditional logit, still within tasks
    assert models.loc["winner_strategies", "model"] == "conditional_logit"
    assert models.loc["winner_strategies", "firth"] and "augmentation" in models.loc["winner_strategies", "separated"]
    assert models.loc["top3_strategies", "model"] == "conditional_logit"
    assert set(models["model"]) <= {"conditional_logit", "rank_ordered_logit"}  # only stratified models
    # rows used / dropped are fields, not only a warning
    assert (models["n_used"] + models["n_dropped"] + models["n_uninformative"] == len(survey.responses)).all()
    assert (models["n_dropped"] > 0).all()
    summary = result.summary()
    assert summary["rows_used"]["winner_strategies"]["n_dropped"] == models.loc["winner_strategies", "n_dropped"]
    coefficients = result["coefficients"]
    assert set(coefficients["model_name"]) == set(models.index)


def test_summary_json_is_strict(result):
    text = result.to_summary_json()
    summary = json.loads(text)  # allow_nan=False when written: no NaN / Infinity tokens
    assert "NaN" not in text and "Infinity" not in text
    assert summary["survey"]["synthetic"] is True
    assert summary["models"]["winner_strategies"]["warnings"]
    assert summary["config"]["test"] == "exact_cmh"


def test_write_is_atomic_and_replaces(result, tmp_path):
    out = tmp_path / "analysis"
    out.mkdir()
    (out / "stale.csv").write_text("old")
    result.write(out)
    files = {p.name for p in out.iterdir()}
    assert "stale.csv" not in files
    assert {"profile.csv", "strategy_tests.csv", "summary.json", "analysis.yaml"} <= files
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_run_analysis_names_the_bad_item(survey):
    with pytest.raises(ValueError, match="lead_degree"):
        run_analysis(survey, AnalysisConfig(strategy_items=["augmentation", "lead_degree"], models=[]))
    with pytest.raises(ValueError, match="model 'm'.*ghost"):
        run_analysis(survey, AnalysisConfig(models=[ModelSpec(name="m", predictors=["ghost"])]))


def test_progress_steps(survey):
    from challengelab.stats import analysis_steps

    config = AnalysisConfig(models=[ModelSpec(name="r", outcome="rank", predictors=["augmentation"])])
    seen: list[str] = []
    run_analysis(survey, config, progress=seen.append)
    assert seen == analysis_steps(config)


# --- CLI -------------------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_analyze_writes_tables(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "summary.json").exists() and (out / "strategy_tests.csv").exists()
    assert "SYNTHETIC" in res.output


def test_cli_analyze_with_config(tmp_path):
    config = tmp_path / "a.yaml"
    config.write_text(AnalysisConfig(test="fisher", models=[]).to_yaml())
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", "--config", str(config), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["config"]["test"] == "fisher"


def test_cli_show_config():
    res = runner.invoke(app, ["analyze", "--show-config"])
    assert res.exit_code == 0
    assert AnalysisConfig.from_yaml(res.stdout) == AnalysisConfig()


@pytest.mark.parametrize("args,message", [
    (["--config", "CONFIG"], "test"),
    (["DATA"], "problem"),
])
def test_cli_bad_input_exits_1_without_traceback(tmp_path, args, message):
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text("test: chi2\n")
    bad_data = tmp_path / "bad.csv"
    bad_data.write_text("x\n1\n")
    args = [str(bad_config) if a == "CONFIG" else str(bad_data) if a == "DATA" else a for a in args]
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", *args, "--out", str(out)])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert message in res.output
    assert not out.exists()


def test_cli_analysis_error_exits_1(tmp_path):
    config = tmp_path / "a.yaml"
    config.write_text("strategy_items: [augmentation, lead_degree]\n")
    res = runner.invoke(app, ["analyze", "--config", str(config), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1
    assert "lead_degree" in res.output and "Traceback" not in res.output


# --- docstring examples ----------------------------------------------------------------------------------------


STATS_MODULES = sorted(m.name for m in pkgutil.iter_modules(challengelab.stats.__path__))


@pytest.mark.parametrize("module", STATS_MODULES)
def test_docstring_examples_run(module):
    """Every stats module's doctests pass; every public module has at least one example."""
    mod = importlib.import_module(f"challengelab.stats.{module}")
    failures, attempted = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
    assert attempted > 0 or module.startswith("_") or module in ("separation",)
