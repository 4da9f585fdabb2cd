"""One headless Chromium for the PDF and the PNG figures of a report, started before the report is built.

Chromium is the system's (:func:`challengelab.chromium.find_chromium`; nothing is downloaded), run with a
throw-away profile in a temporary folder and without network access (every host name resolves to nothing). It is
driven over the DevTools protocol on a pipe (:class:`DevTools`). :class:`HeadlessChromium` starts it in a
background thread and, when PNG figures are wanted, opens a page that loads plotly.js, so that the browser boots
and parses plotly.js while Python still analyses the data. Each job (the PDF, the figures) runs in a browser
context of its own, hence in a renderer process of its own: the PDF is printed while the figures are drawn.

>>> from challengelab.report.headless import HeadlessChromium
>>> with HeadlessChromium() as browser:  # doctest: +SKIP
...     browser.devtools().send("Browser.getVersion")["product"]
'HeadlessChrome/...'
"""

from __future__ import annotations

import collections
import json
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from challengelab.chromium import find_chromium

#: Window width in CSS pixels: about the printable width of an A4 page, so figures are laid out at print size.
PRINT_WINDOW = (760, 1080)
TIMEOUT_SECONDS = 180


class ChromiumError(RuntimeError):
    """Chromium could not be started, stopped, or did not do what it was asked."""


def chromium_flags(profile: Path) -> list[str]:
    """Command-line flags of the headless Chromium (offline, no extensions, a profile in ``profile``)."""
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
        # no New Tab page and no preloaded browser-interface pages (the omnibox popups of a headless browser
        # nobody sees cost about 1.5 s of CPU at start-up); each job opens a tab of its own
        "--no-startup-window", "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,PreloadTopChromeWebUI",
        # offline: no host name resolves, so nothing can be fetched even by mistake
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--window-size={PRINT_WINDOW[0]},{PRINT_WINDOW[1]}",
        f"--user-data-dir={profile}",
    ]


