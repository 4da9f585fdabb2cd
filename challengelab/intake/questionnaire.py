"""Questionnaires out of the codebook (REDCap data dictionary, LimeSurvey TSV structure), and reading them back.

The formats follow their public documentation:

* REDCap *data dictionary*: a CSV with one row per field and the columns of :data:`REDCAP_COLUMNS`
  ("Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
  "Choices, Calculations, OR Slider Labels", ...). The first field is the record id; coded answers are written
  ``1, label | 2, label``; yes/no items are ``yesno`` fields (1 = Yes, 0 = No); multi-select items are
  ``checkbox`` fields, exported as one column per choice (``field___code``).
* LimeSurvey *Tab Separated Value survey structure* (``.txt``, UTF-8 with BOM): one row per survey setting
  (class ``S``/``SL``), group (``G``), question (``Q``), subquestion (``SQ``) and answer (``A``), with the
  columns of :data:`LIMESURVEY_COLUMNS`; relationships are given by the order of the rows. Question types used:
  ``S`` short text, ``L`` list (radio), ``Y`` yes/no, ``M`` multiple choice, ``N`` numerical input.

Reading a dictionary or structure back (:func:`read_dictionary`) gives the tool's :class:`Question` list, used
to decode an export whose codes differ from the ones challengelab would write.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pandas as pd

from challengelab.errors import ValidationIssue
from challengelab.intake.fields import Question, codebook_questions, question_code
from challengelab.survey.codebook import Codebook, load_codebook

REDCAP_COLUMNS = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
)
LIMESURVEY_COLUMNS = (
    "id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language", "validation",
    "mandatory", "encrypted", "other", "default", "same_default", "min_num_value_n", "max_num_value_n",
)
REDCAP_FORM = "challenge_survey"
REDCAP_RECORD_ID = "record_id"
FORMATS = ("redcap", "limesurvey")

_REDCAP_TYPES = {"text": "text", "single": "radio", "yesno": "yesno", "multi": "checkbox", "integer": "text",
                 "number": "text"}
_LS_TYPES = {"text": "S", "single": "L", "yesno": "Y", "multi": "M", "integer": "N", "number": "N"}
_SECTIONS = {"identification": "Who you are", "expertise": "Expertise of the team lead",
             "environment": "Environment", "strategy": "Strategies", "algorithm": "The algorithm",
             "misc": "Incentives", "organizer": "For organizers: the task and its winner"}
_REQUIRED = {"respondent_role", "challenge_name", "team_name"}


def redcap_dictionary(codebook: str | Path | Codebook = "2021") -> pd.DataFrame:
    """The REDCap data dictionary of a codebook's questionnaire (one row per field, strings).

    Examples
    --------
    >>> d = redcap_dictionary("2021")
    >>> d.iloc[0]["Variable / Field Name"], d.set_index("Variable / Field Name").loc["motivation", "Field Type"]
    ('record_id', 'checkbox')
    """
    codebook = load_codebook(codebook)
    sections = _sections(codebook)
    rows = [_redcap_row(REDCAP_RECORD_ID, "text", "Record ID")]
    shown: set[str] = set()
    for question in codebook_questions(codebook, "redcap"):
        section = sections.get(question.field or "", "identification")
        header = _SECTIONS.get(section, section) if section not in shown else ""
        shown.add(section)
        row = _redcap_row(question.code, _REDCAP_TYPES[question.kind], question.text, section_header=header)
        if question.kind in ("single", "multi"):
            row["Choices, Calculations, OR Slider Labels"] = " | ".join(f"{c}, {t}" for c, t in question.choices)
        if question.kind in ("integer", "number"):
            row["Text Validation Type OR Show Slider Number"] = question.kind
            row["Text Validation Min"] = _number_text(question.minimum)
            row["Text Validation Max"] = _number_text(question.maximum)
        row["Identifier?"] = "y" if question.identifier else ""
        row["Branching Logic (Show field only if...)"] = question.relevance
        row["Required Field?"] = "y" if question.field in _REQUIRED else ""
        row["Field Annotation"] = f"challengelab:{question.field}"
        rows.append(row)
    return pd.DataFrame(rows, columns=list(REDCAP_COLUMNS))


def limesurvey_structure(codebook: str | Path | Codebook = "2021", *, language: str = "en") -> pd.DataFrame:
    """The LimeSurvey TSV survey structure of a codebook's questionnaire (strings; write it tab-separated).

    Examples
    --------
    >>> s = limesurvey_structure("2021")
    >>> s.loc[s["name"] == "motivation", "type/scale"].item()
    'M'
    """
    codebook = load_codebook(codebook)
    sections = _sections(codebook)
    rows = [_ls_row("S", "language", language), _ls_row("S", "format", "G"),
            _ls_row("SL", "surveyls_title", codebook.title or f"challengelab {codebook.name}", language=language)]
    group, gid, qid = None, 0, 0  # ids are optional (rows relate by order); given as LimeSurvey exports them
    for question in codebook_questions(codebook, "limesurvey"):
        section = sections.get(question.field or "", "identification")
        if section != group:
            group, gid = section, gid + 1
            rows.append(_ls_row("G", _SECTIONS.get(section, section), "", language=language, relevance="1",
                                id=str(gid)))
        qid += 1
        row = _ls_row("Q", question.code, question.text, language=language, relevance=_ls_relevance(question),
                      type_scale=_LS_TYPES[question.kind], id=str(qid))
        row["mandatory"] = "Y" if question.field in _REQUIRED else "N"
        row["other"] = "N"
        if question.kind in ("integer", "number"):
            row["min_num_value_n"] = _number_text(question.minimum)
            row["max_num_value_n"] = _number_text(question.maximum)
            if question.kind == "integer":
                row["validation"] = r"/^\d+$/"
        rows.append(row)
        if question.kind == "multi":  # subquestions are questions too: own ids, related to their parent
            for position, (code, text) in enumerate(question.choices, start=1):
                rows.append(_ls_row("SQ", code, text, language=language, type_scale="0", id=str(qid + position),
                                    relevance="1", related_id=str(qid)))
            qid += len(question.choices)
        elif question.kind == "single":
            rows += [_ls_row("A", code, text, language=language, type_scale="0", id=str(qid))
                     for code, text in question.choices]
    return pd.DataFrame(rows, columns=list(LIMESURVEY_COLUMNS)).fillna("")


def questionnaire_bytes(codebook: str | Path | Codebook, format: str) -> bytes:
    """The questionnaire file's bytes: REDCap dictionary (CSV) or LimeSurvey structure (UTF-8-BOM TSV)."""
    if format == "redcap":
        return redcap_dictionary(codebook).to_csv(index=False, lineterminator="\n").encode("utf-8")
    if format == "limesurvey":
        text = limesurvey_structure(codebook).to_csv(index=False, sep="\t", lineterminator="\n",
                                                     quoting=csv.QUOTE_MINIMAL)
        return "\ufeff".encode() + text.encode("utf-8")
    raise ValueError(f"unknown questionnaire format {format!r}; formats are {', '.join(FORMATS)}")


