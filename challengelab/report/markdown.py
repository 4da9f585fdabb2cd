"""The report as Markdown: GitHub-style tables, with the figures as PNG files in a folder beside it.

Static figures come from kaleido 1.x driving the system's Chromium (Debian's ``/usr/bin/chromium``; kaleido's
own browser download helpers are never called). All figures are exported in one browser session, with MathJax
disabled so that nothing is fetched from a CDN.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from challengelab.report.document import (
    Code,
    Figure,
    KeyValues,
    Notice,
    Paragraph,
    Report,
    Table,
    filename,
    format_value,
)
from challengelab.report.safety import escape_markdown as md

FIGURE_WIDTH = 900
FIGURE_SCALE = 2


class FigureExportError(RuntimeError):
    """Static figures could not be made (no Chromium, kaleido missing or failed)."""


def figure_filename(figure: Figure) -> str:
    return filename(figure.name) + ".png"


def render_markdown(report: Report, *, figure_dir: str = "figures", with_figures: bool = True) -> str:
    """The report as Markdown text; figures are referenced as ``figure_dir/<name>.png``."""
    report.check()
    lines: list[str] = [f"# {md(report.title)}", ""]
    if report.subtitle:
        lines += [md(report.subtitle), ""]
    if report.generated:
        lines += [f"Generated {md(report.generated)}", ""]
    if report.synthetic:
        lines += [f"> **{md(report.synthetic_text)}**", ""]
    contents = ["## Contents", ""]
    for number, section in enumerate(report.sections, start=1):
        contents.append(f"{number}. [{md(section.title)}](#{section.anchor})")
    contents.append("")
    n_table = n_figure = 0
    for number, section in enumerate(report.sections, start=1):
        if number == report.contents_after + 1:
            lines += contents
        lines += [f'<a id="{section.anchor}"></a>', "", f"## {number}. {md(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                run_in = f"**{md(block.heading)}.** " if block.heading else ""
                lines += [run_in + (f"**{md(block.text)}**" if block.emphasis else md(block.text)), ""]
            elif isinstance(block, Notice):
                title = f"**{md(block.title)}** " if block.title else ""
                marker = {"warning": "Warning: ", "synthetic": "", "info": ""}[block.kind]
                lines += [f"> {marker}{title}{md(block.text)}", ""]
            elif isinstance(block, KeyValues):
                if block.title:
                    lines += [f"### {md(block.title)}", ""]
                lines += ["| item | value |", "|---|---|"]
                lines += [f"| {md(k)} | {md(v)} |" for k, v in block.rows]
                lines.append("")
            elif isinstance(block, Code):
                if block.title:
                    lines += [f"### {md(block.title)}", ""]
                fence = "````" if "```" in block.text else "```"
                lines += [fence, block.text.replace("\r", ""), fence, ""]
            elif isinstance(block, Table):
                n_table += 1
                caption = f"**Table {n_table}. {md(block.title)}**" + (f" {md(block.caption)}" if block.caption
                                                                        else "")
                lines += [caption, "", *markdown_table(block), ""]
            elif isinstance(block, Figure):
                n_figure += 1
                caption = f"**Figure {n_figure}. {md(block.title)}**" + (f" {md(block.caption)}"
                                                                          if block.caption else "")
                if with_figures:
                    lines += [f"![{md(block.title)}]({figure_dir}/{figure_filename(block)})", ""]
                else:
                    lines += ["*(static figure not available: see the HTML report)*", ""]
                lines += [caption, ""]
    return "\n".join(lines).rstrip() + "\n"


def markdown_table(table: Table) -> list[str]:
    if not table.on_page:
        from challengelab.report.html import off_page_text

        return [f"*{md(off_page_text(table))}*"]
    frame, cut = table.shown()
    columns = list(frame.columns)
    if not columns:
        return ["(empty table)"]
    kinds = {c: table.kind(c) for c in columns}
    align = ["---:" if kinds[c] != "text" else "---" for c in columns]
    out = ["| " + " | ".join(md(table.header(c)) for c in columns) + " |", "|" + "|".join(align) + "|"]
    for row in frame.itertuples(index=False, name=None):
        out.append("| " + " | ".join(_cell(v, kinds[c]) for c, v in zip(columns, row)) + " |")
    if len(frame) == 0:
        out.append("| " + " | ".join("" for _ in columns) + " |")
    if cut:
        out += ["", f"*{md(cut)}*"]
    return out


def _cell(value: object, kind) -> str:
    text = format_value(value, kind)
    if isinstance(value, str) or kind == "text":
        return md(text)
    return text.replace("|", "\\|")  # a formatted number: digits, signs, %, commas


def find_chromium() -> str | None:
    """The Chromium/Chrome executable: ``$CHALLENGELAB_CHROMIUM``, ``$BROWSER_PATH``, then ``chromium``,
    ``chromium-browser``, ``google-chrome`` on PATH. None when there is none."""
    for variable in ("CHALLENGELAB_CHROMIUM", "BROWSER_PATH"):
        value = os.environ.get(variable)
        if value and Path(value).is_file() and os.access(value, os.X_OK):
            return value
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _Session:
    """The kaleido browser started ahead of time by :func:`kaleido_session` (None when there is none)."""

    started_here = False
    previous_browser_path: str | None = None


def _server():
    import kaleido

    return kaleido._global_server  # noqa: SLF001 - the documented start_sync_server() singleton


@contextmanager
def kaleido_session(enabled: bool = True) -> Iterator[None]:
    """Start kaleido's browser in the background now, so that it is ready when the figures are.

    Chromium takes a few seconds to start and load plotly.js; started before the analysis runs, that time
    overlaps with the computation. The session is closed on exit (only if it was started here). Does nothing
    when ``enabled`` is false, Chromium or kaleido is missing, or a session is already running.
    """
    chromium = find_chromium() if enabled else None
    if chromium is None:
        yield
        return
    try:
        import kaleido
    except ImportError:  # pragma: no cover
        yield
        return
    if _server().is_running():
        yield
        return
    _Session.previous_browser_path = os.environ.get("BROWSER_PATH")
    os.environ["BROWSER_PATH"] = chromium
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _Session.started_here = True
    try:
        yield
    finally:
        _Session.started_here = False
        if _server().is_running():
            thread = getattr(_server(), "_thread", None)
            if thread is not None and thread.is_alive():
                kaleido.stop_sync_server(silence_warnings=True)
            else:  # the browser died: reset the singleton without waiting for it
                _server()._initialized = False  # noqa: SLF001
        if _Session.previous_browser_path is None:
            os.environ.pop("BROWSER_PATH", None)
        else:
            os.environ["BROWSER_PATH"] = _Session.previous_browser_path


def _run_in_session(jobs: list[dict], timeout: float) -> object:
    """Send the jobs to the running kaleido server, watching that its browser thread stays alive."""
    import kaleido

    server_thread = getattr(_server(), "_thread", None)
    box: dict[str, object] = {}

    def call() -> None:
        try:
            box["result"] = kaleido.write_fig_from_object_sync(jobs, cancel_on_error=False)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    worker = threading.Thread(target=call, name="challengelab-png", daemon=True)
    worker.start()
    deadline = time.monotonic() + timeout
    while worker.is_alive():
        worker.join(0.25)
        if worker.is_alive() and server_thread is not None and not server_thread.is_alive():
            raise FigureExportError("static figure export failed: kaleido's browser stopped")
        if time.monotonic() > deadline:
            raise FigureExportError(f"static figure export did not finish within {timeout:.0f} s")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("result")


def write_figure_pngs(figures: list[Figure], folder: Path, *, width: int = FIGURE_WIDTH,
                      scale: int = FIGURE_SCALE, timeout: float = 600) -> list[Path]:
    """Export every figure to ``folder/<name>.png`` in one kaleido/Chromium session (MathJax off).

    Uses the browser of :func:`kaleido_session` when one was started, else starts one for these figures.
    """
    if not figures:
        return []
    chromium = find_chromium()
    if chromium is None:
        raise FigureExportError("no Chromium found (install Debian's 'chromium' package or set "
                                "CHALLENGELAB_CHROMIUM); static PNG figures were not made")
    try:
        import kaleido
    except ImportError as exc:  # pragma: no cover - kaleido is a dependency of reports
        raise FigureExportError("kaleido is not installed; static PNG figures were not made") from exc
    folder.mkdir(parents=True, exist_ok=True)
    jobs, paths = [], []
    for figure in figures:
        fig_dict = figure.figure if isinstance(figure.figure, dict) else figure.figure.to_dict()
        height = (fig_dict.get("layout") or {}).get("height") or 440
        path = folder / figure_filename(figure)
        paths.append(path)
        jobs.append({"fig": fig_dict, "path": str(path),
                     "opts": {"format": "png", "width": width, "height": int(height), "scale": scale}})
    if _Session.started_here and _server().is_running():
        try:
            errors = _run_in_session(jobs, timeout)
        except FigureExportError:
            raise
        except Exception as exc:  # noqa: BLE001 - kaleido/choreographer raise many kinds
            raise FigureExportError(f"static figure export failed: {exc}") from exc
    else:
        previous = os.environ.get("BROWSER_PATH")
        os.environ["BROWSER_PATH"] = chromium
        try:
            errors = kaleido.write_fig_from_object_sync(jobs, kopts={"mathjax": False}, cancel_on_error=False)
        except Exception as exc:  # noqa: BLE001 - kaleido/choreographer raise many kinds
            raise FigureExportError(f"static figure export failed: {exc}") from exc
        finally:
            if previous is None:
                os.environ.pop("BROWSER_PATH", None)
            else:
                os.environ["BROWSER_PATH"] = previous
    if errors:
        raise FigureExportError(f"static figure export failed: {errors[0]}")
    missing = [p.name for p in paths if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise FigureExportError(f"static figure export produced no file for {', '.join(missing)}")
    return paths
