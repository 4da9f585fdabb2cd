"""Facts that let a reader regenerate a report exactly: input hashes, configuration, versions, seed, command."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import platform
import shlex
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

#: Distributions whose versions are recorded (those that exist).
PACKAGES = ("challengelab", "pandas", "numpy", "scipy", "statsmodels", "plotly", "openpyxl", "pydantic",
            "typer", "rich", "pyyaml")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def input_files(path: Path) -> list[tuple[str, str, int]]:
    """``(name, sha256, bytes)`` of an input file, or of every file in an input folder (sorted, recursive)."""
    path = Path(path)
    if path.is_file():
        return [(path.name, sha256_file(path), path.stat().st_size)]
    if path.is_dir():
        out = []
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            out.append((child.relative_to(path).as_posix(), sha256_file(child), child.stat().st_size))
        return out
    return []


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def timestamp() -> str:
    """UTC time of the run, ISO 8601 (``$SOURCE_DATE_EPOCH`` when set, for byte-reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        moment = _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
    else:
        moment = _dt.datetime.now(tz=_dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Provenance:
    """Everything the reproducibility section and ``manifest.json`` state."""

    data: str  # as given on the command line, or "(bundled example)"
    data_path: str  # absolute path that was read
    inputs: list[tuple[str, str, int]]
    config_yaml: str
    seed: int | None
    min_cell: int
    formats: list[str]
    out: str
    command: str
    versions: dict[str, str] = field(default_factory=package_versions)
    created: str = field(default_factory=timestamp)
    chromium: str | None = None

    @property
    def config_sha256(self) -> str:
        return sha256_text(self.config_yaml)

    def rows(self) -> list[tuple[str, str]]:
        rows = [("data", self.data), ("data path", self.data_path)]
        for name, digest, size in self.inputs:
            rows.append((f"SHA-256 of {name}", f"{digest} ({size:,} bytes)"))
        rows += [
            ("configuration SHA-256", self.config_sha256),
            ("seed", "none" if self.seed is None else str(self.seed)),
            ("minimum cell size", str(self.min_cell)),
            ("formats", ", ".join(self.formats)),
            ("generated (UTC)", self.created),
        ]
        rows += [(f"version: {k}", v) for k, v in self.versions.items()]
        if self.chromium:
            rows.append(("version: chromium", self.chromium))
        rows.append(("platform", f"{platform.system()} {platform.machine()}"))
        return rows

    def to_dict(self) -> dict:
        return {
            "data": self.data, "data_path": self.data_path,
            "inputs": [{"file": n, "sha256": d, "bytes": s} for n, d, s in self.inputs],
            "config_sha256": self.config_sha256, "seed": self.seed, "min_cell": self.min_cell,
            "formats": self.formats, "created": self.created, "command": self.command, "versions": self.versions,
            "chromium": self.chromium,
        }


def regenerate_command(data: str | None, out: str, formats: list[str], config_file: str, min_cell: int,
                       seed: int | None, *, program: str = "challengelab report") -> str:
    """The shell command that writes the same report again (the configuration saved beside the report)."""
    parts = shlex.split(program)
    if data:
        parts.append(data)
    parts += ["--out", out, "--format", ",".join(formats), "--config", config_file, "--min-cell", str(min_cell)]
    if seed is not None:
        parts += ["--seed", str(seed)]
    return shlex.join(parts)
