"""A seeded simulator of a survey round, calibrated to the published 2021 aggregates.

The 2021 survey data (IEEE ISBI 2021 and MICCAI 2021) were never released. The bundled example is therefore
**synthetic**: every team, answer and rank below is drawn from random numbers, calibrated so that its
aggregates match the published figures in ``data/reference/published_2021.csv``:

* 35 challenges with 80 tasks; leaderboard sizes drawn from a log-normal spread (3 to 60 teams);
* about 72 % of teams answer; exactly 38 tasks have a responding winner (the six published winner
  percentages, 100/97/79/66/63/61 %, are all consistent with 38 winning respondents: 38/38, 37/38, 30/38,
  25/38, 24/38, 23/38);
* winners' strategy counts are set exactly to those shares; other teams follow the participation-practice
  figures where published (deep learning 94 %, standard architecture 84 % of deep-learning solutions, ensembling
  50 %, k-fold cross-validation 37 %, postprocessing 48 %, too-large samples 43 % of which 69 % patch-based and
  37 % downsampled, 32 % without enough time, 25 % infrastructure bottleneck, knowledge exchange 70 % and prize
  money 16 % as incentives, median 80 working hours) and plausible guesses elsewhere;
* "reflecting the metrics in the method design" and "analysing failure cases" become more common towards the top
  of a leaderboard (the published "stood out" strategies);
* winning team leads: mostly computer science, mostly doctorate, median 5 years in biomedical image analysis and
  4 years in deep learning;
* organizers: 43 % say the winner exceeded the state of the art, 11 % that the problem was solved.

Numbers computed from this data are properties of the simulation, not findings about real teams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from challengelab.survey.codebook import Codebook, load_codebook

#: Published winner shares and the counts out of 38 winning respondents that realise them.
WINNER_COUNTS = {"augmentation": 38, "preprocessing": 37, "data_curation": 30, "postprocessing": 25,
                 "multi_task": 24, "multi_stage": 23}
N_WINNING_RESPONDENTS = 38

#: Probability of "yes" among non-winning respondents (published where the reference table has a figure).
OTHER_TEAM_RATES = {
    "augmentation": 0.88, "preprocessing": 0.85, "data_curation": 0.55, "postprocessing": 0.48,
    "multi_task": 0.38, "multi_stage": 0.45, "ensembling": 0.50, "k_fold_cv": 0.37, "pretraining": 0.55,
    "external_data": 0.20, "enough_time": 0.68, "infrastructure_bottleneck": 0.25,
}
#: Items whose use rises towards the top of the leaderboard: (rate at the bottom, rate at the top).
RANK_GRADIENT = {"metric_in_design": (0.30, 0.75), "failure_analysis": (0.25, 0.70), "ensembling": (0.40, 0.75)}

CATEGORIES = {"segmentation": 0.55, "classification": 0.15, "detection": 0.10, "registration": 0.05,
              "tracking": 0.03, "regression": 0.04, "reconstruction": 0.03, "other": 0.05}
MODALITIES = {"CT": 0.2, "MRI": 0.3, "microscopy": 0.12, "histopathology": 0.1, "endoscopy": 0.1,
              "fundus photography": 0.05, "ultrasound": 0.05, "X-ray": 0.04, "PET/CT": 0.04}
BACKGROUNDS_WINNERS = {"computer science": 0.55, "engineering": 0.25, "physics": 0.07, "mathematics": 0.07,
                       "medicine": 0.03, "biology": 0.01, "other": 0.02}
BACKGROUNDS_OTHERS = {"computer science": 0.45, "engineering": 0.28, "physics": 0.07, "mathematics": 0.06,
                      "medicine": 0.07, "biology": 0.03, "other": 0.04}
DEGREES_WINNERS = {"bachelor": 0.05, "master": 0.25, "doctorate": 0.55, "professor": 0.15}
DEGREES_OTHERS = {"bachelor": 0.15, "master": 0.40, "doctorate": 0.35, "professor": 0.10}
MOTIVATION_RATES = {"knowledge exchange": 0.70, "prize money": 0.16, "publication": 0.55,
                    "benchmarking own method": 0.40, "other": 0.05}


@dataclass(frozen=True)
class SimulationSettings:
    """Knobs of :func:`simulate_tables` (defaults = the 2021 calibration)."""

    n_challenges: int = 35
    n_tasks: int = 80
    response_rate: float = 0.72
    n_winning_respondents: int = N_WINNING_RESPONDENTS
    share_exceeds_sota: float = 0.43
    share_solved: float = 0.11
    item_missing_rate: float = 0.02

    def __post_init__(self) -> None:
        if not 1 <= self.n_challenges <= self.n_tasks:
            raise ValueError("need 1 <= n_challenges <= n_tasks")
        if not 0 <= self.n_winning_respondents <= self.n_tasks:
            raise ValueError("n_winning_respondents must be between 0 and n_tasks")
        if not 0 < self.response_rate <= 1:
            raise ValueError("response_rate must be in (0, 1]")


def simulate_tables(seed: int = 2021, settings: SimulationSettings | None = None,
                    codebook: str | Codebook = "2021") -> dict[str, pd.DataFrame]:
    """Simulate the four survey tables (raw values: "yes"/"no", level strings, numbers).

    Examples
    --------
    >>> from challengelab.synthetic.survey import simulate_tables
    >>> tables = simulate_tables(seed=1)
    >>> sorted(tables)
    ['challenges', 'organizers', 'responses', 'tasks']
    >>> int((tables["responses"]["rank"] == 1).sum())
    38
    """
    settings = settings or SimulationSettings()
    codebook = load_codebook(codebook)
    rng = np.random.default_rng(seed)
    challenges = _challenges(rng, settings)
    tasks = _tasks(rng, settings, challenges)
    responses = _responses(rng, settings, tasks, codebook)
    organizers = _organizers(rng, settings, tasks)
    return {"challenges": challenges, "tasks": tasks, "responses": responses, "organizers": organizers}


def simulation_metadata(seed: int, settings: SimulationSettings | None = None) -> dict[str, str]:
    """The ``about`` sheet of a simulated survey: it says, in words, that the data is synthetic."""
    from challengelab._version import __version__

    settings = settings or SimulationSettings()
    return {
        "synthetic": "true",
        "description": "SYNTHETIC survey round simulated by challengelab.synthetic.survey from published 2021 aggregates "
                       "(Eisenmann et al., CVPR 2023; arXiv 2212.08568). Not real teams or answers.",
        "generator": f"challengelab.synthetic.survey {__version__}",
        "seed": str(seed),
        "n_challenges": str(settings.n_challenges),
        "n_tasks": str(settings.n_tasks),
        "response_rate": str(settings.response_rate),
    }


def simulate_survey(seed: int = 2021, settings: SimulationSettings | None = None, codebook: str | Codebook = "2021"):
    """Simulate and validate a survey round; returns a :class:`~challengelab.Survey` marked synthetic."""
    from challengelab.survey import Survey

    tables = simulate_tables(seed, settings, codebook)
    return Survey.from_frames(**tables, codebook=codebook, metadata=simulation_metadata(seed, settings),
                              source=f"simulated (seed {seed})")


# --- the tables ------------------------------------------------------------------------------------------------


def _challenges(rng: np.random.Generator, s: SimulationSettings) -> pd.DataFrame:
    n_isbi = max(1, round(s.n_challenges * 0.25)) if s.n_challenges > 1 else 0
    conference = ["ISBI"] * n_isbi + ["MICCAI"] * (s.n_challenges - n_isbi)
    ids = [f"C{i + 1:02d}" for i in range(s.n_challenges)]
    return pd.DataFrame({
        "challenge_id": ids,
        "name": [f"Synthetic {conf} challenge {cid}" for conf, cid in zip(conference, ids)],
        "conference": conference,
        "year": 2021,
        "url": None,
    })


def _tasks(rng: np.random.Generator, s: SimulationSettings, challenges: pd.DataFrame) -> pd.DataFrame:
    # every challenge has one task; the rest go preferentially to challenges that already have several
    per_challenge = np.ones(s.n_challenges, dtype=int)
    for _ in range(s.n_tasks - s.n_challenges):
        weights = per_challenge ** 1.5
        per_challenge[rng.choice(s.n_challenges, p=weights / weights.sum())] += 1
    challenge_of_task = np.repeat(challenges["challenge_id"].to_numpy(), per_challenge)
    task_number = np.concatenate([np.arange(1, k + 1) for k in per_challenge])
    n_teams = np.clip(np.round(np.exp(rng.normal(np.log(8), 0.7, s.n_tasks))), 3, 60).astype(int)
    categories = rng.choice(list(CATEGORIES), size=s.n_tasks, p=_p(CATEGORIES))
    modality_of_challenge = dict(zip(challenges["challenge_id"],
                                     rng.choice(list(MODALITIES), size=s.n_challenges, p=_p(MODALITIES))))
    return pd.DataFrame({
        "task_id": [f"{c}-T{k}" for c, k in zip(challenge_of_task, task_number)],
        "challenge_id": challenge_of_task,
        "name": [f"Task {k}" for k in task_number],
        "task_category": categories,
        "modality": [modality_of_challenge[c] for c in challenge_of_task],
        "n_teams": n_teams,
        "metrics": None,
        "ranking_method": None,
    })


def _responses(rng: np.random.Generator, s: SimulationSettings, tasks: pd.DataFrame,
               codebook: Codebook) -> pd.DataFrame:
    winner_tasks = set(rng.choice(len(tasks), size=s.n_winning_respondents, replace=False).tolist())
    other_rate = _other_response_rate(s, tasks)
    rows = []
    for position, task in enumerate(tasks.itertuples(index=False)):
        ranks = _leaderboard_ranks(rng, task.n_teams)
        answered = rng.random(task.n_teams) < other_rate
        answered[0] = position in winner_tasks  # ranks are sorted: position 0 is the winner
        for team_number in np.flatnonzero(answered):
            rows.append({"task_id": task.task_id, "team_id": f"{task.task_id}-team{team_number + 1:02d}",
                         "rank": int(ranks[team_number]), "_n": task.n_teams})
    frame = pd.DataFrame(rows)
    frame = frame.sample(frac=1.0, random_state=rng.integers(2**31)).sort_values(
        ["task_id", "rank"], kind="stable").reset_index(drop=True)
    winner = frame["rank"].to_numpy() == 1
    top = 1.0 - (frame["rank"].to_numpy() - 1) / np.maximum(frame["_n"].to_numpy() - 1, 1)  # 1 = best
    n = len(frame)

    items: dict[str, np.ndarray] = {}
    for name in codebook.names(type="binary", table="responses"):
        p = np.full(n, OTHER_TEAM_RATES.get(name, 0.4))
        if name in RANK_GRADIENT:
            low, high = RANK_GRADIENT[name]
            p = low + (high - low) * top
        items[name] = rng.random(n) < p
    # algorithm characteristics and sample-size-driven strategies
    items["deep_learning"] = rng.random(n) < 0.94
    items["standard_architecture"] = items["deep_learning"] & (rng.random(n) < 0.84)
    too_large = rng.random(n) < 0.43
    items["patch_based"] = too_large & (rng.random(n) < 0.69)
    items["downsampling"] = too_large & (rng.random(n) < 0.37)
    # winners: exact counts of the published shares
    winner_rows = np.flatnonzero(winner)
    for name, count in WINNER_COUNTS.items():
        count = round(count * len(winner_rows) / N_WINNING_RESPONDENTS)
        chosen = rng.permutation(winner_rows)[:count]
        items[name][winner_rows] = False
        items[name][chosen] = True

    out = frame[["task_id", "team_id", "rank"]].copy()
    for name, values in items.items():
        answers = np.where(values, "yes", "no").astype(object)
        missing = rng.random(n) < s.item_missing_rate
        if name in WINNER_COUNTS:  # the calibrated winner shares stay exact
            missing &= ~winner
        answers[missing] = None
        out[name] = answers
    out["lead_background"] = np.where(winner, _draw(rng, BACKGROUNDS_WINNERS, n), _draw(rng, BACKGROUNDS_OTHERS, n))
    out["lead_degree"] = np.where(winner, _draw(rng, DEGREES_WINNERS, n), _draw(rng, DEGREES_OTHERS, n))
    years_bio = np.where(winner, rng.gamma(5.5, 1.0, n), rng.gamma(3.0, 1.2, n))
    years_dl = np.minimum(np.where(winner, rng.gamma(6.5, 0.72, n), rng.gamma(3.5, 0.85, n)), years_bio + 1)
    out["lead_years_biomedical"] = np.round(years_bio).astype(int)
    out["lead_years_dl"] = np.round(years_dl).astype(int)
    out["team_size"] = 1 + rng.poisson(2.5, n)
    out["hours_spent"] = np.round(np.exp(rng.normal(np.log(80), 0.9, n))).astype(int)
    chosen = {level: rng.random(n) < rate for level, rate in MOTIVATION_RATES.items()}
    motivation = ["; ".join(level for level in MOTIVATION_RATES if chosen[level][i]) or "other" for i in range(n)]
    out["motivation"] = motivation
    for column in ("lead_background", "lead_degree", "lead_years_biomedical", "lead_years_dl", "team_size",
                   "hours_spent", "motivation"):
        values = out[column].astype(object).to_numpy().copy()
        values[rng.random(n) < s.item_missing_rate] = None
        out[column] = values
    return out


def _other_response_rate(s: SimulationSettings, tasks: pd.DataFrame) -> float:
    """Response rate of non-winners so that the overall rate is ``s.response_rate``."""
    total = int(tasks["n_teams"].sum())
    wanted = s.response_rate * total - s.n_winning_respondents
    return float(np.clip(wanted / max(total - len(tasks), 1), 0.0, 1.0))


def _leaderboard_ranks(rng: np.random.Generator, n_teams: int) -> np.ndarray:
    """Ranks 1..n with an occasional tie between two neighbours below the winner (as equal ranks)."""
    ranks = np.arange(1, n_teams + 1)
    if n_teams >= 4 and rng.random() < 0.1:
        j = int(rng.integers(2, n_teams))  # 0-based position >= 2, tie with the one above
        ranks[j] = ranks[j - 1]
    return ranks


def _organizers(rng: np.random.Generator, s: SimulationSettings, tasks: pd.DataFrame) -> pd.DataFrame:
    n = len(tasks)
    exceeds = _exact_shares(rng, n, {"yes": s.share_exceeds_sota, "unsure": 0.25})
    solved = _exact_shares(rng, n, {"yes": s.share_solved, "partially": 0.55})
    return pd.DataFrame({"task_id": tasks["task_id"],
                         "winner_exceeds_sota": np.where(exceeds == "rest", "no", exceeds),
                         "problem_solved": np.where(solved == "rest", "no", solved)})


def _exact_shares(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    labels = np.array(["rest"] * n, dtype=object)
    order = rng.permutation(n)
    start = 0
    for label, share in shares.items():
        count = int(round(share * n))
        labels[order[start:start + count]] = label
        start += count
    return labels


def _p(weights: dict[str, float]) -> np.ndarray:
    p = np.array(list(weights.values()), dtype=float)
    return p / p.sum()


def _draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    return rng.choice(list(weights), size=n, p=_p(weights))
