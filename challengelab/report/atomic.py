"""Write a report folder so that it appears complete or not at all.

Everything is written into a hidden staging folder beside the destination (same file system), and only when
every output is finished is the staging folder renamed into place. An earlier report at the destination is
replaced only then (it is moved aside first and deleted afterwards). A failure or an interrupt removes the
staging folder and leaves the destination as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: File that marks a folder as a challengelab report (so re-running may replace it).
MARKER = "manifest.json"


class OutputExistsError(FileExistsError):
    """The destination exists and is not a challengelab report folder."""


def check_destination(out: Path, *, force: bool = False) -> None:
    """Refuse to replace a non-empty folder that is not a report (unless ``force``), or a file."""
    out = Path(out)
    if not out.exists():
        return
    if out.is_file():
        raise OutputExistsError(f"{out} is a file; --out names a folder for the report")
    if force or not any(out.iterdir()) or (out / MARKER).is_file():
        return
    raise OutputExistsError(f"{out} exists and is not a challengelab report folder; choose another --out or "
                            "use --force to replace it")


@contextmanager
def staged_folder(out: Path, *, force: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder; on normal exit, move it to ``out`` (replacing an earlier report)."""
    out = Path(out).absolute()
    check_destination(out, force=force)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        yield staging
        os.chmod(staging, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.rmdir(old)
            os.replace(out, old)
            try:
                os.replace(staging, out)
            except BaseException:
                os.replace(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
