"""Writing output folders safely: never delete what challengelab did not write, never leave half a folder.

One mechanism for every command that writes a folder (``report``, ``rank``, ``analyze``):

* Everything is written into a hidden staging folder beside the destination and renamed into place only when
  complete; an interrupt (Ctrl+C, SIGTERM) or a failure removes it, and staging folders left by a killed run
  (SIGKILL, power loss) are removed by the next run that writes beside them.
* Every folder written carries ``manifest.json`` listing its files with their SHA-256. An existing destination
  is replaced only when that manifest *proves* challengelab wrote all of it: every listed file unchanged, no
  file that is not listed. Even then it takes ``force=True`` (``--force``), and the files replaced are
  reported. A folder holding anything else is never replaced, with or without ``--force``.
* A destination that is, or contains, one of the inputs is refused.

Cell-level output safety (formula neutralising) lives here too, so that every face uses one function.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: The file that lists what challengelab wrote into a folder (names + SHA-256).
MANIFEST = "manifest.json"
_STAGING_SUFFIX = ".partial"
_OLD_SUFFIX = ".old"
_OWNER = ".challengelab-staging"  # inside a staging folder: who is writing it (host, pid)

#: A text cell starting with one of these is read as a formula (or a DDE call) by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


#: Characters no spreadsheet file can hold (control characters other than tab and line breaks).
SPREADSHEET_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise_formula(value: object) -> object:
    """Prefix a text value that a spreadsheet would run as a formula with a single quote (OWASP advice).

    Numbers, booleans and missing values are returned unchanged (a negative *number* is not a formula);
    only strings starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return are changed, and control
    characters no spreadsheet can hold are replaced by U+FFFD (validated survey data never has them).

    >>> neutralise_formula("=HYPERLINK(\\"x\\")")
    '\\'=HYPERLINK("x")'
    >>> neutralise_formula(-1.5), neutralise_formula("team A")
    (-1.5, 'team A')
    """
    if not isinstance(value, str):
        return value
    if SPREADSHEET_ILLEGAL.search(value):
        value = SPREADSHEET_ILLEGAL.sub("\ufffd", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def neutralise_frame(frame):
    """A copy of a DataFrame with :func:`neutralise_formula` applied to every text cell and column name."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


