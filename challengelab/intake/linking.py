"""Linking responses to leaderboard entries by their challenge, task and team answers.

Names are compared after :func:`normalise_name` (case, accents, punctuation, spacing); the rest is scored with
rapidfuzz. A response links automatically only when its best entry scores at least :data:`LINK_SCORE` and beats
the next one by :data:`MARGIN`; everything else goes to review with its candidates. Two responses claiming the
same entry both go to review. Decisions a person writes into the links file (``decision`` = ``link`` with a
``task_id`` and ``team``, or ``reject``) override the automatic ones on the next run.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

#: A response links automatically when its best candidate scores at least this (0-100) ...
LINK_SCORE = 90.0
#: ... and the second-best candidate scores at least this much less.
MARGIN = 8.0
#: Candidates listed for review score at least this.
CANDIDATE_SCORE = 50.0
#: The task fit of a challenge's tasks when the response names the challenge but none of its several tasks.
UNNAMED_TASK_SCORE = 60.0
#: How many candidates the review file lists per response.
N_CANDIDATES = 5

LINKED, REVIEW, REJECTED = "linked", "review", "rejected"
DECISIONS = ("link", "reject")


def normalise_name(name: object) -> str:
    """A name folded for comparison: accents removed, lower case, ``&`` -> ``and``, punctuation -> spaces.

    Examples
    --------
    >>> normalise_name("  Équipe-Ñandú & Co.  ")
    'equipe nandu and co'
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    return _normalised(str(name))


@lru_cache(maxsize=65536)
def _normalised(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    return re.sub(r"[\W_]+", " ", text).strip()


def name_score(answer: str, name: str) -> float:
    """Similarity of two names in 0-100: 100 when equal after normalising (spaces ignored), else rapidfuzz.

    Examples
    --------
    >>> name_score("deep-seg", "DeepSeg")
    100.0
    >>> name_score("DeepSegg", "DeepSeg") >= 90
    True
    """
    from rapidfuzz import fuzz

    a, b = normalise_name(answer), normalise_name(name)
    if not a or not b:
        return 0.0
    if a.replace(" ", "") == b.replace(" ", ""):
        return 100.0
    return round(max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))), 1)


def name_scores(answer: str, names: list[str], compact: list[str] | None = None) -> np.ndarray:
    """:func:`name_score` of one answer against many (already normalised) names, vectorised.

    ``compact`` are the names without spaces (computed when not given).
    """
    from rapidfuzz import fuzz, process

    a = normalise_name(answer)
    if not a or not names:
        return np.zeros(len(names))
    compact = compact if compact is not None else [n.replace(" ", "") for n in names]
    a_compact = a.replace(" ", "")
    scores = np.maximum(process.cdist([a], names, scorer=fuzz.token_sort_ratio)[0],
                        process.cdist([a_compact], compact, scorer=fuzz.ratio)[0]).astype(float)
    compact_array = np.asarray(compact, dtype=object)
    scores[compact_array == a_compact] = 100.0
    scores[compact_array == ""] = 0.0
    return np.round(scores, 1)


@dataclass
class Entry:
    task_id: str
    team: str
    rank: int


@dataclass
class Board:
    """The tasks and leaderboards a round is linked against."""

    tasks: pd.DataFrame  # task_id, challenge_id, challenge_name, task_name, ... (strings)
    entries: list[Entry]
    _fits: dict = field(default_factory=dict, repr=False)
    _arrays: dict = field(default_factory=dict, repr=False)

    def arrays(self) -> tuple[np.ndarray, list[str], list[str], list[str]]:
        """Every entry's task position (in ``tasks``), normalised and compact team names; the task ids."""
        if not self._arrays:
            task_ids = list(self.tasks["task_id"])
            position = {task_id: i for i, task_id in enumerate(task_ids)}
            self._arrays["codes"] = np.array([position.get(e.task_id, -1) for e in self.entries], dtype=int)
            self._arrays["names"] = [normalise_name(e.team) for e in self.entries]
            self._arrays["compact"] = [n.replace(" ", "") for n in self._arrays["names"]]
            self._arrays["task_ids"] = task_ids
        a = self._arrays
        return a["codes"], a["names"], a["compact"], a["task_ids"]

    def fits(self, challenge: str | None, task: str | None) -> dict[str, float]:
        """:func:`task_scores`, remembered per distinct answer pair."""
        key = (challenge, task)
        if key not in self._fits:
            self._fits[key] = task_scores(challenge, task, self.tasks)
        return self._fits[key]


@dataclass
class Decision:
    """What happened to one response."""

    status: str
    task_id: str | None = None
    team: str | None = None
    rank: int | None = None
    score: float | None = None
    reason: str = ""
    candidates: list[tuple[Entry, float]] = field(default_factory=list)
    by: str = "auto"


