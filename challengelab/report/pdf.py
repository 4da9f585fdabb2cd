"""PDF: the HTML report printed by headless Chromium (vector figures, the page's print CSS).

Chromium runs with a throw-away profile in a temporary folder, without network access (every host name
resolves to nothing), and is given time to run the page's JavaScript so that plotly has drawn every figure
before the page is printed.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from challengelab.report.markdown import find_chromium

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


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: str | None = None,
              timeout: float = TIMEOUT_SECONDS) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; raise :class:`PdfError` on failure."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise PdfError("Chromium is not installed (looked for $CHALLENGELAB_CHROMIUM, chromium, "
                       "chromium-browser, google-chrome): PDF skipped. Install Debian's 'chromium' package.")
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="challengelab-chromium-") as profile:
        command = [chromium, *chromium_flags(Path(profile)), f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                       stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not finish printing within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfError(f"could not start Chromium ({chromium}): {exc}") from exc
    if not pdf_path.is_file() or pdf_path.stat().st_size == 0 or not pdf_path.read_bytes()[:5] == b"%PDF-":
        tail = (completed.stderr or "").strip().splitlines()[-3:]
        raise PdfError(f"Chromium exited with code {completed.returncode} without writing a PDF"
                       + (": " + " | ".join(tail) if tail else ""))
    return pdf_path


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
