"""Writing intake outputs: every file to a temporary name first, then all moved into place; no silent overwrite."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path


class OutputExistsError(FileExistsError):
    """A destination exists and overwriting was not allowed."""


def check_free(paths: list[Path], *, force: bool, allowed: set[Path] | frozenset = frozenset()) -> None:
    """Raise :class:`OutputExistsError` naming every existing destination (unless ``force`` or ``allowed``)."""
    taken = [p for p in paths if p.exists() and p.resolve() not in {a.resolve() for a in allowed}]
    if taken and not force:
        raise OutputExistsError(f"{', '.join(str(p) for p in taken)} exist{'s' if len(taken) == 1 else ''}; "
                                "use --force to overwrite (nothing was written)")
    directories = [p for p in paths if p.is_dir()]
    if directories:
        raise OutputExistsError(f"{', '.join(map(str, directories))} is a folder; give a file name")


def write_all(writers: Mapping[Path, Callable[[Path], None]], *, force: bool,
              allowed: set[Path] | frozenset = frozenset()) -> list[Path]:
    """Write each file with its writer to a temporary file beside it, then move all of them into place.

    A writer failing leaves no file behind; existing destinations are refused unless ``force`` (or listed in
    ``allowed``, e.g. a links file that is read and updated).
    """
    paths = list(writers)
    check_free(paths, force=force, allowed=allowed)
    staged: list[tuple[Path, Path]] = []
    try:
        for path, writer in writers.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".part{path.suffix}", dir=path.parent)
            os.close(handle)
            staged.append((Path(name), path))
            writer(Path(name))
            os.chmod(name, 0o644)
        for temporary, path in staged:
            os.replace(temporary, path)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    return paths


def bytes_writer(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)
