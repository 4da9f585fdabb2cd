"""Build the SYNTHETIC survey-tool exports used by the intake tests (and the example under data/example/intake/).

Run from the repository root::

    python tests/data/make_intake_fixtures.py            # tests/data/intake/
    python tests/data/make_intake_fixtures.py --example  # data/example/intake/

Every respondent, team and answer here is invented. The exports imitate what each tool writes, following the
tools' public documentation:

* REDCap "Data Exports, Reports, and Stats" (records CSV, raw and labels; checkbox fields exported as one column
  per choice named ``field___code`` holding 1/0, or ``Label (choice=Choice)`` holding Checked/Unchecked;
  ``<form>_timestamp``, ``<form>_complete`` and ``redcap_survey_identifier`` columns) and the REDCap data
  dictionary columns ("Variable / Field Name", "Form Name", "Field Type", "Choices, Calculations, OR Slider
  Labels", ...).
* LimeSurvey manual, "Export responses" (CSV with question codes or full question texts as headings, metadata
  headings ``id``/``Response ID``, ``submitdate``/``Date submitted``, ``lastpage``, ``startlanguage``, ``seed``;
  multiple-choice subquestions as ``Code[SQ001]`` or ``Question [Subquestion]``, chosen = ``Y``/``Yes``;
  ``N/A`` for not answered in full-answer exports) and "Tab Separated Value survey structure".
* Qualtrics "Data export" (CSV with three header rows: column names, question texts, ``{"ImportId":...}``;
  multi-answer questions split into ``Q#_#`` columns holding the choice text; metadata columns StartDate,
  EndDate, Status, ..., ResponseId).
* SPSS ``.sav`` written with pyreadstat, with variable labels and value labels as REDCap's SPSS export gives
  (checkbox variables ``field___code`` labelled Unchecked/Checked).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from challengelab.intake.fields import question_code  # noqa: E402
from challengelab.intake.questionnaire import limesurvey_structure, redcap_dictionary  # noqa: E402
from challengelab.survey.codebook import load_codebook  # noqa: E402

CODEBOOK = load_codebook("2021")

# --- the truth: tasks, leaderboards, respondents -------------------------------------------------------------------

TASKS = pd.DataFrame([
    ("T1", "C1", "Liver Tumour Segmentation Challenge", "MICCAI", 2021, "liver", "segmentation", "CT"),
    ("T2", "C1", "Liver Tumour Segmentation Challenge", "MICCAI", 2021, "tumour", "segmentation", "CT"),
    ("T3", "C2", "Retinal Lesion Grading", "ISBI", 2021, "", "classification", "fundus photography"),
    ("T4", "C3", "Cell Tracking Benchmark", "ISBI", 2021, "2D tracking", "tracking", "microscopy"),
], columns=["task_id", "challenge_id", "challenge_name", "conference", "year", "task_name", "task_category",
            "modality"])

TEAMS = ["DeepSeg", "Équipe Ñandú", "MedVision Lab", "UNet Rangers", "Müller & Co", "KidneyKnights", "zeta.ai",
         "Team Orion", "PixelPushers", "CellSense"]


def leaderboards() -> pd.DataFrame:
    rows = []
    for task_id, teams in (("T1", TEAMS[:6]), ("T2", TEAMS[:3] + TEAMS[6:8]), ("T3", TEAMS[2:9]),
                           ("T4", TEAMS[7:10] + TEAMS[:2])):
        for position, team in enumerate(teams):
            rank = position + 1 if not (task_id == "T3" and position == 2) else position  # a tie on T3
            rows.append((task_id, team, rank))
    return pd.DataFrame(rows, columns=["task_id", "team", "rank"])


def answers(rng: random.Random, role: str) -> dict[str, object]:
    """Answers in codebook terms (levels, yes/no, numbers; multi-select as a list); some left empty."""
    out: dict[str, object] = {}
    for item in CODEBOOK.select(table="responses" if role == "participant" else "organizers"):
        if rng.random() < 0.1:
            out[item.name] = None
        elif item.type == "binary":
            out[item.name] = rng.choice(["yes", "no"])
        elif item.type in ("categorical", "ordinal"):
            out[item.name] = rng.choice(item.levels)
        elif item.type == "multi_select":
            out[item.name] = [level for level in item.levels if rng.random() < 0.4] or [item.levels[0]]
        else:
            low, high = int(item.minimum or 0), int(min(item.maximum or 50, 50))
            out[item.name] = rng.randint(max(low, 1), high)
    return out


def respondents(seed: int = 13) -> list[dict]:
    """One dict per respondent: role, challenge/task/team answers, answers, and the entry it should link to."""
    rng = random.Random(seed)
    board = leaderboards()
    people = []
    for entry in board.sample(frac=0.6, random_state=seed).sort_values(["task_id", "rank"]).itertuples():
        task = TASKS.set_index("task_id").loc[entry.task_id]
        people.append({"role": "participant", "challenge": task["challenge_name"], "task": task["task_name"],
                       "team": entry.team, "answers": answers(rng, "participant"),
                       "expect": (entry.task_id, entry.team, entry.rank)})
    for task in TASKS.itertuples():
        if task.task_id != "T4":
            people.append({"role": "organizer", "challenge": task.challenge_name, "task": task.task_name,
                           "team": None, "answers": answers(rng, "organizer"), "expect": (task.task_id, None, None)})
    return people


# --- REDCap --------------------------------------------------------------------------------------------------------


def redcap_records(people: list[dict], dictionary_path: Path, *, labels: bool = False) -> str:
    """A REDCap records export (CSV) of the project made from a data dictionary file, raw codes or labels."""
    dictionary = pd.read_csv(dictionary_path, dtype=str, keep_default_na=False)
    form = dictionary["Form Name"].iloc[0]
    header, rows = [], []
    fields = dictionary.to_dict("records")
    header.append("Record ID" if labels else "record_id")
    header.append("Survey Identifier" if labels else "redcap_survey_identifier")
    header.append("Survey Timestamp" if labels else f"{form}_timestamp")
    for f in fields[1:]:
        name, kind, label = f["Variable / Field Name"], f["Field Type"], f["Field Label"]
        if kind == "checkbox":
            for code, text in _choices(f):
                header.append(f"{label} (choice={text})" if labels else f"{name}___{code}")
        else:
            header.append(label if labels else name)
    header.append("Complete?" if labels else f"{form}_complete")
    for number, person in enumerate(people, start=1):
        row = [str(number), "", f"2021-10-{number % 28 + 1:02d} 10:{number % 60:02d}:00"]
        for f in fields[1:]:
            row += _redcap_cells(f, person, labels)
        row.append("Complete" if labels else "2")
        rows.append(row)
    return _csv(header, rows)


def _choices(field: dict) -> list[tuple[str, str]]:
    pairs = []
    for part in field["Choices, Calculations, OR Slider Labels"].split("|"):
        if part.strip():
            code, text = part.split(",", 1)
            pairs.append((code.strip(), text.strip()))
    return pairs


def _value_of(field_name: str, person: dict) -> object:
    ident = {"respondent_role": person["role"], "challenge_name": person["challenge"],
             "task_name": person["task"], "team_name": person["team"]}
    return ident[field_name] if field_name in ident else person["answers"].get(field_name)


def _redcap_cells(field: dict, person: dict, labels: bool) -> list[str]:
    name, kind = field["Variable / Field Name"], field["Field Type"]
    value = _value_of(name, person)
    if kind == "checkbox":
        chosen = value or []
        return [("Checked" if text in chosen else "Unchecked") if labels else ("1" if text in chosen else "0")
                for _, text in _choices(field)]
    if value is None:
        return [""]
    if kind == "yesno":
        return [("Yes" if value == "yes" else "No") if labels else ("1" if value == "yes" else "0")]
    if kind == "radio":
        code = next(c for c, t in _choices(field) if t == value)
        return [value if labels else code]
    return [str(value)]


# --- LimeSurvey ----------------------------------------------------------------------------------------------------


def limesurvey_responses(people: list[dict], structure_path: Path, *, full: bool = False) -> str:
    """A LimeSurvey response export (CSV) of the survey imported from a TSV structure file."""
    structure = pd.read_csv(structure_path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    questions, current = [], None
    for row in structure.to_dict("records"):
        if row["class"] == "Q":
            current = {"code": row["name"], "type": row["type/scale"], "text": row["text"], "subs": [],
                       "answers": []}
            questions.append(current)
        elif row["class"] == "SQ" and current:
            current["subs"].append((row["name"], row["text"]))
        elif row["class"] == "A" and current:
            current["answers"].append((row["name"], row["text"]))
    meta = ["Response ID", "Date submitted", "Last page", "Start language", "Seed"] if full else \
        ["id", "submitdate", "lastpage", "startlanguage", "seed"]
    header = list(meta)
    for q in questions:
        if q["type"] == "M":
            header += [f"{q['text']} [{text}]" if full else f"{q['code']}[{code}]" for code, text in q["subs"]]
        else:
            header.append(q["text"] if full else q["code"])
    rows = []
    by_code = {question_code(name, "limesurvey"): name for name in
               ["respondent_role", "challenge_name", "task_name", "team_name", *CODEBOOK.names()]}
    for number, person in enumerate(people, start=1):
        row = [str(number), f"2021-11-{number % 28 + 1:02d} 09:00:00", "6", "en", str(1000 + number)]
        for q in questions:
            row += _limesurvey_cells(q, _value_of(by_code[q["code"]], person), full)
        rows.append(row)
    return _csv(header, rows)


def _limesurvey_cells(q: dict, value: object, full: bool) -> list[str]:
    missing = "N/A" if full else ""
    if q["type"] == "M":
        if value is None:
            return [missing] * len(q["subs"])
        return [("Yes" if full else "Y") if text in value else "" for _, text in q["subs"]]
    if value is None:
        return [missing]
    if q["type"] == "Y":
        return [("Yes" if value == "yes" else "No") if full else ("Y" if value == "yes" else "N")]
    if q["type"] == "L":
        return [value if full else next(c for c, t in q["answers"] if t == value)]
    return [str(value)]


# --- Qualtrics, SPSS, generic ------------------------------------------------------------------------------------

_QUALTRICS_META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
                   "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]


def qualtrics_csv(people: list[dict]) -> str:
    """A Qualtrics CSV export (choice text, multi-answer fields split into columns): three header rows."""
    names, texts, imports, fields = list(_QUALTRICS_META), list(_QUALTRICS_META), [], []
    imports = [f'{{"ImportId":"{m[0].lower() + m[1:].replace(" ", "")}"}}' for m in _QUALTRICS_META]
    ident = {"respondent_role": "You answer this questionnaire as", "challenge_name": "Which challenge?",
             "task_name": "Which task (leave empty if only one)?", "team_name": "Team name on the leaderboard"}
    columns = [(n, t, None) for n, t in ident.items()] + [
        (item.name, item.label, item) for item in CODEBOOK.items]
    for number, (name, text, item) in enumerate(columns, start=1):
        if item is not None and item.type == "multi_select":
            for position, level in enumerate(item.levels, start=1):
                names.append(f"Q{number}_{position}")
                texts.append(f"{text} - {level}")
                imports.append(f'{{"ImportId":"QID{number}_{position}"}}')
                fields.append((name, level))
        else:
            names.append(f"Q{number}")
            texts.append(text)
            imports.append(f'{{"ImportId":"QID{number}"}}')
            fields.append((name, None))
    rows = [names, texts, imports]
    for number, person in enumerate(people, start=1):
        row = ["2021-10-01 10:00:00", "2021-10-01 10:12:00", "IP Address", "", "100", "720", "True",
               "2021-10-01 10:12:01", f"R_{number:015d}", "anonymous", "EN"]
        for name, level in fields:
            value = _value_of(name, person)
            if level is not None:
                row.append(level if value and level in value else "")
            elif value is None:
                row.append("")
            else:
                row.append({"yes": "Yes", "no": "No"}.get(value, str(value)) if isinstance(value, str) else str(value))
        rows.append(row)
    return _csv(rows[0], rows[1:])


def spss_file(people: list[dict], path: Path) -> None:
    """An SPSS .sav as REDCap's SPSS export writes it: numeric codes with value labels, checkbox variables."""
    import pyreadstat

    dictionary = redcap_dictionary(CODEBOOK)
    data, labels, value_labels = {}, {}, {}
    for f in dictionary.to_dict("records")[1:]:
        name, kind, label = f["Variable / Field Name"], f["Field Type"], f["Field Label"]
        values = [_value_of(name, p) for p in people]
        if kind == "checkbox":
            for code, text in _choices(f):
                column = f"{name}___{code}"
                data[column] = [float(text in (v or [])) for v in values]
                labels[column] = f"{label} - {text}"
                value_labels[column] = {0.0: "Unchecked", 1.0: "Checked"}
        elif kind in ("radio", "yesno"):
            pairs = _choices(f) if kind == "radio" else [("1", "Yes"), ("0", "No")]
            code_of = {t.lower(): float(c) for c, t in pairs}
            data[name] = [None if v is None else code_of[str(v).lower()] for v in values]
            labels[name] = label
            value_labels[name] = {float(c): t for c, t in pairs}
        elif f["Text Validation Type OR Show Slider Number"] in ("integer", "number"):
            data[name] = [None if v is None else float(v) for v in values]
            labels[name] = label
        else:
            data[name] = ["" if v is None else str(v) for v in values]
            labels[name] = label
    frame = pd.DataFrame({"record_id": [float(i) for i in range(1, len(people) + 1)], **data})
    pyreadstat.write_sav(frame, str(path), column_labels={"record_id": "Record ID", **labels},
                         variable_value_labels=value_labels)


