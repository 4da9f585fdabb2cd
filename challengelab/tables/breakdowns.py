"""The survey breakdowns every face shows, suppressed once: the report and the dashboard call these.

Each function takes library results (or a :class:`~challengelab.Survey`), applies the disclosure rule of
:mod:`challengelab.tables.disclosure` with the face's ``min_cell`` and adds the display ``label`` of each item,
so the same data and minimum cell give the same table in every face.

Rules, decided here (the rule itself, query-set-size control, is :func:`~challengelab.tables.disclosure.
suppress_breakdown`):

- a *profile* row (a share among winners or other teams) rests on its ``n`` respondents and leaves the rest of
  its item's respondents (the ``all`` row) out: both must reach ``min_cell``; within a shown row, a ``count``
  (and the count of the others in the row, ``n - count``) below ``min_cell`` is blanked with its share and
  interval, and so is a small ``n_missing``;
- a *strategy test* row compares teams with the outcome (``winners_total``) against the others
  (``others_total``): it is shown only when both groups reach ``min_cell``; a small ``winners_with`` or
  ``others_with`` (or its complement within its group) is blanked with the odds ratio, interval and p-values
  that would give it back.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from challengelab.tables.disclosure import small_counts, suppress_breakdown

PROFILE_KEEP = ("item", "label", "level", "group")
PROFILE_DERIVED = ("share", "ci_low", "ci_high")
TEST_KEEP = ("outcome", "item", "label", "test")
TEST_DERIVED = ("odds_ratio", "ci_low", "ci_high", "p_value", "p_adjusted")


def _blank_small(table: pd.DataFrame, column: str, min_cell: int) -> pd.DataFrame:
    """Blank the values 1 .. min_cell - 1 of a count column (a count that is not an answer, e.g. missing)."""
    small = small_counts(table[column], min_cell)
    if not small.any():
        return table
    out = table.copy()
    out[column] = out[column].astype("Int64").mask(small)
    return out


def item_labels(codebook) -> dict[str, str]:
    """Display labels: codebook labels, plus "<question>: <option>" for multi-select indicator columns."""
    labels = {item.name: item.label for item in codebook.items}
    for item in codebook.select(type="multi_select"):
        for level, column in item.indicator_columns().items():
            labels[column] = f"{item.label.split('(')[0].strip()}: {level}"
    return labels


def _with_labels(table: pd.DataFrame, labels: Mapping[str, str], after: str = "item") -> pd.DataFrame:
    out = table.copy()
    if "label" not in out.columns and after in out.columns:
        out.insert(list(out.columns).index(after) + 1, "label", out[after].map(lambda n: labels.get(n, n)))
    return out


def profile_table(profile: pd.DataFrame, *, labels: Mapping[str, str], min_cell: int,
                  by: str | None = None) -> pd.DataFrame:
    """A :func:`~challengelab.stats.winner_profile` table with labels, each row suppressed on its ``n``.

    Examples
    --------
    >>> import challengelab
    >>> from challengelab.stats import winner_profile
    >>> survey = challengelab.example_survey()
    >>> table = profile_table(winner_profile(survey, items=["augmentation"]),
    ...                       labels=item_labels(survey.codebook), min_cell=5)
    >>> row = table.iloc[0]
    >>> row["label"], row["group"], bool(row["suppressed"])
    ('Used data augmentation', 'winners', False)
    """
    keep = [c for c in (*PROFILE_KEEP, by) if c and c in profile.columns or c == "label"]
    table = _with_labels(profile, labels)
    keys = [c for c in ("item", "level", by) if c and c in table.columns]
    n = pd.to_numeric(table["n"], errors="coerce")
    if "group" in table.columns and (table["group"] == "all").any():
        total = n.where(table["group"] == "all").groupby([table[k] for k in keys], dropna=False).transform("max")
    else:
        total = n.groupby([table[k] for k in keys], dropna=False).transform("sum")
    table = table.assign(_total=total.fillna(n))
    out = suppress_breakdown(table, count="n", total="_total", min_cell=min_cell, keep=keep,
                             counts=[c for c in ("count",) if c in table.columns],
                             derived=[c for c in PROFILE_DERIVED if c in table.columns])
    if "n_missing" in out.columns:
        out = _blank_small(out, "n_missing", min_cell)
    return out.drop(columns="_total")


def strategy_table(tests: pd.DataFrame, *, labels: Mapping[str, str], min_cell: int) -> pd.DataFrame:
    """A :func:`~challengelab.stats.strategy_tests` table with labels; a row is suppressed unless both the teams
    with the outcome and the others reach ``min_cell``.

    Examples
    --------
    >>> import challengelab
    >>> from challengelab.stats import strategy_tests
    >>> survey = challengelab.example_survey()
    >>> table = strategy_table(strategy_tests(survey, items=["multi_task"]),
    ...                        labels=item_labels(survey.codebook), min_cell=5)
    >>> bool(table["suppressed"].iloc[0])
    False
    """
    table = _with_labels(tests, labels)
    total = table["winners_total"] + table["others_total"]
    return suppress_breakdown(table.assign(_total=total), count="winners_total", total="_total", min_cell=min_cell,
                              keep=[c for c in TEST_KEEP if c in table.columns],
                              counts={"winners_with": "winners_total", "others_with": "others_total"},
                              derived=[c for c in TEST_DERIVED if c in table.columns]).drop(columns="_total")
