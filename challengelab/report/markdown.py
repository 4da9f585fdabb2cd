"""The report as Markdown: GitHub-style tables, with the figures as PNG files in a folder beside it.

Static figures are drawn by the system's Chromium (Debian's ``/usr/bin/chromium``; nothing is downloaded) the
way the HTML report draws them: one page with every figure, each captured at twice its size over the DevTools
pipe of :class:`challengelab.report.pdf.DevTools` — one browser for all figures, no per-figure start-up.
"""

from __future__ import annotations

import time
from pathlib import Path

from challengelab.chromium import find_chromium
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
from challengelab.outputs import markdown_literal as md

FIGURE_WIDTH = 900
FIGURE_SCALE = 2


class FigureExportError(RuntimeError):
    """Static figures could not be made (no Chromium, or Chromium failed)."""


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
        from challengelab.report.html_page import off_page_text

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


def figures_page(figures: list[Figure], width: int) -> str:
    """A bare page that draws ``figures`` one below the other, ``width`` pixels wide (for PNG export)."""
    from challengelab.report.html_page import figure_anchor, figure_height, figure_script, plotly_js_packed

    divs = "".join(f'<div class="plot" id="{figure_anchor(f)}-plot" style="width:{width}px;'
                   f'height:{figure_height(f)}px"></div>' for f in figures)
    return ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            "<style>.modebar-container { display: none !important; }</style>"
            f'<script id="plotlyjs" type="application/gzip;base64">{plotly_js_packed()}</script></head>'
            f'<body style="margin:0;background:#fff">{divs}{figure_script(figures)}</body></html>')


def write_figure_pngs(figures: list[Figure], folder: Path, *, width: int = FIGURE_WIDTH,
                      scale: int = FIGURE_SCALE, timeout: float = 600) -> list[Path]:
    """Export every figure to ``folder/<name>.png``: one headless Chromium draws them all on one page (as the
    HTML report does) and each figure's area is captured at ``scale`` times its CSS size.

    Raises :class:`FigureExportError` when there is no Chromium or it fails.
    """
    import base64
    import json
    import tempfile

    from challengelab.report.pdf import READY, DevTools, PdfError

    if not figures:
        return []
    chromium = find_chromium()
    if chromium is None:
        raise FigureExportError("no Chromium found (install Debian's 'chromium' package or set "
                                "CHALLENGELAB_CHROMIUM); static PNG figures were not made")
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / figure_filename(f) for f in figures]
    with tempfile.TemporaryDirectory(prefix="challengelab-png-") as scratch:
        page = Path(scratch) / "figures.html"
        page.write_text(figures_page(figures, width), encoding="utf-8")
        try:
            browser = DevTools(chromium, Path(scratch) / "profile", timeout)
        except OSError as exc:
            raise FigureExportError(f"could not start Chromium ({chromium}): {exc}") from exc
        try:
            url = page.as_uri()
            target = browser.send("Target.createTarget", {"url": url})["targetId"]
            session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 800,
                                                                "deviceScaleFactor": scale, "mobile": False},
                         session)
            deadline = time.monotonic() + timeout
            while not browser.send("Runtime.evaluate", {"expression": READY.format(url=json.dumps(url)),
                                                        "returnByValue": True}, session)["result"].get("value"):
                if time.monotonic() > deadline:
                    raise FigureExportError(f"static figure export did not finish within {timeout:.0f} s")
                time.sleep(0.05)
            total = browser.send("Runtime.evaluate", {"expression": "document.documentElement.scrollHeight",
                                                      "returnByValue": True}, session)["result"]["value"]
            # one viewport as tall as the page: every capture is then a crop, without a new layout
            browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": int(total),
                                                                "deviceScaleFactor": scale, "mobile": False},
                         session)
            boxes = browser.send("Runtime.evaluate", {"returnByValue": True, "expression": (
                "[...document.querySelectorAll('.plot')].map(e => { const r = e.getBoundingClientRect(); "
                "return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })")}, session)["result"]["value"]
            for path, (x, y, w, h) in zip(paths, boxes):
                shot = browser.send("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": False, "optimizeForSpeed": True,
                    "clip": {"x": x, "y": y, "width": w, "height": h, "scale": 1}}, session)
                path.write_bytes(base64.b64decode(shot["data"]))
        except PdfError as exc:
            raise FigureExportError(f"static figure export failed: {exc}") from exc
        finally:
            browser.close()
    missing = [p.name for p in paths if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise FigureExportError(f"static figure export produced no file for {', '.join(missing)}")
    return paths