def generic_frame(people: list[dict]) -> pd.DataFrame:
    """A hand-made wide table: one row per respondent, item names as headers, levels as text."""
    rows = []
    for person in people:
        row = {"Team": person["team"] or "", "Challenge": person["challenge"], "Task": person["task"] or "",
               "role": person["role"]}
        for name, value in person["answers"].items():
            row[name] = "; ".join(value) if isinstance(value, list) else "" if value is None else value
        rows.append(row)
    return pd.DataFrame(rows)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# --- tricky linking cases ------------------------------------------------------------------------------------------


def tricky_people(seed: int = 7) -> list[dict]:
    """Respondents whose team answers are misspelt, renamed, accented differently, duplicated, or missing."""
    rng = random.Random(seed)
    liver, retina = TASKS.iloc[0], TASKS.iloc[2]

    def person(challenge, task, team, expect):
        return {"role": "participant", "challenge": challenge, "task": task, "team": team,
                "answers": answers(rng, "participant"), "expect": expect}

    return [
        person(liver.challenge_name, "liver", "DeepSegg", ("T1", "DeepSeg", 1)),  # misspelt
        person(liver.challenge_name.lower(), "Liver", "equipe nandu", ("T1", "Équipe Ñandú", 2)),  # accents
        person(liver.challenge_name, "liver", "MedVision-Lab", ("T1", "MedVision Lab", 3)),  # punctuation
        person(liver.challenge_name, "liver", "The Unbeatables", "review"),  # renamed team
        person(retina.challenge_name, "", "Müller & Co", "review"),  # two members of one team ...
        person("Retinal lesion grading", "", "Mueller and Co", "review"),  # ... answer
        person(retina.challenge_name, "", "", "review"),  # no team name
        person("Some Other Challenge 2030", "", "DeepSeg", "review"),  # unknown challenge
    ]


