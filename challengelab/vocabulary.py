"""The words challengelab uses for its methods: one place for every label and methods sentence.

Every face (CLI, report, dashboard) and every methods paragraph takes its names from here, so that a test, an
adjustment, a model or an outcome is called the same everywhere. Keys are the values the library's keywords
accept (``test="exact_cmh"``, ``adjust="holm"``, ``model="conditional_logit"``, ``outcome="winner"``).

Examples
--------
>>> TESTS["exact_cmh"].label
'Exact stratified test (by task)'
>>> ADJUSTMENTS["holm"].short
'Holm'
>>> outcome_label("top_k", k=3)
'Top 3 of the leaderboard'
"""

from __future__ import annotations

from dataclasses import dataclass

#: The significance level used where a face has to call a result "significant" and nothing else is configured.
DEFAULT_ALPHA = 0.05


@dataclass(frozen=True)
class Term:
    """A method's names: ``label`` for menus and headings, ``short`` for table cells, ``prose`` for methods text."""

    label: str
    short: str
    prose: str


TESTS: dict[str, Term] = {
    "exact_cmh": Term(
        "Exact stratified test (by task)", "exact conditional test stratified by task",
        "the exact conditional test of a common odds ratio across tasks (as R mantelhaen.test with exact = TRUE): "
        "each team is compared only with the teams of its own task, so a strategy that is merely more common in "
        "large competitions is not mistaken for a winning one; the odds ratio is the conditional maximum-"
        "likelihood estimate and its interval inverts two one-sided exact tests"),
    "cmh": Term(
        "Cochran–Mantel–Haenszel (asymptotic)", "Cochran-Mantel-Haenszel test",
        "the asymptotic Cochran-Mantel-Haenszel test stratified by task with the Mantel-Haenszel common odds "
        "ratio (as R mantelhaen.test)"),
    "fisher": Term(
        "Fisher exact test (pooled, ignores tasks)", "Fisher's exact test (pooled)",
        "Fisher's exact test on the pooled 2x2 table (all tasks together, not stratified), with the conditional "
        "maximum-likelihood odds ratio (as R fisher.test)"),
}

ADJUSTMENTS: dict[str, Term] = {
    "holm": Term("Holm", "Holm", "Holm's step-down method (family-wise error rate)"),
    "hochberg": Term("Hochberg", "Hochberg", "Hochberg's step-up method (family-wise error rate)"),
    "hommel": Term("Hommel", "Hommel", "Hommel's method (family-wise error rate)"),
    "bonferroni": Term("Bonferroni", "Bonferroni", "the Bonferroni method (family-wise error rate)"),
    "fdr_bh": Term("Benjamini–Hochberg (FDR)", "Benjamini–Hochberg",
                   "the Benjamini-Hochberg method (false discovery rate)"),
    "fdr_by": Term("Benjamini–Yekutieli (FDR)", "Benjamini–Yekutieli",
                   "the Benjamini-Yekutieli method (false discovery rate under any dependence)"),
    "none": Term("None", "unadjusted", "no correction (p-values are unadjusted)"),
}

MODELS: dict[str, Term] = {
    "auto": Term("Automatic (recommended)", "automatic", "the model that suits the outcome"),
    "conditional_logit": Term("Conditional logit (within tasks)", "conditional logit",
                              "conditional logistic regression stratified by task"),
    "rank_ordered_logit": Term("Rank-ordered logit (within tasks)", "rank-ordered logit",
                               "the rank-ordered (Plackett-Luce) logit stratified by task"),
    "firth_logit": Term("Firth-penalised logistic (pooled)", "Firth logistic (pooled)",
                        "Firth-penalised logistic regression pooled over all tasks"),
    "mixed_logit": Term("Mixed logit (random challenge intercept)", "mixed logit",
                        "logistic regression with a random intercept per challenge"),
}

RANKING_METHODS: dict[str, Term] = {
    "aggregate_then_rank": Term("Aggregate, then rank", "aggregate-then-rank",
                                "aggregate each algorithm's per-case values, then rank the aggregates"),
    "rank_then_aggregate": Term("Rank, then aggregate", "rank-then-aggregate",
                                "rank the algorithms within every case, then average the ranks"),
    "test_then_rank": Term("Test, then rank", "test-then-rank",
                           "test every pair of algorithms (one-sided paired Wilcoxon signed-rank tests) and rank "
                           "by the share of significant wins"),
}

OUTCOMES: dict[str, str] = {
    "winner": "Winning (rank 1)",
    "top_k": "Top k of the leaderboard",
    "top_fraction": "Top fraction of the leaderboard",
    "rank": "Full ranking (every position)",
}


def outcome_label(outcome: str, k: int | None = None, q: float | None = None) -> str:
    """A heading for an outcome: ``"Winning (rank 1)"``, ``"Top 3 of the leaderboard"``, ``"Best 10 %"``."""
    if outcome == "top_k" and k is not None:
        return f"Top {int(k)} of the leaderboard"
    if outcome == "top_fraction" and q is not None:
        return f"Best {100 * q:g} % of the leaderboard"
    return OUTCOMES.get(outcome, f"Answer '{outcome}'")


def outcome_text(outcome: str, k: int | None = None, q: float | None = None) -> str:
    """The outcome inside a sentence: ``"winning the task (rank 1)"``, ``"a top-3 rank in the task"``."""
    if outcome == "winner":
        return "winning the task (rank 1)"
    if outcome == "top_k":
        return f"a top-{k} rank in the task"
    if outcome == "top_fraction":
        return f"a rank within the best {100 * (q or 0):g}% of the task's leaderboard"
    if outcome == "rank":
        return "the full leaderboard ranking"
    return f"the binary answer '{outcome}'"


def outcome_key(outcome: str, k: int | None = None, q: float | None = None) -> str:
    """A column-friendly outcome name: ``winner``, ``top_3``, ``top_10pct``, ``rank`` or the column itself."""
    if outcome == "top_k":
        return f"top_{int(k)}" if k is not None else "top_k"
    if outcome == "top_fraction":
        return f"top_{round(100 * q):d}pct" if q is not None else "top_fraction"
    return outcome


def label_of(table: dict[str, Term], key: str) -> str:
    """``table[key].label``, or the key itself for a name the vocabulary does not know."""
    term = table.get(key)
    return term.label if term else key
