"""The published 2021 figures (``data/reference/``) and the same quantities computed on a survey.

The reference tables are copies of public material with their sources: ``published_2021.csv`` (aggregates
from the two 2021 survey papers' abstracts) and ``challenges_2021.csv`` (a partial public list of the 2021
challenges).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from challengelab._paths import reference_dir


def published_figures() -> pd.DataFrame:
    """The published 2021 aggregates: ``study, population, quantity, value, unit, source``."""
    return pd.read_csv(reference_dir() / "published_2021.csv")


def public_challenges() -> pd.DataFrame:
    """The partial public list of the 2021 challenges, with sources."""
    return pd.read_csv(reference_dir() / "challenges_2021.csv")


@dataclass(frozen=True)
class _Quantity:
    quantity: str  # as in published_2021.csv
    population: str
    compute: Callable[[object], tuple[object, int]]  # survey -> (value, n)


def _share(item: str, *, winners: bool | None, condition: str | None = None, invert: bool = False):
    def compute(survey) -> tuple[float, int]:
        frame = survey.responses
        if winners is not None:
            frame = frame[frame["winner"] == winners]
        if condition is not None:
            frame = frame[frame[condition].fillna(False).astype(bool)]
        answered = frame[item].dropna().astype(bool)
        if not len(answered):
            return float("nan"), 0
        share = float(answered.mean())
        return 100 * ((1 - share) if invert else share), len(answered)
    return compute


def _organizer_share(item: str, level: str):
    def compute(survey) -> tuple[float, int]:
        answered = survey.organizers[item].dropna()
        return (100 * float((answered == level).mean()) if len(answered) else float("nan")), len(answered)
    return compute


def _winner_mode(item: str):
    def compute(survey) -> tuple[str, int]:
        answered = survey.responses.loc[survey.responses["winner"], item].dropna()
        return (str(answered.mode().iat[0]) if len(answered) else "", len(answered))
    return compute


def _median(item: str, *, winners: bool | None):
    def compute(survey) -> tuple[float, int]:
        frame = survey.responses if winners is None else survey.responses[survey.responses["winner"] == winners]
        answered = frame[item].dropna().astype(float)
        return (float(answered.median()) if len(answered) else float("nan")), len(answered)
    return compute


def _response_rate(survey) -> tuple[float, int]:
    rate = survey.coverage()["response_rate"].dropna()
    return 100 * float(rate.median()), len(rate)


_QUANTITIES = [
    _Quantity("used data augmentation", "winning teams", _share("augmentation", winners=True)),
    _Quantity("used image preprocessing", "winning teams", _share("preprocessing", winners=True)),
    _Quantity("used data curation", "winning teams", _share("data_curation", winners=True)),
    _Quantity("used postprocessing", "winning teams", _share("postprocessing", winners=True)),
    _Quantity("used multi-task learning", "winning teams", _share("multi_task", winners=True)),
    _Quantity("used multi-stage pipeline", "winning teams", _share("multi_stage", winners=True)),
    _Quantity("typical background", "winning team leads", _winner_mode("lead_background")),
    _Quantity("typical highest degree", "winning team leads", _winner_mode("lead_degree")),
    _Quantity("typical years of experience in biomedical image analysis", "winning team leads",
              _median("lead_years_biomedical", winners=True)),
    _Quantity("typical years of experience in deep learning", "winning team leads",
              _median("lead_years_dl", winners=True)),
    _Quantity("exceeded the state of the art", "winning algorithms (organizers' view)",
              _organizer_share("winner_exceeds_sota", "yes")),
    _Quantity("completely solved the domain problem", "winning algorithms (organizers' view)",
              _organizer_share("problem_solved", "yes")),
    _Quantity("median share of participants who answered the survey", "challenge participants", _response_rate),
    _Quantity("main incentive was knowledge exchange", "respondents",
              _share("motivation__knowledge_exchange", winners=None)),
    _Quantity("main incentive was prize money", "respondents", _share("motivation__prize_money", winners=None)),
    _Quantity("median working hours spent on method development", "respondents",
              _median("hours_spent", winners=None)),
    _Quantity("did not have enough time for method development", "respondents",
              _share("enough_time", winners=None, invert=True)),
    _Quantity("perceived infrastructure as a bottleneck", "respondents",
              _share("infrastructure_bottleneck", winners=None)),
    _Quantity("based on deep learning", "solutions", _share("deep_learning", winners=None)),
    _Quantity("based on standard architectures", "deep learning solutions",
              _share("standard_architecture", winners=None, condition="deep_learning")),
    _Quantity("used k-fold cross-validation on the training set", "respondents", _share("k_fold_cv", winners=None)),
    _Quantity("used ensembling", "respondents", _share("ensembling", winners=None)),
    _Quantity("used postprocessing", "respondents", _share("postprocessing", winners=None)),
]


def compare_with_published(survey) -> pd.DataFrame:
    """Published 2021 figures next to the same quantity computed on ``survey``.

    Returns a DataFrame with columns ``study, population, quantity, unit, published, observed, n, source``;
    quantities the survey cannot compute (its codebook lacks the item) are left out.
    The motivation items are multi-select here, so "main incentive" is compared with "selected as an
    incentive": a looser quantity, flagged in ``note``.

    Examples
    --------
    >>> import challengelab
    >>> from challengelab.tables.published import compare_with_published
    >>> table = compare_with_published(challengelab.example_survey())
    >>> table.set_index("quantity").loc["used data augmentation", ["published", "observed"]].tolist()
    [100, 100.0]
    """
    published = published_figures()
    rows = []
    for q in _QUANTITIES:
        match = published[(published["quantity"] == q.quantity) & (published["population"] == q.population)]
        if match.empty:
            continue
        try:
            observed, n = q.compute(survey)
        except KeyError:  # the survey's codebook has no such item
            continue
        ref = match.iloc[0]
        value = ref["value"]
        rows.append({
            "study": ref["study"], "population": q.population, "quantity": q.quantity, "unit": ref["unit"],
            "published": int(value) if str(value).isdigit() else value, "observed": observed, "n": n,
            "source": ref["source"],
            "note": "multi-select: share who selected it, not 'main' incentive" if "incentive" in q.quantity else "",
        })
    return pd.DataFrame(rows, columns=["study", "population", "quantity", "unit", "published", "observed", "n",
                                       "source", "note"])
