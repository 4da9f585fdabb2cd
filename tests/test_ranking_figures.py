"""Ranking figures: each builder returns a plotly Figure with a caption, drawn from its tidy table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from challengelab.figures import ranking as fr
from challengelab.ranking import RankingSpec, bootstrap, rank


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for t, n in (("T1", 12), ("T2", 15)):
        for a in range(4):
            rows.append(pd.DataFrame({"task": t, "case": np.arange(n), "algorithm": f"A{a}",
                                      "value": 0.6 + 0.05 * a + rng.normal(0, 0.05, n)}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def boot(data):
    return bootstrap(data, method="aggregate_then_rank", n_boot=50, seed=1)


def check(fig: go.Figure) -> None:
    assert isinstance(fig, go.Figure)
    assert fig.layout.meta["caption"]
    assert len(fig.data) > 0
    fig.to_json()  # serialisable (dashboard, reports)


def test_dot_and_boxplot(data):
    table = fr.dot_and_boxplot_table(data)
    assert {"task", "case", "algorithm", "value", "rank", "order"} <= set(table.columns)
    fig = fr.dot_and_boxplot(data)
    check(fig)
    first = [t.name for t in fig.data][:4]
    assert first == rank(data, method="aggregate_then_rank").query("task == 'T1'")["algorithm"].tolist()


def test_podium_and_heatmap(data):
    spec = RankingSpec(method="rank_then_aggregate")
    table = fr.podium_table(data, spec)
    assert table["case_rank"].between(1, 4).all()
    check(fr.podium(data, spec))
    heat = fr.ranking_heatmap_table(data)
    assert (heat.groupby(["task", "algorithm"])["count"].sum().unstack(0) == [12, 15]).all().all()
    check(fr.ranking_heatmap(table=heat))


def test_bootstrap_figures(data, boot):
    blob = fr.blob_plot_table(boot)
    assert {"rank", "frequency", "full_rank", "lower", "upper"} <= set(blob.columns)
    check(fr.blob_plot(boot))
    check(fr.rank_frequency_bars(boot))
    other = bootstrap(data, method="test_then_rank", n_boot=20, seed=1)
    violin = fr.kendall_tau_violin_table({"mean": boot, "test": other})
    assert violin["kendall_tau"].notna().all()
    fig = fr.kendall_tau_violin({"mean": boot, "test": other})
    check(fig)
    assert [t.name for t in fig.data] == ["mean", "test"]


def test_significance_map_plot(data):
    table = fr.significance_map_plot_table(data, adjust="holm")
    fig = fr.significance_map_plot(table=table)
    check(fig)
    assert len(fig.data) == 2
    z = np.array(fig.data[0].z, dtype=float)
    assert np.isnan(np.diag(z)).all()


def test_method_lines(data):
    table = fr.method_lines_table(data)
    assert table["method"].nunique() == 5
    check(fr.method_lines(table=table))


def test_task_dendrogram(data):
    t1 = data[data["task"] == "T1"]
    three = pd.concat([t1, t1.assign(task="T2", value=1 - t1["value"]), t1.assign(task="T3")])
    ranks = rank(three, method="aggregate_then_rank")
    table = fr.task_dendrogram_table(ranks)
    assert len(table) == 2
    assert table.iloc[0][["left", "right"]].tolist() == ["T1", "T3"] and table.iloc[0]["distance"] == 0
    check(fr.task_dendrogram(table=table))
    with pytest.raises(ValueError):
        fr.task_dendrogram_table(ranks[ranks["task"] == "T1"])
