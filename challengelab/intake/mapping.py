"""Mapping an export's columns to codebook items and its answers to levels; suggestions; the mapping file.

Automatic rules, in order (each exact after folding case and spaces, never fuzzy):

1. tool metadata columns (response id, dates, ...) are ignored;
2. the question codes of the questionnaire (the ``--dictionary`` given, else the questionnaires that
   :mod:`challengelab.intake.questionnaire` writes for the codebook): ``field``, ``field___code``,
   ``Code[SQ001]``;
3. item names, codebook aliases, identification aliases, item labels and question texts
   (``Label [Choice]``, ``Label (choice=Choice)``, Qualtrics ``Label - Choice``).

Answers go through the column's value labels (SPSS), the question's answer codes, then are matched to the
item's levels by text. What is left is unmapped: :func:`suggest_mapping` proposes matches with rapidfuzz scores
for the user to confirm in a mapping file (YAML), which :func:`load_mapping` reads back. Nothing fuzzy is
applied unless it is written in a mapping file, so the same export and mapping always give the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from challengelab.errors import ValidationIssue
from challengelab.intake.fields import (IDENTIFICATION, ROLE_LEVELS, Question, codebook_questions, normal_text)
from challengelab.intake.readers import Export, ExportColumn
from challengelab.survey.codebook import Codebook

#: Fuzzy proposals at or above this score are filled in by --suggest (still to be confirmed by the user).
SUGGEST_SCORE = 80.0
#: ... and only when the next candidate scores at least this much less.
SUGGEST_MARGIN = 5.0
_TRUE = {"yes", "y", "true", "1", "checked", "x", "selected", "ja", "oui"}
_FALSE = {"no", "n", "false", "0", "unchecked", "not selected", "nein", "non"}


@dataclass
class ColumnMap:
    """Where one export column goes: a field (item or identification question), the level of a choice column."""

    column: str
    field: str | None
    level: str | None = None
    values: dict[str, str | None] = field(default_factory=dict)
    how: str = "unmapped"
    score: float | None = None
    candidates: list[tuple[str, float]] = field(default_factory=list)
    value_scores: dict[str, tuple[str, float]] = field(default_factory=dict)  # proposals: raw -> (level, score)


@dataclass
class Mapping:
    columns: dict[str, ColumnMap]
    issues: list[ValidationIssue] = field(default_factory=list)

    def mapped(self) -> list[ColumnMap]:
        return [c for c in self.columns.values() if c.field]

    def unmapped(self) -> list[ColumnMap]:
        return [c for c in self.columns.values() if not c.field and c.how not in ("metadata", "ignored")]

    def table(self) -> pd.DataFrame:
        """One row per column: ``column, field, level, how, score, values``."""
        return pd.DataFrame([{"column": c.column, "field": c.field or "", "level": c.level or "", "how": c.how,
                              "score": c.score, "values": ", ".join(f"{k} -> {v}" for k, v in c.values.items())}
                             for c in self.columns.values()])


class Targets:
    """Everything a column can map to: the codebook's items and the identification questions."""

    def __init__(self, codebook: Codebook, questions: list[Question] | None, tool: str):
        self.codebook = codebook
        self.kinds = {item.name: item.type for item in codebook.items}
        self.kinds.update({name: "text" for name in IDENTIFICATION})
        self.kinds["respondent_role"] = "categorical"
        self.levels = {item.name: tuple(item.levels or ()) for item in codebook.items}
        self.levels["respondent_role"] = ROLE_LEVELS
        tools = [tool] if tool in ("redcap", "limesurvey") else ["redcap", "limesurvey"]
        known = list(questions or []) + [q for t in tools for q in codebook_questions(codebook, t)]
        self.by_code: dict[str, Question] = {}
        for q in known:
            self.by_code.setdefault(q.code, q)
            self.by_code.setdefault(q.code.lower(), q)
        self.by_text: dict[str, str] = {}
        for item in codebook.items:
            for key in (item.name, *item.aliases, item.label):
                self.by_text.setdefault(normal_text(key), item.name)
        for ident in IDENTIFICATION.values():
            for key in (ident.name, *ident.aliases, ident.label):
                self.by_text.setdefault(normal_text(key), ident.name)
        for q in known:
            target = q.field or self.by_text.get(normal_text(q.code))
            if target:
                self.by_text.setdefault(normal_text(q.text), target)

    def field_of(self, key: str | None) -> str | None:
        if not key:
            return None
        question = self.by_code.get(key) or self.by_code.get(key.lower())
        if question is not None:
            return question.field or self.by_text.get(normal_text(question.code)) or self.by_text.get(
                normal_text(question.text))
        return self.by_text.get(normal_text(key))

    def level_of(self, target: str, answer: str, labels: dict[str, str]) -> str | None:
        """The level (or yes/no) an answer stands for, or None when it cannot be told exactly."""
        answer = labels.get(answer, answer)
        if self.kinds[target] == "binary":
            folded = normal_text(answer)
            return "yes" if folded in _TRUE else "no" if folded in _FALSE else None
        by_text = {normal_text(level): level for level in self.levels.get(target, ())}
        found = by_text.get(normal_text(answer))
        if found is None and target == "respondent_role":  # "Organiser", "Challenge organizer", "Participant"
            folded = normal_text(answer)
            found = "organizer" if "organi" in folded else "participant" if "particip" in folded else None
        return found

    def names(self) -> list[str]:
        return [item.name for item in self.codebook.items] + list(IDENTIFICATION)


