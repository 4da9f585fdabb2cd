"""PDF: the HTML report printed by headless Chromium (vector figures, the page's print CSS).

Chromium runs with a throw-away profile in a temporary folder, without network access (every host name
resolves to nothing). It is driven over the DevTools protocol on a pipe (:class:`DevTools`): the page is opened,
printed once the page says every figure is drawn, the page of every section is read from the PDF's named
destinations, the page numbers are written into the contents, and the page is printed again (the layout does not
change, so the numbers are right). Every page carries its number in the footer.
"""

from __future__ import annotations

import base64
import json
import queue
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from challengelab.chromium import find_chromium

#: Window width in CSS pixels: about the printable width of an A4 page, so figures are laid out at print size.
PRINT_WINDOW = (760, 1080)
TIMEOUT_SECONDS = 180


class PdfError(RuntimeError):
    """Chromium is missing or did not produce a PDF."""


def chromium_flags(profile: Path) -> list[str]:
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
        "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
        # offline: no host name resolves, so nothing can be fetched even by mistake
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--window-size={PRINT_WINDOW[0]},{PRINT_WINDOW[1]}",
        f"--user-data-dir={profile}",
    ]


FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#5b6473;font-family:sans-serif">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
#: The page says it has drawn every figure (or has none).
READY = ("document.readyState === 'complete' && location.href === {url} && (!document.querySelector('.plot') || "
         "document.body.hasAttribute('data-figures-drawn') || document.body.hasAttribute('data-figures-failed'))")
#: Writes ``pages`` (anchor -> page number) into the contents as ``<span class="page">``.
NUMBER_CONTENTS = """(pages) => {
  document.querySelectorAll('nav.toc a[href^="#"]').forEach(a => {
    const page = pages[a.getAttribute('href').slice(1)];
    if (page === undefined || a.parentElement.querySelector(':scope > span.page')) return;
    const span = document.createElement('span');
    span.className = 'page';
    span.textContent = String(page);
    a.insertAdjacentElement('afterend', span);
  });
  return true;
}"""


class DevTools:
    """A headless Chromium driven over ``--remote-debugging-pipe`` (JSON messages ended by a NUL byte).

    Chromium reads commands on its file descriptor 3 and answers on 4; a shell redirect connects them to this
    process's pipes, so no extra process or port is needed.
    """

    def __init__(self, chromium: str, profile: Path, timeout: float):
        # (these flags belong to --print-to-pdf: with them Chromium runs in "headless command" mode and closes
        # its tabs, or Page.printToPDF fails)
        flags = [f for f in chromium_flags(profile)
                 if not f.startswith(("--virtual-time-budget", "--run-all-compositor-stages", "--no-pdf-header"))]
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', chromium, *flags,
             "--remote-debugging-pipe"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.timeout = timeout
        self.answers: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True, name="challengelab-devtools").start()
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        stream = self.process.stdout
        while True:
            chunk = stream.read1(1 << 20)
            if not chunk:
                self.answers.put(None)
                return
            buffer += chunk
            while b"\0" in buffer:
                message, buffer = buffer.split(b"\0", 1)
                data = json.loads(message)
                if "id" in data:
                    self.answers.put(data)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.process.stdin.write(json.dumps(message).encode() + b"\0")
        self.process.stdin.flush()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                answer = self.answers.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise PdfError(f"Chromium did not answer {method} within {self.timeout:.0f} s") from None
            if answer is None:
                raise PdfError(f"Chromium stopped while running {method}")
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise PdfError(f"Chromium could not run {method}: {answer['error'].get('message')}")
                return answer.get("result", {})

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (PdfError, OSError):
            pass
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: str | None = None,
              timeout: float = TIMEOUT_SECONDS) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium (page numbers in the footer and in the
    contents); raise :class:`PdfError` on failure."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise PdfError("Chromium is not installed (looked for $CHALLENGELAB_CHROMIUM, chromium, "
                       "chromium-browser, google-chrome): PDF skipped. Install Debian's 'chromium' package.")
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="challengelab-chromium-") as profile:
        try:
            browser = DevTools(chromium, Path(profile), timeout)
        except OSError as exc:
            raise PdfError(f"could not start Chromium ({chromium}): {exc}") from exc
        try:
            data = _print_with_page_numbers(browser, html_path.as_uri(), timeout)
        finally:
            browser.close()
    if not data.startswith(b"%PDF-"):
        raise PdfError("Chromium did not produce a PDF")
    pdf_path.write_bytes(data)
    return pdf_path


