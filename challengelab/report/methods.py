"""Methods prose generated from the analysis configuration, the fitted models and the software versions.

Nothing here is written by hand per run: every sentence is assembled from the
:class:`challengelab.stats.AnalysisConfig` that drove the analysis, the ``method`` paragraph each fitted model
carries, and the package versions recorded for the run.
"""

from __future__ import annotations

from challengelab.vocabulary import ADJUSTMENTS, TESTS, outcome_text

ADJUST_SHORT = {name: term.short for name, term in ADJUSTMENTS.items()}


def _join(items: list[str]) -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def methods_paragraphs(config, result, *, survey_summary: dict, versions: dict[str, str], min_cell: int,
                       strategy_items: list[str], chromium: str | None = None) -> list[tuple[str, str]]:
    """``(heading, paragraph)`` pairs describing exactly what was computed.

    ``config`` is the :class:`~challengelab.stats.AnalysisConfig` used, ``result`` the
    :class:`~challengelab.stats.AnalysisResult` (its models' ``method`` texts are quoted).
    """
    level = f"{100 * config.ci_level:g}%"
    out: list[tuple[str, str]] = []
    s = survey_summary
    synthetic = " The data are SYNTHETIC (simulated), not real survey answers." if s.get("synthetic") else ""
    out.append(("Data", (
        f"The analysis used {s.get('responses')} questionnaire responses of {s.get('teams')} teams in "
        f"{s.get('tasks')} tasks of {s.get('challenges')} challenges, and {s.get('organizer_responses')} organizer "
        f"answers (source: {s.get('source')}; codebook {s.get('codebook')}). A team is a winner when it is ranked "
        f"first on its task's leaderboard; {s.get('winning_responses')} responses are winners'. Missing answers "
        f"are left out item by item.{synthetic}")))
    profile_items = "every participant item of the codebook" if config.profile_items is None else \
        "the items " + _join(config.profile_items)
    by = f", separately for each value of {config.profile_by}" if config.profile_by else ""
    out.append(("Winner profile", (
        f"For {profile_items}{by}, the answers of winners, of the other teams and of all teams were summarised: "
        f"shares of binary, categorical, ordinal and multi-select answers with {level} Wilson score intervals, "
        "and medians with quartiles (R quantile type 7) for numeric answers.")))
    outcomes = _join([outcome_text(o.outcome, o.k, o.q) for o in config.outcomes])
    items_text = ("the binary strategy and algorithm items of the codebook" if config.strategy_items is None
                  else "the items " + _join(config.strategy_items))
    out.append(("Strategy tests", (
        f"For each of {len(strategy_items)} strategies ({items_text}) and each outcome ({outcomes}), teams that "
        f"used the strategy were compared with teams that did not using {TESTS[config.test].prose}. Strata are "
        f"defined by {config.strata}. Within each outcome, p-values were adjusted over the strategies tested with "
        f"{ADJUSTMENTS[config.adjust].prose}; intervals are at the {level} level. A strategy used (or not used) by fewer "
        f"than {config.min_count} teams is listed but not tested and does not count in the adjustment.")))
    if config.models:
        names = _join([f"{m.name} ({outcome_text(m.outcome, m.k, m.q)})" for m in config.models])
        out.append(("Rank-linked models", (
            f"{len(config.models)} regression model(s) link the strategies to the ranking: {names}. "
            "Each model's exact specification follows, as recorded by the fitting routine.")))
        for name, model in result.models.items():
            status = "" if model.converged else " The optimiser did NOT converge; the estimates are not reliable."
            out.append((f"Model {name}", model.method + status))
    out.append(("Disclosure control", (
        f"Every breakdown (a row of a summary table) that rests on fewer than {min_cell} respondents is suppressed: "
        "its numbers are blanked and marked 'suppressed', in every format of this report." if min_cell > 1 else
        "Small-cell suppression was switched off (--min-cell 0 or 1): every breakdown is shown.")))
    software = ", ".join(f"{k} {v}" for k, v in versions.items())
    tail = f" Figures were rendered with plotly; the PDF and PNG figures with {chromium}." if chromium else \
        " Figures were rendered with plotly."
    out.append(("Software and randomness", (
        f"Computed with {software}.{tail} Random seed: {config.seed} (recorded for reproducibility; the analysis "
        "steps listed above are deterministic).")))
    return out