def auto_mapping(export: Export, codebook: Codebook, questions: list[Question] | None = None) -> Mapping:
    """The exact mapping of every column (see the module notes); unmapped columns are left without a field.

    Examples
    --------
    >>> from challengelab._paths import example_dir
    >>> from challengelab.intake.readers import read_export
    >>> from challengelab.survey.codebook import load_codebook
    >>> export = read_export(example_dir() / "intake" / "redcap_export_synthetic.csv")
    >>> mapping = auto_mapping(export, load_codebook("2021"))
    >>> column = mapping.columns["motivation___2"]
    >>> column.field, column.level, len(mapping.unmapped())
    ('motivation', 'prize money', 0)
    """
    targets = Targets(codebook, questions, export.format)
    columns = {}
    for header, described in export.columns.items():
        columns[header] = _auto_column(header, described, export, targets)
    return Mapping(columns)


def _auto_column(header: str, described: ExportColumn, export: Export, targets: Targets) -> ColumnMap:
    if header in export.metadata_columns:
        return ColumnMap(header, None, how="metadata")
    whole = targets.field_of(header)
    if whole and targets.kinds[whole] != "multi_select":
        return ColumnMap(header, whole, how="name or code", score=100.0)
    if whole:  # a multi-select item in a single column (answers separated by ';' or ',')
        return ColumnMap(header, whole, how="name or code", score=100.0)
    if described.sub is not None:
        base = targets.field_of(described.base) or targets.field_of(described.text)
        if base and targets.kinds[base] == "multi_select":
            level = _choice_level(base, described, targets)
            if level:
                return ColumnMap(header, base, level=level, how="choice column", score=100.0)
            return ColumnMap(header, None, how="unmapped choice")
    by_text = targets.field_of(described.text) if described.text else None
    if by_text and described.sub is None:
        return ColumnMap(header, by_text, how="question text", score=100.0)
    return ColumnMap(header, None)


def _choice_level(target: str, described: ExportColumn, targets: Targets) -> str | None:
    for key in (described.base, described.text):
        question = targets.by_code.get(key or "") or targets.by_code.get((key or "").lower())
        if question is not None:
            label = question.choice_labels().get(described.sub or "")
            if label is not None:
                return targets.level_of(target, label, {})
    for text in (described.sub_text, described.sub):
        if text:
            level = targets.level_of(target, text, {})
            if level:
                return level
    return None


# --- suggestions -------------------------------------------------------------------------------------------------


