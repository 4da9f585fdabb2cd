"""Survey-level statistics: winner profile, strategy tests, rank regression (behaviour and input errors)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import challengelab
from challengelab.stats import exact_cmh, rank_regression, strategy_tests, winner_profile
from challengelab.stats.profiles import PROFILE_COLUMNS
from challengelab.stats.strategy import TEST_COLUMNS


@pytest.fixture(scope="module")
def survey():
    return challengelab.example_survey()


def small_responses(seed: int = 0, n_tasks: int = 30) -> pd.DataFrame:
    """Responses-like frame: tasks of 4-12 teams, a strategy that improves the rank, one that does nothing."""
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(n_tasks):
        n = int(rng.integers(4, 13))
        good = rng.random(n) < 0.5
        noise = rng.random(n) < 0.5
        score = 1.5 * good + rng.logistic(size=n)
        rank = pd.Series(-score).rank(method="min").astype(int).to_numpy()
        for i in range(n):
            rows.append({"task_id": f"T{t:02d}", "team_id": f"T{t:02d}-{i}", "rank": rank[i], "good": good[i],
                         "noise": noise[i], "challenge_id": f"C{t // 3}", "n_teams": n,
                         "hours": float(rng.integers(10, 200))})
    frame = pd.DataFrame(rows)
    frame["winner"] = frame["rank"] == 1
    frame["good"] = frame["good"].astype("boolean")
    frame["noise"] = frame["noise"].astype("boolean")
    return frame


# --- winner profile -------------------------------------------------------------------------------------------


def test_profile_columns_and_counts(survey):
    profile = winner_profile(survey)
    assert list(profile.columns) == PROFILE_COLUMNS
    aug = profile[(profile["item"] == "augmentation")].set_index("group")
    r = survey.responses
    winners = r.loc[r["winner"], "augmentation"]
    assert aug.loc["winners", "n"] == winners.notna().sum()
    assert aug.loc["winners", "count"] == winners.sum()
    assert aug.loc["all", "n_missing"] == r["augmentation"].isna().sum()
    low, high = proportion_confint(aug.loc["others", "count"], aug.loc["others", "n"], method="wilson")
    assert (aug.loc["others", "ci_low"], aug.loc["others", "ci_high"]) == pytest.approx((low, high))
    assert set(profile["group"]) == {"winners", "others", "all"}


def test_profile_categorical_numeric_and_multi_select(survey):
    profile = winner_profile(survey, items=["lead_degree", "hours_spent", "motivation"])
    degree = profile[(profile["item"] == "lead_degree") & (profile["group"] == "all")]
    assert list(degree["level"]) == ["bachelor", "master", "doctorate", "professor"]
    assert degree["count"].sum() == degree["n"].iloc[0]
    hours = profile[(profile["item"] == "hours_spent") & (profile["group"] == "winners")].iloc[0]
    values = survey.responses.loc[survey.responses["winner"], "hours_spent"].dropna().astype(float)
    assert hours["median"] == pytest.approx(values.median())
    assert hours["q1"] == pytest.approx(np.quantile(values, 0.25))  # type 7, R's default
    assert np.isnan(hours["share"])
    motivation = profile[profile["item"] == "motivation"]
    assert "prize money" in set(motivation["level"])


def test_profile_by_group_adds_a_leading_column(survey):
    profile = winner_profile(survey, items=["augmentation"], by="task_category")
    assert profile.columns[0] == "task_category"
    per_group = profile[profile["group"] == "all"].groupby("task_category", observed=True)["n"].sum()
    assert per_group.sum() == survey.responses["augmentation"].notna().sum()


def test_profile_bad_inputs_name_the_item(survey):
    with pytest.raises(ValueError, match="no_such_item"):
        winner_profile(survey, items=["no_such_item"])
    data = small_responses().assign(empty=pd.array([pd.NA] * len(small_responses()), dtype="boolean"))
    with pytest.raises(ValueError, match="'empty'"):
        winner_profile(data, items=["empty"])
    with pytest.raises(ValueError, match="nope"):
        winner_profile(survey, by="nope")


# --- strategy tests -------------------------------------------------------------------------------------------


def test_strategy_tests_table(survey):
    tests = strategy_tests(survey)
    assert list(tests.columns) == TEST_COLUMNS
    assert list(tests["item"]) == survey.strategy_items
    row = tests.set_index("item").loc["metric_in_design"]
    direct = exact_cmh(survey.responses, "metric_in_design", "winner", "task_id")
    assert row["p_value"] == pytest.approx(direct["p_value"])
    assert row["odds_ratio"] == pytest.approx(direct["odds_ratio"])
    assert row["n_strata"] == direct["n_strata"]
    # Holm over the 16 items never lowers a p-value, and the smallest is multiplied by 16
    assert (tests["p_adjusted"] >= tests["p_value"] - 1e-15).all()
    assert tests["p_adjusted"].min() == pytest.approx(min(1, 16 * tests["p_value"].min()))


def test_strategy_tests_report_separation_in_words(survey):
    tests = strategy_tests(survey, items=["augmentation"]).iloc[0]
    assert tests["winners_with"] == tests["winners_total"]  # every winner used augmentation
    assert tests["odds_ratio"] == np.inf
    assert "separation" in tests["note"] and "infinite" in tests["note"]
    assert "missing" in tests["note"]


def test_stratification_matters_for_a_strategy_common_in_large_tasks():
    # A useless strategy used more in large tasks: pooled Fisher sees an association, the stratified test not.
    rng = np.random.default_rng(7)
    rows = []
    for t in range(60):
        n = 4 if t % 2 else 30
        used = rng.random(n) < (0.15 if n == 4 else 0.85)
        winner = np.zeros(n, dtype=bool)
        winner[rng.integers(n)] = True
        rows += [{"task_id": t, "winner": w, "s": u} for w, u in zip(winner, used, strict=True)]
    data = pd.DataFrame(rows)
    pooled = strategy_tests(data, items=["s"], test="fisher").iloc[0]
    stratified = strategy_tests(data, items=["s"], test="exact_cmh").iloc[0]
    assert pooled["p_value"] < 0.01
    assert stratified["p_value"] > 0.05


def test_strategy_tests_top_k_outcome_and_min_count(survey):
    tests = strategy_tests(survey, outcome="top_k", k=3, min_count=100, adjust="none")
    rare = tests.set_index("item").loc["downsampling"]
    assert np.isnan(rare["p_value"]) and "not tested" in rare["note"]
    tested = tests.dropna(subset=["p_value"])
    assert (tested["p_adjusted"] == tested["p_value"]).all()
    top3 = (survey.responses["rank"] <= 3)
    assert tests.set_index("item").loc["metric_in_design", "winners_total"] == (
        top3 & survey.responses["metric_in_design"].notna()).sum()


@pytest.mark.parametrize("test", ["cmh", "fisher"])
def test_other_tests_run(survey, test):
    tests = strategy_tests(survey, test=test, adjust="fdr_bh")
    assert (tests["test"] == test).all()
    assert tests["p_value"].between(0, 1).all()


def test_strategy_tests_bad_inputs_name_the_item(survey):
    with pytest.raises(ValueError, match="'lead_degree'.*not binary"):
        strategy_tests(survey, items=["augmentation", "lead_degree"])
    with pytest.raises(ValueError, match="'ghost'"):
        strategy_tests(survey, items=["ghost"])
    data = small_responses()
    data["empty"] = pd.array([pd.NA] * len(data), dtype="boolean")
    with pytest.raises(ValueError, match="'empty'"):
        strategy_tests(data, items=["empty"])
    one_task = data[data["task_id"] == "T00"]
    with pytest.raises(ValueError, match="at least two strata"):
        strategy_tests(one_task, items=["good"])
    assert strategy_tests(one_task, items=["good"], test="fisher", min_count=0)["n_strata"].iloc[0] == 1
    with pytest.raises(ValueError, match="test must be"):
        strategy_tests(data, items=["good"], test="chi2")
    with pytest.raises(ValueError, match="adjust must be"):
        strategy_tests(data, items=["good"], adjust="BH")


# --- rank regression -------------------------------------------------------------------------------------------


def test_sign_convention_positive_means_better():
    data = small_responses(seed=1, n_tasks=60)
    for outcome, kw in (("rank", {}), ("winner", {}), ("top_k", {"k": 2}), ("top_fraction", {"q": 0.3})):
        fit = rank_regression(data, ["good", "noise"], outcome=outcome, **kw)
        assert fit.table.loc["good", "estimate"] > 0.5, outcome
        assert fit.table.loc["good", "p_value"] < 0.05, outcome
        assert fit.table.loc["noise", "p_value"] > 0.001, outcome


def test_auto_choice_and_reason(survey):
    rank = rank_regression(survey, ["metric_in_design", "failure_analysis"], outcome="rank")
    assert rank.model == "rank_ordered_logit" and "Model chosen automatically" in rank.method
    winner = rank_regression(survey, ["metric_in_design", "failure_analysis"], outcome="winner")
    assert winner.model == "conditional_logit" and "degenerate" in winner.method
    separated = rank_regression(survey, ["metric_in_design", "augmentation"], outcome="winner")
    # separation: the Firth-penalised version of the same stratified model, never the pooled one
    assert separated.model == "conditional_logit" and separated.firth
    assert separated.separated == ("augmentation",)
    assert "augmentation" in separated.method and any("Separation" in w for w in separated.warnings)
    assert any("Fitted with Firth's penalty because augmentation" in w for w in separated.warnings)
    assert np.isfinite(separated.table["estimate"]).all()
    assert np.isfinite(separated.table.loc["augmentation", ["ci_low", "p_value"]].astype(float)).all()
    other = rank_regression(survey, ["metric_in_design"], outcome="enough_time")
    assert other.model == "mixed_logit" and other.sigma is not None and other.n_groups > 10


def test_explicit_model_and_result_object(survey):
    fit = rank_regression(survey, ["metric_in_design", "lead_degree", "hours_spent"], outcome="winner",
                          model="conditional_logit")
    assert list(fit.table.columns) == ["estimate", "std_error", "z", "p_value", "ci_low", "ci_high", "odds_ratio"]
    assert "lead_degree[master]" in fit.table.index  # categorical -> treatment dummies
    assert fit.table["odds_ratio"].to_numpy() == pytest.approx(np.exp(fit.table["estimate"].to_numpy()))
    assert fit.n_missing > 0 and any("missing" in w for w in fit.warnings)
    summary = fit.summary()
    assert summary["model"] == "conditional_logit" and "lead_degree[master]" in summary["coefficients"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.n_obs = 3


def test_multi_select_predictor_expands(survey):
    fit = rank_regression(survey, ["motivation"], outcome="rank")
    assert "motivation__prize_money" in fit.table.index


def test_rank_regression_bad_inputs(survey):
    with pytest.raises(ValueError, match="'ghost'"):
        rank_regression(survey, ["ghost"])
    with pytest.raises(ValueError, match="top_k.*k"):
        rank_regression(survey, ["augmentation"], outcome="top_k")
    with pytest.raises(ValueError, match="rank_ordered_logit"):
        rank_regression(survey, ["augmentation"], outcome="rank", model="conditional_logit")
    with pytest.raises(ValueError, match="model must be"):
        rank_regression(survey, ["augmentation"], model="ols")
    one_task = small_responses()
    one_task = one_task[one_task["task_id"] == "T01"]
    with pytest.raises(ValueError, match="two strata"):
        rank_regression(one_task, ["good"], outcome="rank")


def test_outcome_definitions():
    from challengelab.stats._survey import outcome_series

    data = pd.DataFrame({"task_id": ["a"] * 5 + ["b"] * 3, "rank": [1, 2, 2, 4, 5, 1, 2, 3],
                         "winner": [True, False, False, False, False, True, False, False],
                         "n_teams": [20] * 5 + [3] * 3})
    top2, _ = outcome_series(data, "top_k", k=2)
    assert top2.tolist() == [True, True, True, False, False, True, True, False]  # tied rank 2 is in the top 2
    # top 10 %: 2 of a 20-team leaderboard, at least the winner of a 3-team one
    top10, label = outcome_series(data, "top_fraction", q=0.1)
    assert top10.tolist() == [True, True, True, False, False, True, False, False]
    assert "10%" in label


def test_exact_cmh_without_informative_strata_raises():
    data = pd.DataFrame({"task": [1, 1, 2, 2], "win": [1, 0, 1, 0], "x": [1, 1, 0, 0]})
    with pytest.raises(ValueError, match="informative"):
        exact_cmh(data, "x", "win", "task")
    tests = strategy_tests(data.rename(columns={"task": "task_id", "win": "winner"}), items=["x"])
    assert np.isnan(tests.loc[0, "p_value"]) and "not tested" in tests.loc[0, "note"]