def read_dictionary(path: str | Path) -> list[Question]:
    """Questions of a REDCap data dictionary (.csv) or a LimeSurvey TSV structure (.txt/.tsv).

    Raises
    ------
    DictionaryError
        When the file is neither, with its name in the message.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DictionaryError([ValidationIssue(f"cannot read the dictionary ({exc})", file=path.name)]) from exc
    first = text.split("\n", 1)[0]
    if "\t" in first and "class" in first.split("\t"):
        frame = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
        return _limesurvey_questions(frame)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DictionaryError([ValidationIssue(f"not a REDCap data dictionary or LimeSurvey structure ({exc})",
                                               file=path.name)]) from exc
    columns = {_fold(c): c for c in frame.columns}
    needed = ["variable / field name", "field type", "field label"]
    if not all(n in columns for n in needed):
        raise DictionaryError([ValidationIssue(
            "not a REDCap data dictionary (needs the columns 'Variable / Field Name', 'Field Type', 'Field "
            "Label') nor a LimeSurvey TSV structure (tab-separated, with a 'class' column)", file=path.name)])
    return _redcap_questions(frame.rename(columns={v: k for k, v in columns.items()}))


class DictionaryError(ValueError):
    """A --dictionary file could not be read; ``.issues`` locate the problems."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


# --- helpers ---------------------------------------------------------------------------------------------------


