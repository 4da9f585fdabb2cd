"""Intake on uploaded files (bytes in, bytes out), for the dashboard: nothing is kept on disk afterwards."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from challengelab._paths import example_dir
from challengelab.intake.pipeline import IntakeResult, run_intake, write_intake

#: The bundled SYNTHETIC example: role -> file in data/example/intake/.
EXAMPLE_FILES = {"export": "redcap_export_synthetic.csv", "tasks": "tasks.csv", "leaderboards": "leaderboards.csv",
                 "dictionary": "redcap_dictionary.csv"}


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as the user knows it and its content."""

    name: str
    content: bytes


@dataclass
class IntakeRun:
    """The result of one intake and the bytes of every file to download."""

    result: IntakeResult
    files: dict[str, Upload]  # round, links, review, key


def example_uploads() -> dict[str, Upload]:
    """The bundled SYNTHETIC example as uploads."""
    folder = example_dir() / "intake"
    return {role: Upload(name, (folder / name).read_bytes()) for role, name in EXAMPLE_FILES.items()}


def run_uploads(uploads: dict[str, Upload], *, links: pd.DataFrame | None = None, synthetic: bool = False,
                codebook: str = "2021") -> IntakeRun:
    """Run :func:`~challengelab.intake.run_intake` on uploads (roles ``export``, ``tasks``, ``leaderboards`` and
    optionally ``mapping``, ``dictionary``) with an edited links table; return the result and output files.

    Raises
    ------
    IntakeError
        With every located problem (file names as uploaded).
    """
    with tempfile.TemporaryDirectory(prefix="challengelab-intake-") as folder:
        root = Path(folder)
        paths: dict[str, Path] = {}
        for role, upload in uploads.items():
            (root / role).mkdir()
            paths[role] = root / role / Path(upload.name).name
            paths[role].write_bytes(upload.content)
        links_path = None
        if links is not None:
            links_path = root / "links.csv"
            links.to_csv(links_path, index=False)
        result = run_intake(paths["export"], paths["tasks"], paths["leaderboards"], codebook=codebook,
                            mapping=paths.get("mapping"), dictionary=paths.get("dictionary"), links=links_path,
                            synthetic=synthetic)
        stem = Path(uploads["export"].name).stem
        written = write_intake(result, root / "out" / f"{stem}_round.xlsx", force=True)
        files = {role: Upload(path.name, path.read_bytes()) for role, path in written.items()}
    return IntakeRun(result, files)


def suggestion_bytes(uploads: dict[str, Upload], *, codebook: str = "2021") -> bytes:
    """A mapping proposal (the ``--suggest`` YAML) for the uploaded export, its dictionary and mapping if any.

    Raises
    ------
    IntakeError
        When the export (or dictionary, or mapping) cannot be read.
    """
    from challengelab.intake.mapping import mapping_yaml, suggest_mapping
    from challengelab.intake.pipeline import load_inputs

    with tempfile.TemporaryDirectory(prefix="challengelab-intake-") as folder:
        paths = {}
        for role in ("export", "dictionary", "mapping"):
            if role in uploads:
                (Path(folder) / role).mkdir()
                paths[role] = Path(folder) / role / Path(uploads[role].name).name
                paths[role].write_bytes(uploads[role].content)
        export, questions, chosen, book = load_inputs(paths["export"], codebook=codebook,
                                                      mapping=paths.get("mapping"),
                                                      dictionary=paths.get("dictionary"))
        proposal = suggest_mapping(export, book, questions, base=chosen)
        return mapping_yaml(proposal, export, book).encode("utf-8")


def set_decision(links: pd.DataFrame, response: str, decision: str, *, task_id: str = "",
                 team: str = "") -> pd.DataFrame:
    """A copy of the links table with a person's decision for one response (``link`` or ``reject``, or ``""``)."""
    if decision not in ("link", "reject", ""):
        raise ValueError(f"decision must be 'link', 'reject' or empty, not {decision!r}")
    out = links.copy()
    chosen = out["response"] == response
    if not chosen.any():
        raise KeyError(f"no response {response!r} in the links table")
    out.loc[chosen, "decision"] = decision
    if decision == "link":
        out.loc[chosen, ["task_id", "team"]] = [task_id, team]
    return out


def candidate_entries(candidates: str) -> list[tuple[str, str]]:
    """``(task_id, team)`` pairs listed in a links row's ``candidates`` text."""
    pairs = []
    for part in str(candidates or "").split("; "):
        if " / " in part and " (rank " in part:
            task_id, rest = part.split(" / ", 1)
            pairs.append((task_id, rest.rsplit(" (rank ", 1)[0]))
    return pairs
