"""From a raw export, the tasks and the leaderboards to a validated round, a links file, a review file and a key.

Every raw row ends in exactly one of three states: ``linked`` (in the round), ``review`` (a person must decide;
listed with candidates) or ``rejected`` (with its reason). :class:`IntakeResult` counts them, and nothing is
written unless the round passes the same validation as ``challengelab validate``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from challengelab.errors import SurveyValidationError, ValidationIssue
from challengelab.intake.linking import (LINKED, REJECTED, REVIEW, Board, Decision, Entry, decide,
                                         format_candidates, normalise_name, resolve_conflicts, task_decision)
from challengelab.intake.mapping import Answers, Mapping, apply_mapping, auto_mapping, describe_unmapped, \
    load_mapping
from challengelab.intake.questionnaire import DictionaryError, read_dictionary
from challengelab.intake.readers import Export, ExportError, read_export
from challengelab.survey.codebook import Codebook, load_codebook
from challengelab.survey.model import Survey
from challengelab.survey.read import RawTable
from challengelab.survey.schema import fixed_columns, validate_table

TASK_COLUMNS = ("task_id", "challenge_id", "challenge_name", "conference", "year", "task_name", "task_category",
                "modality")
LEADERBOARD_COLUMNS = ("task_id", "team", "rank")
LINK_COLUMNS = ("response", "row", "role", "status", "decision", "task_id", "team", "rank", "score", "reason",
                "challenge_answer", "task_answer", "team_answer", "candidates")


class IntakeError(ValueError):
    """Intake cannot go on: ``.issues`` locate every problem (file, row, column, value)."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        errors = [i for i in self.issues if i.severity == "error"] or self.issues
        super().__init__("\n".join(str(i) for i in errors[:20]))


@dataclass
class IntakeResult:
    """The round (raw tables, validated), the per-row decisions and the team key."""

    tables: dict[str, pd.DataFrame]
    survey: Survey
    links: pd.DataFrame
    key: pd.DataFrame
    mapping: Mapping
    export: Export
    metadata: dict[str, str]
    warnings: list[ValidationIssue] = field(default_factory=list)

    @property
    def review(self) -> pd.DataFrame:
        """Every row not linked (for review or rejected), with candidates and reasons."""
        return self.links[self.links["status"] != LINKED].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        status = self.links["status"]
        return {"rows_read": len(self.links), "linked": int((status == LINKED).sum()),
                "review": int((status == REVIEW).sum()), "rejected": int((status == REJECTED).sum())}


def load_inputs(raw: str | Path, *, codebook: str | Path | Codebook = "2021", mapping: str | Path | None = None,
                dictionary: str | Path | None = None, raw_name: str | None = None):
    """Read the export and the optional dictionary and mapping; raise :class:`IntakeError` on any problem."""
    codebook = load_codebook(codebook)
    try:
        export = read_export(raw, name=raw_name)
        questions = read_dictionary(dictionary) if dictionary else None
    except (ExportError, DictionaryError) as exc:
        raise IntakeError(exc.issues) from None
    chosen = load_mapping(mapping, export, codebook, questions) if mapping else auto_mapping(export, codebook,
                                                                                            questions)
    if any(i.severity == "error" for i in chosen.issues):
        raise IntakeError(chosen.issues)
    return export, questions, chosen, codebook


