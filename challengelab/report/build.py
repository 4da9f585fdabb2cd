"""Assemble the survey report from an :class:`~challengelab.stats.AnalysisResult`.

Every number comes from the library: the analysis tables of :func:`challengelab.stats.run_analysis`, the
comparison of :func:`challengelab.tables.published.compare_with_published`, and the ``*_table`` helpers of
:mod:`challengelab.figures.survey` (which only count and arrange survey columns). Every breakdown goes through
:func:`challengelab.tables.disclosure.suppress_small_cells` with the report's ``min_cell``; figures are drawn from the
suppressed tables with the builders shared with the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
from challengelab.tables.format import format_interval, format_p, format_ratio, format_share
from challengelab.vocabulary import DEFAULT_ALPHA, MODELS, TESTS, outcome_text
from challengelab.report.ranking import reproducibility_section
from challengelab.report.reproducibility import Provenance

#: Per-task and per-challenge listings show at most this many rows on a page (all rows in the workbook).
LISTING_ROWS = 60
#: How many strategies the key results list (those where winners and other teams differ most).
KEY_STRATEGIES = 5
SECTION_TITLES = (
    "Key results",
    "Methods",
    "Winning strategies",
    "Teams, leads and organizers",
    "Rank-linked models",
    "Comparison with the published 2021 figures",
    "Reproducibility",
    "Appendix: the data",
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


@dataclass
class ReportContext:
    """What every section of the survey report reads: the data, the analysis and the display choices."""

    survey: object
    result: object
    provenance: Provenance
    min_cell: int
    labels: dict
    profile: pd.DataFrame
    types: dict
    robustness: Section | None = None

    @property
    def config(self):
        return self.result.config

    @property
    def adjust(self) -> str:
        return ADJUST_SHORT.get(self.config.adjust, self.config.adjust)

    @property
    def tested_items(self) -> list[str]:
        tests = self.result["strategy_tests"]
        return list(dict.fromkeys(tests["item"])) if len(tests) else []

    @property
    def strategy_items(self) -> list[str]:
        """Binary items that were tested: the strategies."""
        tested = set(self.tested_items)
        return [i for i in dict.fromkeys(self.profile["item"]) if self.types.get(i) == "binary" and i in tested]

    def tests(self, outcome) -> pd.DataFrame:
        """The suppressed strategy-test table of one configured outcome."""
        tests = self.result["strategy_tests"]
        block = tests[tests["outcome"] == outcome.name].reset_index(drop=True)
        return strategy_table(block, labels=self.labels, min_cell=self.min_cell)


def build_survey_report(survey, result, provenance: Provenance, *, min_cell: int,
                        step: Callable[[str], None] | None = None, robustness: Section | None = None,
                        section_done: Callable[[Section], None] | None = None) -> Report:
    """The survey report as a :class:`~challengelab.report.document.Report`: key results first, then methods,
    details, reproducibility and the raw listings in an appendix.

    ``robustness``, the "Ranking robustness" section (see :mod:`challengelab.report.ranking_robustness`), is
    placed after the rank-linked models when given, and summarised in the key results. ``section_done`` is
    called with every finished section (e.g. to start drawing its figures while the next one is built).
    """
    step = step or (lambda _s: None)
    labels = item_labels(survey.codebook)
    ctx = ReportContext(
        survey=survey, result=result, provenance=provenance, min_cell=min_cell, labels=labels,
        profile=profile_table(result["profile"], labels=labels, min_cell=min_cell, by=result.config.profile_by),
        types={item.name: item.type for item in survey.codebook.items}, robustness=robustness)
    builders = {
        "Key results": key_results_section, "Methods": methods_section,
        "Winning strategies": strategies_section, "Teams, leads and organizers": teams_section,
        "Rank-linked models": models_section, "Comparison with the published 2021 figures": published_section,
        "Reproducibility": lambda c: reproducibility_section(c.provenance), "Appendix: the data": data_appendix,
    }
    sections: list[Section] = []
    for title in SECTION_TITLES:
        step(title.lower())
        built = [builders[title](ctx)]
        if title == "Rank-linked models" and robustness is not None:
            built.append(robustness)
        for section in built:
            sections.append(section)
            if section_done is not None:
                section_done(section)
    return _report(ctx, sections)


def _report(ctx: ReportContext, sections: list[Section]) -> Report:
    survey, provenance, config = ctx.survey, ctx.provenance, ctx.config
    summary = survey.summary()
    return Report(
        title=config.title,
        subtitle=f"{summary['challenges']} challenges, {summary['tasks']} tasks, {summary['responses']} responses "
                 f"— {summary['source']}",
        sections=sections, synthetic=survey.is_synthetic, generated=provenance.created, contents_after=1,
        readme=[("report", config.title), ("data", provenance.data),
                ("synthetic data", "YES: simulated, not real survey answers" if survey.is_synthetic else "no"),
                ("generated (UTC)", provenance.created), ("minimum cell size", str(ctx.min_cell)),
                ("seed", str(provenance.seed)), ("regenerate with", provenance.command)],
    )


# --- 1. key results ----------------------------------------------------------------------------------------------


def key_results_section(ctx: ReportContext) -> Section:
    """One page: the winner profile's leading strategies, the tests that survive the correction, the headline
    model with its odds ratios and rows used, and the robustness to ranking uncertainty when it was assessed."""
    section = Section("Key results")
    section.add(Paragraph(_headline(ctx), emphasis=True))
    leading = key_strategies_table(ctx)
    if len(leading):
        outcome = ctx.config.outcomes[0]
        section.add(Table("key_strategies", "Strategies where winners differ most", leading,
                          f"Share of winners and of other teams using each strategy; odds ratio of "
                          f"{outcome_text(outcome.outcome, outcome.k, outcome.q)} within tasks with its "
                          f"{100 * ctx.config.ci_level:g}% interval and the {ctx.adjust}-adjusted p-value.",
                          kinds={"winners": "share", "others": "share"},
                          labels={**KEY_HEADERS, "interval": f"{100 * ctx.config.ci_level:g}% CI"},
                          display_columns=["label", "winners", "others", "odds_ratio", "interval", "p_adjusted"]))
    for outcome in ctx.config.outcomes:
        section.add(Paragraph(_surviving_tests(ctx, outcome), heading="Tests after correction"
                              if outcome is ctx.config.outcomes[0] else None))
    section.add(*_headline_model(ctx))
    if ctx.robustness is not None:
        section.add(Paragraph(_robustness_sentence(ctx.robustness), heading="Ranking uncertainty"))
    if ctx.survey.warnings:
        section.add(Paragraph(f"{len(ctx.survey.warnings)} data warnings of {len(_warning_kinds(ctx.survey))} "
                              "kind(s) did not stop the analysis; they are listed in the appendix."))
    return section


KEY_HEADERS = {"winners": "Winners using", "others": "Others using", "odds_ratio": "Odds ratio",
               "ci_low": "CI from", "ci_high": "CI to", "p_adjusted": "p (adjusted)", "label": "Strategy"}


def key_strategies_table(ctx: ReportContext) -> pd.DataFrame:
    """The strategies with the largest excess among winners (shares from the suppressed profile) with the first
    outcome's odds ratio, interval and adjusted p-value."""
    columns = ["item", "label", "winners", "others", "odds_ratio", "ci_low", "ci_high", "p_adjusted"]
    profile = ctx.profile[~ctx.profile["suppressed"] & ctx.profile["item"].isin(ctx.strategy_items)]
    if not ctx.config.outcomes or profile.empty:
        return pd.DataFrame(columns=columns)
    if "level" in profile.columns:
        profile = profile[profile["level"].astype(str).str.lower().isin(("true", "yes", "1"))
                          | profile["level"].isna()]
    shares = profile.pivot_table(index="item", columns="group", values="share", aggfunc="first")
    if not {"winners", "others"} <= set(shares.columns):
        return pd.DataFrame(columns=columns)
    excess = (shares["winners"] - shares["others"]).dropna().sort_values(ascending=False)
    top = [i for i in excess.index if excess[i] > 0][:KEY_STRATEGIES]
    tests = ctx.tests(ctx.config.outcomes[0]).set_index("item")
    rows = []
    for item in top:
        test = tests.loc[item] if item in tests.index else None
        suppressed = test is None or bool(test.get("suppressed", False))
        rows.append({"item": item, "label": ctx.labels.get(item, item), "winners": shares.at[item, "winners"],
                     "others": shares.at[item, "others"],
                     **{c: (None if suppressed else test[c]) for c in ("odds_ratio", "ci_low", "ci_high",
                                                                       "p_adjusted")}})
    out = pd.DataFrame(rows, columns=columns)
    for column in columns[2:]:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out.insert(out.columns.get_loc("ci_high") + 1, "interval",
               [format_interval(lo, hi) for lo, hi in zip(out["ci_low"], out["ci_high"])])
    return out


