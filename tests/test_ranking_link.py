"""link(): matching assessment algorithms to survey teams, attached ranks, robustness over replicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from challengelab.ranking import RankingSpec, link, load_assessment
from challengelab.synthetic.assessment import simulate_assessment


def small_case(seed: int = 0):
    """4 tasks x 4 teams; team 'a' is best everywhere; 'd' never answered the survey."""
    rng = np.random.default_rng(seed)
    results, responses = [], []
    for t in range(4):
        task = f"T{t}"
        for j, team in enumerate("abcd"):
            results.append(pd.DataFrame({"task": task, "case": np.arange(10), "algorithm": team,
                                         "value": 0.9 - 0.05 * j + rng.normal(0, 0.03, 10)}))
            if team != "d":
                responses.append({"task_id": task, "team_id": team, "rank": j + 1, "winner": j == 0,
                                  "aug": team in "ab", "mtl": (t + j) % 2 == 0})
    responses.append({"task_id": "T9", "team_id": "z", "rank": 1, "winner": True, "aug": True, "mtl": False})
    frame = pd.DataFrame(responses)
    for item in ("aug", "mtl"):
        frame[item] = frame[item].astype("boolean")
    return frame, pd.concat(results, ignore_index=True)


def test_matching_and_attached_columns():
    responses, results = small_case()
    linked = link(responses, results, n_boot=100, seed=1)
    assert len(linked.matches) == 12
    assert sorted(linked.unmatched_algorithms["algorithm"].unique()) == ["d"]
    assert linked.unmatched_teams.to_dict("records") == [{"task_id": "T9", "team_id": "z"}]
    r = linked.responses
    assert len(r) == 12
    assert {"computed_rank", "computed_score", "computed_winner", "winner_frequency", "rank_lower",
            "rank_upper", "median_rank"} <= set(r.columns)
    assert (r.loc[r["team_id"] == "a", "computed_rank"] == 1).all()
    assert ((r["rank_lower"] <= r["computed_rank"]) & (r["computed_rank"] <= r["rank_upper"])).all()
    assert r["winner_frequency"].between(0, 1).all()


def test_replicate_responses_use_bootstrap_ranks():
    responses, results = small_case()
    linked = link(responses, results, n_boot=30, seed=2)
    boot = linked.bootstrap.ranks
    for replicate in (0, 7, 29):
        rep = linked.replicate_responses(replicate)
        expected = boot[boot["replicate"] == replicate].set_index(["task", "algorithm"])["rank"]
        got = rep.set_index(["task_id", "team_id"])["rank"]
        for key, value in got.items():
            assert value == expected[key]
        assert (rep["winner"] == (rep["rank"] == 1)).all()
    full = linked.replicate_responses(None)
    assert (full["rank"].to_numpy() == linked.responses["computed_rank"].to_numpy()).all()


def test_mapping_table_and_dict():
    responses, results = small_case()
    renamed = results.assign(algorithm="alg_" + results["algorithm"])
    mapping = {"alg_a": "a", "alg_b": "b", "alg_c": "c"}
    linked = link(responses, renamed, n_boot=0, mapping=mapping)
    assert len(linked.matches) == 12 and linked.bootstrap is None
    assert linked.unmatched_algorithms["algorithm"].unique().tolist() == ["alg_d"]
    table = pd.DataFrame({"task": ["T0"], "algorithm": ["alg_a"], "task_id": ["T0"], "team_id": ["a"]})
    assert len(link(responses, renamed, n_boot=0, mapping=table).matches) == 1
    with pytest.raises(ValueError, match="same team"):
        link(responses, renamed, n_boot=0, mapping={"alg_a": "a", "alg_b": "a"})


def test_spec_is_replayed():
    responses, results = small_case()
    spec = RankingSpec(method="test_then_rank", adjust="holm")
    linked = link(responses, results, spec, n_boot=10, seed=1)
    assert linked.spec == spec and linked.bootstrap.spec == spec
    linked = link(responses, results, method="rank_then_aggregate", n_boot=0)
    assert linked.spec.method == "rank_then_aggregate"


def test_robustness_calls_strategy_tests():
    from challengelab.stats import strategy_tests

    responses, results = small_case()
    linked = link(responses, results, n_boot=40, seed=3)
    # min_count=0: the small case has fewer than strategy_tests' default 5 users of a strategy
    robust = linked.robustness(items=["aug", "mtl"], n_replicates=10, adjust="none", test="fisher", min_count=0)
    assert list(robust.summary["item"]) == ["aug", "mtl"]
    assert (robust.summary["n_replicates"] == 10).all()
    assert len(robust.replicates) == 20
    direct = strategy_tests(linked.replicate_responses(4), items=["aug", "mtl"], adjust="none", test="fisher", min_count=0)
    got = robust.replicates[robust.replicates["replicate"] == 4].set_index("item")
    assert got["p_value"].to_numpy() == pytest.approx(direct.set_index("item").loc[got.index, "p_value"].to_numpy())
    share = robust.replicates.groupby("item")["p_adjusted"].apply(lambda p: (p < 0.05).mean())
    assert robust.summary.set_index("item")["share_significant"].to_dict() == pytest.approx(share.to_dict())
    with pytest.raises(ValueError, match="bootstrap"):
        link(responses, results, n_boot=0).robustness()


def test_bundled_example_links_completely():
    from challengelab._paths import EXAMPLE_ASSESSMENT_FILE, example_dir
    from challengelab.survey import example_survey

    survey = example_survey()
    assessment = load_assessment(example_dir() / EXAMPLE_ASSESSMENT_FILE)
    assert "SYNTHETIC" in (example_dir() / EXAMPLE_ASSESSMENT_FILE).read_text()[:200]
    linked = link(survey, assessment, n_boot=20, seed=1)
    assert linked.unmatched_teams.empty  # every responding team has results
    assert len(linked.responses) == len(survey.responses)
    # non-responding leaderboard teams are listed as unmatched algorithms
    assert len(linked.unmatched_algorithms) == assessment.data.groupby("task")["algorithm"].nunique().sum() - \
        len(survey.responses)
    # the synthetic results roughly reproduce the survey's leaderboard ranks
    agree = (linked.responses["computed_rank"] == linked.responses["rank"]).mean()
    assert agree > 0.6
    robust = linked.robustness(n_replicates=2)
    assert set(survey.codebook.names(type="binary", section="strategy")) <= set(robust.summary["item"])


def test_simulated_assessment_is_seeded():
    a = simulate_assessment(seed=5)
    b = simulate_assessment(seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not a["value"].equals(simulate_assessment(seed=6)["value"])
    board = a.attrs["leaderboard"]
    assert board["responded"].any() and (~board["responded"]).any()


def test_strategy_robustness_figure():
    from challengelab.figures.ranking import strategy_robustness, strategy_robustness_table

    responses, results = small_case()
    robust = link(responses, results, n_boot=20, seed=3).robustness(items=["aug", "mtl"], n_replicates=5,
                                                                    test="fisher")
    assert strategy_robustness_table(robust)["item"].tolist() == ["aug", "mtl"]
    fig = strategy_robustness(robust)
    assert fig.layout.meta["caption"] and len(fig.data) == 4
    fig.to_json()