def run_intake(raw: str | Path, tasks: str | Path, leaderboards: str | Path, *,
               codebook: str | Path | Codebook = "2021", mapping: str | Path | None = None,
               links: str | Path | None = None, dictionary: str | Path | None = None, synthetic: bool = False,
               raw_name: str | None = None) -> IntakeResult:
    """Map, link and validate one round.

    Parameters
    ----------
    raw : str or Path
        The survey tool's export (see :func:`challengelab.intake.read_export`).
    tasks, leaderboards : str or Path
        CSV or ``.xlsx``: one row per task (:data:`TASK_COLUMNS`; ``name`` is accepted for ``challenge_name``)
        and one row per leaderboard entry (:data:`LEADERBOARD_COLUMNS`; ties as equal ranks).
    mapping, links, dictionary : str or Path, optional
        A mapping file (see ``--suggest``), the links file of an earlier run (its ``decision`` column is
        reused), the tool's data dictionary or survey structure.
    synthetic : bool
        Mark the round as synthetic (simulated) data.

    Raises
    ------
    IntakeError
        With every located problem; nothing has been written.

    Examples
    --------
    >>> from challengelab._paths import example_dir
    >>> folder = example_dir() / "intake"  # SYNTHETIC files
    >>> result = run_intake(folder / "redcap_export_synthetic.csv", folder / "tasks.csv",
    ...                     folder / "leaderboards.csv", synthetic=True)
    >>> result.counts()
    {'rows_read': 21, 'linked': 16, 'review': 5, 'rejected': 0}
    >>> result.survey.is_synthetic, result.survey.responses["team_id"].iloc[0]
    (True, 'team_005')
    """
    export, questions, chosen, codebook = load_inputs(raw, codebook=codebook, mapping=mapping,
                                                      dictionary=dictionary, raw_name=raw_name)
    answers = apply_mapping(export, chosen, codebook, questions)
    _require_identification(chosen, export)
    board = read_board(tasks, leaderboards, codebook)
    decisions_file = read_links(links) if links and Path(links).exists() else {}
    decisions = _decide_all(export, answers, board, decisions_file, codebook)
    keys = export.response_keys()
    team_ids = team_ids_of(board)
    tables = _round_tables(board, answers, decisions, team_ids, codebook)
    metadata = {"synthetic": "true" if synthetic else "false", "codebook": codebook.name,
                "source": export.file, "source_format": export.format, "generator": "challengelab intake"}
    try:
        survey = Survey.from_frames(tables["challenges"], tables["tasks"], tables["responses"], tables["organizers"],
                                    codebook=codebook, metadata=metadata, source="intake")
    except SurveyValidationError as exc:
        raise IntakeError(exc.issues) from None
    links_frame = _links_frame(keys, export, answers, decisions)
    key = pd.DataFrame([{"team_id": team_id, "team": team, "tasks": "; ".join(tasks_of)}
                        for team, (team_id, tasks_of) in team_ids.items()],
                       columns=["team_id", "team", "tasks"]).sort_values("team_id", ignore_index=True)
    warnings = [*chosen.issues, *describe_unmapped(chosen, export), *answers.warnings, *survey.warnings]
    return IntakeResult(tables, survey, links_frame, key, chosen, export, metadata, warnings)


def _require_identification(mapping: Mapping, export: Export) -> None:
    fields = {c.field for c in mapping.mapped()}
    if "team_name" not in fields or not fields & {"challenge_name", "task_name"}:
        missing = [f"the {what}" for what, names in (("team name", {"team_name"}),
                                                      ("challenge or task", {"challenge_name", "task_name"}))
                   if not fields & names]
        shown = ", ".join(list(export.columns)[:12]) + (" ..." if len(export.columns) > 12 else "")
        raise IntakeError([ValidationIssue(
            f"not a survey export challengelab can read: no column for {' and '.join(missing)} was found "
            f"(headers: {shown}); map them in a mapping file (challengelab intake RAW --suggest mapping.yaml)",
            file=export.file)])


# --- tasks and leaderboards ----------------------------------------------------------------------------------------


