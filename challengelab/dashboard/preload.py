"""Load a survey file once per file and server, while the server starts.

``challengelab dashboard PATH`` calls :func:`start` before it starts Streamlit in the same process. A large PATH is
read and validated by a forked worker on the other CPU core while Streamlit imports and the browser downloads the
app; a small one (:data:`LOCAL_MAX_BYTES`) by the server's warm-up thread once the server listens. The app (:func:`challengelab.dashboard.state.current_source`) takes the result from :func:`lookup` instead
of reading the file again. Results are keyed by the file's content hash (:func:`file_hash`), so an edited file is
read again and an unchanged one never is.

This module imports neither Streamlit nor pandas: the launcher uses it before either is needed.
"""

from __future__ import annotations

import hashlib
import pickle
import threading
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
_JOBS: dict[str, Loading | LocalLoading] = {}
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


class Loading:
    """A file being loaded by a forked worker process (:func:`start`).

    The worker sends back whether the file is valid, its content hash and the pickled :class:`Loaded`. The
    result is unpickled only when :meth:`result` is first called (once, by whichever thread asks first), so
    that the server's threads do not import pandas and rebuild the survey while Streamlit is still starting:
    :meth:`ok` answers without unpickling.
    """

    def __init__(self, path: str, reader, process) -> None:
        self.path = path
        self._reader, self._process = reader, process
        self._lock = threading.Lock()
        self._answer: tuple[bool, str] | None = None  # (ok, hash); (None, "") when the worker gave no answer
        self._payload: bytes | None = None  # the pickled Loaded until it is unpickled
        self._loaded: Loaded | None = None

    def _receive(self, timeout: float | None) -> tuple[bool | None, str]:
        with self._lock:
            if self._answer is None:
                if not self._reader.poll(timeout):
                    raise TimeoutError(f"loading {self.path} took more than {timeout} s")
                try:
                    ok, key, self._payload = pickle.loads(self._reader.recv_bytes())
                    self._answer = (ok, key)
                except (EOFError, OSError):  # the worker died without an answer: the app reads the file itself
                    self._answer = (None, "")
                self._reader.close()
                self._process.join()
            return self._answer

    def begin(self) -> None:
        """Nothing to do: the worker has been reading since :func:`start` (see :meth:`LocalLoading.begin`)."""

    def ok(self, timeout: float | None = None) -> bool | None:
        """Whether the file is valid (waits for the worker); None when the worker gave no answer."""
        return self._receive(timeout)[0]

    def hash(self, timeout: float | None = None) -> str:
        """The content hash of the file the worker read ("" when it gave no answer)."""
        return self._receive(timeout)[1]

    def result(self, timeout: float | None = None) -> Loaded | None:
        """The :class:`Loaded` (waits for the worker); None when the worker gave no answer."""
        self._receive(timeout)
        with self._lock:
            if self._payload is not None:
                self._loaded, self._payload = pickle.loads(self._payload), None
            return self._loaded

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        return self._process.pid


def _work(path: str, writer, reader) -> None:
    """The worker: load ``path``, send ``(ok, hash, pickled Loaded)``, end."""
    reader.close()  # the server's end: closed here too, sending fails (rather than blocks) once the server is gone
    loaded = load(path)
    try:
        writer.send_bytes(pickle.dumps((loaded.ok, loaded.hash, pickle.dumps(loaded))))
    except (BrokenPipeError, OSError):  # the server has stopped meanwhile
        pass


#: Files (or folders) up to this many bytes are read in the server process (:class:`LocalLoading`); larger ones by
#: a forked worker (:class:`Loading`), so that the server stays responsive while they are read. Read in the server,
#: a small file spares a second process importing pandas beside Streamlit's start: the first chart came about
#: 0.15-0.2 s sooner (``bench_dashboard.py --only startup``, side by side).
LOCAL_MAX_BYTES = 1_000_000


class LocalLoading:
    """A file small enough to be read in the server process (:func:`start`).

    It is read by the thread that calls :meth:`begin` (the server's warm-up thread, once the server listens and
    the first page's modules are imported, :mod:`challengelab.dashboard.server`); threads that ask before then
    wait for it (at most ``wait`` seconds, then read it themselves). Same questions as :class:`Loading`.
    """

    pid = None  # no worker process

    def __init__(self, path: str, wait: float = 30.0) -> None:
        self.path = path
        self._begun = threading.Event()
        self._lock = threading.Lock()
        self._loaded: Loaded | None = None
        self._wait = wait

    def begin(self) -> Loaded:
        """Read the file now, in this thread (the server's warm-up calls it on either kind of loading)."""
        self._begun.set()
        return self.result()

    def result(self, timeout: float | None = None) -> Loaded:
        """The :class:`Loaded` (``timeout`` is accepted for :class:`Loading`'s sake; the file is read here)."""
        self._begun.wait(self._wait)
        with self._lock:
            if self._loaded is None:
                self._loaded = load(self.path)
            return self._loaded

    def ok(self, timeout: float | None = None) -> bool:
        return self.result().ok

    def hash(self, timeout: float | None = None) -> str:
        return self.result().hash


def start(path: str | Path, *, local_max_bytes: int = LOCAL_MAX_BYTES) -> Loading | LocalLoading:
    """Load ``path``: up to ``local_max_bytes`` in the server process when it asks (:class:`LocalLoading`), else
    in a forked worker process started now (one job, then it ends: it never outlives a stopped server by more
    than the time the file takes to read). Call before the server's threads start.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> bad = pathlib.Path(tempfile.mkdtemp(), "survey.txt")
    >>> _ = bad.write_text("not a survey")
    >>> loading = start(bad, local_max_bytes=0)  # a worker, whatever the size
    >>> loading.ok(), len(loading.result().issues)
    (False, 1)
    >>> start(bad).begin().ok  # small: read here
    False
    """
    path = str(Path(path).resolve())
    if sum(size for _name, size, _mtime in _stamp(Path(path))) <= local_max_bytes:
        loading: Loading | LocalLoading = LocalLoading(path)
    else:
        context = get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=_work, args=(path, writer, reader), name="challengelab-preload",
                                  daemon=True)
        process.start()
        writer.close()  # the worker holds the only writing end: its exit ends the pipe
        loading = Loading(path, reader, process)
    with _LOCK:
        _JOBS[path] = loading
    return loading


def lookup(path: str | Path, key: str) -> Loaded | None:
    """The preloaded result for ``path`` when its content hash is still ``key`` (waits for a running load)."""
    with _LOCK:
        loading = _JOBS.get(str(Path(path).resolve()))
    if loading is None or loading.hash() != key:
        return None
    return loading.result()