def _sections(codebook: Codebook) -> dict[str, str]:
    return {item.name: item.section for item in codebook.items}


def _redcap_row(name: str, field_type: str, label: str, *, section_header: str = "") -> dict[str, str]:
    row = dict.fromkeys(REDCAP_COLUMNS, "")
    row.update({"Variable / Field Name": name, "Form Name": REDCAP_FORM, "Section Header": section_header,
                "Field Type": field_type, "Field Label": label})
    return row


def _ls_row(cls: str, name: str, text: str, *, language: str = "", relevance: str = "", type_scale: str = "",
            id: str = "", related_id: str = "") -> dict[str, str]:
    row = dict.fromkeys(LIMESURVEY_COLUMNS, "")
    row.update({"id": id, "related_id": related_id, "class": cls, "type/scale": type_scale, "name": name, "relevance": relevance,
                "text": text, "language": language})
    return row


def _ls_relevance(question: Question) -> str:
    return question.relevance or "1"


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def _plain(text: str) -> str:
    """Field labels may hold HTML; keep the text."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(text))).strip()


def parse_choices(text: str) -> tuple[tuple[str, str], ...]:
    """REDCap choices ``"1, Yes | 0, No"`` as ``(("1", "Yes"), ("0", "No"))``."""
    pairs = []
    for part in str(text).split("|"):
        if "," not in part:
            continue
        code, label = part.split(",", 1)
        pairs.append((code.strip(), _plain(label)))
    return tuple(pairs)


def _redcap_questions(frame: pd.DataFrame) -> list[Question]:
    kinds = {"radio": "single", "dropdown": "single", "checkbox": "multi", "yesno": "yesno", "truefalse": "yesno",
             "text": "text", "notes": "text", "calc": "number", "slider": "number"}
    questions = []
    for row in frame.to_dict("records"):
        field_type = row.get("field type", "").strip().lower()
        if field_type == "descriptive" or not row.get("variable / field name"):
            continue
        kind = kinds.get(field_type, "text")
        validation = row.get("text validation type or show slider number", "").strip().lower()
        if kind == "text" and validation in ("integer", "number"):
            kind = validation
        if field_type == "yesno":
            choices: tuple = (("1", "Yes"), ("0", "No"))
        elif field_type == "truefalse":
            choices = (("1", "True"), ("0", "False"))
        else:
            choices = parse_choices(row.get("choices, calculations, or slider labels", ""))
        annotation = re.search(r"challengelab:([a-z][a-z0-9_]*)", row.get("field annotation", ""))
        questions.append(Question(row["variable / field name"].strip(), _plain(row.get("field label", "")), kind,
                                  annotation.group(1) if annotation else None, choices))
    return questions


def _limesurvey_questions(frame: pd.DataFrame) -> list[Question]:
    kinds = {"S": "text", "T": "text", "U": "text", "L": "single", "!": "single", "O": "single", "Y": "yesno",
             "G": "single", "M": "multi", "P": "multi", "N": "number", "K": "number"}
    languages = [v for v in frame.get("language", pd.Series(dtype=str)) if v]
    first_language = languages[0] if languages else ""
    questions: list[dict] = []
    for row in frame.to_dict("records"):
        cls = row.get("class", "")
        if row.get("language", "") not in ("", first_language):
            continue
        if cls == "Q":
            kind = kinds.get(row.get("type/scale", ""), "text")
            if kind == "number" and row.get("validation", "") == r"/^\d+$/":
                kind = "integer"
            choices = (("Y", "Yes"), ("N", "No")) if kind == "yesno" else ()
            if row.get("type/scale") == "G":
                choices = (("F", "Female"), ("M", "Male"))
            questions.append({"code": row["name"], "text": _plain(row.get("text", "")), "kind": kind,
                              "choices": list(choices)})
        elif cls in ("SQ", "A") and questions:
            questions[-1]["choices"].append((row["name"], _plain(row.get("text", ""))))
    return [Question(q["code"], q["text"], q["kind"], None, tuple(q["choices"])) for q in questions]


def limesurvey_code(name: str) -> str:
    """The LimeSurvey question code challengelab writes for a field (see :func:`question_code`)."""
    return question_code(name, "limesurvey")
