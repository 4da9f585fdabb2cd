"""Assemble the survey report from an :class:`~challengelab.stats.AnalysisResult`.

Every number comes from the library: the analysis tables of :func:`challengelab.stats.run_analysis`, the
comparison of :func:`challengelab.tables.published.compare_with_published`, and the ``*_table`` helpers of
:mod:`challengelab.figures.survey` (which only count and arrange survey columns). Every breakdown goes through
:func:`challengelab.tables.disclosure.suppress_small_cells` with the report's ``min_cell``; figures are drawn from the
suppressed tables with the builders shared with the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from challengelab.tables.breakdowns import item_labels, profile_table, strategy_table
from challengelab.report.document import (
    Figure,
    KeyValues,
    Notice,
    Paragraph,
    Report,
    Section,
    Table,
)
from challengelab.report.methods import ADJUST_SHORT, methods_paragraphs
from challengelab.vocabulary import TESTS, outcome_text
from challengelab.report.ranking import reproducibility_section
from challengelab.report.reproducibility import Provenance

#: Per-task and per-challenge listings show at most this many rows on a page (all rows in the workbook).
LISTING_ROWS = 60
SECTION_TITLES = (
    "Summary",
    "Methods",
    "Winning strategies",
    "Teams, leads and organizers",
    "Rank-linked models",
    "Comparison with the published 2021 figures",
    "Reproducibility",
)


def _caption(fig) -> str:
    meta = getattr(fig.layout, "meta", None)
    return str(meta.get("caption", "")) if isinstance(meta, dict) else ""


def _fig(name: str, title: str, fig) -> Figure:
    return Figure(name, title, fig, _caption(fig))


def _pct(value) -> str:
    try:
        return f"{100 * float(value):.0f}%"
    except (TypeError, ValueError):
        return "–"


def build_survey_report(survey, result, provenance: Provenance, *, min_cell: int,
                        step: Callable[[str], None] | None = None, robustness: Section | None = None) -> Report:
    """The survey report (sections 1-7 of issue 5) as a :class:`~challengelab.report.document.Report`.

    ``robustness``, the "Ranking robustness" section (see :mod:`challengelab.report.ranking_robustness`), is
    placed after the rank-linked models when given.
    """
    from challengelab.figures import survey as figs

    step = step or (lambda _s: None)
    config = result.config
    adj = ADJUST_SHORT.get(config.adjust, config.adjust)
    labels = item_labels(survey.codebook)
    summary = survey.summary()
    items_tested = list(dict.fromkeys(result["strategy_tests"]["item"])) if len(result["strategy_tests"]) else []

    profile = profile_table(result["profile"], labels=labels, min_cell=min_cell, by=config.profile_by)
    types = {item.name: item.type for item in survey.codebook.items}
    sections = {title: Section(title) for title in SECTION_TITLES}

    # --- 1. Summary ------------------------------------------------------------------------------------------
    step("summary")
    s1 = sections["Summary"]
    s1.add(Paragraph(_headline(survey, result, profile, labels, min_cell), emphasis=True))
    facts = [
        ("source", str(summary["source"])),
        ("synthetic data", "yes: simulated, not real teams" if summary["synthetic"] else "no"),
        ("codebook", str(summary["codebook"])),
        ("challenges", str(summary["challenges"])),
        ("tasks", str(summary["tasks"])),
        ("questionnaire responses", str(summary["responses"])),
        ("teams", str(summary["teams"])),
        ("winners' responses", str(summary["winning_responses"])),
        ("tasks whose winner responded", str(summary["tasks_with_responding_winner"])),
        ("teams on the leaderboards", str(summary["leaderboard_teams"])),
        ("median response rate per task", _pct(summary["median_response_rate"])),
        ("organizer answers", str(summary["organizer_responses"])),
    ]
    s1.add(KeyValues(facts, name="dataset", title="Dataset"))
    if survey.warnings:
        s1.add(Notice(f"{len(survey.warnings)} data warning(s) did not stop the analysis; they are listed in the "
                      "table 'Data warnings'.", kind="warning", title="Data warnings"))
        warnings = pd.DataFrame([{"location": w.location, "reason": w.reason,
                                  "value": None if w.value is None else str(w.value)} for w in survey.warnings])
        s1.add(Table("data_warnings", "Data warnings", warnings, "Problems in the data that did not stop loading.",
                     display_rows=8))
    challenges = _challenge_table(survey)
    s1.add(Table("challenges", "Challenges in the dataset", challenges,
                 "Tasks and questionnaire responses per challenge.", display_rows=LISTING_ROWS))
    coverage = figs.coverage_table(survey)
    s1.add(Table("coverage", "Response coverage per task", coverage,
                 "Questionnaire responses per task against the number of teams on its leaderboard.",
                 kinds={"response_rate": "share"}, display_rows=LISTING_ROWS))
    s1.add(_fig("coverage", "Response coverage per task", figs.coverage_figure(coverage)))
    s1.add(_fig("leaderboard_sizes", "Leaderboard sizes", figs.leaderboard_sizes_figure(coverage)))

    # --- 2. Methods ------------------------------------------------------------------------------------------
    step("methods")
    s2 = sections["Methods"]
    for heading, text in methods_paragraphs(config, result, survey_summary=summary, versions=provenance.versions,
                                            min_cell=min_cell, strategy_items=items_tested,
                                            chromium=provenance.chromium):
        s2.add(Paragraph(text, heading=heading))

    # --- 3. Winning strategies ---------------------------------------------------------------------------------
    step("winning strategies")
    s3 = sections["Winning strategies"]
    binary_items = [i for i in dict.fromkeys(profile["item"]) if types.get(i) == "binary" and i in items_tested]
    strategy_profile = profile[profile["item"].isin(binary_items)].reset_index(drop=True)
    s3.add(Paragraph("How often winners and other teams used each strategy (share answering yes, with "
                     f"{100 * config.ci_level:g}% Wilson intervals), then whether using it goes with a better "
                     "result within the same task."))
    view = _profile_view(strategy_profile)
    s3.add(Table("strategy_profile", "Strategy use by winners, other teams and all teams", view,
                 "Share answering yes.", kinds=_share_kinds(), display_columns=_without(view, "item", "level")))
    s3.add(_fig("strategy_shares", "Strategy use: winners vs. other teams",
                figs.strategy_share_figure(strategy_profile[strategy_profile["group"] != "all"], labels=labels)))
    tests = result["strategy_tests"]
    for outcome in config.outcomes:
        block = tests[tests["outcome"] == outcome.name].reset_index(drop=True)
        block = strategy_table(block, labels=labels, min_cell=min_cell)
        what = outcome_text(outcome.outcome, outcome.k, outcome.q)
        s3.add(Table(f"tests_{outcome.name}", f"Strategy tests: {what}", block,
                     f"{TESTS[config.test].short}; p_adjusted: {adj} adjustment. 'winners' are teams with the "
                     "outcome, 'others' those without.", kinds={"odds_ratio": "num"},
                     display_columns=_without(block, "outcome", "item", "test", "n_missing")))
        forest = block.rename(columns={"p_adjusted": "p_adj"}).copy()
        s3.add(_fig(f"forest_tests_{outcome.name}", f"Odds ratios of the strategy tests: {what}",
                    figs.forest_figure(forest, label="label", p_value="p_adj",
                                       title=f"Strategy tests: {what}",
                                       caption=f"Common odds ratio of {what} for teams using each strategy vs. "
                                               f"teams not using it, within tasks, with {100 * config.ci_level:g}% "
                                               "confidence intervals (log scale); arrows mark intervals that do "
                                               "not end (e.g. every winner used the strategy).")))
        significant = block[(pd.to_numeric(block["p_adjusted"], errors="coerce") < 0.05)]
        if len(significant):
            s3.add(Paragraph(f"For {what}, {len(significant)} strateg{'y' if len(significant) == 1 else 'ies'} "
                             f"remained significant after {adj} adjustment (p < 0.05): "
                             + ", ".join(f"{labels.get(i, i)} (OR {o:.2f})" for i, o in
                                         zip(significant["item"], significant["odds_ratio"])) + "."))
        else:
            s3.add(Paragraph(f"For {what}, no strategy was significant after "
                             f"{adj} adjustment "
                             "(p < 0.05)."))

    # --- 4. Teams, leads, organizers -----------------------------------------------------------------------------
    step("teams, leads and organizers")
    s4 = sections["Teams, leads and organizers"]
    other_items = [i for i in dict.fromkeys(profile["item"]) if i not in binary_items]
    categorical = [i for i in other_items if types.get(i) in ("categorical", "ordinal", "multi_select")]
    numeric = [i for i in other_items if types.get(i) == "numeric"]
    binary_rest = [i for i in other_items if types.get(i) == "binary"]
    if numeric:
        part = profile[profile["item"].isin(numeric)].reset_index(drop=True)
        view = _profile_view(part, numeric=True)
        s4.add(Table("profile_numeric", "Experience, team size and effort", view,
                     display_columns=_without(view, "item")))
        s4.add(_fig("numeric_profile", "Experience, team size and effort",
                    figs.numeric_summary_figure(part[part["group"] != "all"], labels=labels)))
    for item in categorical:
        part = profile[profile["item"] == item].reset_index(drop=True)
        title = labels.get(item, item)
        view = _profile_view(part)
        s4.add(Table(f"profile_{item}", title, view, kinds=_share_kinds(),
                     display_columns=_without(view, "item", "label")))
        levels = list(survey.codebook[item].levels or ()) if item in survey.codebook else None
        s4.add(_fig(f"profile_{item}", title, figs.level_share_figure(part[part["group"] != "all"], title=title,
                                                                      levels=levels or None)))
    if binary_rest:
        part = profile[profile["item"].isin(binary_rest)].reset_index(drop=True)
        view = _profile_view(part)
        s4.add(Table("profile_environment", "Time and infrastructure", view, "Share answering yes.",
                     kinds=_share_kinds(), display_columns=_without(view, "item", "level")))
    organizer_items = [i.name for i in survey.codebook.items if i.table == "organizers"
                       and i.name in survey.organizers.columns]
    if organizer_items:
        s4.add(Paragraph("Organizers' view: how the organizers judged the winning solution of their task, by task "
                         "category."))
    for item in organizer_items:
        table = figs.organizer_table(survey, item, min_cell=min_cell)
        title = f"Organizers: {labels.get(item, item)}"
        s4.add(Table(f"organizers_{item}", title, table, kinds={"share": "share"},
                     display_columns=_without(table, "item")))
        s4.add(_fig(f"organizers_{item}", title, figs.organizer_figure(table, title=title)))

    # --- 5. Models -------------------------------------------------------------------------------------------
    step("models")
    s5 = sections["Rank-linked models"]
    if not result.models:
        s5.add(Paragraph("No models were requested in the configuration."))
    else:
        models = result["models"].drop(columns=[c for c in ("method",) if c in result["models"].columns])
        s5.add(Table("models", "Models fitted", models, "One row per model; the methods section describes each.",
                     kinds={"n_groups": "int"}))
    for name, model in result.models.items():
        spec = next((m for m in config.models if m.name == name), None)
        what = outcome_text(spec.outcome, spec.k, spec.q) if spec else name
        s5.add(Paragraph(f"Model '{name}': {model.model.replace('_', ' ')} of {what}; {model.n_obs} rows"
                         + (f" in {model.n_groups} groups/strata" if model.n_groups else "") + "."))
        if not model.converged:
            s5.add(Notice("The fitting routine did not converge: its estimates are not reliable and are not "
                          "interpreted.", kind="warning", title=f"Model '{name}' did not converge"))
        for warning in model.warnings:
            s5.add(Notice(warning, kind="warning", title=f"Model '{name}'"))
        coefficients = result[f"model_{name}"].copy()
        coefficients.insert(1, "label", coefficients["term"].map(lambda t: labels.get(t, t)))
        s5.add(Table(f"model_{name}", f"Coefficients: {name}", coefficients,
                     "Estimates and intervals on the log-odds scale; odds_ratio = exp(estimate)."))
        forest = figs.forest_table(result.models[name].table, labels=labels)
        x_title = "Odds ratio of a better rank (log scale)" if model.model == "rank_ordered_logit" else \
            "Odds ratio (log scale)"
        s5.add(_fig(f"forest_{name}", f"Forest plot: {name}",
                    figs.forest_figure(forest, title=f"Model {name}: {what}", x_title=x_title)))

    # --- 6. Published figures ----------------------------------------------------------------------------------
    step("published comparison")
    s6 = sections["Comparison with the published 2021 figures"]
    published = figs.published_table(survey, min_cell=min_cell)
    s6.add(Paragraph("Aggregates reported in the two 2021 survey papers next to the same quantity computed on this "
                     "dataset." + (" The dataset is synthetic: it was simulated to match these aggregates, so "
                                   "agreement is expected and is not evidence." if survey.is_synthetic else "")))
    s6.add(Table("published", "Published 2021 figures vs. this dataset", published))
    s6.add(_fig("published", "Published 2021 figures vs. this dataset", figs.published_figure(published)))

    # --- 7. Reproducibility --------------------------------------------------------------------------------------
    step("reproducibility")
    sections["Reproducibility"] = reproducibility_section(provenance)

    title = config.title
    return Report(
        title=title,
        subtitle=f"{summary['challenges']} challenges, {summary['tasks']} tasks, {summary['responses']} responses "
                 f"— {summary['source']}",
        sections=_ordered(sections, robustness),
        synthetic=survey.is_synthetic,
        generated=provenance.created,
        readme=[("report", title), ("data", provenance.data),
                ("synthetic data", "YES: simulated, not real survey answers" if survey.is_synthetic else "no"),
                ("generated (UTC)", provenance.created), ("minimum cell size", str(min_cell)),
                ("seed", str(provenance.seed)), ("regenerate with", provenance.command)],
    )


def _without(frame: pd.DataFrame, *columns: str) -> list[str]:
    """Display columns: all but ``columns`` (and ``suppressed``/``note`` when nothing is suppressed)."""
    hidden = set(columns)
    if "suppressed" in frame.columns and not frame["suppressed"].fillna(False).astype(bool).any():
        hidden.add("suppressed")
        if "note" in frame.columns and frame["note"].isna().all():
            hidden.add("note")
    return [c for c in frame.columns if c not in hidden]


def _share_kinds() -> dict:
    return {"share": "share", "ci_low": "share", "ci_high": "share"}


def _profile_view(frame: pd.DataFrame, *, numeric: bool = False) -> pd.DataFrame:
    """The profile columns that carry information for the item type (the values are unchanged)."""
    drop = ["count", "share", "ci_low", "ci_high", "level"] if numeric else ["median", "q1", "q3"]
    return frame.drop(columns=[c for c in drop if c in frame.columns]).reset_index(drop=True)


def _challenge_table(survey) -> pd.DataFrame:
    """Challenges with their number of tasks and responses (counts only)."""
    challenges = survey.challenges
    columns = [c for c in ("challenge_id", "name", "conference", "year") if c in challenges.columns]
    out = challenges[columns].copy()
    tasks = survey.tasks.groupby("challenge_id", observed=True).size()
    responses = survey.responses.groupby("challenge_id", observed=True).size()
    out["tasks"] = out["challenge_id"].map(tasks).fillna(0).astype("int64")
    out["responses"] = out["challenge_id"].map(responses).fillna(0).astype("int64")
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out.reset_index(drop=True)


def _headline(survey, result, profile: pd.DataFrame, labels: dict, min_cell: int) -> str:
    """One paragraph: the dataset in a sentence and the strategies where winners differ most."""
    s = survey.summary()
    text = (f"{s['responses']} teams answered the questionnaire in {s['tasks']} tasks of {s['challenges']} "
            f"challenges; {s['winning_responses']} of them won their task.")
    if survey.is_synthetic:
        text = "SYNTHETIC DATA. " + text
    tests = result["strategy_tests"]
    first = result.config.outcomes[0].name if result.config.outcomes else None
    if first is None or not len(tests):
        return text
    block = tests[tests["outcome"] == first]
    shares = profile[~profile["suppressed"]].pivot_table(index="item", columns="group", values="share",
                                                          aggfunc="first")
    if not {"winners", "others"} <= set(shares.columns):
        return text
    diff = (shares["winners"] - shares["others"]).reindex(block["item"]).dropna().sort_values(ascending=False)
    top = [i for i in diff.index[:4] if diff[i] > 0]
    if top:
        text += (" Strategies with the largest excess among winners: "
                 + "; ".join(f"{labels.get(i, i).rstrip('.')} ({_pct(shares.at[i, 'winners'])} of winners vs. "
                             f"{_pct(shares.at[i, 'others'])} of other teams)" for i in top) + ".")
    significant = block[pd.to_numeric(block["p_adjusted"], errors="coerce") < 0.05]
    outcome = result.config.outcomes[0]
    text += (f" Within tasks, {len(significant)} of {int(block['p_value'].notna().sum())} strategies tested were "
             f"significantly associated with {outcome_text(outcome.outcome, outcome.k, outcome.q)} after "
             f"{ADJUST_SHORT.get(result.config.adjust, result.config.adjust)} adjustment.")
    return text


def _ordered(sections: dict[str, Section], robustness: Section | None) -> list[Section]:
    ordered = [sections[t] for t in SECTION_TITLES]
    if robustness is not None:
        ordered.insert(SECTION_TITLES.index("Rank-linked models") + 1, robustness)
    return ordered
