"""State and cached library results of the *Ranking robustness* page.

Per-case results
    The bundled synthetic assessment goes with the bundled survey; any survey can be paired with an uploaded
    per-case table (``.csv``, ``.xlsx`` or ``.parquet``; kept in this browser session only, under
    :data:`ASSESSMENT_KEY`). The assessment is restricted to the tasks of the filtered survey before linking.

Caching
    Like :mod:`challengelab.dashboard.state`: every call is keyed by the survey key (source + filters), the
    assessment id and the arguments; the objects themselves are unhashed ``_`` arguments. The link (ranking and
    bootstrap) is a shared read-only object (``st.cache_resource``); the strategy tests over replicates, the
    expensive step (about 0.25 s per replicate on the bundled data), are cached with ``st.cache_data``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from challengelab.figures import ranking as rfig
from challengelab.ranking import (
    Assessment,
    AssessmentValidationError,
    RankingSpec,
    StrategyRobustness,
    load_assessment,
)
from challengelab.tables.robustness import (
    assessment_for_survey,
    robustness_replicates,
    robustness_table,
    unstable_tasks,
)
from challengelab.vocabulary import ADJUSTMENTS, RANKING_METHODS, TESTS

#: Session key of an uploaded per-case table: dict(name=..., id=..., assessment=...).
ASSESSMENT_KEY = "rr_assessment_upload"
#: Seconds per replicate of the strategy tests, for the estimate shown while they run.
SECONDS_PER_REPLICATE = 0.25

METHODS = {key: term.label for key, term in RANKING_METHODS.items()}
AGGREGATES = {"mean": "mean", "median": "median"}
#: The p-value adjustments offered for test-then-rank (keys of :data:`challengelab.vocabulary.ADJUSTMENTS`).
RANK_ADJUST = ["none", "holm", "bonferroni", "fdr_bh"]
MISSING = {"none": "not allowed (error)", "drop": "left out"}
#: The adjustments offered for the strategy tests.
ADJUST = ["holm", "fdr_bh", "bonferroni", "none"]
__all__ = ["ADJUSTMENTS", "TESTS"]  # re-exported for the page


@dataclass(frozen=True)
class AssessmentSource:
    id: str
    label: str
    assessment: Assessment


@st.cache_resource(show_spinner="Loading the bundled per-case results ...")
def _bundled_assessment() -> Assessment:
    from challengelab._paths import EXAMPLE_ASSESSMENT_FILE, example_dir

    return load_assessment(example_dir() / EXAMPLE_ASSESSMENT_FILE)


def load_assessment_upload(name: str, content: bytes) -> tuple[Assessment, str]:
    """Validate uploaded per-case results; returns ``(assessment, id)`` or raises ``AssessmentValidationError``
    (or ``ValueError``). The bytes go through a temporary file that is removed before returning."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet"):
        raise ValueError(f"unsupported file type {suffix or '(none)'!r}: upload a .csv, .xlsx or .parquet table "
                         "with the columns task, case, algorithm, value")
    handle, temp = tempfile.mkstemp(suffix=suffix, prefix="challengelab-assessment-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        assessment = load_assessment(temp)
    except AssessmentValidationError as exc:  # name the uploaded file, not the temporary one
        raise AssessmentValidationError([replace(issue, file=name) if Path(temp).name in str(issue.file)
                                         else issue for issue in exc.issues], source=name) from None
    finally:
        Path(temp).unlink(missing_ok=True)
    return replace(assessment, source=name), "upload:" + hashlib.sha256(content).hexdigest()


def current_assessment(source_id: str) -> AssessmentSource | None:
    """The uploaded per-case results, else the bundled ones when the bundled survey is shown, else None."""
    upload = st.session_state.get(ASSESSMENT_KEY)
    if upload:
        return AssessmentSource(upload["id"], f"{upload['name']} (uploaded)", upload["assessment"])
    if source_id == "bundled":
        return AssessmentSource("bundled", "bundled synthetic per-case results", _bundled_assessment())
    return None


def make_spec(method: str, aggregate: str, adjust: str, missing: str) -> RankingSpec:
    """The :class:`RankingSpec` of the page's settings (aggregate only for the aggregating methods, the p-value
    adjustment only for test-then-rank)."""
    arguments: dict = {"method": method, "na_treat": "drop" if missing == "drop" else None}
    if method == "test_then_rank":
        arguments["adjust"] = adjust
    else:
        arguments["aggregate"] = aggregate
    return RankingSpec(**arguments)


def link_key(key: str, assessment_id: str, spec: RankingSpec, n_boot: int, seed: int) -> str:
    return f"{key}|{assessment_id}|{spec.to_json()}|{n_boot}|{seed}"


@st.cache_resource(max_entries=16, show_spinner=False)
def _restricted(key: str, assessment_id: str, _survey, _assessment: Assessment) -> Assessment:
    return assessment_for_survey(_assessment, _survey)


@st.cache_resource(max_entries=8, show_spinner=False)
def _link(key: str, assessment_id: str, spec_json: str, n_boot: int, seed: int, _survey, _assessment):
    import warnings

    import challengelab

    spec = RankingSpec.from_json(spec_json)
    assessment = _restricted(key, assessment_id, _survey, _assessment)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # single-case tasks are listed on the page
        linked = challengelab.link(_survey, assessment, spec, n_boot=n_boot, seed=seed, progress=False)
    if linked.responses.empty:
        raise ValueError("no survey response matches an algorithm of the per-case results (the task column must "
                         "hold the survey's task_id and the algorithm column its team_id)")
    return linked


def link(key: str, assessment_id: str, spec: RankingSpec, n_boot: int, seed: int, survey, assessment):
    """:func:`challengelab.link` of the filtered survey and the per-case results of its tasks (exceptions
    propagate and are not cached)."""
    return _link(key, assessment_id, spec.to_json(), int(n_boot), int(seed), survey, assessment)


@st.cache_data(max_entries=32, show_spinner=False)
def robustness(lkey: str, items: tuple[str, ...], test: str, adjust: str, alpha: float, n_replicates: int,
               _link) -> StrategyRobustness:
    """:meth:`RankingLink.robustness` (one strategy-test run per replicate: the slow step)."""
    return _link.robustness(list(items) or None, test=test, adjust=adjust, alpha=alpha, n_replicates=n_replicates,
                            progress=False)


@st.cache_data(max_entries=64, show_spinner=False)
def robustness_tables(lkey: str, items: tuple[str, ...], test: str, adjust: str, alpha: float, n_replicates: int,
                      min_cell: int, labels: dict, _link) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The suppressed robustness table and the replicates of the shown items (see
    :func:`challengelab.report.ranking_robustness.robustness_table`)."""
    result = robustness(lkey, items, test, adjust, alpha, n_replicates, _link)
    table = robustness_table(_link, result, min_cell=min_cell, labels=labels)
    return table, robustness_replicates(result, table)


@st.cache_data(max_entries=64, show_spinner=False)
def kendall_table(lkey: str, _link) -> pd.DataFrame:
    return rfig.kendall_tau_violin_table(_link.bootstrap)


@st.cache_data(max_entries=64, show_spinner=False)
def least_stable(lkey: str, _link) -> list:
    """Bootstrapped tasks, least stable ranking (lowest mean Kendall's tau) first."""
    return unstable_tasks(_link.bootstrap, n=len(_link.bootstrap.tasks))


@st.cache_data(max_entries=64, show_spinner=False)
def task_table(lkey: str, kind: str, task: str, _link) -> pd.DataFrame:
    """The tidy table of one figure (``blob``, ``bars``, ``podium``, ``box``) for one task."""
    boot = _link.bootstrap
    if kind == "blob":
        table = rfig.blob_plot_table(boot)
    elif kind == "bars":
        table = rfig.rank_frequency_bars_table(boot)
    else:
        data = _link.assessment.data
        part = data[data["task"] == task]
        ranking = _link.ranking[_link.ranking["task"] == task]
        single = load_assessment(part.reset_index(drop=True), smaller_is_better={
            task: bool(_link.assessment.smaller_is_better.get(task, False))})
        table = rfig.podium_table(single, ranking) if kind == "podium" else rfig.dot_and_boxplot_table(single,
                                                                                                       ranking)
    return table[table["task"] == task].reset_index(drop=True)
