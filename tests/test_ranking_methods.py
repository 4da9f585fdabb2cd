"""Ranking methods against the challengeR reference cases (notes, section 5) and base R (tests/reference/ranking)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon
from statsmodels.stats.multitest import multipletests

from challengelab.ranking import (
    MissingValuesError,
    RankingSpec,
    case_ranks,
    consensus,
    kendall_tau,
    pairwise_tests,
    rank,
    significance_map,
    spearman_footrule,
    task_agreement,
)
from challengelab.ranking.engine import rank_rows
from challengelab.ranking.methods import adjust_task_pvalues as adjust_pvalues

REFERENCE = json.loads((Path(__file__).parent / "reference" / "ranking" / "r_reference.json").read_text())
NA = np.nan


def long(columns: dict, task: str = "T1") -> pd.DataFrame:
    rows = [(task, i + 1, name, v) for name, values in columns.items() for i, v in enumerate(values)]
    return pd.DataFrame(rows, columns=["task", "case", "algorithm", "value"])


def from_matrix(values, algorithms, task="T1") -> pd.DataFrame:
    m = np.asarray(values, dtype=float)
    return long({a: m[:, j] for j, a in enumerate(algorithms)}, task)


def ranks_of(result: pd.DataFrame) -> dict:
    return dict(zip(result["algorithm"], result["rank"]))


def scores_of(result: pd.DataFrame) -> dict:
    return dict(zip(result["algorithm"], result["score"]))


G1 = long({"A": (0.90, 0.80, 0.70, 0.60), "B": (0.95, 0.85, 0.55, 0.65), "C": (0.50, 0.90, 0.60, 0.40)})
G2 = long({"A": (0.9, NA, 0.7), "B": (0.8, 0.6, 0.6), "C": (0.5, 0.7, NA)})
G3 = long({"A": (.91, .88, .93, .85, .90, .87), "B": (.80, .84, .79, .86, .81, .83),
           "C": (.82, .85, .78, .80, .84, .79)})


# ------------------------------------------------------------------------------------------ G1: aggregates and ties
def test_g1_mean_ties_exactly_despite_floating_point():
    assert np.mean([0.90, 0.80, 0.70, 0.60]) != np.mean([0.95, 0.85, 0.55, 0.65])  # the trap
    result = rank(G1, method="aggregate_then_rank")
    assert ranks_of(result) == {"A": 1, "B": 1, "C": 3}
    assert scores_of(result)["A"] == 0.75 and scores_of(result)["B"] == 0.75


def test_g1_average_ties():
    assert ranks_of(rank(G1, method="aggregate_then_rank", ties="average")) == {"A": 1.5, "B": 1.5, "C": 3.0}


def test_g1_median():
    result = rank(G1, method="aggregate_then_rank", aggregate="median")
    assert ranks_of(result) == {"A": 1, "B": 1, "C": 3}
    assert scores_of(result) == pytest.approx({"A": 0.75, "B": 0.75, "C": 0.55}, abs=1e-12)


def test_g1_quantile_type7():
    result = rank(G1, method="aggregate_then_rank", aggregate=0.25)
    assert ranks_of(result) == {"A": 1, "B": 2, "C": 3}
    assert scores_of(result) == pytest.approx({"A": 0.675, "B": 0.625, "C": 0.475}, abs=1e-12)


def test_g1_rank_then_aggregate():
    result = rank(G1, method="rank_then_aggregate")
    assert ranks_of(result) == {"A": 2, "B": 1, "C": 3}
    assert scores_of(result) == pytest.approx({"A": 2.0, "B": 1.75, "C": 2.25}, abs=1e-12)


def test_output_columns_and_order():
    result = rank(G1, method="aggregate_then_rank")
    assert list(result.columns) == ["task", "algorithm", "score", "rank"]
    assert result["rank"].tolist() == sorted(result["rank"])
    assert result.attrs["spec"]["method"] == "aggregate_then_rank"


# ------------------------------------------------------------------------------------------ G2: missing values
def test_g2_rank_then_aggregate_missing_rank_last():
    result = rank(G2, method="rank_then_aggregate")
    assert ranks_of(result) == {"A": 1, "B": 2, "C": 3}
    assert scores_of(result) == pytest.approx({"A": 5 / 3, "B": 2.0, "C": 7 / 3}, abs=1e-6)


def test_g2_na_substituted():
    result = rank(G2, method="aggregate_then_rank", na_treat=0)
    assert ranks_of(result) == {"A": 2, "B": 1, "C": 3}
    assert scores_of(result) == pytest.approx({"A": 0.5333333, "B": 0.6666667, "C": 0.4}, abs=1e-6)


def test_g2_na_dropped():
    result = rank(G2, method="aggregate_then_rank", na_treat="drop")
    assert ranks_of(result) == {"A": 1, "B": 2, "C": 3}
    assert scores_of(result) == pytest.approx({"A": 0.8, "B": 0.6666667, "C": 0.6}, abs=1e-6)


@pytest.mark.parametrize("method", ["aggregate_then_rank", "test_then_rank"])
def test_g2_missing_values_need_na_treat(method):
    with pytest.raises(MissingValuesError, match="na_treat"):
        rank(G2, method=method)


def test_missing_rank_is_max_present_rank_plus_one():
    # challengeR's rankNA2: with ties "min", (0.9, 0.9, NA) ranks (1, 1, 2)
    data = long({"A": (0.9,), "B": (0.9,), "C": (NA,)})
    assert case_ranks(data)["rank"].tolist() == [1, 1, 2]


# ------------------------------------------------------------------------------------------ G3: test-then-rank
def test_g3_wilcoxon_pvalues():
    tests = pairwise_tests(G3, adjust="none")
    p = {(a, v): pv for a, v, pv in zip(tests["algorithm"], tests["versus"], tests["p_value"])}
    expected = {("A", "B"): 0.029238, ("A", "C"): 0.018016, ("B", "C"): 0.376247, ("C", "B"): 0.700413,
                ("B", "A"): 0.982239, ("C", "A"): 0.989451}
    for pair, value in expected.items():
        assert p[pair] == pytest.approx(value, abs=1e-6)


def test_g3_test_then_rank_unadjusted():
    result = rank(G3, method="test_then_rank")
    assert ranks_of(result) == {"A": 1, "B": 2, "C": 2}
    assert scores_of(result) == {"A": 1.0, "B": 0.0, "C": 0.0}


def test_g3_test_then_rank_holm():
    tests = pairwise_tests(G3, adjust="holm")
    p = {(a, v): pv for a, v, pv in zip(tests["algorithm"], tests["versus"], tests["p_adjusted"])}
    assert p[("A", "B")] == pytest.approx(0.146188, abs=1e-6)
    assert p[("A", "C")] == pytest.approx(0.108095, abs=1e-6)
    assert not tests["significant"].any()
    assert ranks_of(rank(G3, method="test_then_rank", adjust="holm")) == {"A": 1, "B": 1, "C": 1}


def test_wilcoxon_matches_scipy_approx_with_continuity():
    rng = np.random.default_rng(3)
    m = np.round(rng.uniform(0.5, 0.9, (30, 4)), 2)  # rounding makes ties and zero differences
    tests = pairwise_tests(from_matrix(m, list("ABCD")), adjust="none")
    for a, v, pv in zip(tests["algorithm"], tests["versus"], tests["p_value"]):
        i, j = "ABCD".index(a), "ABCD".index(v)
        ref = wilcoxon(m[:, i], m[:, j], alternative="greater", method="approx", correction=True,
                       zero_method="wilcox").pvalue
        assert pv == pytest.approx(ref, abs=1e-12)


# ------------------------------------------------------------------------------------------ base R cases
def test_r_w1_pvalues_and_adjustments():
    ref = REFERENCE["W1"]
    data = from_matrix(ref["values"], ref["algorithms"])
    algorithms = ref["algorithms"]
    expected = np.array(ref["p"], dtype=float)
    names = {"holm": "holm", "hochberg": "hochberg", "hommel": "hommel", "bonferroni": "bonferroni",
             "fdr_bh": "BH", "fdr_by": "BY"}
    raw = pairwise_tests(data, adjust="none")
    for a, v, pv in zip(raw["algorithm"], raw["versus"], raw["p_value"]):
        assert pv == pytest.approx(expected[algorithms.index(a), algorithms.index(v)], abs=1e-10)
    for ours, r_name in names.items():
        adjusted = np.array(ref["adjusted"][r_name], dtype=float)
        tests = pairwise_tests(data, adjust=ours)
        for a, v, pv in zip(tests["algorithm"], tests["versus"], tests["p_adjusted"]):
            assert pv == pytest.approx(adjusted[algorithms.index(a), algorithms.index(v)], abs=1e-10), ours


def test_r_w1_rankings():
    ref = REFERENCE["W1"]
    data = from_matrix(ref["values"], ref["algorithms"])
    as_list = lambda r: [ranks_of(r)[a] for a in ref["algorithms"]]  # noqa: E731
    assert as_list(rank(data, method="test_then_rank")) == ref["rank_none"]
    assert as_list(rank(data, method="test_then_rank", adjust="holm")) == ref["rank_holm"]
    assert as_list(rank(data, method="aggregate_then_rank")) == ref["mean_rank"]
    for agg, key in (("mean", "mean"), ("median", "median"), (0.1, "q10"), (0.9, "q90")):
        scores = scores_of(rank(data, method="aggregate_then_rank", aggregate=agg))
        assert [scores[a] for a in ref["algorithms"]] == pytest.approx(ref[key], abs=1e-12)


def test_r_w2_smaller_is_better():
    ref = REFERENCE["W2"]
    data = from_matrix(ref["values"], ref["algorithms"])
    algorithms = ref["algorithms"]
    cr = case_ranks(data, smaller_is_better=True)
    assert cr["rank"].to_numpy().reshape(-1, 3).tolist() == ref["case_ranks"]
    result = rank(data, method="rank_then_aggregate", smaller_is_better=True)
    assert [scores_of(result)[a] for a in algorithms] == pytest.approx(ref["rank_mean"], abs=1e-12)
    assert [ranks_of(result)[a] for a in algorithms] == ref["rank_mean_rank"]
    result = rank(data, method="aggregate_then_rank", smaller_is_better=True)
    assert [ranks_of(result)[a] for a in algorithms] == ref["mean_rank"]
    tests = pairwise_tests(data, adjust="none", smaller_is_better=True)
    p_less = np.array(ref["p_less"], dtype=float)  # [j][i]: sapply over i of columns j
    for a, v, pv in zip(tests["algorithm"], tests["versus"], tests["p_value"]):
        assert pv == pytest.approx(p_less[algorithms.index(v), algorithms.index(a)], abs=1e-10)


@pytest.mark.parametrize("ties", ["min", "max", "average", "first"])
def test_r_rank_ties(ties):
    ref = REFERENCE["T1"]
    assert rank_rows(np.array(ref["x"], dtype=float), ties).tolist() == ref[ties]


def test_random_ties_are_seeded_and_cover_tied_positions():
    x = np.array([1.0, 1.0, 1.0, 2.0])
    draws = {tuple(rank(long({"A": (1,), "B": (1,), "C": (1,), "D": (0,)}), method="aggregate_then_rank",
                        ties="random", seed=s).sort_values("algorithm")["rank"]) for s in range(30)}
    assert all(sorted(d[:3]) == [1, 2, 3] and d[3] == 4 for d in draws)
    assert len(draws) > 1
    same = [rank(G1, method="aggregate_then_rank", ties="random", seed=7)["rank"].tolist() for _ in range(2)]
    assert same[0] == same[1]
    assert sorted(rank_rows(x, "random", keys=np.array([0.3, 0.1, 0.2, 0.0]))) == [1, 2, 3, 4]


def test_r_p_adjust():
    ref = REFERENCE["P1"]
    p = np.array(ref["p"])[None, :]
    for ours, r_name in (("holm", "holm"), ("hochberg", "hochberg"), ("hommel", "hommel"),
                         ("bonferroni", "bonferroni"), ("fdr_bh", "BH"), ("fdr_by", "BY")):
        assert adjust_pvalues(p, ours)[0] == pytest.approx(ref[r_name], abs=1e-12)
        sm_name = "simes-hochberg" if ours == "hochberg" else ours
        assert adjust_pvalues(p, ours)[0] == pytest.approx(multipletests(ref["p"], method=sm_name)[1], abs=1e-12)


def test_notes_p_adjust_example():
    p = np.array([[0.01, 0.02, 0.03, 0.04]])
    assert adjust_pvalues(p, "holm")[0] == pytest.approx([0.04, 0.06, 0.06, 0.06])
    assert adjust_pvalues(p, "fdr_bh")[0] == pytest.approx([0.04, 0.04, 0.04, 0.04])


# ------------------------------------------------------------------------------------------ G4: comparing rankings
def test_g4_kendall_tau_b():
    assert kendall_tau([1, 2, 3, 4], [2, 1, 3, 4]) == pytest.approx(0.666667, abs=1e-6)
    assert kendall_tau([1, 1, 3, 4], [1, 2, 3, 4]) == pytest.approx(0.912871, abs=1e-6)


def test_r_kendall_tau_with_ties():
    ref = REFERENCE["K1"]
    assert kendall_tau(ref["a"], ref["b"]) == pytest.approx(ref["tau"], abs=1e-12)


def test_kendall_tau_undefined_is_nan():
    assert np.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))
    assert np.isnan(kendall_tau([1], [1]))
    assert kendall_tau([1, 2, np.nan, 3], [1, 2, 5, 3]) == 1.0


def test_spearman_footrule():
    assert spearman_footrule([1, 2, 3], [3, 2, 1]) == 4.0
    assert spearman_footrule([1, 2, 3], [3, 2, 1], normalize=True) == 1.0


def test_task_agreement_is_symmetric():
    ranks = pd.DataFrame({"task": ["T1"] * 4 + ["T2"] * 4, "algorithm": list("ABCD") * 2,
                          "rank": [1, 2, 3, 4, 2, 1, 3, 4]})
    agreement = task_agreement(ranks).set_index(["task", "other_task"])
    assert agreement.loc[("T1", "T2"), "kendall_tau"] == pytest.approx(0.666667, abs=1e-6)
    assert agreement.loc[("T2", "T1"), "kendall_tau"] == agreement.loc[("T1", "T2"), "kendall_tau"]
    assert agreement.loc[("T1", "T1"), "kendall_tau"] == 1.0
    assert agreement.loc[("T1", "T2"), "footrule"] == 2.0


# ------------------------------------------------------------------------------------------ G5: consensus
def test_g5_consensus_euclidean():
    data = pd.concat([long({"A": (.9,), "B": (.9,), "C": (.5,)}, "T1"),
                      long({"A": (.8,), "B": (.9,), "C": (.5,)}, "T2")])
    ranks = rank(data, method="aggregate_then_rank")
    result = consensus(ranks, method="euclidean")
    assert result["algorithm"].tolist() == ["B", "A", "C"]
    assert result["score"].tolist() == pytest.approx([1.25, 1.75, 3.0])
    assert result["rank"].tolist() == [1, 2, 3]
    assert list(result.columns) == ["algorithm", "score", "rank"]


def test_consensus_variants_and_weights():
    ranks = pd.DataFrame({"task": ["T1"] * 3 + ["T2"] * 3, "algorithm": list("ABC") * 2,
                          "rank": [1, 1, 3, 2, 1, 3]})
    assert scores_of(consensus(ranks, method="average_rank")) == pytest.approx({"A": 1.5, "B": 1.0, "C": 3.0})
    borda = consensus(ranks, method="borda")  # T1: A 1.5, B 1.5, C 0; T2: A 1, B 2, C 0
    assert scores_of(borda) == pytest.approx({"A": 2.5, "B": 3.5, "C": 0.0})
    assert ranks_of(borda) == {"B": 1, "A": 2, "C": 3}
    weighted = consensus(ranks, weights={"T1": 3, "T2": 1})  # A (1.5*3+2)/4, B (1.5*3+1)/4
    assert scores_of(weighted) == pytest.approx({"A": 1.625, "B": 1.375, "C": 3.0})
    with pytest.raises(ValueError, match="unknown"):
        consensus(ranks, weights={"T9": 1, "T1": 1, "T2": 1})


def test_consensus_per_case():
    data = pd.concat([long({"A": (.9, .1), "B": (.8, .2)}, "T1"), long({"A": (.5,), "B": (.6,)}, "T2")])
    result = consensus(case_ranks(data), method="per_case")
    assert scores_of(result) == pytest.approx({"A": 5 / 3, "B": 4 / 3})
    with pytest.raises(ValueError, match="case"):
        consensus(rank(data, method="aggregate_then_rank"), method="per_case")


# ------------------------------------------------------------------------------------------ spec and misc
def test_spec_round_trip_json_yaml():
    spec = RankingSpec(method="aggregate_then_rank", aggregate=0.25, ties="average", na_treat="drop",
                       smaller_is_better={"T1": True})
    assert RankingSpec.from_json(spec.to_json()) == spec
    assert RankingSpec.from_yaml(spec.to_yaml()) == spec
    assert rank(G1, spec=RankingSpec.from_json(spec.to_json())).equals(rank(G1, spec=spec))


def test_spec_rejects_bad_values():
    with pytest.raises(ValueError):
        RankingSpec(method="aggregate_then_rank", aggregate=1.5)
    with pytest.raises(ValueError):
        RankingSpec(method="best_guess")
    with pytest.raises(ValueError):
        RankingSpec(method="test_then_rank", aggregate="median")
    with pytest.raises(TypeError):
        RankingSpec(method="aggregate_then_rank", aggregate=np.mean).to_json()


def test_callable_aggregate():
    result = rank(G1, method="aggregate_then_rank", aggregate=lambda x: float(np.min(x)))
    assert scores_of(result) == pytest.approx({"A": 0.6, "B": 0.55, "C": 0.4})


def test_significance_map_has_ranks_for_ordering():
    smap = significance_map(G3, adjust="none")
    assert {"algorithm_rank", "versus_rank", "significant"} <= set(smap.columns)
    assert len(smap) == 6
    assert smap.loc[(smap["algorithm"] == "A") & (smap["versus"] == "B"), "significant"].item()


def test_several_tasks_and_directions():
    data = pd.concat([G1, long({"A": (3, 2), "B": (2, 2)}, "dist")])
    result = rank(data, method="aggregate_then_rank", smaller_is_better={"dist": True})
    assert ranks_of(result[result["task"] == "dist"]) == {"A": 2, "B": 1}
    assert result["task"].unique().tolist() == ["T1", "dist"]


def test_spec_and_arguments_are_exclusive():
    spec = RankingSpec(method="aggregate_then_rank")
    with pytest.raises(TypeError, match="adjust"):
        rank(G1, spec=spec, adjust="holm")
    with pytest.raises(TypeError, match="method"):
        rank(G1)
    assert rank(G1, spec=spec.to_dict()).equals(rank(G1, spec=spec))