def csv_bytes(frame) -> bytes:
    """A DataFrame as UTF-8 CSV (no index) with formula-like text neutralised: what every CSV download uses."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8")


#: Characters with a meaning anywhere in a line: CommonMark emphasis, code, links and images (``[`` ``]``;
#: ``!`` and ``(`` only act after them), raw HTML and entities, GitHub tables and strike-through, and the
#: ``$math$``, ``:emoji:`` / ``:material/icon:`` and ``:color[...]`` syntax of GitHub and Streamlit (a colon
#: before a non-space; escaping it also stops bare ``http://`` links).
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~<>&$]|:(?=\S))")
#: ... and at the start of a line, only where CommonMark reads a marker: a heading (``#`` to ``######`` then a
#: space), a list item (``-``, ``+`` or ``1.``/``1)`` then a space), a block quote, a setext underline or rule.
_MARKDOWN_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|[-+](?=\s|$)|\d{1,9}[.)](?=\s|$)|>|([-=])\2*$)")


def markdown_literal(value: object) -> str:
    """Text from the data, safe to place inside Markdown (a report, a table cell, a Streamlit element): every
    character with a Markdown meaning backslash-escaped (no links, images, emphasis, HTML, entities,
    ``:directives:`` or ``$math$``; no heading, list or quote at the start), line breaks collapsed to spaces.
    Ordinary punctuation (``-``, ``.``, ``(``, ``#`` inside a line) stays as it is, so the Markdown source reads.

    >>> print(markdown_literal("![x](http://a.b/c.png) my-file.xlsx, task C02-T1 (2021)"))
    !\\[x\\](http\\://a.b/c.png) my-file.xlsx, task C02-T1 (2021)
    >>> print(markdown_literal("2021. A year"), markdown_literal("- item"), markdown_literal("1.88 to 14.6"))
    2021\\. A year \\- item 1.88 to 14.6
    >>> print(markdown_literal("# 1"), markdown_literal("#1 team"), markdown_literal("==="), markdown_literal("-1"))
    \\# 1 #1 team \\=== -1
    """
    text = re.sub(r"\s+", " ", "" if value is None else str(value)).strip()
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(lambda m: _escape_marker(m.group(0)), text)


def _escape_marker(marker: str) -> str:
    """``1.`` -> ``1\\.``, ``#`` -> ``\\#``, ``===`` -> ``\\===``: the character that makes the marker."""
    if marker[0].isdigit():
        return marker[:-1] + "\\" + marker[-1]
    return "\\" + marker


# --- destinations ---------------------------------------------------------------------------------------------


class OutputError(Exception):
    """An output folder cannot be written (a message for the user, naming the folder and the reason)."""


class OutputExistsError(OutputError, FileExistsError):
    """The destination holds something challengelab did not write, or an earlier output without ``force``."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def owned_files(folder: Path) -> list[str] | None:
    """The files of ``folder`` if its manifest proves challengelab wrote every one of them, else ``None``.

    Proof: ``manifest.json`` is a regular file listing ``files`` (path + SHA-256); every listed file exists as a
    regular file (not a link) with that checksum; the folder holds nothing else (besides the manifest and the
    sub-folders of listed files).
    """
    manifest = folder / MANIFEST
    try:
        if manifest.is_symlink() or not manifest.is_file() or manifest.stat().st_size > 50_000_000:
            return None
        listed = {str(entry["path"]): str(entry["sha256"])
                  for entry in json.loads(manifest.read_text(encoding="utf-8"))["files"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    present: set[str] = set()
    try:
        for path in folder.rglob("*"):  # stops at the first thing not listed: a home folder is not walked whole
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink() or not (path.is_file() or path.is_dir()):
                return None
            if path.is_file() and relative != MANIFEST:
                if relative not in listed:
                    return None
                present.add(relative)
    except OSError:
        return None
    if present != set(listed):
        return None
    for relative, digest in listed.items():
        if Path(relative).is_absolute() or ".." in Path(relative).parts or sha256_file(folder / relative) != digest:
            return None
    return sorted(present | {MANIFEST})


def check_destination(out: Path, *, force: bool = False, inputs: Iterable[str | Path | None] = ()) -> list[str]:
    """Check that ``out`` may be written; return the files an earlier output there would lose (``[]``: none).

    Raises
    ------
    OutputExistsError
        ``out`` is a file or link, is or contains an input, holds anything challengelab cannot prove it wrote
        (never replaced), or holds an earlier output and ``force`` is false.
    """
    out = Path(out)
    shown = str(out)
    if out.is_symlink():
        raise OutputExistsError(f"{shown} is a symbolic link; give a real folder path for --out")
    for given in inputs:
        if not given:
            continue
        source = Path(given).resolve()
        target = out.resolve()
        if source == target or target in source.parents:
            raise OutputExistsError(f"{shown} is or contains the input {given}; choose another --out (the input "
                                    "is never replaced)")
    if not out.exists():
        _check_writable(out)
        return []
    if not out.is_dir():
        raise OutputExistsError(f"{shown} is a file; --out names a folder to write")
    _check_writable(out)
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise OutputExistsError(f"{shown} cannot be read ({exc.strerror or exc})") from None
    if empty:
        return []
    owned = owned_files(out)
    if owned is None:
        raise OutputExistsError(
            f"{shown} holds files challengelab did not write (or that changed since it wrote them), so it is not "
            "replaced, even with --force; choose a new or empty folder for --out")
    if not force:
        raise OutputExistsError(f"{shown} holds an earlier challengelab output ({len(owned)} files); add --force "
                                "to replace it, or choose another --out")
    return owned


def _check_writable(out: Path) -> None:
    """Refuse early (before any work) when the folder that would receive ``out`` cannot be written."""
    parent = out.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {out}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {out}: {parent} is read-only for this user")


# --- staging ----------------------------------------------------------------------------------------------------


@dataclass
class Stage:
    """A staging folder being written. ``manifest`` holds extra fields for ``manifest.json``; after the
    ``with`` block, ``replaced`` lists the files of the earlier output that were replaced."""

    path: Path
    out: Path
    manifest: dict = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)


@contextmanager
def staged_folder(out: str | Path, *, force: bool = False, inputs: Iterable[str | Path | None] = (),
                  generator: str = "challengelab") -> Iterator[Stage]:
    """Yield a :class:`Stage`; on normal exit write ``manifest.json`` and move the folder to ``out``.

    An earlier challengelab output at ``out`` is replaced only with ``force`` (see :func:`check_destination`);
    on any failure or interrupt the staging folder is removed and ``out`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_folder(base / "out") as stage:
    ...     _ = (stage.path / "a.txt").write_text("hello")
    >>> sorted(p.name for p in (base / "out").iterdir())
    ['a.txt', 'manifest.json']
    """
    out = Path(out).absolute()
    inputs = list(inputs)
    check_destination(out, force=force, inputs=inputs)
    staging = _new_staging(out)
    stage = Stage(staging, out, {"generator": generator})
    try:
        with _sigterm_as_exit():
            yield stage
            _write_manifest(stage)
            stage.replaced = check_destination(out, force=force, inputs=inputs)  # still true after the work?
            _swap(staging, out, replacing=bool(stage.replaced))
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _new_staging(out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=_STAGING_SUFFIX, dir=out.parent))
        (staging / _OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return staging


def _write_manifest(stage: Stage) -> None:
    (stage.path / _OWNER).unlink(missing_ok=True)
    written = stage.path / MANIFEST
    if written.is_file():  # a writer that made its own manifest: keep its fields, list the files here
        stage.manifest = {**stage.manifest, **json.loads(written.read_text(encoding="utf-8"))}
    files = sorted(p for p in stage.path.rglob("*") if p.is_file() and p != written)
    manifest = {**stage.manifest, "files": [{"path": p.relative_to(stage.path).as_posix(), "sha256": sha256_file(p),
                                             "bytes": p.stat().st_size} for p in files]}
    (stage.path / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
                                       encoding="utf-8")
    os.chmod(stage.path, 0o755)


def _swap(staging: Path, out: Path, *, replacing: bool) -> None:
    if not replacing:
        if out.exists():  # an empty folder
            out.rmdir()
        os.replace(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=_OLD_SUFFIX, dir=out.parent))
    (old / _OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    target = old / "previous"
    os.replace(out, target)
    try:
        os.replace(staging, out)
    except BaseException:
        os.replace(target, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(out: Path) -> list[Path]:
    """Remove staging folders of ``out`` left by runs that were killed (their process is gone).

    Only folders named like ours *and* holding our owner file are touched; returns what was removed.
    """
    out = Path(out)
    removed = []
    for candidate in out.parent.glob(f".{out.name}.*"):
        if not candidate.name.endswith((_STAGING_SUFFIX, _OLD_SUFFIX)) or candidate.is_symlink():
            continue
        owner = candidate / _OWNER
        try:
            host, pid = owner.read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            continue
        if host == socket.gethostname() and _alive(int(pid)):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """While staging, SIGTERM raises SystemExit so that the staging folder is cleaned up (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _exit(signum, _frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, _exit)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
