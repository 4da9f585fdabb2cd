"""Deterministic outputs against challengeR 1.0.5 (emulated in base R: tests/reference/ranking/challenger_emulation.R).

Tolerances: ranks must be identical; scores agree to a relative 1e-12 (R's mean and ours round differently in the
last bits); p-values to a relative 1e-10 (both use the normal approximation; R's pnorm and scipy's ndtr differ
in the last digits).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from challengelab.ranking import RankingSpec, bootstrap, case_ranks, load_assessment, pairwise_tests, rank
from challengelab.ranking.engine import counts_from_indices
from challengelab.ranking.methods import TaskRanking

REF = json.loads((Path(__file__).parent / "reference" / "ranking" / "challenger_reference.json").read_text())


def frame(values: dict, task: str = "T1") -> pd.DataFrame:
    """Long table, rows by case then algorithm (as the R script)."""
    m = np.array(values["matrix"], dtype=float)
    rows = [(task, i + 1, a, m[i, j]) for i in range(m.shape[0]) for j, a in enumerate(values["algorithms"])]
    return pd.DataFrame(rows, columns=["task", "case", "algorithm", "value"])


def check(result: pd.DataFrame, expected: dict, *, missing_last: tuple = ()) -> None:
    """Ranks equal challengeR's; scores equal to 1e-12; ``missing_last`` algorithms are absent in challengeR."""
    ours = result.set_index("algorithm")
    for algorithm, r in expected["rank"].items():
        assert ours.loc[algorithm, "rank"] == r, algorithm
        assert ours.loc[algorithm, "score"] == pytest.approx(expected["score"][algorithm], rel=1e-12, abs=1e-300)
    assert sorted(set(ours.index) - set(expected["rank"])) == sorted(missing_last)
    for algorithm in missing_last:  # we keep them, ranked after every present algorithm
        assert np.isnan(ours.loc[algorithm, "score"]) and ours.loc[algorithm, "rank"] == len(ours)


# ------------------------------------------------------------------------------------------ 1: tiny scales
@pytest.mark.parametrize("scale", ["tiny", "micro"])
def test_tiny_scale_metrics_are_ranked_apart(scale):
    case = REF["CR1"][scale]
    check(rank(frame(case["values"]), method="aggregate_then_rank"), case["mean"])
    assert sorted(case["mean"]["rank"].values()) == [1, 2, 3, 4]


def test_tiny_scale_median_and_smaller_is_better():
    check(rank(frame(REF["CR1"]["tiny"]["values"]), method="aggregate_then_rank", aggregate="median"),
          REF["CR1"]["tiny"]["median"])
    check(rank(frame(REF["CR1"]["micro"]["values"]), method="aggregate_then_rank", smaller_is_better=True),
          REF["CR1"]["micro"]["smaller"])


def test_exact_decimal_ties_stay_ties():
    check(rank(frame(REF["CR1"]["decimal"]["values"]), method="aggregate_then_rank"), REF["CR1"]["decimal"]["mean"])


# ------------------------------------------------------------------------------------------ 2: absent algorithm
@pytest.mark.parametrize("adjust", ["holm", "bonferroni"])
def test_algorithm_without_results_takes_no_part_in_the_tests(adjust):
    case = REF["CR2"]
    data = frame(case["values"])
    result = rank(data, method="test_then_rank", adjust=adjust, na_treat="drop")
    check(result, case[adjust], missing_last=("ee",))
    tests = pairwise_tests(data, adjust=adjust, na_treat="drop").dropna(subset=["p_value"])
    assert len(tests) == 12  # 4 present algorithms: 12 ordered pairs, not 20
    expected = pd.DataFrame(case[adjust]["pairs"])
    merged = tests.merge(expected, on=["algorithm", "versus"], suffixes=("", "_r"))
    assert len(merged) == 12
    assert merged["p_value"].to_numpy() == pytest.approx(merged["p_value_r"].to_numpy(), rel=1e-10)
    assert merged["p_adjusted"].to_numpy() == pytest.approx(merged["p_adjusted_r"].to_numpy(), rel=1e-10)


def test_algorithm_without_results_in_aggregate_then_rank():
    check(rank(frame(REF["CR2"]["values"]), method="aggregate_then_rank", na_treat="drop"), REF["CR2"]["mean"],
          missing_last=("ee",))


# ------------------------------------------------------------------------------------------ 3: several missing
@pytest.mark.parametrize("ties", ["min", "average"])
def test_several_missing_values_per_case(ties):
    case = REF["CR3"]
    data = frame(case["values"])
    check(rank(data, method="rank_then_aggregate", ties=ties), case[ties])
    per_case = case_ranks(data, ties=ties)
    assert per_case["rank"].tolist() == case["case_ranks"][ties]


def test_several_missing_values_median_of_average_ranks():
    check(rank(frame(REF["CR3"]["values"]), method="rank_then_aggregate", ties="average", aggregate="median"),
          REF["CR3"]["median_average"])


