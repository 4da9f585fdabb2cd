"""The survey breakdowns every face shows, suppressed once: the report and the dashboard call these.

Each function takes library results (or a :class:`~challengelab.Survey`), applies the disclosure rule of
:mod:`challengelab.tables.disclosure` with the face's ``min_cell`` and adds the display ``label`` of each item,
so the same data and minimum cell give the same table in every face.

Rules, decided here:

- a *profile* row (a share among winners, other teams or all teams) rests on its ``n`` respondents;
- a *strategy test* row compares teams with the outcome (``winners_total``) against the others
  (``others_total``): it is shown only when both groups reach ``min_cell``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from challengelab.tables.disclosure import suppress_small_cells

PROFILE_KEEP = ("item", "label", "level", "group")
TEST_KEEP = ("outcome", "item", "label", "test")


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
    return suppress_small_cells(_with_labels(profile, labels), count="n", min_cell=min_cell, keep=keep)


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
    smaller = table[["winners_total", "others_total"]].min(axis=1)
    out = suppress_small_cells(table.assign(_smaller=smaller), count="_smaller", min_cell=min_cell,
                               keep=[c for c in TEST_KEEP if c in table.columns])
    return out.drop(columns="_smaller")
