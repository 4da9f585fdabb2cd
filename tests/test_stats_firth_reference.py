"""Firth-penalised stratified models, separation, asymptotic CMH and p.adjust against R.

Values in tests/reference/stats/reference_issue10.json, produced by make_reference_issue10.R (R 4.2.2, survival
3.5.3, coxphf 1.13.4 built from its CRAN source). coxphf is given every stratum (the task, or task x rank
position for the rank-ordered logit) as its own counting-process interval; it handles ties like Breslow.

Tolerances: estimates, p-values and profile-likelihood interval bounds 1e-4 (relative, 1e-6 absolute near 0);
standard errors 1e-3 relative. CMH and p.adjust are closed forms: 1e-9.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from challengelab.stats import conditional_logit, rank_ordered_logit
from challengelab.stats.adjust import p_adjust
from challengelab.stats.cmh import mantel_haenszel

REF_DIR = Path(__file__).parent / "reference" / "stats"
REF = json.loads((REF_DIR / "reference_issue10.json").read_text())
EST = dict(rel=1e-4, abs=1e-6)
SE = dict(rel=1e-3)


@pytest.fixture(scope="module")
def s1() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "s1.csv")


@pytest.fixture(scope="module")
def fd() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "firth.csv")


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "sim.csv")


def _list(value):
    return value if isinstance(value, list) else [value]


def assert_matches_coxphf(result, ref):
    table = result.table.loc[_list(ref["term"])]
    assert table["estimate"].to_numpy() == pytest.approx(_list(ref["estimate"]), **EST)
    assert table["p_value"].to_numpy() == pytest.approx(_list(ref["p_value"]), **EST)
    assert table["ci_low"].to_numpy() == pytest.approx(_list(ref["ci_low"]), **EST)
    assert table["ci_high"].to_numpy() == pytest.approx(_list(ref["ci_high"]), **EST)
    assert table["std_error"].to_numpy() == pytest.approx(_list(ref["std_error"]), **SE)
    assert result.firth and result.converged


# --- Firth-penalised conditional logit (coxphf, one risk set per task) -------------------------------------------


@pytest.mark.parametrize("case, data, predictors", [
    ("s1_clogit_firth_aug_mtl", "s1", ["mtl", "aug"]),  # quasi-complete separation (every winner used aug)
    ("s1_clogit_firth_mtl", "s1", ["mtl"]),  # no separation
    ("fd_clogit_firth_quasi", "fd", ["z", "w", "quasi"]),  # quasi-complete, tasks of 2 and 3 teams included
    ("fd_clogit_firth_complete", "fd", ["z", "complete"]),  # complete separation
    ("fd_clogit_firth_plain", "fd", ["z", "w"]),
    ("sim_clogit_firth_tied_winners", "sim", ["x1", "x2", "x3"]),  # 2-3 tied winners in 11 tasks (Breslow)
])
def test_firth_clogit_matches_coxphf(request, case, data, predictors):
    frame = request.getfixturevalue(data)
    assert_matches_coxphf(conditional_logit(frame, "winner", predictors, "task", firth=True), REF[case])


def test_firth_clogit_names_the_separating_term(s1, fd):
    fit = conditional_logit(s1, "winner", ["mtl", "aug"], "task", firth=True)
    assert fit.separated == ("aug",)
    assert any("Separation: aug" in w for w in fit.warnings)
    assert np.isfinite(fit.table["estimate"]).all()
    assert "profile penalised-likelihood" in fit.method
    plain = conditional_logit(fd, "winner", ["z", "w"], "task", firth=True)
    assert plain.separated == () and not any("Separation" in w for w in plain.warnings)


# --- Firth-penalised rank-ordered logit (coxphf, one risk set per task and rank position) ------------------------


@pytest.mark.parametrize("case, data, predictors", [
    ("s1_rologit_firth", "s1", ["mtl", "aug"]),
    ("fd_rologit_firth_ties", "fd", ["z", "w"]),  # tied ranks (Breslow)
    ("fd_rologit_firth_top2", "fd", ["z", "w", "top2"]),  # quasi-complete separation of the ranking
    ("sim_rologit_firth_ties", "sim", ["x1", "x2", "x3"]),  # 40 tasks of 4-25 teams, many ties
])
def test_firth_rologit_matches_coxphf(request, case, data, predictors):
    frame = request.getfixturevalue(data)
    assert_matches_coxphf(rank_ordered_logit(frame, "rank", predictors, "task", firth=True), REF[case])


def test_firth_rologit_needs_breslow(fd):
    with pytest.raises(ValueError, match="breslow"):
        rank_ordered_logit(fd, "rank", ["z"], "task", ties="efron", firth=True)


def test_breslow_layout_equals_coxph_without_penalty(fd):
    ref = REF["fd_rologit_breslow_ml"]
    fit = rank_ordered_logit(fd, "rank", ["z", "w"], "task", ties="breslow")
    assert fit.table["estimate"].to_numpy() == pytest.approx(ref["estimate"], **EST)
    assert fit.table["std_error"].to_numpy() == pytest.approx(ref["std_error"], **SE)


# --- separation: only the separating terms, the others finite or "not estimable" ---------------------------------


def test_quasi_separation_keeps_the_other_term_at_its_limit_value(s1):
    fit = conditional_logit(s1, "winner", ["mtl", "aug"], "task")
    assert fit.separated == ("aug",) and fit.table.loc["aug", "estimate"] == np.inf
    assert not fit.converged and fit.not_estimable == {}
    ref = REF["s1_clogit_limit_mtl"]  # R: the fit on the rows that still compete in the limit
    assert fit.table.loc["mtl", "estimate"] == pytest.approx(ref["estimate"][0] if isinstance(ref["estimate"], list)
                                                            else ref["estimate"], **EST)


def test_ranking_separation_keeps_the_other_terms_at_their_limit_values(fd):
    fit = rank_ordered_logit(fd, "rank", ["z", "w", "top2"], "task")
    assert fit.separated == ("top2",) and fit.table.loc["top2", "estimate"] == np.inf
    ref = REF["fd_rologit_limit_top2"]
    assert fit.table.loc[["z", "w"], "estimate"].to_numpy() == pytest.approx(ref["estimate"], **EST)
    assert fit.table.loc[["z", "w"], "std_error"].to_numpy() == pytest.approx(ref["std_error"], **SE)


def test_complete_separation_marks_other_terms_not_estimable(fd):
    fit = conditional_logit(fd, "winner", ["z", "complete"], "task")
    assert fit.separated == ("complete",)
    assert list(fit.not_estimable) == ["z"] and "not estimable" in fit.not_estimable["z"]
    assert np.isnan(fit.table.loc["z", "estimate"])  # not +/-inf: z does not separate anything
    assert sum("perfectly predict" in w for w in fit.warnings) == 1 and "z: not estimable" in fit.warnings[-1]


def test_negative_separation_has_direction_minus(s1):
    data = s1.assign(no_aug=1 - s1["aug"])
    fit = conditional_logit(data, "winner", ["mtl", "no_aug"], "task")
    assert fit.separated == ("no_aug",) and fit.table.loc["no_aug", "estimate"] == -np.inf
    assert fit.table.loc["no_aug", "odds_ratio"] == 0


def test_auto_firth_says_why(s1):
    fit = conditional_logit(s1, "winner", ["mtl", "aug"], "task", firth=None)
    assert fit.firth and fit.separated == ("aug",)
    assert fit.warnings[0].startswith("Fitted with Firth's penalty because aug separate(s) winner")
    assert fit.table.loc["aug", "estimate"] == pytest.approx(REF["s1_clogit_firth_aug_mtl"]["estimate"][1], **EST)
    plain = conditional_logit(s1, "winner", ["mtl"], "task", firth=None)
    assert not plain.firth and plain.converged


# --- asymptotic CMH (mantelhaen.test, correct = TRUE / FALSE) ----------------------------------------------------


def _cmh_cases(s1, sim):
    null = pd.DataFrame({"task": [1] * 4 + [2] * 4, "win": [1, 1, 0, 0] * 2, "x": [1, 0, 1, 0] * 2})
    small = pd.read_csv(REF_DIR / "cmh_small_delta.csv")
    return {"s1_mtl": (s1, "mtl", "winner"), "sim_x1": (sim, "x1", "winner"), "sim_x3_top3": (sim, "x3", "top3"),
            "null": (null, "x", "win"), "small_delta": (small, "x", "win")}


@pytest.mark.parametrize("correct", [True, False])
def test_cmh_matches_r(s1, sim, correct):
    tag = "correct" if correct else "uncorrected"
    for name, (data, x, y) in _cmh_cases(s1, sim).items():
        ref = REF[f"cmh_{tag}_{name}"]
        res = mantel_haenszel(data, x, y, "task", correct=correct)
        for key in ("statistic", "p_value", "odds_ratio", "ci_low", "ci_high"):
            assert res[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), (name, key)


def test_cmh_exactly_null_table_has_p_one(s1, sim):
    data, x, y = _cmh_cases(s1, sim)["null"]
    assert mantel_haenszel(data, x, y, "task", correct=True)["p_value"] == 1.0


# --- p.adjust --------------------------------------------------------------------------------------------------


R_NAMES = {"holm": "holm", "hochberg": "hochberg", "hommel": "hommel", "bonferroni": "bonferroni", "fdr_bh": "BH",
           "fdr_by": "BY"}


def _matrix(rows):
    return np.array([[np.nan if v is None else v for v in row] for row in rows])


@pytest.mark.parametrize("count_nan", [True, False])
@pytest.mark.parametrize("method", list(R_NAMES))
def test_p_adjust_rows_match_r(method, count_nan):
    ref = REF["p_adjust_rows_nan_counts" if count_nan else "p_adjust_rows"]
    p, expected = _matrix(ref["p"]), _matrix(ref[R_NAMES[method]])
    assert p_adjust(p, method, count_nan=count_nan) == pytest.approx(expected, rel=1e-12, nan_ok=True)
    for row, exp in zip(p, expected, strict=True):  # 1-D gives the same as the row of a 2-D array
        assert p_adjust(row, method, count_nan=count_nan) == pytest.approx(exp, rel=1e-12, nan_ok=True)
    assert np.isnan(p_adjust(p, method, count_nan=count_nan)[0, 3])  # NaN stays NaN


def test_p_adjust_none_and_bad_method():
    assert p_adjust([0.2, np.nan], "none")[0] == 0.2
    with pytest.raises(ValueError, match="adjust must be one of"):
        p_adjust([0.1], "BH")


# --- Rubin's rules (mice::pool on the same imputed data sets) ---------------------------------------------------


@pytest.mark.parametrize("case", ["mice_clogit_winner", "mice_rologit_efron"])
def test_rubin_pooling_matches_mice_pool(case):
    from challengelab.stats.imputation import rubin_pool

    sets = pd.read_csv(REF_DIR / "mice_sets.csv")
    predictors = ["x1", "x2", "x3"]
    if case == "mice_clogit_winner":
        fits = [conditional_logit(d, "winner", predictors, "task") for _, d in sets.groupby("imp")]
    else:
        fits = [rank_ordered_logit(d, "rank", predictors, "task") for _, d in sets.groupby("imp")]
    dfcom = fits[0].n_events - len(predictors)  # mice: nevent - p for coxph fits
    pooled = rubin_pool(fits, dfcom)
    ref = REF[case]
    for column in ("estimate", "p_value", "ci_low", "ci_high", "df"):
        assert pooled[column].to_numpy() == pytest.approx(ref[column], **EST), column
    assert pooled["std_error"].to_numpy() == pytest.approx(ref["std_error"], **SE)


def test_rank_regression_with_imputation_reports_it():
    import challengelab
    from challengelab.stats import rank_regression

    survey = challengelab.example_survey()
    items = ["metric_in_design", "failure_analysis", "multi_task"]
    complete = rank_regression(survey, items, outcome="rank")
    imputed = rank_regression(survey, items, outcome="rank", missing="impute", n_imputations=5, seed=4)
    assert imputed.missing == "impute" and imputed.n_imputations == 5 and imputed.n_dropped == 0
    assert imputed.n_used > complete.n_used and complete.n_dropped > 0
    assert {"df", "fmi"} <= set(imputed.table.columns)
    assert "Rubin's rules" in imputed.method
    again = rank_regression(survey, items, outcome="rank", missing="impute", n_imputations=5, seed=4)
    assert again.table["estimate"].to_numpy() == pytest.approx(imputed.table["estimate"].to_numpy(), rel=1e-12)


def test_imputation_uses_the_other_answers():
    from challengelab.stats.imputation import impute

    rng = np.random.default_rng(5)
    b = rng.integers(0, 2, 400).astype(float)
    a = np.where(rng.random(400) < 0.95, b, 1 - b)  # a agrees with b in 95 % of rows
    data = pd.DataFrame({"a": a, "b": b, "z": rng.normal(size=400)})
    holes = rng.random(400) < 0.3
    data.loc[holes, "a"] = np.nan
    sets = impute(data, ["a", "b", "z"], n_imputations=4, seed=2)
    assert len(sets) == 4 and all(s["a"].notna().all() for s in sets)
    assert all(s["a"].isin([0.0, 1.0]).all() for s in sets)  # PMM: only observed values
    agreement = np.mean([(s.loc[holes, "a"] == b[holes]).mean() for s in sets])
    assert agreement > 0.85  # imputed from b, not at random (which would give about 0.5)
    assert not all(s["a"].equals(sets[0]["a"]) for s in sets[1:])  # the data sets differ
    again = impute(data, ["a", "b", "z"], n_imputations=4, seed=2)
    assert all(x.equals(y) for x, y in zip(sets, again, strict=True))  # seeded