def _surviving_tests(ctx: ReportContext, outcome) -> str:
    block = ctx.tests(outcome)
    what = outcome_text(outcome.outcome, outcome.k, outcome.q)
    tested = int(pd.to_numeric(block["p_value"], errors="coerce").notna().sum())
    significant = block[pd.to_numeric(block["p_adjusted"], errors="coerce") < DEFAULT_ALPHA]
    if tested == 0:
        hidden = "suppressed" in block.columns and block["suppressed"].fillna(False).astype(bool).any()
        return (f"For {what}, no strategy test can be shown: " + (
            f"every comparison rests on fewer than {ctx.min_cell} teams with or without the outcome and is "
            "suppressed." if hidden else "no strategy was tested."))
    if significant.empty:
        return (f"For {what}, none of the {tested} strategies tested remained significant after {ctx.adjust} "
                f"adjustment (adjusted p < {DEFAULT_ALPHA:g}).")
    parts = [f"{ctx.labels.get(r.item, r.item)} (odds ratio {format_ratio(r.odds_ratio)}, "
             f"{100 * ctx.config.ci_level:g}% CI {format_interval(r.ci_low, r.ci_high)}, adjusted p "
             f"{_p_phrase(r.p_adjusted)})" for r in significant.itertuples()]
    return (f"For {what}, {len(significant)} of {tested} strategies remained significant after {ctx.adjust} "
            f"adjustment: " + "; ".join(parts) + ".")


