"""Load a survey file once per file and server, in a separate process, while the server starts.

``challengelab dashboard PATH`` calls :func:`start` before it starts Streamlit in the same process: a forked
worker reads and validates PATH on the other CPU core while Streamlit imports and the browser downloads the app,
and the app (:func:`challengelab.dashboard.state.current_source`) takes the result from :func:`lookup` instead
of reading the file again. Results are keyed by the file's content hash (:func:`file_hash`), so an edited file is
read again and an unchanged one never is.

This module imports neither Streamlit nor pandas: the launcher uses it before either is needed.
"""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path


@dataclass
class Loaded:
    """What loading a file gave: the survey, or the problems (and row counts) that stopped it."""

    path: str
    hash: str
    survey: object = None
    issues: list = field(default_factory=list)
    row_counts: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.survey is not None


_LOCK = threading.Lock()
_JOBS: dict[str, Future] = {}
_HASHES: dict[tuple, str] = {}


def _stamp(path: Path) -> tuple:
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes (of a folder: of its files' names and bytes), remembered per size and mtime.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".csv") as f:
    ...     _ = f.write(b"abc"); f.flush()
    ...     file_hash(f.name)[:12]
    'ba7816bf8f01'
    """
    path = Path(path)
    stamp = _stamp(path)
    with _LOCK:
        known = _HASHES.get(stamp)
    if known:
        return known
    digest = hashlib.sha256()
    for name, _size, _mtime in stamp:
        if path.is_dir():
            digest.update(str(Path(name).relative_to(path)).encode() + b"\0")
        digest.update(Path(name).read_bytes())
    value = digest.hexdigest()
    with _LOCK:
        _HASHES[stamp] = value
    return value


def load(path: str) -> Loaded:
    """Read and validate ``path`` (never raises for a bad file: the problems are in :attr:`Loaded.issues`)."""
    import challengelab
    from challengelab.limits import Limits

    key = file_hash(path)
    try:
        return Loaded(path, key, survey=challengelab.load_survey(path, limits=Limits.from_environment()))
    except challengelab.SurveyValidationError as exc:
        return Loaded(path, key, issues=list(exc.issues), row_counts=dict(exc.row_counts))
    except challengelab.CodebookError as exc:
        return Loaded(path, key, issues=[challengelab.ValidationIssue(str(exc), file=Path(path).name)])
    except Exception as exc:  # noqa: BLE001 - an unreadable file is a problem to list, not a crash
        return Loaded(path, key, issues=[challengelab.ValidationIssue(
            f"the file could not be read ({type(exc).__name__}: {exc})", file=Path(path).name)])


def start(path: str | Path) -> Future:
    """Load ``path`` in a forked worker process; the future gives a :class:`Loaded`. Call before threads start."""
    path = str(Path(path).resolve())
    executor = ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork"))
    future = executor.submit(load, path)
    executor.shutdown(wait=False)  # the worker exits after its one job
    with _LOCK:
        _JOBS[path] = future
    return future


def lookup(path: str | Path, key: str) -> Loaded | None:
    """The preloaded result for ``path`` when its content hash is still ``key`` (waits for a running load)."""
    with _LOCK:
        future = _JOBS.get(str(Path(path).resolve()))
    if future is None:
        return None
    loaded = future.result()
    return loaded if loaded.hash == key else None
