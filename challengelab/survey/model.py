"""The :class:`Survey`: one validated survey round, as four related pandas tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from challengelab._paths import EXAMPLE_SURVEY_FILE, example_dir
from challengelab.survey.codebook import Codebook, load_codebook
from challengelab.limits import Limits
from challengelab.survey.read import TABLES, RawSurvey, RawTable, SurveyReadError, read_survey
from challengelab.survey.schema import TableResult, validate_table
from challengelab.errors import SurveyValidationError, ValidationIssue

#: Task columns joined into ``Survey.responses``.
TASK_COLUMNS = ("challenge_id", "task_category", "modality", "n_teams")
#: Challenge columns joined into ``Survey.responses``.
CHALLENGE_COLUMNS = ("conference", "year")
#: Columns the sidebar-style filters of :meth:`Survey.filter` accept.
FILTERS = ("conference", "year", "task_category", "modality", "challenge_id", "task_id")


@dataclass(frozen=True)
class Survey:
    """A validated survey round.

    Attributes
    ----------
    challenges, tasks, organizers : pandas.DataFrame
        The validated tables (typed; missing values are ``pd.NA``).
    responses : pandas.DataFrame
        One row per team and task with the questionnaire items, the derived ``winner`` column (rank == 1),
        the task's ``challenge_id``, ``task_category``, ``modality``, ``n_teams`` and the challenge's
        ``conference`` and ``year``. Multi-select items are a ``"; "``-joined string plus one boolean indicator
        column per level (``motivation__prize_money``).
    codebook : Codebook
        The items of this survey round.
    metadata : dict
        Key/value pairs of the optional ``about`` sheet (``synthetic``, ``generator``, ``seed``, ...).
    source : str
        Where the survey was read from.
    warnings : list of ValidationIssue
        Problems that did not stop loading (unknown columns, tasks without a responding winner, ...).
    """

    challenges: pd.DataFrame
    tasks: pd.DataFrame
    responses: pd.DataFrame
    organizers: pd.DataFrame
    codebook: Codebook
    metadata: dict[str, str] = field(default_factory=dict)
    source: str = "(in memory)"
    warnings: tuple[ValidationIssue, ...] = ()

    # --- construction ------------------------------------------------------------------------------------

    @classmethod
    def from_frames(cls, challenges: pd.DataFrame, tasks: pd.DataFrame, responses: pd.DataFrame,
                    organizers: pd.DataFrame, *, codebook: str | Path | Codebook = "2021",
                    metadata: Mapping[str, str] | None = None, source: str = "(in memory)") -> Survey:
        """Validate four DataFrames (raw values, as they would come from a file) into a Survey.

        Rows are numbered as in a sheet with a header row (the first data row is row 2).
        """
        frames = {"challenges": challenges, "tasks": tasks, "responses": responses, "organizers": organizers}
        tables = {
            name: RawTable(name, frame.reset_index(drop=True), list(range(2, len(frame) + 2)), source, name)
            for name, frame in frames.items()
        }
        return _build(RawSurvey(tables, dict(metadata or {}), source, []), load_codebook(codebook))

    # --- views -------------------------------------------------------------------------------------------

    @property
    def is_synthetic(self) -> bool:
        """True when the data says it is simulated (the bundled example is)."""
        return str(self.metadata.get("synthetic", "")).strip().lower() in ("true", "yes", "1")

    @property
    def items(self) -> list[str]:
        """Names of the participant questionnaire items present in ``responses``."""
        return [name for name in self.codebook.names(table="responses") if name in self.responses.columns]

    def item_names(self, *, section: str | Iterable[str] | None = None,
                   type: str | Iterable[str] | None = None) -> list[str]:
        """Participant items by section and/or type, e.g. ``item_names(type="binary")``."""
        return [n for n in self.codebook.names(section=section, type=type, table="responses")
                if n in self.responses.columns]

    @property
    def strategy_items(self) -> list[str]:
        """The binary items of the strategy and algorithm sections."""
        return self.item_names(section=("strategy", "algorithm"), type="binary")

    def filter(self, **criteria: object) -> Survey:
        """A survey restricted to tasks matching every criterion.

        Each criterion is a column of :data:`FILTERS` and a value or a collection of values; ``None`` or an
        empty collection means "no restriction".

        Examples
        --------
        >>> import challengelab
        >>> s = challengelab.example_survey().filter(conference="MICCAI", task_category=["segmentation"])
        >>> set(s.tasks["task_category"]) == {"segmentation"}
        True
        """
        unknown = set(criteria) - set(FILTERS)
        if unknown:
            raise ValueError(f"cannot filter by {', '.join(sorted(unknown))}; filters are {', '.join(FILTERS)}")
        tasks = self.tasks.merge(self.challenges[["challenge_id", *CHALLENGE_COLUMNS]], on="challenge_id",
                                 how="left")
        keep = pd.Series(True, index=tasks.index)
        for column, wanted in criteria.items():
            if wanted is None:
                continue
            values = [wanted] if isinstance(wanted, (str, int)) else list(wanted)  # type: ignore[arg-type]
            if not values:
                continue
            keep &= tasks[column].astype(object).isin(values).fillna(False).astype(bool)
        task_ids = set(tasks.loc[keep, "task_id"])
        challenge_ids = set(tasks.loc[keep, "challenge_id"])
        return Survey(
            challenges=self.challenges[self.challenges["challenge_id"].isin(challenge_ids)].reset_index(drop=True),
            tasks=self.tasks[self.tasks["task_id"].isin(task_ids)].reset_index(drop=True),
            responses=self.responses[self.responses["task_id"].isin(task_ids)].reset_index(drop=True),
            organizers=self.organizers[self.organizers["task_id"].isin(task_ids)].reset_index(drop=True),
            codebook=self.codebook, metadata=self.metadata, source=self.source, warnings=self.warnings,
        )

    def coverage(self) -> pd.DataFrame:
        """One row per task: leaderboard size, responses, response rate and whether the winner answered.

        Columns ``task_id, challenge_id, task_category, modality, n_teams, responses, response_rate,
        winner_responded``.
        """
        tasks = self.tasks[["task_id", "challenge_id", "task_category", "modality", "n_teams"]].copy()
        per_task = self.responses.groupby("task_id", observed=True).size()
        tasks["responses"] = tasks["task_id"].map(per_task).fillna(0).astype(int)
        tasks["response_rate"] = tasks["responses"] / tasks["n_teams"].to_numpy(dtype=float, na_value=np.nan)
        tasks["winner_responded"] = tasks["task_id"].isin(
            self.responses.loc[self.responses["winner"], "task_id"].unique()).astype(bool)
        return tasks.reset_index(drop=True)

    def summary(self) -> dict[str, object]:
        """Counts a person wants first: challenges, tasks, responses, winners, coverage."""
        responses = self.responses
        coverage = self.coverage()["response_rate"].dropna()
        return {
            "source": self.source,
            "synthetic": self.is_synthetic,
            "codebook": self.codebook.name,
            "challenges": len(self.challenges),
            "tasks": len(self.tasks),
            "responses": len(responses),
            "teams": int(responses["team_id"].nunique()),
            "winning_responses": int(responses["winner"].sum()),
            "tasks_with_responding_winner": int(responses.loc[responses["winner"], "task_id"].nunique()),
            "leaderboard_teams": int(self.tasks["n_teams"].sum()) if len(self.tasks) else 0,
            "median_response_rate": float(coverage.median()) if len(coverage) else float("nan"),
            "organizer_responses": len(self.organizers),
        }

    def __repr__(self) -> str:
        s = self.summary()
        label = ", synthetic" if s["synthetic"] else ""
        return (f"<Survey {s['source']}{label}: {s['challenges']} challenges, {s['tasks']} tasks, "
                f"{s['responses']} responses, codebook {s['codebook']}>")


def load_survey(path: str | Path, codebook: str | Path | Codebook = "2021", *, limits: Limits | None = None
                ) -> Survey:
    """Read and validate a survey round.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` workbook with sheets ``challenges``, ``tasks``, ``responses``, ``organizers`` (and an
        optional ``about`` sheet of key/value metadata), a ``.zip`` of the four CSV files, or a folder holding
        them as ``.csv`` or ``.parquet``.
    codebook : str, Path or Codebook, default "2021"
        A bundled codebook name or a codebook file.
    limits : Limits, optional
        Bounds on file size, unpacked size, compression ratio, rows, columns and cell length (default
        ``Limits()``); a file beyond one is refused before it is read.

    Returns
    -------
    Survey

    Raises
    ------
    SurveyValidationError
        The only error raised for any input: ``.issues`` lists every problem of every table (file, sheet, row,
        column, reason), including files that cannot be read at all or exceed a limit.

    Examples
    --------
    >>> import challengelab
    >>> from challengelab._paths import example_dir
    >>> survey = challengelab.load_survey(example_dir() / "survey_2021_synthetic.xlsx")
    >>> survey.tasks.shape[0]
    80
    """
    codebook = load_codebook(codebook)
    try:
        raw = read_survey(path, limits=limits)
    except SurveyReadError as exc:
        raise SurveyValidationError([exc.issue], source=Path(path).name) from None
    except Exception as exc:  # noqa: BLE001 - untrusted bytes: any failure of a reader is a message, not a crash
        reason = getattr(exc, "strerror", None) or str(exc) or ""
        raise SurveyValidationError([ValidationIssue(f"cannot be read ({type(exc).__name__}: {reason})",
                                                     file=Path(path).name)], source=Path(path).name) from None
    return _build(raw, codebook)


def example_survey() -> Survey:
    """The bundled **synthetic** survey round (simulated from published 2021 aggregates; not real teams)."""
    return _example_cached()


_EXAMPLE: list[Survey] = []


def _example_cached() -> Survey:
    if not _EXAMPLE:
        _EXAMPLE.append(load_survey(example_dir() / EXAMPLE_SURVEY_FILE))
    return _EXAMPLE[0]


# --- building and cross-table checks ---------------------------------------------------------------------------


def _build(raw: RawSurvey, codebook: Codebook) -> Survey:
    issues = list(raw.issues)
    results: dict[str, TableResult] = {}
    for name in TABLES:
        if name in raw.tables:
            results[name] = validate_table(raw.tables[name], codebook)
            issues.extend(results[name].issues)
    rejected: dict[str, set[int]] = {name: set() for name in results}
    if len(results) == len(TABLES):
        issues.extend(_cross_table_issues(raw, results, rejected))
        issues.extend(_near_duplicate_warnings(raw, results))
    counts = {name: {"rows_in": r.rows_in, "rows_accepted": r.rows_in - r.rows_rejected - len(rejected[name]),
                     "rows_rejected": r.rows_rejected + len(rejected[name])} for name, r in results.items()}
    if any(i.severity == "error" for i in issues):
        raise SurveyValidationError(issues, source=raw.source, row_counts=counts)
    challenges, tasks = results["challenges"].frame, results["tasks"].frame
    organizers = results["organizers"].frame
    responses = _enrich_responses(results["responses"].frame, tasks, challenges, codebook)
    return Survey(challenges, tasks, responses, organizers, codebook, raw.metadata, raw.source,
                  tuple(i for i in issues if i.severity == "warning"))


def _cross_table_issues(raw: RawSurvey, results: dict[str, TableResult], rejected: dict[str, set[int]]
                        ) -> list[ValidationIssue]:
    """Checks across tables; the position of every row they reject is added to ``rejected[table]``."""
    issues: list[ValidationIssue] = []

    def where(table: str, position: int, column: str, *, reject: bool = True) -> dict:
        if reject:
            rejected[table].add(int(position))
        t = raw.tables[table]
        return {"file": t.file, "sheet": t.sheet, "row": results[table].rows[position], "column": column}

    def duplicates(table: str, keys: list[str], what: str) -> None:
        frame = results[table].frame
        again = frame.duplicated(keys, keep="first").to_numpy()
        if not again.any():
            return
        rows = pd.Series(results[table].rows, index=frame.index)
        first_row = rows.groupby([frame[k] for k in keys], dropna=False, observed=True).transform("first")
        for position in again.nonzero()[0]:
            key = tuple(frame[k].iat[position] for k in keys)
            shown = key[0] if len(key) == 1 else key
            issues.append(ValidationIssue(f"{what} {shown} appears again (first at row {first_row.iat[position]})",
                                          **where(table, position, keys[-1])))

    def unknown_reference(table: str, column: str, known: set, target: str) -> None:
        frame = results[table].frame
        missing = ~frame[column].isin(pd.Index(list(known), dtype="string")).astype(bool)
        causes = (results[target].rejected_ids or {}).get(column, {})
        for position in missing.to_numpy().nonzero()[0]:
            value = frame[column].iat[position]
            if value in causes:  # a follow-on problem: name its cause instead of a false "not in the table"
                reason = (f"refers to {column} {value!r}, whose row was rejected above ({target} row "
                          f"{causes[value]})")
            else:
                reason = f"{column} {value!r} is not in the {target} table"
            issues.append(ValidationIssue(reason, **where(table, position, column)))

    duplicates("challenges", ["challenge_id"], "challenge_id")
    duplicates("tasks", ["task_id"], "task_id")
    duplicates("responses", ["task_id", "team_id"], "team (task_id, team_id)")
    duplicates("organizers", ["task_id"], "organizer answer for task_id")
    tasks, responses = results["tasks"].frame, results["responses"].frame
    unknown_reference("tasks", "challenge_id", set(results["challenges"].frame["challenge_id"]), "challenges")
    unknown_reference("responses", "task_id", set(tasks["task_id"]), "tasks")
    unknown_reference("organizers", "task_id", set(tasks["task_id"]), "tasks")

    n_teams = responses["task_id"].map(dict(zip(tasks["task_id"], tasks["n_teams"])))
    too_high = (responses["rank"] > n_teams).fillna(False).astype(bool)
    for position in too_high.to_numpy().nonzero()[0]:
        issues.append(ValidationIssue(
            f"rank {responses['rank'].iat[position]} exceeds the task's n_teams ({n_teams.iat[position]})",
            **where("responses", position, "rank")))

    per_task = responses.groupby("task_id", observed=True).size()
    counts = tasks["task_id"].map(per_task).fillna(0).astype(int).to_numpy()
    sizes = tasks["n_teams"].to_numpy(dtype=float, na_value=np.nan)
    for position in np.flatnonzero(counts > sizes):
        issues.append(ValidationIssue(f"task has {counts[position]} responses but n_teams is {int(sizes[position])}",
                                      **where("tasks", position, "n_teams")))
    with_winner = tasks["task_id"].isin(set(responses.loc[responses["rank"] == 1, "task_id"])).to_numpy(bool)
    for position in np.flatnonzero(~with_winner):
        issues.append(ValidationIssue("no rank-1 response for this task (the winner did not answer)",
                                      **where("tasks", position, "task_id", reject=False), severity="warning"))
    return issues


def _near_duplicate_warnings(raw: RawSurvey, results: dict[str, TableResult]) -> list[ValidationIssue]:
    """Identifiers that differ only in case, spaces, punctuation or compatibility characters: the same team
    (task, challenge) typed twice, or two different ones? Each is a warning at the later row."""
    issues: list[ValidationIssue] = []
    for table, column, within in (("challenges", "challenge_id", None), ("tasks", "task_id", None),
                                  ("responses", "team_id", "task_id")):
        frame, rows = results[table].frame, results[table].rows
        values = frame[column].astype(object)
        distinct = pd.unique(values.dropna())
        loose = values.map(dict(zip(distinct, (_loose(str(v)) for v in distinct))))
        keys = [loose] if within is None else [frame[within].astype(object), loose]
        spread = values.groupby(keys, dropna=True, sort=False).transform("nunique")
        suspects = np.flatnonzero(spread.to_numpy(dtype=float, na_value=0) > 1)
        if not len(suspects):
            continue
        seen: dict[tuple, tuple[str, int]] = {}
        t = raw.tables[table]
        for position in suspects:
            value = values.iat[position]
            key = (None if within is None else frame[within].iat[position], loose.iat[position])
            first = seen.setdefault(key, (value, rows[position]))
            if first[0] != value:
                issues.append(ValidationIssue(
                    f"{column} {value!r} looks like {first[0]!r} (row {first[1]}): they differ only in case, "
                    "spaces or punctuation; if they are the same, write them the same way",
                    file=t.file, sheet=t.sheet, row=rows[position], column=column, severity="warning"))
    return issues


def _loose(identifier: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", identifier).casefold() if ch.isalnum())


def _enrich_responses(responses: pd.DataFrame, tasks: pd.DataFrame, challenges: pd.DataFrame,
                      codebook: Codebook) -> pd.DataFrame:
    context = tasks[["task_id", *TASK_COLUMNS]].merge(
        challenges[["challenge_id", *CHALLENGE_COLUMNS]], on="challenge_id", how="left")
    out = responses.merge(context, on="task_id", how="left", validate="many_to_one")
    out.insert(3, "winner", (out["rank"] == 1).astype(bool))
    for item in codebook.select(type="multi_select", table="responses"):
        codes, answers = pd.factorize(out[item.name], use_na_sentinel=True)
        for level, column in item.indicator_columns().items():
            chosen = pd.array([level in a.split("; ") for a in answers] + [None], dtype="boolean")
            out[column] = chosen.take(np.where(codes < 0, len(answers), codes))
    return out