def suggest_mapping(export: Export, codebook: Codebook, questions: list[Question] | None = None,
                    base: Mapping | None = None) -> Mapping:
    """The automatic mapping plus rapidfuzz proposals for what it left unmapped (columns and answers).

    Proposals scoring at least :data:`SUGGEST_SCORE` are filled in (``how: fuzzy``); the others stay unmapped
    with their best ``candidates`` listed. Answers of mapped coded items that match no level get a proposal too.
    """
    from rapidfuzz import fuzz, process, utils

    targets = Targets(codebook, questions, export.format)
    mapping = base or auto_mapping(export, codebook, questions)
    choices: dict[str, str] = {}
    for name in targets.names():
        item = codebook[name] if name in codebook else None
        for key in (name, name.replace("_", " "), *(item.aliases if item else IDENTIFICATION[name].aliases),
                    item.label if item else IDENTIFICATION[name].label):
            choices.setdefault(key, name)
    for column in mapping.columns.values():
        if column.field or column.how == "metadata":
            continue
        described = export.columns[column.column]
        query = described.text or (described.base if described.sub is None else described.header)
        found = process.extract(query, list(choices), scorer=fuzz.token_set_ratio, processor=utils.default_process,
                                limit=12)
        best: dict[str, float] = {}
        for key, score, _ in found:
            best.setdefault(choices[key], round(float(score), 1))
        column.candidates = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        clear = len(column.candidates) < 2 or column.candidates[0][1] - column.candidates[1][1] >= SUGGEST_MARGIN
        if column.candidates and column.candidates[0][1] >= SUGGEST_SCORE and clear and column.how != "unmapped choice":
            column.field, column.score, column.how = column.candidates[0][0], column.candidates[0][1], "fuzzy"
    for column in mapping.mapped():
        _suggest_values(column, export, targets)
    return mapping


def _suggest_values(column: ColumnMap, export: Export, targets: Targets) -> None:
    from rapidfuzz import fuzz, process, utils

    kind = targets.kinds[column.field]
    if column.level is not None or kind not in ("categorical", "ordinal", "binary", "multi_select"):
        return
    labels = dict(export.columns[column.column].labels)
    question = targets.by_code.get(export.columns[column.column].base)
    if question is not None:
        labels = {**question.choice_labels(), **labels}
    levels = list(targets.levels.get(column.field, ())) or ["yes", "no"]
    for raw in sorted({v for v in export.frame[column.column] if v is not None}):
        parts = _split(raw) if kind == "multi_select" else [raw]
        for part in parts:
            if part in column.values or targets.level_of(column.field, part, labels) is not None:
                continue
            match = process.extractOne(labels.get(part, part), levels, scorer=fuzz.token_set_ratio,
                                       processor=utils.default_process)
            column.values[part] = match[0] if match and match[1] >= SUGGEST_SCORE else None
            if match:
                column.value_scores[part] = (match[0], round(float(match[1]), 1))


def _split(raw: str) -> list[str]:
    separator = ";" if ";" in raw else "," if "," in raw else None
    return [p.strip() for p in raw.split(separator)] if separator else [raw.strip()]


# --- the mapping file --------------------------------------------------------------------------------------------

_HEADER = """\
# challengelab intake mapping: survey-tool column -> codebook item, answer -> level.
# For each column: 'item' is a codebook item, an identification question ({ident}) or null (ignored);
# 'level' (choice columns of a multi-select item) is the level the column stands for; 'values' maps an
# answer as exported to a level (or yes/no); 'value_candidates' show the best level and its score for answers
# that matched no level exactly. Entries marked 'how: fuzzy' or 'unmapped', and null values, need your check.
# Pass the edited file with --mapping; the same export and mapping always give the same round.
"""


def mapping_yaml(mapping: Mapping, export: Export, codebook: Codebook) -> str:
    """The mapping as an editable YAML text (deterministic)."""
    body: dict[str, dict] = {}
    for column in mapping.columns.values():
        entry: dict[str, object] = {"item": column.field}
        if column.level:
            entry["level"] = column.level
        entry["how"] = column.how
        if column.score is not None:
            entry["score"] = column.score
        if column.values:
            entry["values"] = dict(sorted(column.values.items()))
        if column.value_scores:
            entry["value_candidates"] = {raw: {"level": level, "score": score}
                                         for raw, (level, score) in sorted(column.value_scores.items())}
        if column.candidates and column.how in ("unmapped", "unmapped choice", "fuzzy"):
            entry["candidates"] = [{"item": name, "score": score} for name, score in column.candidates]
        body[column.column] = entry
    document = {"source": export.file, "format": export.format, "codebook": codebook.name, "columns": body}
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
    return _HEADER.format(ident=", ".join(IDENTIFICATION)) + text