class DevTools:
    """A headless Chromium driven over ``--remote-debugging-pipe`` (JSON messages ended by a NUL byte).

    Chromium reads commands on its file descriptor 3 and answers on 4; a shell redirect connects them to this
    process's pipes, so no extra process or port is needed. :meth:`send` may be called from several threads at
    once (each answer goes to the thread that asked).
    """

    def __init__(self, chromium: str, profile: Path, timeout: float):
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', chromium,
             *chromium_flags(profile), "--remote-debugging-pipe"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.timeout = timeout
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._waiting: dict[int, queue.Queue] = {}
        self._stopped = False
        self._next_id = 0
        self._stderr: collections.deque[str] = collections.deque(maxlen=5)
        self._readers = [threading.Thread(target=self._read, daemon=True, name="challengelab-devtools"),
                         threading.Thread(target=self._read_stderr, daemon=True, name="challengelab-devtools-err")]
        for reader in self._readers:
            reader.start()

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            if line.strip():
                self._stderr.append(line.decode("utf-8", "replace").strip()[:300])

    def _stopped_because(self) -> str:
        """`` (exit code N: last line Chromium wrote)`` once the process has ended, else ``""``."""
        try:
            code = self.process.wait(2)
        except subprocess.TimeoutExpired:
            return ""
        if code < 0:
            return f" (killed by signal {-code})"
        time.sleep(0.05)  # let the stderr reader take the last lines
        return f" (exit code {code}" + (f": {self._stderr[-1]}" if self._stderr else "") + ")"

    def _read(self) -> None:
        buffer = bytearray()
        stream = self.process.stdout
        while chunk := stream.read1(1 << 20):
            buffer += chunk
            start = 0
            while (end := buffer.find(b"\0", start)) >= 0:
                data = json.loads(buffer[start:end])
                start = end + 1
                if "id" in data:
                    with self._lock:
                        waiting = self._waiting.pop(data["id"], None)
                    if waiting is not None:
                        waiting.put(data)
            del buffer[:start]
        with self._lock:
            self._stopped = True
            waiting, self._waiting = list(self._waiting.values()), {}
        for answer in waiting:
            answer.put(None)

    def send(self, method: str, params: dict | None = None, session: str | None = None, *,
             timeout: float | None = None) -> dict:
        """Run one DevTools command and return its result; :class:`ChromiumError` when it fails."""
        answer: queue.Queue = queue.Queue(maxsize=1)
        with self._lock:  # an id, and where its answer goes (the reader may answer as soon as it is written)
            stopped = self._stopped
            if not stopped:
                self._next_id += 1
                number = self._next_id
                self._waiting[number] = answer
        if not stopped:
            message = {"id": number, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = session
            try:
                with self._writing:  # not under self._lock: the reader keeps taking answers meanwhile
                    self.process.stdin.write(json.dumps(message).encode() + b"\0")
                    self.process.stdin.flush()
            except OSError:
                stopped = True
                with self._lock:
                    self._waiting.pop(number, None)
        if stopped:
            raise ChromiumError(f"Chromium stopped before {method}{self._stopped_because()}")
        seconds = self.timeout if timeout is None else timeout
        try:
            data = answer.get(timeout=seconds)
        except queue.Empty:
            with self._lock:
                self._waiting.pop(number, None)
            raise ChromiumError(f"Chromium did not answer {method} within {seconds:.0f} s") from None
        if data is None:
            raise ChromiumError(f"Chromium stopped while running {method}{self._stopped_because()}")
        if "error" in data:
            raise ChromiumError(f"Chromium could not run {method}: {data['error'].get('message')}")
        return data.get("result", {})

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except ChromiumError:
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        for reader in self._readers:  # both end at the end of their stream, now that Chromium has exited
            reader.join(5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass


class Tab:
    """A page in a browser context of its own (its own renderer process); :meth:`close` disposes of both."""

    def __init__(self, devtools: DevTools, url: str = "about:blank"):
        self.devtools = devtools
        self.context = devtools.send("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
        self.target = devtools.send("Target.createTarget", {"url": "about:blank",
                                                            "browserContextId": self.context})["targetId"]
        self.session = self._attach()
        if url != "about:blank":
            self.navigate(url)

    def _attach(self) -> str:
        return self.devtools.send("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]

    def navigate(self, url: str) -> None:
        answer = self.send("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise ChromiumError(f"Chromium could not open {url}: {answer['errorText']}")

    def send(self, method: str, params: dict | None = None, **kwargs) -> dict:
        return self.devtools.send(method, params, self.session, **kwargs)

    def evaluate(self, expression: str, *, timeout: float | None = None):
        """The value of a JavaScript expression (a promise is awaited); a thrown error is a ChromiumError."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text", "")
            raise ChromiumError(f"the page failed: {text.splitlines()[0] if text else 'unknown error'}")
        return answer.get("result", {}).get("value")

    def wait_until(self, condition: str, timeout: float, what: str) -> None:
        """Wait (without polling from Python) until the JavaScript ``condition`` holds in the page."""
        deadline = time.monotonic() + timeout
        script = ("new Promise(resolve => { const end = Date.now() + %d; const check = () => { let ok = false; "
                  "try { ok = !!(%s); } catch (e) {} if (ok || Date.now() > end) resolve(ok); "
                  "else setTimeout(check, 15); }; check(); })")
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError(f"{what} within {timeout:.0f} s")
            try:
                if self.evaluate(script % (int(left * 1000), condition), timeout=left + 10):
                    return
            except ChromiumError as exc:
                self._recover(exc)
                time.sleep(0.02)

    def poll_until(self, condition: str, timeout: float, what: str) -> None:
        """:meth:`wait_until` for a page whose scripts are disabled (asked from Python every 20 ms)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(condition):
                    return
            except ChromiumError as exc:
                self._recover(exc)
            if time.monotonic() > deadline:
                raise ChromiumError(f"{what} within {timeout:.0f} s")
            time.sleep(0.02)

    def _recover(self, exc: ChromiumError) -> None:
        """Carry on after an evaluation that failed because the page was still loading; raise ``exc`` if not."""
        text = str(exc)
        if "Session" in text:  # the page moved to another renderer while loading: attach again
            self.session = self._attach()
        elif "context" not in text.lower() and "navigated" not in text:
            raise exc

    def close(self) -> None:
        try:
            self.devtools.send("Target.disposeBrowserContext", {"browserContextId": self.context}, timeout=10)
        except ChromiumError:
            pass


class HeadlessChromium:
    """A headless Chromium for one report, started in a background thread when the object is made.

    ``figures`` (e.g. :func:`challengelab.report.figure_images.open_figure_page`) opens, in the same background
    thread, the page that draws PNG figures, so that plotly.js is loaded ahead of use. The browser is shared by
    :func:`challengelab.report.pdf.print_pdf` and :func:`challengelab.report.markdown.write_figure_pngs`
    (``browser=``). Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, *, figures: Callable[[DevTools, Path, float], Tab] | None = None,
                 timeout: float = TIMEOUT_SECONDS):
        self.timeout = timeout
        self.chromium = find_chromium()
        self._scratch = tempfile.TemporaryDirectory(prefix="challengelab-chromium-", ignore_cleanup_errors=True)
        self._devtools: DevTools | None = None
        self._start_error: str | None = None
        self._version: str | None = None
        self._figures: Tab | None = None
        self._figures_error: ChromiumError | None = None
        self._started = threading.Event()
        self._figures_ready = threading.Event()
        self._version_known = threading.Event()
        self._closed = False
        if self.chromium is None:
            for event in (self._started, self._figures_ready, self._version_known):
                event.set()
            return
        threading.Thread(target=self._start, args=(figures,), daemon=True, name="challengelab-chromium").start()
        threading.Thread(target=self._read_version, daemon=True, name="challengelab-chromium-version").start()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def scratch(self) -> Path:
        return Path(self._scratch.name)

    def _read_version(self) -> None:
        try:
            self._version = chromium_version(self.chromium)
        finally:
            self._version_known.set()

    def _start(self, figures: Callable[[DevTools, Path, float], Tab] | None) -> None:
        try:
            self._devtools = DevTools(self.chromium, self.scratch / "profile", self.timeout)
        except OSError as exc:
            self._start_error = f"could not start Chromium ({self.chromium}): {exc}"
        finally:
            self._started.set()
        try:
            if figures is not None and self._devtools is not None:
                self._figures = figures(self._devtools, self.scratch, self.timeout)
        except ChromiumError as exc:
            self._figures_error = exc
        except Exception as exc:  # noqa: BLE001 - e.g. the scratch folder removed by close(); told on use
            self._figures_error = ChromiumError(f"the figure page could not be opened: {exc}")
        finally:
            self._figures_ready.set()

    def version(self) -> str | None:
        """``chromium --version`` (read in the background; None without Chromium)."""
        self._version_known.wait()
        return self._version

    def devtools(self) -> DevTools | None:
        """The running browser; None when there is no Chromium; :class:`ChromiumError` when it did not start."""
        self._started.wait()
        if self._start_error:
            raise ChromiumError(self._start_error)
        if self._closed:
            raise ChromiumError("Chromium was already closed")
        return self._devtools

    def figure_page(self) -> Tab | None:
        """The page that draws PNG figures (None without Chromium, or when not asked for at the start)."""
        self.devtools()
        self._figures_ready.wait()
        if self._figures_error is not None:
            raise self._figures_error
        return self._figures

    def close(self) -> None:
        """Stop Chromium and delete its profile (a page still loading is abandoned)."""
        if self._closed:
            return
        self._closed = True
        self._started.wait()
        if self._devtools is not None:
            self._devtools.close()
        self._figures_ready.wait(30)
        self._scratch.cleanup()

    def __enter__(self) -> HeadlessChromium:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def chromium_version(chromium: str | None = None) -> str | None:
    """``chromium --version`` (e.g. "Chromium 120.0.6099.224 built on Debian ..."); None without Chromium."""
    chromium = chromium or find_chromium()
    if chromium is None:
        return None
    try:
        out = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
