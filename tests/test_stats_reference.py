"""The DataFrame-level models against R (values in tests/reference/stats, produced by make_reference.R).

Tolerances (issue 3): estimates, test statistics and p-values 1e-4 relative (1e-6 absolute near zero);
standard errors 1e-3 relative; mixed-model fixed effects 1e-3 absolute, random-intercept SD 1e-2 absolute.
R's mantelhaen.test and fisher.test find the odds ratio and its interval with uniroot's default tolerance
(about 1e-4 on the odds-ratio scale), so those are compared with R's own code run with a tight tolerance at
1e-6, and with the default output at 2e-3.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from challengelab.stats import (
    conditional_logit,
    exact_cmh,
    firth_logit,
    mixed_logit,
    rank_ordered_logit,
    strategy_tests,
)

REF_DIR = Path(__file__).parent / "reference" / "stats"
REF = json.loads((REF_DIR / "reference.json").read_text())
EST = dict(rel=1e-4, abs=1e-6)  # estimates, statistics, p-values
SE = dict(rel=1e-3)  # standard errors


@pytest.fixture(scope="module")
def s1() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "s1.csv")


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "sim.csv")


def _as_list(value):
    return value if isinstance(value, list) else [value]


def assert_matches_r(result, ref, se=True, ci=True):
    terms = _as_list(ref["term"])
    table = result.table.loc[terms]
    assert table["estimate"].to_numpy() == pytest.approx(_as_list(ref["estimate"]), **EST)
    assert table["p_value"].to_numpy() == pytest.approx(_as_list(ref["p_value"]), **EST)
    assert table["z"].to_numpy() == pytest.approx(_as_list(ref["z"]), rel=1e-3)
    if se:
        assert table["std_error"].to_numpy() == pytest.approx(_as_list(ref["std_error"]), **SE)
    if ci and "ci_low" in ref:
        assert table["ci_low"].to_numpy() == pytest.approx(_as_list(ref["ci_low"]), rel=1e-3)
        assert table["ci_high"].to_numpy() == pytest.approx(_as_list(ref["ci_high"]), rel=1e-3)
    if "loglik" in ref:
        assert result.loglik == pytest.approx(ref["loglik"], **EST)


# --- conditional logit (survival::clogit, method = "exact") --------------------------------------------------


def test_clogit_s1_matches_r(s1):
    fit = conditional_logit(s1, "winner", "mtl", "task")
    assert_matches_r(fit, REF["s1_clogit_mtl"])
    assert fit.table.loc["mtl", "estimate"] == pytest.approx(0.3465736, abs=1e-7)  # notes: log(sqrt(2))
    assert fit.n_obs == 48 and fit.n_groups == 8 and fit.converged


def test_clogit_tied_winners_matches_r(sim):
    # 11 of the 40 tasks have 2 or 3 tied winners: the exact conditional likelihood counts every subset
    assert (sim.groupby("task")["winner"].sum() > 1).sum() == 11
    assert_matches_r(conditional_logit(sim, "winner", ["x1", "x2", "x3"], "task"), REF["sim_clogit_winner"])


def test_clogit_many_cases_per_stratum_matches_r(sim):
    assert_matches_r(conditional_logit(sim, "top3", ["x1", "x2"], "task"), REF["sim_clogit_top3"])


def test_clogit_separation_is_reported_not_estimated(s1):
    fit = conditional_logit(s1, "winner", ["mtl", "aug"], "task")
    assert fit.table.loc["aug", "estimate"] == np.inf
    assert np.isnan(fit.table.loc["aug", ["std_error", "p_value", "ci_low"]].astype(float)).all()
    assert any("Separation" in w and "aug" in w for w in fit.warnings)
    # the other coefficient stays estimable
    assert np.isfinite(fit.table.loc["mtl", "estimate"])


def test_clogit_drops_uninformative_strata_and_missing_rows(sim):
    data = sim.copy()
    data.loc[data.task == 1, "winner"] = 0  # a task without a winner carries no information
    data.loc[data.index[:3], "x2"] = np.nan
    fit = conditional_logit(data, "winner", ["x1", "x2"], "task")
    assert fit.n_missing == 3
    assert fit.n_groups == 39
    assert any("no row had winner" in w for w in fit.warnings)
    assert any("3 row(s) with a missing value" in w for w in fit.warnings)


def test_clogit_predictor_constant_within_strata_is_left_out(sim):
    data = sim.assign(task_size=sim.groupby("task")["team"].transform("size"))
    fit = conditional_logit(data, "winner", ["x1", "task_size"], "task")
    assert np.isnan(fit.table.loc["task_size", "estimate"])
    assert any("task_size" in w and "not vary" in w for w in fit.warnings)
    assert fit.table.loc["x1", "estimate"] == pytest.approx(
        conditional_logit(sim, "winner", ["x1"], "task").table.loc["x1", "estimate"], rel=1e-10)


# --- rank-ordered logit (survival::coxph with strata) --------------------------------------------------------


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_rologit_s1_matches_r(s1, ties):
    fit = rank_ordered_logit(s1, "rank", ["mtl", "aug"], "task", ties=ties)
    assert_matches_r(fit, REF[f"s1_rologit_{ties}"])
    # statistics notes: mtl -0.5805577 (SE 0.4037999), aug 0.3547480 (SE 0.3301408)
    assert fit.table.loc["mtl", "estimate"] == pytest.approx(-0.5805577, abs=1e-6)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_rologit_tied_ranks_matches_r(sim, ties):
    assert sim.duplicated(["task", "rank"]).sum() > 100  # plenty of tied ranks
    fit = rank_ordered_logit(sim, "rank", ["x1", "x2", "x3"], "task", ties=ties)
    assert_matches_r(fit, REF[f"sim_rologit_{ties}"])
    assert fit.converged


def test_rologit_rejects_unknown_ties(s1):
    with pytest.raises(ValueError, match="ties"):
        rank_ordered_logit(s1, "rank", "mtl", "task", ties="exact")


# --- exact CMH (mantelhaen.test(exact = TRUE)) ----------------------------------------------------------------


@pytest.mark.parametrize("case,exposure,outcome", [("s1_cmh_mtl", "mtl", "winner"), ("sim_cmh_x1", "x1", "winner"),
                                                   ("sim_cmh_x3_top3", "x3", "top3")])
def test_exact_cmh_matches_r(s1, sim, case, exposure, outcome):
    data = s1 if case.startswith("s1") else sim
    res = exact_cmh(data, exposure, outcome, "task")
    ref, precise = REF[case], REF[f"{case}_precise"]
    assert res["statistic"] == ref["statistic"]
    assert res["p_value"] == pytest.approx(ref["p_value"], **EST)
    for key in ("odds_ratio", "ci_low", "ci_high"):
        assert res[key] == pytest.approx(precise[key], rel=1e-6)
        assert res[key] == pytest.approx(ref[key], rel=2e-3)


def test_exact_cmh_s1_values_and_dropped_strata(s1):
    res = exact_cmh(s1, "mtl", "winner", "task")
    assert res["p_value"] == pytest.approx(0.694444, abs=1e-6)
    assert res["odds_ratio"] == pytest.approx(np.sqrt(2), rel=1e-9)  # the MLE solves a quadratic exactly
    assert res["n_strata"] == 6 and res["n_strata_dropped"] == 2  # tasks where no team or every team used mtl


def test_exact_cmh_one_sided_and_infinite(s1, sim):
    assert exact_cmh(sim, "x1", "winner", "task", alternative="less")["p_value"] == pytest.approx(
        REF["sim_cmh_x1_lower"]["p_value"], **EST)
    res = exact_cmh(s1, "aug", "winner", "task")  # every winner used aug
    ref = REF["s1_cmh_aug"]
    assert res["odds_ratio"] == np.inf and res["ci_high"] == np.inf
    assert res["p_value"] == pytest.approx(ref["p_value"], **EST)
    assert res["ci_low"] == pytest.approx(ref["ci_low"], rel=2e-3)


def test_exact_cmh_many_strata_does_not_underflow(sim):
    big = pd.concat([sim.assign(task=sim.task + 1000 * i) for i in range(100)])
    res = exact_cmh(big, "x1", "winner", "task")
    assert res["n_strata"] == 3900
    assert 2.2 < res["ci_low"] < res["odds_ratio"] < res["ci_high"] < 2.7
    assert res["odds_ratio"] == pytest.approx(REF["sim_cmh_x1_precise"]["odds_ratio"], rel=1e-6)


def test_asymptotic_cmh_and_fisher_match_r(sim):
    data = sim.rename(columns={"task": "task_id"}).assign(winner=lambda d: d.winner.astype(bool))
    cmh = strategy_tests(data, items=["x1"], test="cmh").iloc[0]
    ref = REF["sim_cmh_asymptotic_x1"]
    assert cmh["p_value"] == pytest.approx(ref["p_value"], **EST)
    assert [cmh["odds_ratio"], cmh["ci_low"], cmh["ci_high"]] == pytest.approx(
        [ref["odds_ratio"], ref["ci_low"], ref["ci_high"]], **EST)
    fisher = strategy_tests(data, items=["x1"], test="fisher").iloc[0]
    ref = REF["sim_fisher_x1"]
    assert fisher["p_value"] == pytest.approx(ref["p_value"], **EST)
    assert [fisher["odds_ratio"], fisher["ci_low"], fisher["ci_high"]] == pytest.approx(
        [ref["odds_ratio"], ref["ci_low"], ref["ci_high"]], rel=2e-3)


def test_p_adjust_matches_r_and_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from challengelab.stats.adjust import p_adjust

    ref = REF["p_adjust"]  # R: p.adjust(c(.01, .02, .03, .04), "holm" / "BH")
    assert p_adjust(np.array(ref["p"]), "holm") == pytest.approx(ref["holm"], rel=1e-12)
    assert p_adjust(np.array(ref["p"]), "fdr_bh") == pytest.approx(ref["BH"], rel=1e-12)
    rng = np.random.default_rng(0)
    p = np.r_[rng.uniform(size=30) ** 3, 0.5, 0.5]  # with ties
    for method in ("holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by"):
        name = "simes-hochberg" if method == "hochberg" else method
        assert p_adjust(p, method) == pytest.approx(multipletests(p, method=name)[1], rel=1e-12), method
    assert p_adjust(p, "none") == pytest.approx(p)


# --- Firth (logistf; brglm2 for the point estimates) ----------------------------------------------------------


def test_firth_s1_matches_logistf(s1):
    ref = json.loads((REF_DIR / "logistf_s1.json").read_text())
    for formula, predictors in (("winner ~ aug", ["aug"]), ("winner ~ aug + mtl", ["aug", "mtl"])):
        fit = firth_logit(s1, "winner", predictors)
        for term, values in ref[formula].items():
            for key, value in values.items():
                assert fit.table.loc[term, key] == pytest.approx(value, rel=1e-5, abs=1e-6), (formula, term, key)


@pytest.mark.parametrize("case", ["s1", "sim6"])
def test_firth_matches_brglm2(s1, sim, case):
    if case == "s1":
        fit, ref = firth_logit(s1, "winner", ["aug", "mtl"]), REF["s1_firth_aug_mtl"]
    else:
        fit, ref = firth_logit(sim[sim.task <= 6], "success", ["x1", "x2"]), REF["sim6_firth"]
    table = fit.table.loc[ref["term"]]
    assert table["estimate"].to_numpy() == pytest.approx(ref["estimate"], **EST)
    assert table["std_error"].to_numpy() == pytest.approx(ref["std_error"], **SE)


def test_firth_reports_separation_in_words(s1):
    fit = firth_logit(s1, "winner", ["aug"])
    assert np.isfinite(fit.table.loc["aug", "estimate"])
    assert any("Separation" in w and "aug" in w for w in fit.warnings)
    assert list(fit.table.index) == ["(Intercept)", "aug"]


# --- mixed logit (lme4::glmer) ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cbpp() -> pd.DataFrame:
    data = pd.read_csv(REF_DIR / "cbpp.csv")
    data["period"] = data["period"].astype(str)
    return data


def _assert_mixed(fit, ref, se_rel=1e-3):
    assert fit.table["estimate"].to_numpy() == pytest.approx(ref["estimate"], abs=1e-3)
    assert fit.table["std_error"].to_numpy() == pytest.approx(ref["std_error"], rel=se_rel)
    assert fit.sigma == pytest.approx(ref["sigma"], abs=1e-2)


def test_mixed_cbpp_agq25_matches_glmer(cbpp):
    fit = mixed_logit(cbpp, "incidence", "period", "herd", n_agq=25, trials="size")
    ref = REF["cbpp_agq25"]
    _assert_mixed(fit, ref)
    # tighter than required: quadrature with 25 nodes is essentially exact
    assert fit.table["estimate"].to_numpy() == pytest.approx(ref["estimate"], abs=1e-4)
    assert fit.sigma == pytest.approx(ref["sigma"], abs=1e-4)
    assert list(fit.table.index) == ["(Intercept)", "period[2]", "period[3]", "period[4]"]
    # with nAGQ > 1 lme4 reports the log-likelihood relative to the saturated model (for 0/1 data the two agree)
    saturated = binom.logpmf(cbpp["incidence"], cbpp["size"], cbpp["incidence"] / cbpp["size"]).sum()
    assert fit.loglik - saturated == pytest.approx(ref["loglik"], **EST)
    assert fit.converged and fit.n_groups == 15


def test_mixed_cbpp_laplace_matches_notes(cbpp):
    fit = mixed_logit(cbpp, "incidence", "period", "herd", n_agq=1, trials="size")
    ref = REF["cbpp_laplace"]  # notes: -1.3983, -0.9919, -1.1282, -1.5797, SD 0.642
    assert fit.table["estimate"].to_numpy() == pytest.approx(ref["estimate"], abs=1e-3)
    assert fit.sigma == pytest.approx(ref["sigma"], abs=1e-2)
    assert fit.loglik == pytest.approx(ref["loglik"], abs=1e-3)


def test_mixed_simulated_matches_glmer(sim):
    fit = mixed_logit(sim, "success", ["x1", "x2"], "challenge")
    _assert_mixed(fit, REF["sim_mixed_agq25"])
    assert fit.table["p_value"].to_numpy() == pytest.approx(REF["sim_mixed_agq25"]["p_value"], rel=1e-3, abs=1e-6)
    assert fit.loglik == pytest.approx(REF["sim_mixed_agq25"]["loglik"], **EST)


def test_mixed_singular_fit_is_reported():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(30), 10)
    x = rng.normal(size=g.size)
    y = rng.random(g.size) < 1 / (1 + np.exp(-x))  # no group effect at all
    fit = mixed_logit(pd.DataFrame({"y": y, "x": x, "g": g}), "y", "x", "g")
    assert fit.sigma < 1e-4
    assert any("Singular fit" in w for w in fit.warnings)
    # at SD 0 the model is ordinary logistic regression
    glm = sm.Logit(y.astype(float), sm.add_constant(x)).fit(disp=0)
    assert fit.table["estimate"].to_numpy() == pytest.approx(glm.params, rel=1e-5)
    assert fit.table["std_error"].to_numpy() == pytest.approx(glm.bse, rel=1e-3)


def test_exact_cmh_fft_shortcut_agrees_with_direct_convolution(sim):
    from challengelab.stats.cmh import _p_value, _SumOfHypergeometrics, stratified_tables

    big = pd.concat([sim.assign(task=sim.task + 1000 * i) for i in range(30)])
    noise = np.random.default_rng(0).integers(0, 2, len(big))  # no association: a large p-value
    data = big.assign(x2_pos=(big.x2 > 0).astype(int), noise=noise)
    checked = 0
    for exposure, outcome in (("x3", "winner"), ("x2_pos", "top3"), ("noise", "top3"), ("noise", "winner")):
        t = stratified_tables(data, exposure, outcome, "task")
        dist = _SumOfHypergeometrics(t.n1, t.n0, t.k)
        exact, fast = dist.pmf(0.0, exact=True), dist.pmf(0.0, exact=False)
        assert np.abs(exact - fast).max() < 1e-13
        index = int(t.a.sum()) - dist.start
        p_exact = _p_value(exact, index, "two-sided")
        if p_exact > 1e-6:  # where the shortcut is used
            assert _p_value(fast, index, "two-sided") == pytest.approx(p_exact, rel=1e-9)
            checked += 1
    assert checked >= 2