def _print_with_page_numbers(browser: DevTools, url: str, timeout: float) -> bytes:
    target = browser.send("Target.createTarget", {"url": url})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    deadline = time.monotonic() + timeout
    while True:
        try:
            ready = browser.send("Runtime.evaluate", {"expression": READY.format(url=json.dumps(url)),
                                                      "returnByValue": True}, session)
        except PdfError as exc:  # the tab moved to another renderer while loading the file: attach again
            if "Session" not in str(exc):
                raise
            session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            continue
        if ready.get("result", {}).get("value"):
            break
        if time.monotonic() > deadline:
            raise PdfError(f"the page did not finish drawing its figures within {timeout:.0f} s")
        time.sleep(0.1)
    options = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": True,
               "headerTemplate": "<span></span>", "footerTemplate": FOOTER}
    first = base64.b64decode(browser.send("Page.printToPDF", options, session)["data"])
    pages = destination_pages(first)
    if not pages:
        return first
    browser.send("Runtime.evaluate", {"expression": f"({NUMBER_CONTENTS})({json.dumps(pages)})",
                                      "returnByValue": True}, session)
    return base64.b64decode(browser.send("Page.printToPDF", options, session)["data"])


def destination_pages(pdf: bytes) -> dict[str, int]:
    """Page number (1-based) of every named destination (the report's anchors) of a PDF written by Chromium.

    Reads the catalogue's ``/Dests`` dictionary and the page tree; returns ``{}`` when the PDF has neither.
    """
    objects = {int(m.group(1)): m.group(2) for m in
               re.finditer(rb"(?m)^(\d+) 0 obj\s*(<<.*?>>)\s*(?:endobj|stream)", pdf, re.S)}
    catalog = next((body for body in objects.values() if re.search(rb"/Type\s*/Catalog", body)), None)
    if catalog is None:
        return {}
    root = re.search(rb"/Pages\s+(\d+) 0 R", catalog)
    dests = re.search(rb"/Dests\s+(\d+) 0 R", catalog)
    if root is None or dests is None or int(dests.group(1)) not in objects:
        return {}
    order: list[int] = []

    def walk(number: int) -> None:
        body = objects.get(number, b"")
        kids = re.search(rb"/Kids\s*\[([^\]]*)\]", body)
        if kids is None:
            order.append(number)
            return
        for kid in re.findall(rb"(\d+) 0 R", kids.group(1)):
            walk(int(kid))

    walk(int(root.group(1)))
    page_of = {number: i for i, number in enumerate(order, start=1)}
    found = re.findall(rb"/([^\s/\[\]()<>]+)\s*\[\s*(\d+) 0 R", objects[int(dests.group(1))])
    return {_pdf_name(name): page_of[int(ref)] for name, ref in found if int(ref) in page_of}


def _pdf_name(raw: bytes) -> str:
    """A PDF name token as text (``#xx`` escapes decoded)."""
    return re.sub(rb"#([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("utf-8", "replace")


def count_pages(pdf: Path | bytes) -> int:
    """Number of pages of a PDF written by Chromium (counts ``/Type /Page`` objects)."""
    data = pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def chromium_version(chromium: str | None = None) -> str | None:
    chromium = chromium or find_chromium()
    if chromium is None:
        return None
    try:
        out = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
