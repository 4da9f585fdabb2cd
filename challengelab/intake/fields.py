"""The questions of a survey-tool questionnaire: the codebook's items plus the identification questions.

A :class:`Question` is one question as a survey tool sees it: its variable name (``code``), its text, its kind
and its answer codes. :func:`codebook_questions` derives them from a codebook for one tool, deterministically,
so that the questionnaire written by :mod:`challengelab.intake.questionnaire` and the decoding of that tool's
export agree without a mapping file.

The identification questions (team, challenge, task, role) are not codebook items: they do not end up as
columns of the round but link each answer to a leaderboard entry. They are declared once, in
:data:`IDENTIFICATION`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from challengelab.survey.codebook import Codebook, Item

Tool = str  # "redcap" | "limesurvey"
TOOLS = ("redcap", "limesurvey")

ROLE_LEVELS = ("participant", "organizer")


@dataclass(frozen=True)
class IdentField:
    """An identification question: not a codebook item, used to link a response to a leaderboard entry."""

    name: str
    label: str
    aliases: tuple[str, ...]
    identifier: bool = False


#: The identification questions, in questionnaire order.
IDENTIFICATION: dict[str, IdentField] = {f.name: f for f in (
    IdentField("respondent_role", "You answer this questionnaire as",
               ("role", "respondent role", "respondent_role", "answering as")),
    IdentField("challenge_name", "Name of the challenge (as on its web page)",
               ("challenge", "challenge name", "challenge_name", "challenge_id", "competition")),
    IdentField("task_name", "Task (leaderboard) of the challenge; leave empty if the challenge had one task",
               ("task", "task name", "task_name", "task_id", "subtask", "sub-challenge", "track")),
    IdentField("team_name", "Name of your team exactly as on the final leaderboard",
               ("team", "team name", "team_name", "teamname", "team name on the leaderboard"), identifier=True),
)}


@dataclass(frozen=True)
class Question:
    """One question of a survey-tool questionnaire.

    ``field`` is a codebook item name or an identification field (None when unknown, e.g. a question read
    from a dictionary that the codebook does not declare); ``kind`` is ``text``, ``single``, ``yesno``,
    ``multi``, ``integer`` or ``number``; ``choices`` are ``(code, answer text)`` pairs.
    """

    code: str
    text: str
    kind: str
    field: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    form: str = "participant"
    minimum: float | None = None
    maximum: float | None = None
    identifier: bool = False
    relevance: str = ""

    def choice_labels(self) -> dict[str, str]:
        return dict(self.choices)


def question_code(name: str, tool: Tool) -> str:
    """The tool's variable name for a field: REDCap keeps snake_case; LimeSurvey codes are alphanumeric (<= 20).

    Examples
    --------
    >>> question_code("lead_years_biomedical", "limesurvey")
    'leadYearsBiomedical'
    >>> question_code("team_name", "redcap")
    'team_name'
    """
    if tool == "redcap":
        return name
    head, *rest = name.split("_")
    return (head + "".join(part.capitalize() for part in rest))[:20]


def choice_code(position: int, tool: Tool, *, multi: bool = False) -> str:
    """The answer code of the ``position``-th level (0-based): REDCap ``1, 2, ...``; LimeSurvey ``A1`` or ``SQ001``."""
    if tool == "redcap":
        return str(position + 1)
    return f"SQ{position + 1:03d}" if multi else f"A{position + 1}"


def yes_no_choices(tool: Tool) -> tuple[tuple[str, str], ...]:
    return (("1", "Yes"), ("0", "No")) if tool == "redcap" else (("Y", "Yes"), ("N", "No"))


def codebook_questions(codebook: Codebook, tool: Tool) -> list[Question]:
    """The questionnaire of a codebook for one tool: identification questions, then items, organizer items last.

    Examples
    --------
    >>> from challengelab.survey.codebook import load_codebook
    >>> qs = codebook_questions(load_codebook("2021"), "redcap")
    >>> [q.code for q in qs][:4]
    ['respondent_role', 'challenge_name', 'task_name', 'team_name']
    """
    role_code = question_code("respondent_role", tool)
    organizer_code = choice_code(1, tool)
    if tool == "redcap":
        is_participant = f"[{role_code}] = '{choice_code(0, tool)}'"
        is_organizer = f"[{role_code}] = '{organizer_code}'"
    else:
        is_participant = f'({role_code}.NAOK == "{choice_code(0, tool)}")'
        is_organizer = f'({role_code}.NAOK == "{organizer_code}")'
    questions = [Question(role_code, IDENTIFICATION["respondent_role"].label, "single", "respondent_role",
                          tuple((choice_code(i, tool), level) for i, level in enumerate(ROLE_LEVELS)),
                          form="identification")]
    for name in ("challenge_name", "task_name"):
        questions.append(Question(question_code(name, tool), IDENTIFICATION[name].label, "text", name,
                                  form="identification"))
    team = IDENTIFICATION["team_name"]
    questions.append(Question(question_code(team.name, tool), team.label, "text", team.name, form="identification",
                              identifier=True, relevance=is_participant))
    for item in codebook.items:
        relevance = is_participant if item.table == "responses" else is_organizer
        form = "participant" if item.table == "responses" else "organizer"
        questions.append(item_question(item, tool, form=form, relevance=relevance))
    return questions


def item_question(item: Item, tool: Tool, *, form: str = "participant", relevance: str = "") -> Question:
    """The question of one codebook item for a tool."""
    code = question_code(item.name, tool)
    if item.type == "binary":
        return Question(code, item.label, "yesno", item.name, yes_no_choices(tool), form, relevance=relevance)
    if item.type == "numeric":
        return Question(code, item.label, "integer" if item.integer else "number", item.name, (), form,
                        item.minimum, item.maximum, relevance=relevance)
    multi = item.type == "multi_select"
    choices = tuple((choice_code(i, tool, multi=multi), level) for i, level in enumerate(item.levels or ()))
    return Question(code, item.label, "multi" if multi else "single", item.name, choices, form, relevance=relevance)


def normal_text(text: object) -> str:
    """Text folded for exact comparison: case, surrounding and repeated whitespace, trailing ``?``/``:``."""
    folded = re.sub(r"\s+", " ", str(text)).strip().casefold()
    return folded.rstrip("?:. ").strip()
