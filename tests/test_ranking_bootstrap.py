"""Bootstrap properties: paired resampling, exclusions, reproducibility, replay equivalence, summaries."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from challengelab.ranking import SingleCaseTaskWarning, bootstrap, load_assessment, rank


def synthetic(n_cases=(20, 30), n_algorithms=4, seed=0, decimals=2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t, n in enumerate(n_cases):
        for a in range(n_algorithms):
            values = np.round(0.7 + 0.02 * a + rng.normal(0, 0.08, n), decimals)
            rows.append(pd.DataFrame({"task": f"T{t + 1}", "case": np.arange(n), "algorithm": f"A{a}",
                                      "value": values}))
    return pd.concat(rows, ignore_index=True)


DATA = synthetic()


def test_ranks_table_shape_and_columns():
    result = bootstrap(DATA, method="aggregate_then_rank", n_boot=50, seed=1)
    assert list(result.ranks.columns) == ["task", "algorithm", "replicate", "rank", "score"]
    assert len(result.ranks) == 2 * 4 * 50
    assert result.ranks.groupby("task")["replicate"].nunique().tolist() == [50, 50]
    assert result.tasks == ["T1", "T2"]


def test_same_cases_for_all_algorithms():
    # B = A + 0.1 on every case: with paired resampling every replicate's mean differs by exactly 0.1
    base = DATA[DATA["algorithm"] == "A0"]
    shifted = base.assign(algorithm="B", value=base["value"] + 0.1)
    result = bootstrap(pd.concat([base, shifted]), method="aggregate_then_rank", n_boot=200, seed=3)
    wide = result.ranks.pivot_table(index=["task", "replicate"], columns="algorithm", values="score")
    assert np.allclose(wide["B"] - wide["A0"], 0.1)
    assert (result.ranks.query("algorithm == 'B'")["rank"] == 1).all()


@pytest.mark.parametrize("method", ["aggregate_then_rank", "rank_then_aggregate", "test_then_rank"])
def test_seed_reproducible_and_independent_of_n_jobs(method):
    a = bootstrap(DATA, method=method, n_boot=60, seed=42, n_jobs=1)
    b = bootstrap(DATA, method=method, n_boot=60, seed=42, n_jobs=2)
    c = bootstrap(DATA, method=method, n_boot=60, seed=43)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    assert not a.ranks["score"].equals(c.ranks["score"])


@pytest.mark.parametrize("spec", [
    {"method": "aggregate_then_rank"},
    {"method": "aggregate_then_rank", "aggregate": "median"},
    {"method": "aggregate_then_rank", "aggregate": 0.3, "ties": "max"},
    {"method": "rank_then_aggregate", "ties": "average"},
    {"method": "test_then_rank"},
    {"method": "test_then_rank", "adjust": "holm"},
    {"method": "test_then_rank", "adjust": "fdr_bh", "alpha": 0.2},
])
def test_vectorised_replay_equals_naive_replay(spec):
    """Each replicate equals rank() on the resampled data (drawn with the documented random stream)."""
    data = synthetic(n_cases=(15,), n_algorithms=4, seed=5)
    n_boot = 12
    result = bootstrap(data, n_boot=n_boot, seed=9, **spec)
    indices = np.random.default_rng(9).integers(0, 15, size=(n_boot, 15))
    matrix = load_assessment(data).matrices()[0]
    for b in range(n_boot):
        sample = matrix.values[indices[b]]
        resampled = pd.DataFrame({"case": np.repeat(np.arange(15), 4), "algorithm": np.tile(matrix.algorithms, 15),
                                  "value": sample.ravel()})
        expected = rank(resampled, task=None, **spec).set_index("algorithm")
        got = result.ranks[result.ranks["replicate"] == b].set_index("algorithm")
        assert got["rank"].to_dict() == expected["rank"].to_dict(), b
        np.testing.assert_allclose(got["score"].reindex(expected.index), expected["score"], atol=1e-9)


def test_single_case_task_excluded_with_warning():
    single = pd.DataFrame({"task": "S", "case": 1, "algorithm": ["A0", "A1"], "value": [0.5, 0.6]})
    with pytest.warns(SingleCaseTaskWarning, match="'S'"):
        result = bootstrap(pd.concat([DATA, single]), method="aggregate_then_rank", n_boot=20, seed=1)
    assert result.excluded_tasks == ["S"]
    assert "S" not in set(result.ranks["task"])
    assert "S" in set(result.full["task"])


def test_full_ranking_is_rank_of_full_data():
    result = bootstrap(DATA, method="test_then_rank", n_boot=10, seed=1, adjust="holm")
    pd.testing.assert_frame_equal(result.full, rank(DATA, method="test_then_rank", adjust="holm"))


def test_summaries():
    result = bootstrap(DATA, method="aggregate_then_rank", n_boot=300, seed=2)
    freq = result.rank_frequencies()
    assert np.allclose(freq.groupby(["task", "algorithm"])["frequency"].sum(), 1.0)
    assert (freq.groupby("task")["count"].sum() == 300 * 4).all()
    winners = result.winner_frequencies()
    assert (winners.groupby("task")["frequency"].sum() >= 1.0).all()  # ties at rank 1 count for each winner
    intervals = result.rank_intervals()
    assert ((intervals["lower"] <= intervals["median_rank"]) & (intervals["median_rank"] <= intervals["upper"])).all()
    assert set(intervals["lower"]) <= {1, 2, 3, 4}
    tau = result.kendall_tau()
    assert len(tau) == 600 and tau["kendall_tau"].between(-1, 1).all()
    tied = result.tied_with_best()
    best = tied[tied["full_rank"] == 1]
    assert best["tied_with_best"].all() and best["bayes_factor"].isna().any()
    summary = result.summary()
    assert {"full_rank", "lower", "upper", "winner_frequency", "tied_with_best", "mean_kendall_tau"} <= \
        set(summary.columns)
    assert len(summary) == 8


def test_tied_with_best_bayes_factor_rule():
    rng = np.random.default_rng(0)
    n = 40
    noise = rng.normal(0, 0.05, n)
    jitter = rng.normal(0, 0.01, n)
    jitter -= jitter.mean()
    data = pd.DataFrame({"task": "T", "case": np.tile(np.arange(n), 3), "algorithm": np.repeat(["A", "B", "C"], n),
                         "value": np.concatenate([0.80 + noise, 0.80 + noise + jitter,
                                                  0.50 + noise])})
    tied = bootstrap(data, method="aggregate_then_rank", n_boot=400, seed=1).tied_with_best().set_index("algorithm")
    other = "B" if tied["reference"].iloc[0] == "A" else "A"
    assert bool(tied.loc[other, "tied_with_best"]) and tied.loc[other, "bayes_factor"] < 3
    assert not tied.loc["C", "tied_with_best"] and np.isinf(tied.loc["C", "bayes_factor"])


def test_kendall_tau_nan_when_ranking_is_all_tied():
    # nothing is significant with 3 cases: test-then-rank ties everybody, tau-b is undefined (NaN)
    data = synthetic(n_cases=(3,), n_algorithms=3)
    result = bootstrap(data, method="test_then_rank", n_boot=30, seed=1)
    assert result.kendall_tau()["kendall_tau"].isna().all()
    assert result.summary()["n_tau_undefined"].iloc[0] == 30


def test_missing_values_with_drop():
    data = DATA.copy()
    data.loc[data.index[:5], "value"] = np.nan
    with pytest.raises(ValueError, match="na_treat"):
        bootstrap(data, method="aggregate_then_rank", n_boot=5, seed=1)
    result = bootstrap(data, method="aggregate_then_rank", n_boot=20, seed=1, na_treat="drop")
    assert result.ranks["rank"].notna().all()


def test_random_ties_in_bootstrap_are_seeded():
    data = pd.DataFrame({"task": "T", "case": np.tile(np.arange(5), 3), "algorithm": np.repeat(list("ABC"), 5),
                         "value": 0.5})
    a = bootstrap(data, method="aggregate_then_rank", ties="random", n_boot=40, seed=4)
    b = bootstrap(data, method="aggregate_then_rank", ties="random", n_boot=40, seed=4)
    pd.testing.assert_frame_equal(a.ranks, b.ranks)
    assert a.rank_frequencies()["frequency"].between(0.05, 0.8).all()


def test_progress_bar_can_be_forced_and_disabled(monkeypatch):
    import rich.progress

    advanced = []

    class Recording(rich.progress.Progress):
        def advance(self, task_id, advance=1):
            advanced.append(advance)
            super().advance(task_id, advance)

    monkeypatch.setattr(rich.progress, "Progress", Recording)
    bootstrap(DATA, method="aggregate_then_rank", n_boot=5, seed=1, progress=False)
    assert advanced == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bootstrap(DATA, method="aggregate_then_rank", n_boot=5, seed=1, progress=True)
    assert sum(advanced) == 5 * DATA["task"].nunique()  # every replicate of every task counted
