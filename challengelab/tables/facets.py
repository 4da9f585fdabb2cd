"""Filter choices that narrow each other: for every filter column, the values left by the *other* filters, with
the number of tasks each would keep.

Examples
--------
>>> import pandas as pd
>>> tasks = pd.DataFrame({"conference": ["MICCAI", "MICCAI", "ISBI"], "year": [2020, 2021, 2021]})
>>> facet_counts(tasks, {"conference": ("ISBI",), "year": ()})
{'conference': [('ISBI', 1), ('MICCAI', 2)], 'year': [(2021, 1)]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd


def _matches(frame: pd.DataFrame, filters: Mapping[str, Sequence], skip: str | None = None) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for column, values in filters.items():
        if column != skip and values:
            keep &= frame[column].isin(list(values))
    return keep


def facet_counts(frame: pd.DataFrame, filters: Mapping[str, Sequence]) -> dict[str, list[tuple[object, int]]]:
    """For each column of ``filters``: ``[(value, rows), ...]`` sorted by value, counting the rows of ``frame``
    that match every *other* filter; values chosen in the column itself are kept even when they count 0.

    Years and other whole numbers come back as ``int``, everything else as ``str``; missing values are left out.
    """
    out: dict[str, list[tuple[object, int]]] = {}
    for column, chosen in filters.items():
        values = frame.loc[_matches(frame, filters, skip=column), column].dropna()
        integer = pd.api.types.is_numeric_dtype(frame[column])
        values = values.astype("int64") if integer else values.astype(str)
        counts = values.value_counts().to_dict()
        for value in chosen or ():
            counts.setdefault(int(value) if integer else str(value), 0)
        out[column] = sorted(((value, int(n)) for value, n in counts.items()), key=lambda pair: pair[0])
    return out
