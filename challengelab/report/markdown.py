"""The report as Markdown: GitHub-style tables, with the figures as PNG files in a folder beside it.

The PNG figures are the PDF's figures (:mod:`challengelab.report.figure_images`: drawn by the system's Chromium
with the plotly.js of the HTML report, as wide as on the printed page, rasterised at twice that size), drawn while
the report is still being built.
"""

from __future__ import annotations

from pathlib import Path

from challengelab.report.figure_images import FIGURE_SCALE, FigureImages, figure_images, open_figure_page
from challengelab.report.headless import HeadlessChromium
from challengelab.report.html_page import PRINT_FIGURE_WIDTH
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


def write_figure_pngs(figures: list[Figure], folder: Path, *, width: int = PRINT_FIGURE_WIDTH,
                      scale: int = FIGURE_SCALE, timeout: float = 600,
                      browser: HeadlessChromium | None = None) -> list[Path]:
    """Export every figure to ``folder/<name>.png``, ``width`` x its height in CSS pixels drawn at ``scale``
    times that size (default: as wide as on the printed page, with the same plotly.js and configuration as the
    HTML report), all of them or none.

    ``browser``: the report's running :class:`~challengelab.report.headless.HeadlessChromium`, whose
    :func:`~challengelab.report.figure_images.figure_images` may already be drawing them (then ``width``,
    ``scale`` and ``timeout`` are its own); default: one started and stopped for this call. Raises
    :class:`~challengelab.report.figure_images.FigureExportError` when there is no Chromium or it fails.
    """
    if not figures:
        return []
    if browser is not None:
        images = figure_images(browser, png=True).get(figures)
    else:
        with HeadlessChromium(figures=open_figure_page, timeout=timeout) as own:
            images = FigureImages(own, width=width, scale=scale, timeout=timeout).get(figures)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / figure_filename(f) for f in figures]
    for path, image in zip(paths, images):
        path.write_bytes(image.png)  # type: ignore[arg-type]
    return paths