def load_mapping(path: str | Path, export: Export, codebook: Codebook,
                 questions: list[Question] | None = None) -> Mapping:
    """The automatic mapping with every column listed in a mapping file replaced by the file's entry.

    Problems (unknown items, levels, answers) are in ``.issues`` with the mapping file and the column.
    """
    path = Path(path)
    targets = Targets(codebook, questions, export.format)
    mapping = auto_mapping(export, codebook, questions)
    where = {"file": path.name}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mapping.issues.append(ValidationIssue(f"cannot read the mapping file ({exc})", **where))
        return mapping
    entries = document.get("columns") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        mapping.issues.append(ValidationIssue("a mapping file needs a 'columns:' section (see --suggest)", **where))
        return mapping
    for header, entry in entries.items():
        header = str(header)
        if header not in mapping.columns:
            mapping.issues.append(ValidationIssue("the export has no such column; entry ignored", **where,
                                                  column=header, severity="warning"))
            continue
        mapping.columns[header] = _entry(header, entry or {}, targets, mapping.issues, where)
    return mapping


def _entry(header: str, entry: dict, targets: Targets, issues: list[ValidationIssue], where: dict) -> ColumnMap:
    if isinstance(entry, str):  # shorthand "column: item"
        entry = {"item": entry}
    if not isinstance(entry, dict):
        issues.append(ValidationIssue("expected 'item:' (and optional 'level:', 'values:') under the column",
                                      **where, column=header, value=entry))
        return ColumnMap(header, None, how="mapping file: invalid")
    target = entry.get("item")
    if target is None:
        return ColumnMap(header, None, how="metadata" if entry.get("how") == "metadata" else "ignored")
    target = str(target)
    if target not in targets.kinds:
        issues.append(ValidationIssue(f"{target!r} is neither a codebook item nor an identification question",
                                      **where, column=header, value=target))
        return ColumnMap(header, None, how="mapping file: invalid")
    level = entry.get("level")
    allowed = set(targets.levels.get(target, ())) | ({"yes", "no"} if targets.kinds[target] == "binary" else set())
    if level is not None and str(level) not in allowed:
        issues.append(ValidationIssue(f"level {level!r} is not a level of {target}", **where, column=header,
                                      value=level))
    values = {}
    for raw, level_value in (entry.get("values") or {}).items():
        if level_value is not None and allowed and str(level_value) not in allowed:
            issues.append(ValidationIssue(f"answer {raw!r} is mapped to {level_value!r}, which is not a level of "
                                          f"{target} (levels: {', '.join(sorted(allowed))})", **where,
                                          column=header, value=level_value))
        values[str(raw)] = None if level_value is None else str(level_value)
    return ColumnMap(header, target, None if level is None else str(level), values, how="mapping file",
                     score=entry.get("score"))


# --- applying the mapping ----------------------------------------------------------------------------------------


@dataclass
class Answers:
    """The mapped answers: one row per export row (identification fields and items, as text or None)."""

    frame: pd.DataFrame
    problems: list[list[ValidationIssue]]
    warnings: list[ValidationIssue]
    sources: dict[str, str]  # field -> export column(s) it came from, for messages


def apply_mapping(export: Export, mapping: Mapping, codebook: Codebook,
                  questions: list[Question] | None = None) -> Answers:
    """Translate every row of the export into identification fields and item answers."""
    targets = Targets(codebook, questions, export.format)
    n = len(export.frame)
    problems: list[list[ValidationIssue]] = [[] for _ in range(n)]
    warnings: list[ValidationIssue] = []
    groups: dict[str, list[ColumnMap]] = {}
    for column in mapping.mapped():
        groups.setdefault(column.field, []).append(column)
    data: dict[str, list] = {}
    sources: dict[str, str] = {}
    for target, columns in groups.items():
        choice_columns = [c for c in columns if c.level is not None]
        whole = [c for c in columns if c.level is None]
        if whole and len(whole) > 1:
            warnings.append(ValidationIssue(
                f"columns {', '.join(repr(c.column) for c in whole)} all map to {target}; the first is used, the "
                "others are ignored", file=export.file, column=whole[1].column, severity="warning"))
        if whole:
            data[target] = _translate(export, whole[0], targets, problems)
            sources[target] = whole[0].column
        elif choice_columns:
            data[target] = _indicators(export, choice_columns, targets, problems)
            sources[target] = ", ".join(c.column for c in choice_columns)
    frame = pd.DataFrame({name: data.get(name, [None] * n) for name in targets.names()}, dtype=object)
    return Answers(frame, problems, warnings, sources)


