"""Generate the hostile-input corpus: one file (or folder) per case, and ``cases.json`` with what each must give.

Run ``python tests/hostile/make_corpus.py OUT`` to write the corpus to OUT (the tests write it to a temporary
folder). Every case names the message the user must see: an error (the file is refused with that reason), a
warning (the file loads, the warning says what was odd) or ``valid``. ``limits`` is passed as
``Limits.parse(limits)``. Files are built from a small synthetic survey, so the corpus holds no real data.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from challengelab.survey.write import write_survey_folder, write_survey_workbook
from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata

SETTINGS = SimulationSettings(n_challenges=3, n_tasks=6, n_winning_respondents=4)


@dataclass(frozen=True)
class Case:
    name: str
    path: str  # relative to the corpus folder
    outcome: str  # "error", "warning" or "valid"
    expect: str  # a regular expression the message of the outcome must match
    limits: str | None = None
    where: str | None = None  # a regular expression the location must match


BUILDERS: dict[str, Callable[[Path], Case]] = {}


def case(function: Callable[[Path], Case]) -> Callable[[Path], Case]:
    BUILDERS[function.__name__] = function
    return function


def tables() -> dict[str, pd.DataFrame]:
    return simulate_tables(seed=7, settings=SETTINGS)


def _workbook(folder: Path, name: str, frames=None) -> Path:
    return write_survey_workbook(folder / name, frames or tables(), metadata=simulation_metadata(7, SETTINGS))


def _csv_folder(folder: Path, name: str, frames=None) -> Path:
    return write_survey_folder(folder / name, frames or tables(), metadata=simulation_metadata(7, SETTINGS))


def _edit_sheet(path: Path, sheet: str, edit: Callable) -> Path:
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    edit(workbook[sheet])
    workbook.save(path)
    return path


def _rewrite_member(path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(path) as source:
        contents = {info.filename: source.read(info) for info in source.infolist()}
    contents[member] = change(contents[member])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in contents.items():
            target.writestr(name, data)
    return path


def _zip_of(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    path = folder / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _csv_members(frames=None) -> dict[str, bytes]:
    return {f"{n}.csv": f.to_csv(index=False).encode() for n, f in (frames or tables()).items()}


# --- size and shape ---------------------------------------------------------------------------------------------


@case
def stray_cell(folder):
    """One value in XFD1048576 made every row 16,384 cells wide and validation hang."""
    _edit_sheet(_workbook(folder, "stray_cell.xlsx"), "responses", lambda s: s.__setitem__("XFD1048576", "x"))
    return Case("stray_cell", "stray_cell.xlsx", "valid", "")


@case
def stray_cell_in_a_column(folder):
    path = _edit_sheet(_workbook(folder, "stray_rank.xlsx"), "responses", lambda s: s.__setitem__("C1048576", 3))
    return Case("stray_cell_in_a_column", path.name, "error", "task_id is required but empty", where="row 1048576")


@case
def zip_bomb(folder):
    path = folder / "zip_bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _csv_members().items():
            if name != "responses.csv":
                archive.writestr(name, data)
        with archive.open("responses.csv", "w", force_zip64=True) as stream:
            stream.write(b"task_id,team_id,rank\n")
            for _ in range(64):
                stream.write(b"\n" * (1 << 20))
    return Case("zip_bomb", path.name, "error", r"compression ratio .* exceeds the limit ratio=100")


@case
def blank_line_flood(folder):
    members = _csv_members()
    members["responses.csv"] = members["responses.csv"] + b"\n" * 150_000 + b"C01-T1,late,1\n"
    return Case("blank_line_flood", _zip_of(folder, "blank_lines.zip", members).name, "error",
                r"number of rows .*exceeds the limit rows=100000", limits="ratio=100000")


@case
def too_many_rows(folder):
    return Case("too_many_rows", _csv_folder(folder, "rows").name, "error", r"exceeds the limit rows=10\b",
                limits="rows=10")


@case
def too_many_columns(folder):
    frames = tables()
    frames["challenges"] = pd.concat([frames["challenges"], pd.DataFrame(
        {f"extra{i}": ["x"] * len(frames["challenges"]) for i in range(1200)})], axis=1)
    return Case("too_many_columns", _csv_folder(folder, "columns", frames).name, "error",
                r"header columns exceeds the limit columns=1000")


@case
def file_too_large(folder):
    return Case("file_too_large", _workbook(folder, "large.xlsx").name, "error", r"limit file_mb=0\.001",
                limits="file_mb=0.001")


@case
def unpacked_too_large(folder):
    return Case("unpacked_too_large", _workbook(folder, "unpacked.xlsx").name, "error",
                r"unpacked size .* exceeds the limit unpacked_mb=0\.01", limits="unpacked_mb=0.01")


@case
def long_csv_field(folder):
    frames = tables()
    frames["challenges"].loc[0, "name"] = "x" * 140_000
    return Case("long_csv_field", _csv_folder(folder, "long_field", frames).name, "error",
                r"field's length exceeds the limit field_chars=32767")


# --- broken containers ------------------------------------------------------------------------------------------


@case
def encrypted_zip_member(folder):
    path = _zip_of(folder, "encrypted.zip", _csv_members())
    data = bytearray(path.read_bytes())
    name = b"responses.csv"
    for signature, flag_at, name_at in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:  # mark the member encrypted, as a password would
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + flag_at] |= 0x1
            start += 4
    path.write_bytes(bytes(data))
    return Case("encrypted_zip_member", path.name, "error", "encrypted", where="responses.csv")


@case
def corrupted_zip_member(folder):
    path = _zip_of(folder, "corrupted.zip", _csv_members())
    data = bytearray(path.read_bytes())
    start = data.index(b"responses.csv") + len(b"responses.csv")  # local header name, then compressed data
    for offset in range(start + 20, start + 60):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    return Case("corrupted_zip_member", path.name, "error", "corrupted|not readable")


@case
def not_a_workbook(folder):
    (folder / "text.xlsx").write_bytes(b"hello, I am not a workbook")
    return Case("not_a_workbook", "text.xlsx", "error", "not a readable Excel workbook")


@case
def encrypted_workbook(folder):
    (folder / "protected.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    return Case("encrypted_workbook", "protected.xlsx", "error", "password-protected")


@case
def corrupted_sheet_xml(folder):
    path = _rewrite_member(_workbook(folder, "bad_sheet.xlsx"), "xl/worksheets/sheet3.xml",
                           lambda data: data[: len(data) // 2])
    return Case("corrupted_sheet_xml", path.name, "error", "corrupted")


@case
def dtd_entity(folder):
    def inject(data: bytes) -> bytes:
        doctype = b'<!DOCTYPE worksheet [<!ENTITY boom "boom">]>'
        return data.replace(b"?>", b"?>" + doctype, 1) if data.startswith(b"<?xml") else doctype + data

    path = _rewrite_member(_workbook(folder, "dtd.xlsx"), "xl/worksheets/sheet1.xml", inject)
    return Case("dtd_entity", path.name, "error", "DTD or entity")


@case
def parquet_lists(folder):
    target = folder / "parquet"
    target.mkdir()
    for name, frame in tables().items():
        frame = frame.astype(object).where(frame.notna(), None).astype(str)
        if name == "tasks":
            frame["modality"] = [["CT", "MR"]] * len(frame)
        frame.to_parquet(target / f"{name}.parquet")
    return Case("parquet_lists", "parquet", "error", "a list or structure where a single value is expected")


@case
def wrong_suffix(folder):
    (folder / "survey.xls").write_bytes(b"old")
    return Case("wrong_suffix", "survey.xls", "error", r"cannot read a \.xls file")


@case
def missing_sheet(folder):
    from openpyxl import load_workbook

    path = _workbook(folder, "no_tasks.xlsx")
    workbook = load_workbook(path)
    del workbook["tasks"]
    workbook.save(path)
    return Case("missing_sheet", path.name, "error", "sheet 'tasks' is missing")


# --- cell types -------------------------------------------------------------------------------------------------


def _set(sheet, column: str, row: int, value):
    header = [c.value for c in sheet[1]]
    sheet.cell(row=row, column=header.index(column) + 1).value = value


@case
def excel_true_in_rank(folder):
    path = _edit_sheet(_workbook(folder, "true_rank.xlsx"), "responses", lambda s: _set(s, "rank", 3, True))
    return Case("excel_true_in_rank", path.name, "error", "TRUE/FALSE .* where a whole number is expected",
                where="row 3, column rank")


@case
def excel_true_in_n_teams(folder):
    path = _edit_sheet(_workbook(folder, "true_teams.xlsx"), "tasks", lambda s: _set(s, "n_teams", 2, True))
    return Case("excel_true_in_n_teams", path.name, "error", "TRUE/FALSE", where="row 2, column n_teams")


@case
def excel_error_value(folder):
    path = _edit_sheet(_workbook(folder, "ref_error.xlsx"), "responses", lambda s: _set(s, "team_id", 4, "#REF!"))
    return Case("excel_error_value", path.name, "error", r"Excel error value #REF!", where="row 4, column team_id")


@case
def excel_error_in_text(folder):
    path = _edit_sheet(_workbook(folder, "name_error.xlsx"), "challenges", lambda s: _set(s, "name", 2, "#NAME?"))
    return Case("excel_error_in_text", path.name, "error", r"Excel error value #NAME\?", where="column name")


@case
def uncached_formula(folder):
    path = _edit_sheet(_workbook(folder, "formula.xlsx"), "responses", lambda s: _set(s, "rank", 5, "=1+1"))
    return Case("uncached_formula", path.name, "error", "formula without a saved value",
                where="row 5, column rank")


@case
def merged_cells(folder):
    def merge(sheet):
        header = [c.value for c in sheet[1]]
        letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("augmentation")]
        sheet.merge_cells(f"{letter}2:{letter}4")

    path = _edit_sheet(_workbook(folder, "merged.xlsx"), "responses", merge)
    return Case("merged_cells", path.name, "error", "merged cells", where="row 3, column augmentation")


@case
def control_character(folder):
    frames = tables()
    frames["challenges"].loc[1, "name"] = "bell\x07challenge"
    return Case("control_character", _csv_folder(folder, "control", frames).name, "error",
                "control character U\\+0007", where="row 3, column name")


@case
def huge_rank(folder):
    frames = tables()
    frames["responses"]["rank"] = frames["responses"]["rank"].astype(object)
    frames["responses"].loc[0, "rank"] = "1e308"
    return Case("huge_rank", _csv_folder(folder, "huge_rank", frames).name, "error", "whole number|less than or equal",
                where="column rank")


# --- identifiers and tables -------------------------------------------------------------------------------------


@case
def zero_width_duplicate(folder):
    frames = tables()
    responses = frames["responses"]
    copy = responses.iloc[[0]].copy()
    copy["team_id"] = copy["team_id"].str[:3] + "\u200b" + copy["team_id"].str[3:]
    frames["responses"] = pd.concat([responses, copy], ignore_index=True)
    return Case("zero_width_duplicate", _csv_folder(folder, "zero_width", frames).name, "error",
                r"team \(task_id, team_id\) .* appears again")


@case
def unicode_forms_duplicate(folder):
    frames = tables()
    responses = frames["responses"]
    responses.loc[0, "team_id"] = "Zu\u0308rich"  # decomposed u + combining diaeresis
    copy = responses.iloc[[0]].copy()
    copy["team_id"] = "Z\u00fcrich"  # composed
    frames["responses"] = pd.concat([responses, copy], ignore_index=True)
    return Case("unicode_forms_duplicate", _csv_folder(folder, "nfc", frames).name, "error", "appears again")


@case
def near_duplicate_ids(folder):
    frames = tables()
    responses = frames["responses"]
    task = responses.loc[0, "task_id"]
    responses.loc[0, "team_id"] = "Deep Team"
    extra = responses.iloc[[0]].copy()
    extra["team_id"], extra["rank"] = "deep-team", responses.loc[responses["task_id"] == task, "rank"].max()
    frames["responses"] = pd.concat([responses, extra], ignore_index=True)
    frames["tasks"].loc[frames["tasks"]["task_id"] == task, "n_teams"] += 1
    return Case("near_duplicate_ids", _csv_folder(folder, "near_dup", frames).name, "warning",
                "'deep-team' looks like 'Deep Team'")


@case
def cascaded_rejection(folder):
    frames = tables()
    frames["challenges"]["year"] = frames["challenges"]["year"].astype(object)
    frames["challenges"].loc[1, "year"] = "next year"
    return Case("cascaded_rejection", _csv_folder(folder, "cascade", frames).name, "error",
                r"refers to challenge_id 'C02', whose row was rejected above \(challenges row 3\)")


@case
def multi_line_record(folder):
    frames = tables()
    frames["challenges"].loc[1, "name"] = "line one\nline two\nline three"
    frames["challenges"]["year"] = frames["challenges"]["year"].astype(object)
    frames["challenges"].loc[1, "year"] = "soon"
    return Case("multi_line_record", _csv_folder(folder, "multi_line", frames).name, "error",
                "expected a \\(finite\\) number|whole number", where="row 3, column year")


@case
def windows_1252(folder):
    target = _csv_folder(folder, "cp1252")
    path = target / "challenges.csv"
    text = path.read_text().replace("Synthetic ISBI", "Synthétique ISBI")
    path.write_bytes(text.encode("cp1252"))
    return Case("windows_1252", "cp1252", "warning", "read as Windows-1252")


@case
def utf16(folder):
    target = _csv_folder(folder, "utf16")
    path = target / "tasks.csv"
    path.write_bytes(path.read_text().encode("utf-16"))
    return Case("utf16", "utf16", "warning", "UTF-16")


@case
def extra_values_beyond_header(folder):
    target = _csv_folder(folder, "extra_values")
    path = target / "organizers.csv"
    lines = path.read_text().splitlines()
    lines[1] += ",surprise"
    path.write_text("\n".join(lines) + "\n")
    return Case("extra_values_beyond_header", "extra_values", "warning", "more values than the header",
                where="row 2")


@case
def nul_byte(folder):
    target = _csv_folder(folder, "nul")
    path = target / "challenges.csv"
    path.write_bytes(path.read_bytes().replace(b"Synthetic ISBI", b"Synthetic\x00ISBI"))
    return Case("nul_byte", "nul", "error", "control character U\\+0000|not readable as CSV")


@case
def invisible_only_id(folder):
    frames = tables()
    frames["organizers"].loc[0, "task_id"] = "\u200b\u200b"
    return Case("invisible_only_id", _csv_folder(folder, "invisible", frames).name, "error",
                "task_id is required but empty", where="organizers")


def build(folder: str | Path) -> list[Case]:
    """Write every case into ``folder`` and ``cases.json``; return the cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases = [builder(folder) for builder in BUILDERS.values()]
    (folder / "cases.json").write_text(json.dumps([asdict(c) for c in cases], indent=2) + "\n")
    return cases


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/hostile/make_corpus.py OUT_FOLDER")
    made = build(sys.argv[1])
    print(f"wrote {len(made)} hostile cases to {sys.argv[1]}")