def _p_phrase(p) -> str:
    text = format_p(p)
    return text if text.startswith("<") else f"= {text}"


def _headline_model(ctx: ReportContext) -> list:
    """The first configured model: a sentence with rows used and dropped, and its odds-ratio table."""
    from challengelab.figures import survey as figs

    if not ctx.result.models:
        return [Paragraph("No models were requested in the configuration.", heading="Headline model")]
    spec = ctx.config.models[0] if ctx.config.models else None
    name = spec.name if spec is not None and spec.name in ctx.result.models else next(iter(ctx.result.models))
    model = ctx.result.models[name]
    used = int(getattr(model, "n_used", model.n_obs))
    dropped = int(getattr(model, "n_dropped", getattr(model, "n_missing", 0)) or 0)
    text = (f"{_model_title(ctx, name)}: {used:,} rows used, {dropped:,} dropped for missing answers"
            + (f", in {model.n_groups} tasks" if model.n_groups else "") + "."
            + ("" if model.converged else " The fit did not converge; its estimates are not interpreted."))
    table = figs.forest_table(model.table, labels=ctx.labels)
    table = table[["label", "odds_ratio", "ci_low", "ci_high", "p_value"]].reset_index(drop=True)
    table.insert(4, "interval", [format_interval(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"])])
    level = f"{100 * ctx.config.ci_level:g}%"
    return [Paragraph(text, heading="Headline model"),
            Table("key_model", f"Odds ratios: {_model_title(ctx, name)}", table,
                  f"Odds ratios with {level} intervals (exp of the log-odds estimates).",
                  kinds={"odds_ratio": "ratio", "ci_low": "ratio", "ci_high": "ratio"},
                  labels={"label": "Term", "ci_low": "CI from", "ci_high": "CI to", "interval": f"{level} CI"},
                  display_columns=["label", "odds_ratio", "interval", "p_value"])]


def _model_title(ctx: ReportContext, name: str) -> str:
    """A model in words: ``"Rank-ordered logit of the full leaderboard ranking"`` (the configuration key is not
    shown to readers)."""
    model = ctx.result.models[name]
    spec = next((m for m in ctx.config.models if m.name == name), None)
    what = outcome_text(spec.outcome, spec.k, spec.q) if spec else name
    kind = MODELS[model.model].short if model.model in MODELS else str(model.model).replace("_", " ")
    return f"{kind[:1].upper()}{kind[1:]} of {what}"


def _robustness_sentence(robustness: Section) -> str:
    table = next((b for b in robustness.blocks if isinstance(b, Table) and b.name == "robustness_strategies"), None)
    if table is None or "share_significant" not in table.frame.columns:
        return ("The robustness to ranking uncertainty could not be assessed; see the section "
                f"'{robustness.title}'.")
    frame = table.frame[~table.frame.get("suppressed", pd.Series(False, index=table.frame.index)).fillna(False)
                        .astype(bool)]
    significant = frame[frame["significant"].astype("boolean").fillna(False).astype(bool)] \
        if "significant" in frame.columns else frame.iloc[0:0]
    if significant.empty:
        return ("With the survey's ranks no strategy was significant, so there is no finding whose robustness to "
                f"ranking uncertainty could be checked (section '{robustness.title}').")
    parts = [f"{r.label} stays significant in {format_share(r.share_significant)} of the bootstrap replicates of "
             "the ranking" for r in significant.itertuples()]
    return "; ".join(parts) + f" (section '{robustness.title}')."


def _headline(ctx: ReportContext) -> str:
    """One paragraph: the dataset in a sentence and the strategies where winners differ most."""
    s = ctx.survey.summary()
    text = (f"{s['responses']} teams answered the questionnaire in {s['tasks']} tasks of {s['challenges']} "
            f"challenges; {s['winning_responses']} of them won their task.")
    if ctx.survey.is_synthetic:
        text = "SYNTHETIC DATA. " + text
    leading = key_strategies_table(ctx)
    if len(leading):
        text += (" Strategies with the largest excess among winners: "
                 + "; ".join(f"{r.label.rstrip('.')} ({_pct(r.winners)} of winners vs. {_pct(r.others)} of other "
                             f"teams)" for r in leading.head(3).itertuples()) + ".")
    return text


# --- 2.-6. methods and details -----------------------------------------------------------------------------------


def methods_section(ctx: ReportContext) -> Section:
    section = Section("Methods")
    for heading, text in methods_paragraphs(ctx.config, ctx.result, survey_summary=ctx.survey.summary(),
                                            versions=ctx.provenance.versions, min_cell=ctx.min_cell,
                                            strategy_items=ctx.tested_items, chromium=ctx.provenance.chromium):
        section.add(Paragraph(text, heading=heading))
    return section


def strategies_section(ctx: ReportContext) -> Section:
    from challengelab.figures import survey as figs

    section = Section("Winning strategies")
    config, labels = ctx.config, ctx.labels
    strategy_profile = ctx.profile[ctx.profile["item"].isin(ctx.strategy_items)].reset_index(drop=True)
    section.add(Paragraph("How often winners and other teams used each strategy (share answering yes, with "
                          f"{100 * config.ci_level:g}% Wilson intervals), then whether using it goes with a better "
                          "result within the same task."))
    view = _profile_view(strategy_profile)
    section.add(Table("strategy_profile", "Strategy use by winners, other teams and all teams", view,
                      "Share answering yes.", kinds=_share_kinds(), display_columns=_without(view, "item", "level")))
    section.add(_fig("strategy_shares", "Strategy use: winners vs. other teams",
                     figs.strategy_share_figure(strategy_profile[strategy_profile["group"] != "all"],
                                                labels=labels)))
    for outcome in config.outcomes:
        block = ctx.tests(outcome)
        what = outcome_text(outcome.outcome, outcome.k, outcome.q)
        section.add(Table(f"tests_{outcome.name}", f"Strategy tests: {what}", block,
                          f"{TESTS[config.test].short}; p (adjusted): {ctx.adjust} adjustment. 'Winners' are teams "
                          "with the outcome, 'others' those without.", kinds={"odds_ratio": "ratio"},
                          display_columns=_without(block, "outcome", "item", "test", "n_missing")))
        forest = block.rename(columns={"p_adjusted": "p_adj"}).copy()
        section.add(_fig(f"forest_tests_{outcome.name}", f"Odds ratios of the strategy tests: {what}",
                         figs.forest_figure(forest, label="label", p_value="p_adj",
                                            title=f"Strategy tests: {what}",
                                            caption=f"Common odds ratio of {what} for teams using each strategy vs. "
                                                    f"teams not using it, within tasks, with "
                                                    f"{100 * config.ci_level:g}% confidence intervals (log scale); "
                                                    "arrows mark intervals that do not end (e.g. every winner used "
                                                    "the strategy).")))
        section.add(Paragraph(_surviving_tests(ctx, outcome)))
    return section


def teams_section(ctx: ReportContext) -> Section:
    from challengelab.figures import survey as figs

    section = Section("Teams, leads and organizers")
    profile, types, labels, survey = ctx.profile, ctx.types, ctx.labels, ctx.survey
    other_items = [i for i in dict.fromkeys(profile["item"]) if i not in ctx.strategy_items]
    numeric = [i for i in other_items if types.get(i) == "numeric"]
    binary_rest = [i for i in other_items if types.get(i) == "binary"]
    if numeric:
        part = profile[profile["item"].isin(numeric)].reset_index(drop=True)
        view = _profile_view(part, numeric=True)
        section.add(Table("profile_numeric", "Experience, team size and effort", view,
                          display_columns=_without(view, "item")))
        section.add(_fig("numeric_profile", "Experience, team size and effort",
                         figs.numeric_summary_figure(part[part["group"] != "all"], labels=labels)))
    for item in [i for i in other_items if types.get(i) in ("categorical", "ordinal", "multi_select")]:
        part = profile[profile["item"] == item].reset_index(drop=True)
        title = labels.get(item, item)
        view = _profile_view(part)
        section.add(Table(f"profile_{item}", title, view, kinds=_share_kinds(),
                          display_columns=_without(view, "item", "label")))
        levels = list(survey.codebook[item].levels or ()) if item in survey.codebook else None
        section.add(_fig(f"profile_{item}", title, figs.level_share_figure(part[part["group"] != "all"],
                                                                           title=title, levels=levels or None)))
    if binary_rest:
        part = profile[profile["item"].isin(binary_rest)].reset_index(drop=True)
        view = _profile_view(part)
        section.add(Table("profile_environment", "Time and infrastructure", view, "Share answering yes.",
                          kinds=_share_kinds(), display_columns=_without(view, "item", "level")))
    _organizer_blocks(ctx, section)
    return section


def _organizer_blocks(ctx: ReportContext, section: Section) -> None:
    from challengelab.figures import survey as figs

    survey = ctx.survey
    items = [i.name for i in survey.codebook.items if i.table == "organizers" and i.name in survey.organizers.columns]
    if items:
        section.add(Paragraph("Organizers' view: how the organizers judged the winning solution of their task, by "
                              "task category."))
    for item in items:
        table = figs.organizer_table(survey, item, min_cell=ctx.min_cell)
        title = f"Organizers: {ctx.labels.get(item, item)}"
        section.add(Table(f"organizers_{item}", title, table, kinds={"share": "share"},
                          display_columns=_without(table, "item")))
        section.add(_fig(f"organizers_{item}", title, figs.organizer_figure(table, title=title)))


def models_section(ctx: ReportContext) -> Section:
    from challengelab.figures import survey as figs

    section = Section("Rank-linked models")
    result = ctx.result
    if not result.models:
        return section.add(Paragraph("No models were requested in the configuration."))
    models = result["models"].drop(columns=[c for c in ("method",) if c in result["models"].columns])
    if "model" in models.columns:
        models.insert(list(models.columns).index("model") + 1, "model_label",
                      [MODELS[m].label if m in MODELS else m for m in models["model"]])
    shown = [c for c in models.columns if c not in ("model", "warnings")]
    section.add(Table("models", "Models fitted", models, "One row per model; the methods section describes each "
                      "and the notes below give each model's warnings.", kinds={"n_groups": "int"},
                      labels={"name": "Configuration name", "model_label": "Model"}, display_columns=shown))
    for name, model in result.models.items():
        title = _model_title(ctx, name)
        section.add(Paragraph(f"{title} (configuration name '{name}'): {model.n_obs} rows"
                              + (f" in {model.n_groups} groups/strata" if model.n_groups else "") + "."))
        if not model.converged:
            section.add(Notice("The fitting routine did not converge: its estimates are not reliable and are not "
                               "interpreted.", kind="warning", title=f"{title}: did not converge"))
        for warning in model.warnings:
            section.add(Notice(warning, kind="warning", title=title))
        coefficients = result[f"model_{name}"].copy()
        coefficients.insert(1, "label", coefficients["term"].map(lambda t: ctx.labels.get(t, t)))
        section.add(Table(f"model_{name}", f"Coefficients: {title}", coefficients,
                          "Estimates and intervals on the log-odds scale; odds ratio = exp(estimate).",
                          kinds={"odds_ratio": "ratio"}, labels={"label": "Term"},
                          display_columns=[c for c in coefficients.columns if c != "term"]))
        forest = figs.forest_table(model.table, labels=ctx.labels)
        x_title = "Odds ratio of a better rank (log scale)" if model.model == "rank_ordered_logit" else \
            "Odds ratio (log scale)"
        section.add(_fig(f"forest_{name}", f"Odds ratios: {title}",
                         figs.forest_figure(forest, title=title, x_title=x_title)))
    return section


def published_section(ctx: ReportContext) -> Section:
    from challengelab.figures import survey as figs

    section = Section("Comparison with the published 2021 figures")
    published = figs.published_table(ctx.survey, min_cell=ctx.min_cell)
    section.add(Paragraph("Aggregates reported in the two 2021 survey papers next to the same quantity computed on "
                          "this dataset." + (" The dataset is synthetic: it was simulated to match these aggregates, "
                                             "so agreement is expected and is not evidence."
                                             if ctx.survey.is_synthetic else "")))
    section.add(Table("published", "Published 2021 figures vs. this dataset", published))
    section.add(_fig("published", "Published 2021 figures vs. this dataset", figs.published_figure(published)))
    return section


# --- appendix ----------------------------------------------------------------------------------------------------


def data_appendix(ctx: ReportContext) -> Section:
    """The dataset in numbers, the data warnings grouped by kind, the challenge list and per-task coverage."""
    from challengelab.figures import survey as figs

    survey = ctx.survey
    summary = survey.summary()
    section = Section("Appendix: the data")
    section.add(KeyValues(_dataset_facts(summary), name="dataset", title="Dataset"))
    if survey.warnings:
        kinds = _warning_kinds(survey)
        section.add(Table("data_warnings", "Data warnings, by kind", kinds,
                          "Problems in the data that did not stop loading, one row per kind with the number of "
                          "places and the first few of them; the sheet 'data_warnings_all' lists every one.",
                          labels={"reason": "Warning", "count": "Places", "examples": "First places"}))
        every = pd.DataFrame([{"location": w.location, "reason": w.reason,
                               "value": None if w.value is None else str(w.value)} for w in survey.warnings])
        section.add(Table("data_warnings_all", "Every data warning", every, on_page=False))
    challenges = _challenge_table(survey)
    section.add(Table("challenges", "Challenges in the dataset", challenges,
                      "Tasks and questionnaire responses per challenge.", display_rows=LISTING_ROWS))
    coverage = figs.coverage_table(survey)
    section.add(Table("coverage", "Response coverage per task", coverage,
                      "Questionnaire responses per task against the number of teams on its leaderboard.",
                      kinds={"response_rate": "share"}, display_rows=LISTING_ROWS))
    section.add(_fig("coverage", "Response coverage per task", figs.coverage_figure(coverage)))
    section.add(_fig("leaderboard_sizes", "Leaderboard sizes", figs.leaderboard_sizes_figure(coverage)))
    return section


def _dataset_facts(summary: dict) -> list[tuple[str, str]]:
    return [
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


def _warning_kinds(survey) -> pd.DataFrame:
    """One row per kind of data warning (same reason): how many places, and the first three of them."""
    rows: dict[str, list[str]] = {}
    for warning in survey.warnings:
        rows.setdefault(warning.reason, []).append(str(warning.location))
    return pd.DataFrame([{"reason": reason, "count": len(where),
                          "examples": "; ".join(where[:3]) + ("; ..." if len(where) > 3 else "")}
                         for reason, where in rows.items()], columns=["reason", "count", "examples"])


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
