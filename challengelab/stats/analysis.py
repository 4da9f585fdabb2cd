"""Run the whole analysis of a configuration: tables, models and a JSON summary."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from challengelab.stats._result import ModelResult
from challengelab.stats._survey import responses_of, strategy_items
from challengelab.stats.config import AnalysisConfig
from challengelab.stats.profiles import winner_profile
from challengelab.stats.regression import rank_regression
from challengelab.stats.strategy import strategy_tests


@dataclass(frozen=True)
class AnalysisResult(Mapping):
    """Every table of an analysis (a read-only mapping name -> DataFrame) plus the fitted models.

    Tables: ``profile``, ``strategy_tests`` (one block per outcome, column ``outcome``), ``models`` (one row per
    model), ``coefficients`` (all model coefficients, long format) and ``model_<name>`` for each model.
    """

    tables: dict[str, pd.DataFrame]
    models: dict[str, ModelResult]
    config: AnalysisConfig
    survey_info: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary: configuration, data, tests, models (with warnings and method text)."""
        tests = self.tables["strategy_tests"]
        return {
            "title": self.config.title,
            "survey": self.survey_info,
            "config": self.config.model_dump(mode="json"),
            "strategy_tests": _records(tests),
            "models": {name: result.summary() for name, result in self.models.items()},
            "rows_used": {name: {"n_used": r.n_used, "n_dropped": r.n_dropped,
                                 "n_uninformative": r.n_uninformative, "missing": r.missing}
                          for name, r in self.models.items()},
            "tables": {name: {"rows": int(len(t)), "columns": list(map(str, t.columns))}
                       for name, t in self.tables.items()},
            "timings_seconds": {k: round(v, 4) for k, v in self.timings.items()},
        }

    def to_summary_json(self, indent: int = 2) -> str:
        """The :meth:`summary` as strict JSON (NaN and infinity written as null)."""
        return json.dumps(self.summary(), indent=indent, allow_nan=False, ensure_ascii=False)

    def write(self, out: str | Path) -> Path:
        """Write every table as CSV, ``summary.json`` and ``analysis.yaml`` into ``out``, atomically.

        Files are written to a temporary folder next to ``out`` that then replaces ``out``; a failure leaves
        any previous ``out`` untouched.
        """
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            for name, table in self.tables.items():
                table.to_csv(tmp / f"{name}.csv", index=False)
            (tmp / "summary.json").write_text(self.to_summary_json(), encoding="utf-8")
            (tmp / "analysis.yaml").write_text(self.config.to_yaml(), encoding="utf-8")
            backup = None
            if out.exists():
                backup = out.with_name(f".{out.name}.old-{os.getpid()}")
                os.replace(out, backup)
            os.replace(tmp, out)
            if backup is not None:
                shutil.rmtree(backup, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out


def analysis_steps(config: AnalysisConfig) -> list[str]:
    """Names of the steps :func:`run_analysis` reports to its ``progress`` callback, in order."""
    return (["winner profile"] + [f"strategy tests: {o.name}" for o in config.outcomes]
            + [f"model: {m.name}" for m in config.models])


def run_analysis(
    survey: Any,
    config: AnalysisConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> AnalysisResult:
    """Run the analysis described by ``config`` (default: the 2021 analysis) on a survey.

    Parameters
    ----------
    survey : Survey
    config : AnalysisConfig, optional
    progress : callable, optional
        Called with the name of each step (see :func:`analysis_steps`) when it starts.

    Returns
    -------
    AnalysisResult

    Raises
    ------
    ValueError
        Naming the item or setting that does not fit the data (unknown item, non-binary item in a test, ...).

    Examples
    --------
    >>> import challengelab
    >>> from challengelab.stats import AnalysisConfig, run_analysis
    >>> result = run_analysis(challengelab.example_survey(), AnalysisConfig(models=[]))
    >>> sorted(result)
    ['coefficients', 'models', 'profile', 'strategy_tests']
    """
    config = config or AnalysisConfig()
    report = progress or (lambda _step: None)
    responses, codebook = responses_of(survey)
    timings: dict[str, float] = {}
    tables: dict[str, pd.DataFrame] = {}

    t0 = time.perf_counter()
    report("winner profile")
    tables["profile"] = winner_profile(survey, items=config.profile_items, by=config.profile_by,
                                       ci_level=config.ci_level)
    timings["profile"] = time.perf_counter() - t0

    items = config.strategy_items or strategy_items(responses, codebook)
    blocks = []
    for spec in config.outcomes:
        t0 = time.perf_counter()
        report(f"strategy tests: {spec.name}")
        block = strategy_tests(survey, items=items, outcome=spec.outcome, test=config.test, adjust=config.adjust,
                               k=spec.k, q=spec.q, strata=config.strata, ci_level=config.ci_level,
                               min_count=config.min_count)
        block.insert(0, "outcome", spec.name)
        blocks.append(block)
        timings[f"tests_{spec.name}"] = time.perf_counter() - t0
    tables["strategy_tests"] = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()

    models: dict[str, ModelResult] = {}
    for spec in config.models:
        t0 = time.perf_counter()
        report(f"model: {spec.name}")
        try:
            models[spec.name] = rank_regression(
                survey, spec.items or items, outcome=spec.outcome, model=spec.model, k=spec.k, q=spec.q,
                strata=config.strata, group=config.group, ties=config.ties, n_agq=config.n_agq,
                ci_level=config.ci_level, missing=config.missing, n_imputations=config.n_imputations,
                seed=config.seed,
            )
        except ValueError as exc:
            raise ValueError(f"model {spec.name!r}: {exc}") from exc
        timings[f"model_{spec.name}"] = time.perf_counter() - t0

    tables["models"] = models_table(models, config)
    coefficient_tables = []
    for name, result in models.items():
        table = result.table.reset_index()
        tables[f"model_{name}"] = table
        coefficient_tables.append(table.assign(model_name=name, model=result.model))
    tables["coefficients"] = (
        pd.concat(coefficient_tables, ignore_index=True)[["model_name", "model", "term", *models_columns()]]
        if coefficient_tables else pd.DataFrame(columns=["model_name", "model", "term", *models_columns()])
    )
    info = survey.summary() if hasattr(survey, "summary") else {"responses": len(responses)}
    return AnalysisResult(tables=tables, models=models, config=config, survey_info=_jsonable(info),
                          timings=timings)


MODEL_TABLE_COLUMNS = ["name", "model", "firth", "outcome", "n_used", "n_dropped", "n_uninformative", "missing",
                       "n_groups",
                       "loglik", "converged", "separated", "sigma", "warnings", "method"]


def models_table(models: dict[str, ModelResult], config: AnalysisConfig) -> pd.DataFrame:
    """One row per model: what was fitted, rows used and dropped (missing answers), convergence, separation."""
    rows = []
    for (name, r), spec in zip(models.items(), config.models, strict=True):
        outcome = spec.outcome if spec.k is None and spec.q is None else \
            f"{spec.outcome} ({'k' if spec.k else 'q'}={spec.k or spec.q})"
        rows.append({"name": name, "model": r.model, "firth": r.firth, "outcome": outcome, "n_used": r.n_used,
                     "n_dropped": r.n_dropped, "n_uninformative": r.n_uninformative, "missing": r.missing, "n_groups": r.n_groups, "loglik": r.loglik,
                     "converged": r.converged, "separated": ", ".join(r.separated), "sigma": r.sigma,
                     "warnings": " | ".join(r.warnings), "method": r.method})
    return pd.DataFrame(rows, columns=MODEL_TABLE_COLUMNS)


def models_columns() -> list[str]:
    from challengelab.stats._result import TABLE_COLUMNS

    return list(TABLE_COLUMNS)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (int, str)):
        return value
    return str(value)