def read_table(path: str | Path, *, name: str | None = None) -> tuple[pd.DataFrame, list[int], str]:
    """A CSV or .xlsx table as strings with the row number of every row (header = row 1)."""
    path = Path(path)
    name = name or path.name
    if not path.is_file():
        raise IntakeError([ValidationIssue("no such file", file=name)])
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=object).astype(object)
            frame = frame.where(frame.notna(), "").map(lambda v: str(int(v)) if isinstance(v, float)
                                                         and v.is_integer() else str(v).strip())
        else:
            data = path.read_bytes()
            if b"\x00" in data[:4096] or data[:4] in (b"\x89PNG", b"%PDF") or data[:3] == b"\xff\xd8\xff":
                raise ValueError("this is a binary file, not a CSV table")
            frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig",
                                skipinitialspace=True).map(str.strip)
    except (ValueError, OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise IntakeError([ValidationIssue(f"cannot read the table ({exc})", file=name)]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.reset_index(drop=True), list(range(2, len(frame) + 2)), name


def read_board(tasks: str | Path, leaderboards: str | Path, codebook: Codebook) -> Board:
    """The tasks and leaderboard entries, checked; every problem located in its file."""
    task_frame, task_rows, task_file = read_table(tasks)
    board_frame, board_rows, board_file = read_table(leaderboards)
    if "challenge_name" not in task_frame.columns and "name" in task_frame.columns:
        task_frame = task_frame.rename(columns={"name": "challenge_name"})
    issues = [ValidationIssue(f"required column {c!r} is missing", file=file, row=1, column=c)
              for frame, columns, file in ((task_frame, TASK_COLUMNS, task_file),
                                           (board_frame, LEADERBOARD_COLUMNS, board_file))
              for c in columns if c not in frame.columns and c != "task_name"]
    if issues:
        raise IntakeError(issues)
    if "task_name" not in task_frame.columns:
        task_frame["task_name"] = ""
    entries, counts = _entries(board_frame, board_rows, board_file, set(task_frame["task_id"]), issues)
    issues += _task_issues(task_frame, task_rows, task_file, counts, codebook)
    if any(i.severity == "error" for i in issues):
        raise IntakeError(issues)
    return Board(task_frame[list(TASK_COLUMNS)].copy(), entries)


def _entries(frame: pd.DataFrame, rows: list[int], file: str, task_ids: set[str],
             issues: list[ValidationIssue]) -> tuple[list[Entry], dict[str, int]]:
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for row, record in zip(rows, frame[list(LEADERBOARD_COLUMNS)].itertuples(index=False)):
        where = {"file": file, "row": row}
        if record.task_id not in task_ids:
            issues.append(ValidationIssue("task_id is not in the tasks file", **where, column="task_id",
                                          value=record.task_id))
        if not record.team:
            issues.append(ValidationIssue("team is empty", **where, column="team"))
        try:
            rank = int(float(record.rank))
            if rank < 1 or float(record.rank) != rank:
                raise ValueError
        except ValueError:
            issues.append(ValidationIssue("rank must be a whole number >= 1", **where, column="rank",
                                          value=record.rank))
            continue
        key = (record.task_id, normalise_name(record.team))
        if key in seen:
            issues.append(ValidationIssue(f"team appears twice on this leaderboard (first at row {seen[key]})",
                                          **where, column="team", value=record.team))
        seen[key] = row
        entries.append(Entry(record.task_id, record.team, rank))
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.task_id] = counts.get(entry.task_id, 0) + 1
    return entries, counts


def _task_issues(frame: pd.DataFrame, rows: list[int], file: str, counts: dict[str, int],
                 codebook: Codebook) -> list[ValidationIssue]:
    tasks = pd.DataFrame({"task_id": frame["task_id"], "challenge_id": frame["challenge_id"],
                          "name": frame["task_name"], "task_category": frame["task_category"],
                          "modality": frame["modality"], "n_teams": frame["task_id"].map(counts).fillna(0)
                          .astype(int).astype(str)})
    issues = validate_table(RawTable("tasks", tasks, rows, file), codebook).issues
    challenges = pd.DataFrame({"challenge_id": frame["challenge_id"], "name": frame["challenge_name"],
                               "conference": frame["conference"], "year": frame["year"]})
    issues += validate_table(RawTable("challenges", challenges, rows, file), codebook).issues
    issues = [i if i.column != "n_teams" else ValidationIssue("the task has no entries in the leaderboards file",
                                                               file=i.file, row=i.row, column="task_id")
              for i in issues if i.severity == "error"]
    duplicated = frame["task_id"].duplicated()
    for position in duplicated.to_numpy().nonzero()[0]:
        issues.append(ValidationIssue("task_id appears twice", file=file, row=rows[position], column="task_id",
                                      value=frame["task_id"].iat[position]))
    per_challenge = frame.groupby("challenge_id")[["challenge_name", "conference", "year"]].nunique()
    for challenge_id in per_challenge.index[(per_challenge > 1).any(axis=1)]:
        issues.append(ValidationIssue("rows of this challenge disagree on its name, conference or year",
                                      file=file, column="challenge_id", value=challenge_id))
    return issues


# --- decisions -----------------------------------------------------------------------------------------------------


def read_links(path: str | Path) -> dict[str, tuple[str, str, str, int]]:
    """The person-made decisions of a links file: ``{response: (decision, task_id, team, row)}``."""
    frame, rows, name = read_table(path)
    missing = [c for c in ("response", "decision", "task_id", "team") if c not in frame.columns]
    if missing:
        raise IntakeError([ValidationIssue(f"not a links file: column {c!r} is missing", file=name, row=1,
                                           column=c) for c in missing])
    decisions, issues = {}, []
    roles = frame["role"] if "role" in frame.columns else pd.Series("participant", index=frame.index)
    for row, role, record in zip(rows, roles, frame[["response", "decision", "task_id", "team"]].itertuples(
            index=False)):
        decision = record.decision.strip().lower()
        if decision in ("", "auto"):
            continue
        if decision not in ("link", "reject"):
            issues.append(ValidationIssue("decision must be empty, 'link' or 'reject'", file=name, row=row,
                                          column="decision", value=record.decision))
        elif decision == "link" and not (record.task_id and (record.team or role == "organizer")):
            issues.append(ValidationIssue("a 'link' decision needs task_id and team (copy one of the candidates)",
                                          file=name, row=row, column="team"))
        decisions[record.response] = (decision, record.task_id, record.team, row)
    if issues:
        raise IntakeError(issues)
    return decisions


def _decide_all(export: Export, answers: Answers, board: Board, by_person: dict, codebook: Codebook
                ) -> list[Decision]:
    frame = answers.frame
    item_problems = _item_problems(export, answers, codebook)
    keys = export.response_keys()
    decisions: list[Decision] = []
    entries = {(e.task_id, normalise_name(e.team)): e for e in board.entries}
    for position, key in enumerate(keys):
        record = frame.iloc[position]
        organizer = record["respondent_role"] == "organizer"
        problems = answers.problems[position] + item_problems.get(position, [])
        if record.isna().all():
            decisions.append(Decision(REJECTED, reason="empty response (no answers)"))
        elif key in by_person and by_person[key][0] == "reject":
            decisions.append(Decision(REJECTED, reason=f"rejected in the links file (row {by_person[key][3]})",
                                      by="links file"))
        elif problems:
            decisions.append(Decision(REJECTED, reason="; ".join(f"column {p.column}: {p.reason}"
                                                                 + ("" if p.value is None else f" (value {p.value!r})")
                                                                 for p in problems)))
        elif key in by_person:
            decisions.append(_person_link(by_person[key], entries, board, organizer))
        elif organizer:
            decisions.append(task_decision(record["challenge_name"], record["task_name"], board))
        else:
            decisions.append(decide(record["challenge_name"], record["task_name"], record["team_name"], board))
    participants = [d if frame["respondent_role"].iat[i] != "organizer" else Decision(REJECTED)
                    for i, d in enumerate(decisions)]
    resolve_conflicts(participants, export.rows)
    organizers = [d if frame["respondent_role"].iat[i] == "organizer" else Decision(REJECTED)
                  for i, d in enumerate(decisions)]
    resolve_conflicts(organizers, export.rows, key=lambda d: (d.task_id, None))
    return decisions


def _person_link(chosen: tuple, entries: dict, board: Board, organizer: bool) -> Decision:
    _, task_id, team, row = chosen
    if organizer:
        if task_id in set(board.tasks["task_id"]):
            return Decision(LINKED, task_id, None, None, None, by="links file")
        return Decision(REVIEW, task_id, reason=f"links file row {row}: task {task_id!r} is not in the tasks file",
                        by="links file")
    entry = entries.get((task_id, normalise_name(team)))
    if entry is None:
        return Decision(REVIEW, task_id, team, reason=f"links file row {row}: {task_id} / {team} is not a "
                        "leaderboard entry",
                        by="links file")
    return Decision(LINKED, entry.task_id, entry.team, entry.rank, None, by="links file")


def _item_problems(export: Export, answers: Answers, codebook: Codebook) -> dict[int, list[ValidationIssue]]:
    """Answers the round's schema rejects (numbers out of bounds, ...), located in the raw export."""
    out: dict[int, list[ValidationIssue]] = {}
    for table in ("responses", "organizers"):
        names = [n for n in codebook.names(table=table) if n in answers.frame.columns]
        frame = answers.frame[names].copy()
        for column in fixed_columns(table):
            frame[column.name] = "1"
        result = validate_table(RawTable(table, frame, list(range(len(frame))), export.file), codebook)
        for issue in result.issues:
            if issue.severity != "error" or issue.row is None:
                continue
            organizer = answers.frame["respondent_role"].iat[issue.row] == "organizer"
            if organizer != (table == "organizers"):
                continue
            source = answers.sources.get(issue.column or "", issue.column)
            out.setdefault(issue.row, []).append(ValidationIssue(
                f"{issue.column}: {issue.reason}", file=export.file, row=export.rows[issue.row], column=source,
                value=issue.value))
    return out


# --- the round and the links table -------------------------------------------------------------------------------


def team_ids_of(board: Board) -> dict[str, tuple[str, list[str]]]:
    """Pseudonymous ids for every leaderboard team (same normalised name = same team), in leaderboard order."""
    order = {task_id: i for i, task_id in enumerate(board.tasks["task_id"])}
    entries = sorted(board.entries, key=lambda e: (order.get(e.task_id, 0), e.rank, normalise_name(e.team)))
    by_name: dict[str, tuple[str, list[str]]] = {}
    first_spelling: dict[str, str] = {}
    width = max(3, len(str(len(entries))))
    for entry in entries:
        name = normalise_name(entry.team)
        if name not in first_spelling:
            first_spelling[name] = entry.team
            by_name[entry.team] = (f"team_{len(first_spelling):0{width}d}", [])
        by_name[first_spelling[name]][1].append(entry.task_id)
    return by_name


def _round_tables(board: Board, answers: Answers, decisions: list[Decision], team_ids: dict,
                  codebook: Codebook) -> dict[str, pd.DataFrame]:
    tasks = board.tasks
    challenges = tasks.drop_duplicates("challenge_id")[["challenge_id", "challenge_name", "conference", "year"]]
    challenges = challenges.rename(columns={"challenge_name": "name"}).reset_index(drop=True)
    n_teams = pd.Series([e.task_id for e in board.entries]).value_counts()
    task_table = pd.DataFrame({"task_id": tasks["task_id"], "challenge_id": tasks["challenge_id"],
                               "name": tasks["task_name"], "task_category": tasks["task_category"],
                               "modality": tasks["modality"], "n_teams": tasks["task_id"].map(n_teams)})
    items = codebook.names(table="responses")
    organizer_items = codebook.names(table="organizers")
    ids = {normalise_name(spelling): team_id for spelling, (team_id, _) in team_ids.items()}
    records = answers.frame.to_dict("records")
    responses, organizers = [], []
    for position, decision in enumerate(decisions):
        if decision.status != LINKED:
            continue
        record = records[position]
        if decision.team is None:
            organizers.append({"task_id": decision.task_id, **{n: record[n] for n in organizer_items}})
        else:
            responses.append({"task_id": decision.task_id, "team_id": ids[normalise_name(decision.team)],
                              "rank": decision.rank, **{n: record[n] for n in items}})
    return {"challenges": challenges, "tasks": task_table,
            "responses": pd.DataFrame(responses, columns=["task_id", "team_id", "rank", *items]),
            "organizers": pd.DataFrame(organizers, columns=["task_id", *organizer_items])}


def _links_frame(keys: list[str], export: Export, answers: Answers, decisions: list[Decision]) -> pd.DataFrame:
    rows = []
    for position, (key, decision) in enumerate(zip(keys, decisions)):
        record = answers.frame.iloc[position]
        rows.append({
            "response": key, "row": export.rows[position],
            "role": record["respondent_role"] or "participant", "status": decision.status,
            "decision": {"links file": "reject" if decision.status == REJECTED else "link"}.get(decision.by, ""),
            "task_id": decision.task_id or "", "team": decision.team or "",
            "rank": "" if decision.rank is None else str(decision.rank),
            "score": "" if decision.score is None else f"{decision.score:g}", "reason": decision.reason,
            "challenge_answer": record["challenge_name"] or "", "task_answer": record["task_name"] or "",
            "team_answer": record["team_name"] or "", "candidates": format_candidates(decision.candidates)})
    return pd.DataFrame(rows, columns=list(LINK_COLUMNS))


# --- writing -------------------------------------------------------------------------------------------------------


def output_paths(out: str | Path, links: str | Path | None = None) -> dict[str, Path]:
    """Where the round, links, review and key files go (beside the round unless --links names the links file)."""
    out = Path(out)
    stem = out.with_suffix("")
    return {"round": out, "links": Path(links) if links else Path(f"{stem}.links.csv"),
            "review": Path(f"{stem}.review.csv"), "key": Path(f"{stem}.team_key.csv")}


def write_intake(result: IntakeResult, out: str | Path, *, links: str | Path | None = None,
                 force: bool = False) -> dict[str, Path]:
    """Write the round workbook, the links file, the review file and the team key, all or nothing.

    Existing files are refused unless ``force``; the links file given with ``links`` is read and updated in
    place (that is its purpose).
    """
    from challengelab.intake.files import bytes_writer, write_all
    from challengelab.survey.write import write_survey_workbook

    paths = output_paths(out, links)
    if paths["round"].suffix.lower() != ".xlsx":
        raise IntakeError([ValidationIssue("the round is written as an Excel workbook; give --out a name ending "
                                           "in .xlsx", file=str(paths["round"]))])

    def csv_bytes(frame: pd.DataFrame) -> bytes:
        return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")

    writers = {
        paths["round"]: lambda p: write_survey_workbook(p, result.tables, codebook=result.survey.codebook,
                                                        metadata=result.metadata),
        paths["links"]: bytes_writer(csv_bytes(result.links)),
        paths["review"]: bytes_writer(csv_bytes(result.review)),
        paths["key"]: bytes_writer(csv_bytes(result.key)),
    }
    allowed = {paths["links"]} if links and Path(links).exists() else set()
    write_all(writers, force=force, allowed=allowed)
    return paths