@pytest.mark.parametrize("ties", ["max", "first"])
def test_missing_values_ranked_last_under_max_and_first_deliberately(ties):
    """challengeR leaves missing values unranked under "max"/"first" (they drop out); we rank them last."""
    case = REF["CR3"]
    result = rank(frame(case["values"]), method="rank_then_aggregate", ties=ties)
    check(result, case[f"ours_{ties}"])
    theirs = case[ties]["score"]
    assert any(abs(s - theirs[a]) > 1e-9 for a, s in zip(result["algorithm"], result["score"]))


# ------------------------------------------------------------------------------------------ 4: "first" ties
def test_first_ties_break_alphabetically():
    case = REF["CR4"]
    data = frame(case["values"])
    assert list(pd.unique(data["algorithm"]))[0] == "delta"  # input order is not alphabetical
    check(rank(data, method="aggregate_then_rank", ties="first"), case["mean"])
    check(rank(data, method="rank_then_aggregate", ties="first"), case["rank_mean"])


# ------------------------------------------------------------------------------------------ 5: all-zero differences
@pytest.mark.parametrize("adjust", ["none", "holm"])
def test_all_zero_differences_give_p_one(adjust):
    case = REF["CR5"]
    data = frame(case["values"])
    tests = pairwise_tests(data, adjust=adjust)
    expected = pd.DataFrame(case[adjust]["pairs"])
    merged = tests.merge(expected, on=["algorithm", "versus"], suffixes=("", "_r"))
    assert len(merged) == 6 and not merged["p_value"].isna().any()
    assert merged["p_value"].to_numpy() == pytest.approx(merged["p_value_r"].to_numpy(), rel=1e-10)
    assert merged["p_adjusted"].to_numpy() == pytest.approx(merged["p_adjusted_r"].to_numpy(), rel=1e-10)
    same = merged[(merged["algorithm"] == "aa") & (merged["versus"] == "bb")]
    assert same["p_value"].item() == 1.0
    check(rank(data, method="test_then_rank", adjust=adjust), case[adjust])


# ------------------------------------------------------------------------------------------ 6: repeated cases
SPECS = {"rank_min": dict(method="rank_then_aggregate"),
         "rank_average": dict(method="rank_then_aggregate", ties="average"),
         "rank_median": dict(method="rank_then_aggregate", aggregate="median"),
         "test_none": dict(method="test_then_rank", alpha=0.3, na_treat="drop")}


@pytest.mark.parametrize("resampling", ["challenger", "paired"])
@pytest.mark.parametrize("name", list(SPECS))
def test_bootstrap_replicates_with_repeated_cases(resampling, name):
    case = REF["CR6"]
    matrix = load_assessment(frame(case["values"])).matrices()[0]
    ranking = TaskRanking(matrix, RankingSpec(**SPECS[name], resampling=resampling))
    indices = np.array(case["draws"]) - 1
    scores = ranking.scores(counts_from_indices(indices, matrix.n_cases), indices)
    ranks = ranking.ranks(scores)
    for b, expected in enumerate(case[resampling]):
        position = {a: j for j, a in enumerate(matrix.algorithms)}
        for algorithm, r in expected[name]["rank"].items():
            assert ranks[b, position[algorithm]] == r, (b, algorithm)
            assert scores[b, position[algorithm]] == pytest.approx(expected[name]["score"][algorithm], rel=1e-12)


def test_challenger_resampling_changes_rank_then_aggregate_but_not_aggregate_then_rank():
    data = frame(REF["CR6"]["values"])
    paired = bootstrap(data, method="rank_then_aggregate", n_boot=30, seed=4)
    compat = bootstrap(data, method="rank_then_aggregate", n_boot=30, seed=4, resampling="challenger")
    assert compat.spec.resampling == "challenger" and paired.spec.resampling == "paired"
    assert not np.allclose(paired.ranks["score"], compat.ranks["score"])
    filled = data.fillna(0.0)
    a = bootstrap(filled, method="aggregate_then_rank", n_boot=30, seed=4)
    b = bootstrap(filled, method="aggregate_then_rank", n_boot=30, seed=4, resampling="challenger")
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    with pytest.raises(ValueError, match="resampling"):
        bootstrap(data, method="rank_then_aggregate", n_boot=3, resampling="other")


@pytest.mark.parametrize("resampling, phrase", [("paired", "paired resampling"),
                                                ("challenger", "challengeR-compatible resampling")])
def test_methods_text_says_which_resampling_ran(resampling, phrase):
    from challengelab.report.ranking import ranking_methods_text, run_ranking

    spec = RankingSpec(method="rank_then_aggregate", ties="max", resampling=resampling)
    run = run_ranking(load_assessment(frame(REF["CR6"]["values"])), spec, n_boot=5, seed=1)
    text = " ".join(ranking_methods_text(run, 5, 1, {"challengelab": "test"}))
    assert phrase in text
    assert "challengeR leaves them unranked" in text  # "max" ties: our deliberate difference is stated