def task_scores(challenge: str | None, task: str | None, tasks: pd.DataFrame) -> dict[str, float]:
    """How well a response's challenge and task answers fit each task (0-100)."""
    scores: dict[str, float] = {}
    per_challenge = tasks.groupby("challenge_id")["task_id"].transform("size")
    for row, n_tasks in zip(tasks.itertuples(index=False), per_challenge):
        c = max(name_score(challenge, row.challenge_name), name_score(challenge, row.challenge_id)) \
            if challenge else 0.0
        if n_tasks == 1 and not task:
            t = 100.0
        elif task:
            t = max(name_score(task, row.task_name), name_score(task, row.task_id))
            if n_tasks == 1:
                t = max(t, 90.0)
        else:  # several tasks, none named: a candidate for review, never a link on its own
            t = UNNAMED_TASK_SCORE
        if not challenge and task:  # a task id alone can identify the task
            c = name_score(task, row.task_id)
        scores[row.task_id] = min(c, t)
    return scores


def candidates_for(challenge: str | None, task: str | None, team: str | None, board: Board, *,
                   limit: int = N_CANDIDATES) -> list[tuple[Entry, float]]:
    """The best leaderboard entries, scored by the weaker of their task fit and team-name similarity.

    Ties keep the order of the leaderboards file.
    """
    codes, names, compact, task_ids = board.arrays()
    fits = board.fits(challenge, task)
    per_task = np.append(np.array([fits.get(t, 0.0) for t in task_ids], dtype=float), 0.0)  # -1: unknown task
    fit = per_task[codes]
    keep = np.flatnonzero(fit >= CANDIDATE_SCORE)
    if keep.size == 0:
        return []
    if keep.size == len(names):
        teams = name_scores(team, names, compact) if team else np.zeros(keep.size)
    else:
        teams = name_scores(team, [names[i] for i in keep], [compact[i] for i in keep]) if team else \
            np.zeros(keep.size)
    scores = np.minimum(fit[keep], teams)
    best = np.argsort(-scores, kind="stable")[:max(limit, 2)]
    return [(board.entries[keep[i]], float(scores[i])) for i in best]


def decide(challenge: str | None, task: str | None, team: str | None, board: Board) -> Decision:
    """The automatic decision for one participant response."""
    if not team:
        return Decision(REVIEW, reason="no team name was given")
    scored = candidates_for(challenge, task, team, board)
    listed = [c for c in scored if c[1] >= CANDIDATE_SCORE][:N_CANDIDATES]
    if not scored or scored[0][1] < CANDIDATE_SCORE:
        fits = board.fits(challenge, task)
        if not fits or max(fits.values()) < CANDIDATE_SCORE:
            return Decision(REVIEW, reason="the challenge/task answer matches no task in the tasks file",
                            candidates=listed)
        return Decision(REVIEW, reason="the team name matches no leaderboard entry of the task", candidates=listed)
    best_entry, best = scored[0]
    second = scored[1][1] if len(scored) > 1 else 0.0
    if best < LINK_SCORE:
        return Decision(REVIEW, score=best, reason=f"weak match (best score {best:g} < {LINK_SCORE:g})",
                        candidates=listed)
    if best - second < MARGIN:
        return Decision(REVIEW, score=best, reason=f"ambiguous: scores {best:g} and {second:g} are too close",
                        candidates=listed)
    return Decision(LINKED, best_entry.task_id, best_entry.team, best_entry.rank, best, "", listed)


def task_decision(challenge: str | None, task: str | None, board: Board) -> Decision:
    """The automatic decision for an organizer response: one task, no team."""
    fits = board.fits(challenge, task)
    ranked = sorted(fits.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] < LINK_SCORE:
        return Decision(REVIEW, reason="the challenge/task answer matches no task well enough")
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < MARGIN:
        return Decision(REVIEW, score=ranked[0][1], reason="ambiguous task: scores too close")
    return Decision(LINKED, ranked[0][0], None, None, ranked[0][1])


def resolve_conflicts(decisions: list[Decision], rows: list[int], *, key=lambda d: (d.task_id, d.team)) -> None:
    """Two or more responses linked to one entry: the automatic ones all go to review (a person's link stays)."""
    claims: dict[tuple, list[int]] = {}
    for position, decision in enumerate(decisions):
        if decision.status == LINKED:
            claims.setdefault(key(decision), []).append(position)
    for entry, positions in claims.items():
        if len(positions) < 2:
            continue
        manual = [p for p in positions if decisions[p].by == "links file"]
        others = ", ".join(str(rows[p]) for p in positions)
        for position in positions:
            if len(manual) == 1 and position == manual[0]:
                continue
            decision = decisions[position]
            what = f"{entry[0]} / {entry[1]}" if entry[1] is not None else str(entry[0])
            decision.candidates = decision.candidates or [(Entry(decision.task_id, decision.team or "",
                                                                 decision.rank or 0), decision.score or 0.0)]
            decision.status, decision.reason = REVIEW, f"the entry {what} is claimed by rows {others}"
            if decision.by == "links file":
                decision.reason += " (more than one by the links file: keep one)"


def format_candidates(candidates: list[tuple[Entry, float]]) -> str:
    """``task_id / team (rank r, score s); ...`` for the review file."""
    return "; ".join(f"{e.task_id} / {e.team} (rank {e.rank}, score {s:g})" for e, s in candidates)