def _labels(export: Export, column: ColumnMap, targets: Targets) -> dict[str, str]:
    described = export.columns[column.column]
    question = targets.by_code.get(described.base) or targets.by_code.get(described.header)
    labels = question.choice_labels() if question is not None else {}
    return {**labels, **dict(described.labels)}


def _translate(export: Export, column: ColumnMap, targets: Targets, problems: list[list]) -> list:
    kind = targets.kinds[column.field]
    raw = export.frame[column.column].tolist()
    if kind in ("text", "numeric") and column.field != "respondent_role":
        return [column.values.get(v, v) if v is not None else None for v in raw]
    labels = _labels(export, column, targets)
    cache: dict[str, tuple[str | None, str | None]] = {}
    out = []
    for position, value in enumerate(raw):
        if value is None:
            out.append(None)
            continue
        if value not in cache:
            cache[value] = _translate_one(value, column, kind, labels, targets)
        result, bad = cache[value]
        if bad is not None:
            problems[position].append(ValidationIssue(
                f"answer {bad!r} is not a level of {column.field} (levels: "
                f"{', '.join(targets.levels.get(column.field) or ('yes', 'no'))}); map it under 'values' in a "
                "mapping file (see --suggest)", file=export.file, row=export.rows[position], column=column.column,
                value=value))
        out.append(result)
    return out


def _translate_one(value: str, column: ColumnMap, kind: str, labels: dict[str, str], targets: Targets
                   ) -> tuple[str | None, str | None]:
    parts = _split(value) if kind == "multi_select" else [value]
    chosen = []
    for part in parts:
        if part in column.values:
            level = column.values[part]
            if level is None:
                continue
        else:
            level = targets.level_of(column.field, part, labels)
            if level is None:
                return None, part
        chosen.append(level)
    if kind == "multi_select":
        order = targets.levels[column.field]
        return "; ".join(level for level in order if level in chosen) or None, None
    return (chosen[0] if chosen else None), None


def _indicators(export: Export, columns: list[ColumnMap], targets: Targets, problems: list[list]) -> list:
    target = columns[0].field
    order = targets.levels[target]
    n = len(export.frame)
    chosen: list[set[str]] = [set() for _ in range(n)]
    answered = [False] * n
    for column in columns:
        labels = dict(export.columns[column.column].labels)  # the column's own value labels (SPSS), not choices
        level_texts = {normal_text(column.level), normal_text(export.columns[column.column].sub_text or "")}
        for position, value in enumerate(export.frame[column.column].tolist()):
            if value is None:
                continue
            answered[position] = True
            text = normal_text(column.values.get(value, labels.get(value, value)) or "")
            if text in _TRUE or text in level_texts:
                chosen[position].add(column.level)
            elif text not in _FALSE:
                problems[position].append(ValidationIssue(
                    f"cannot tell whether {column.level!r} was chosen from {value!r} (expected e.g. 1/0, Y/N, "
                    "Checked/Unchecked or the choice's text)", file=export.file, row=export.rows[position],
                    column=column.column, value=value))
    return ["; ".join(level for level in order if level in c) or None if a else None
            for c, a in zip(chosen, answered)]


def describe_unmapped(mapping: Mapping, export: Export) -> list[ValidationIssue]:
    """A warning per column that maps to nothing (metadata columns excepted)."""
    return [ValidationIssue("column not mapped to any item; ignored (see --suggest to map it)", file=export.file,
                            column=c.column, severity="warning") for c in mapping.unmapped()]

