"""The analysis configuration shared by ``challengelab analyze`` and the report generator."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from challengelab.stats.strategy import MIN_COUNT

Outcome = str  # "winner", "top_k", "top_fraction", "rank" or a binary column of the responses
ModelName = Literal["auto", "conditional_logit", "rank_ordered_logit", "firth_logit", "mixed_logit"]


class ConfigError(ValueError):
    """An analysis configuration could not be read or is invalid (the message says where)."""


class OutcomeSpec(BaseModel):
    """An outcome of the strategy tests: ``winner``, ``top_k`` (k), ``top_fraction`` (q) or a binary column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: Outcome = "winner"
    k: int | None = Field(default=None, ge=1)
    q: float | None = Field(default=None, gt=0, lt=1, allow_inf_nan=False)

    @model_validator(mode="after")
    def _parameters(self) -> OutcomeSpec:
        if self.outcome == "rank":
            raise ValueError("strategy tests need a binary outcome; 'rank' is only for models")
        if self.outcome == "top_k" and self.k is None:
            raise ValueError("outcome 'top_k' needs k (e.g. k: 3)")
        if self.outcome == "top_fraction" and self.q is None:
            raise ValueError("outcome 'top_fraction' needs q (e.g. q: 0.1)")
        return self

    @property
    def name(self) -> str:
        from challengelab.vocabulary import outcome_key

        return outcome_key(self.outcome, self.k, self.q)


class ModelSpec(BaseModel):
    """One regression model (see :func:`challengelab.stats.rank_regression`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="snake_case name; the coefficient table is written as model_<name>.csv")
    outcome: Outcome = "winner"
    items: list[str] | None = Field(default=None, validation_alias=AliasChoices("items", "predictors"),
                                    description="items used as predictors; default: the strategy items "
                                                "('predictors' is accepted as an alias)")
    model: ModelName = "auto"
    k: int | None = Field(default=None, ge=1)
    q: float | None = Field(default=None, gt=0, lt=1, allow_inf_nan=False)

    @field_validator("name")
    @classmethod
    def _snake(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"model name {value!r} must be snake_case (a-z, 0-9, _)")
        return value

    @model_validator(mode="after")
    def _parameters(self) -> ModelSpec:
        if self.outcome == "top_k" and self.k is None:
            raise ValueError("outcome 'top_k' needs k (e.g. k: 3)")
        if self.outcome == "top_fraction" and self.q is None:
            raise ValueError("outcome 'top_fraction' needs q (e.g. q: 0.1)")
        return self


def _default_models() -> list[ModelSpec]:
    return [
        ModelSpec(name="rank_strategies", outcome="rank"),
        ModelSpec(name="winner_strategies", outcome="winner"),
        ModelSpec(name="top3_strategies", outcome="top_k", k=3),
    ]


class AnalysisConfig(BaseModel):
    """What ``challengelab analyze`` (and the report) computes.

    The default reproduces the analysis of the 2021 study: the winner profile of every item, the exact
    task-stratified test of every strategy item for winning and for a top-3 rank (Holm-adjusted), and three
    models of the strategy items: the full ranking (rank-ordered logit), winning and a top-3 rank (model
    chosen automatically).

    Examples
    --------
    >>> from challengelab.stats import AnalysisConfig
    >>> cfg = AnalysisConfig(adjust="fdr_bh")
    >>> AnalysisConfig.from_yaml(cfg.to_yaml()) == cfg
    True
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "What distinguishes winning solutions (2021 analysis)"
    profile_items: list[str] | None = Field(default=None, description="default: every participant item")
    profile_by: str | None = Field(default=None, description="split the profile by this column")
    strategy_items: list[str] | None = Field(default=None, description="default: the codebook's binary "
                                                                        "strategy and algorithm items")
    outcomes: list[OutcomeSpec] = Field(default_factory=lambda: [OutcomeSpec(outcome="winner"),
                                                                 OutcomeSpec(outcome="top_k", k=3)])
    test: Literal["exact_cmh", "cmh", "fisher"] = "exact_cmh"
    adjust: Literal["holm", "hochberg", "hommel", "bonferroni", "fdr_bh", "fdr_by", "none"] = "holm"
    models: list[ModelSpec] = Field(default_factory=_default_models)
    ties: Literal["efron", "breslow"] = "efron"
    n_agq: int = Field(default=25, ge=1, le=101)
    strata: str = "task_id"
    group: str = "challenge_id"
    ci_level: float = Field(default=0.95, gt=0.5, lt=1, allow_inf_nan=False)
    min_count: int = Field(default=MIN_COUNT, ge=0, description="strategy items used (or not used) by fewer "
                                                                 "teams are reported but not tested")
    missing: Literal["complete_cases", "impute"] = Field(
        default="complete_cases", description="models: drop rows with a missing answer (complete_cases, the "
        "default; rows used and dropped are reported) or fill them by multiple imputation (impute)")
    n_imputations: int = Field(default=20, ge=2, le=500, description="imputed data sets (missing: impute)")
    seed: int = Field(default=2021, description="seed of any random step (recorded for reproducibility)")

    @model_validator(mode="after")
    def _unique_names(self) -> AnalysisConfig:
        names = [m.name for m in self.models]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"model names must be unique; repeated: {', '.join(duplicated)}")
        return self

    def to_yaml(self) -> str:
        """The configuration as YAML (every field, defaults included)."""
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, source: str | Path) -> AnalysisConfig:
        """Read a configuration from a YAML file path or a YAML string; :class:`ConfigError` says what is wrong."""
        label = "configuration"
        text = source
        if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                        and source.endswith((".yaml", ".yml"))):
            path = Path(source)
            label = path.name
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{label} is not valid YAML: {exc}") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"{label} must be a mapping of settings, not {type(raw).__name__}")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigError(f"{label} is invalid: {problems}") from exc