def write_fixtures(folder: Path, *, example: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    people = respondents()
    written = []

    def put(name: str, content: str | bytes) -> None:
        path = folder / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        written.append(path)

    TASKS.to_csv(folder / "tasks.csv", index=False)
    leaderboards().to_csv(folder / "leaderboards.csv", index=False)
    written += [folder / "tasks.csv", folder / "leaderboards.csv"]
    put("redcap_dictionary.csv", redcap_dictionary(CODEBOOK).to_csv(index=False, lineterminator="\n"))
    if example:  # with a few answers a person has to look at (misspelt, accented, renamed teams)
        put("redcap_export_synthetic.csv", redcap_records(people + tricky_people()[:4],
                                                          folder / "redcap_dictionary.csv"))
        put("README.md", EXAMPLE_README)
        return written
    put("redcap_export.csv", redcap_records(people, folder / "redcap_dictionary.csv"))
    put("redcap_export_labels.csv", redcap_records(people, folder / "redcap_dictionary.csv", labels=True))
    structure = limesurvey_structure(CODEBOOK)
    put("limesurvey_structure.txt", "\ufeff" + structure.to_csv(index=False, sep="\t", lineterminator="\n"))
    put("limesurvey_codes.csv", "\ufeff" + limesurvey_responses(people, folder / "limesurvey_structure.txt"))
    put("limesurvey_full.csv", "\ufeff" + limesurvey_responses(people, folder / "limesurvey_structure.txt",
                                                                full=True))
    put("qualtrics.csv", "\ufeff" + qualtrics_csv(people))
    spss_file(people, folder / "redcap_spss.sav")
    written.append(folder / "redcap_spss.sav")
    generic = generic_frame(people)
    put("generic.csv", generic.to_csv(index=False, lineterminator="\n"))
    generic.to_excel(folder / "generic.xlsx", index=False)
    written.append(folder / "generic.xlsx")
    put("tricky_generic.csv", generic_frame(tricky_people()).to_csv(index=False, lineterminator="\n"))
    put("unrelated.csv", "date,city,temperature_c\n2021-01-01,Heidelberg,3.5\n2021-01-02,Heidelberg,4.0\n")
    put("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return written


EXAMPLE_README = """\
# SYNTHETIC intake example

Everything in this folder is invented (SYNTHETIC): the challenges, tasks, teams, leaderboards and answers.
It shows the files `challengelab intake` reads, made with `python tests/data/make_intake_fixtures.py --example`:

* `redcap_dictionary.csv` - the REDCap data dictionary written by `challengelab questionnaire --format redcap`;
* `redcap_export_synthetic.csv` - a REDCap records export (raw codes) of a project made from that dictionary,
  with a few team names a person has to check (misspelt, accented, renamed);
* `tasks.csv` - one row per task; `leaderboards.csv` - the final leaderboards (task_id, team, rank).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--example", action="store_true", help="write the bundled example (data/example/intake)")
    args = parser.parse_args()
    folder = ROOT / ("data/example/intake" if args.example else "tests/data/intake")
    for path in write_fixtures(folder, example=args.example):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()


