"""One self-contained, offline HTML page: plotly.js embedded once, every figure drawn from inline JSON.

No resource is loaded from the network: plotly.js is inlined (``plotly.offline.get_plotlyjs()``), the figures
are rendered with a config that disables MathJax typesetting and the topojson/cloud URLs, and there are no
external stylesheets, fonts or images. Every text from the data is escaped (HTML text and attributes through
:func:`~challengelab.report.safety.escape_html`, figure JSON through
:func:`~challengelab.report.safety.script_json`-style ``\\u`` escapes).
"""

from __future__ import annotations

import base64
import gzip
import threading
from collections.abc import Mapping
from functools import lru_cache

from challengelab.report.document import (
    Code,
    Figure,
    KeyValues,
    Notice,
    Paragraph,
    Report,
    Section,
    Table,
    format_value,
    slug,
)
from challengelab.report.safety import escape_html as esc

#: plotly.js configuration for every figure: no logo, no link to a cloud service, no MathJax, no topojson CDN.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "topojsonURL": "",
    "typesetMath": False,
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

DEFAULT_FIGURE_HEIGHT = 440

#: The printed page: A4 with these margins (top, sides, bottom) in millimetres.
PRINT_MARGINS_MM = (14, 12, 16)
#: Width of a figure on the printed page in CSS pixels (96 per inch): the A4 width less the side margins.
#: The PDF's figures and the Markdown's PNGs are drawn this wide.
PRINT_FIGURE_WIDTH = int((210 - 2 * PRINT_MARGINS_MM[1]) / 25.4 * 96)

CSS = """
:root { --ink:#1d2430; --muted:#5b6473; --line:#d9dee6; --accent:#1f5fa8; --warn:#8a5a00; --warnbg:#fff6e0;
        --syn:#8c1d18; --synbg:#fdecea; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: var(--ink);
       line-height: 1.5; margin: 0 auto; max-width: 1000px; padding: 24px 28px 60px; background: #fff; }
header.report-head h1 { font-size: 1.9rem; margin: 0 0 4px; line-height: 1.2; }
header.report-head p { margin: 2px 0; color: var(--muted); }
h2 { font-size: 1.4rem; border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin-top: 2.2em; }
h3 { font-size: 1.08rem; margin: 1.4em 0 0.4em; }
p.lead { font-size: 1.05rem; }
nav.toc { background: #f5f7fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px 18px;
          margin: 18px 0; }
nav.toc h2 { border: 0; margin: 4px 0; font-size: 1.1rem; }
nav.toc ol { margin: 4px 0; padding-left: 1.4em; }
nav.toc ol ol { font-size: 0.9rem; color: var(--muted); list-style: none; padding-left: 1em; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc li { position: relative; padding-right: 3em; }
nav.toc span.page { position: absolute; right: 0; top: 0; color: var(--muted); font-variant-numeric: tabular-nums; }
.notice { border-left: 5px solid var(--accent); background: #eef4fb; padding: 8px 14px; margin: 12px 0;
          border-radius: 4px; }
.notice.warning { border-color: #d08a00; background: var(--warnbg); color: #3d2a00; }
.notice.synthetic { border-color: var(--syn); background: var(--synbg); color: var(--syn); font-weight: 600; }
.notice strong { display: block; }
figure { margin: 18px 0 26px; }
figure.off-page figcaption { font-size: 0.9rem; }
figcaption { color: var(--muted); font-size: 0.9rem; margin-top: 4px; }
figcaption b { color: var(--ink); }
.table-wrap { overflow-x: auto; }
table.data { border-collapse: collapse; font-size: 0.86rem; width: 100%; font-variant-numeric: tabular-nums; }
table.data caption { caption-side: top; text-align: left; font-size: 0.9rem; color: var(--muted);
                     padding-bottom: 4px; }
table.data caption b { color: var(--ink); }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 3px 8px; vertical-align: top; }
table.data th { background: #eef1f5; text-align: left; border-bottom: 2px solid #b8c0cc; vertical-align: bottom;
                 font-weight: 600; }
table.data td.num { text-align: right; white-space: nowrap; }
table.data td.long { min-width: 16em; }
table.data td.id { white-space: nowrap; }
table.data.wide { font-size: 0.76rem; }
table.data.wide th, table.data.wide td { padding: 2px 5px; }
table.data.wide th { white-space: normal; }
table.data tr.suppressed td { color: #8b93a1; font-style: italic; background: #fafafa; }
table.kv { border-collapse: collapse; font-size: 0.88rem; }
table.kv th { text-align: left; padding: 2px 14px 2px 0; color: var(--muted); font-weight: 600;
              vertical-align: top; white-space: nowrap; }
table.kv td { padding: 2px 0; word-break: break-word; }
pre { background: #f5f7fa; border: 1px solid var(--line); padding: 8px 12px; border-radius: 4px;
      white-space: pre-wrap; word-break: break-all; font-size: 0.82rem; }
.plot { width: 100%; }
.plot > svg { display: block; max-width: 100%; height: auto; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.82rem; border-top: 1px solid var(--line);
         padding-top: 8px; }
@media print {
  @page { size: A4; margin: @MARGINS@; }
  html { font-size: 10.5pt; }
  body { max-width: none; padding: 0; }
  nav.toc { break-before: page; break-after: page; }
  nav.toc:first-child, header.report-head + nav.toc, .notice.synthetic + nav.toc { break-before: auto; }
  section.report-section { break-before: page; }
  section.report-section:first-of-type { break-before: auto; }
  h2, h3 { break-after: avoid; }
  figure.chart, table.kv, .notice, pre { break-inside: avoid; }
  table.data thead { display: table-header-group; }
  table.data tr { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  .modebar-container { display: none !important; }
  a { color: inherit; text-decoration: none; }
}
""".replace("@MARGINS@", " ".join(f"{m}mm" for m in PRINT_MARGINS_MM))


def render_html(report: Report, *, pages: dict[str, int] | None = None,
                figure_svgs: Mapping[str, str] | None = None) -> str:
    """The report as one HTML document (a ``str``); ``pages`` (anchor -> page number of the printed PDF) adds
    page numbers to the contents.

    ``figure_svgs`` (figure name -> SVG drawn :data:`PRINT_FIGURE_WIDTH` wide, see
    :mod:`challengelab.report.figure_images`) makes the page that is printed to PDF: every figure is that picture,
    and the page has no script and no plotly.js.
    """
    report.check()
    numbers = _numbering(report)
    figures = report.figures()
    static = figure_svgs is not None
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="challengelab">',
        f"<title>{esc(report.title)}</title>",
        f"<style>{CSS}</style>",
    ]
    if figures and not static:
        # plotly.js once for the whole page, never per figure and never from a CDN: gzip-compressed and
        # base64-encoded (4.8 MB -> 2.0 MB), unpacked by the browser's own DecompressionStream before drawing.
        parts.append('<script id="plotlyjs" type="application/gzip;base64">' + plotly_js_packed() + "</script>")
    parts.append("</head>")
    parts.append(f'<body data-figures-drawn="{len(figures)}">' if static else "<body>")
    parts.append('<header class="report-head">')
    parts.append(f"<h1>{esc(report.title)}</h1>")
    if report.subtitle:
        parts.append(f"<p>{esc(report.subtitle)}</p>")
    if report.generated:
        parts.append(f"<p>Generated {esc(report.generated)}</p>")
    parts.append("</header>")
    if report.synthetic:
        parts.append(f'<div class="notice synthetic" role="note" id="synthetic-banner">{esc(report.synthetic_text)}'
                     "</div>")
    for number, section in enumerate(report.sections, start=1):
        if number == report.contents_after + 1:
            parts.append(_toc(report, numbers, pages))
        parts.append(_section(number, section, numbers, figure_svgs))
    parts.append('<footer>Made with challengelab. This file works offline: the plotting library is embedded '
                 "and nothing is loaded from the internet.</footer>")
    if figures and not static:
        parts.append(figure_script(figures))
    parts.append("</body>")
    parts.append("</html>")
    return "\n".join(parts) + "\n"


_PACKING = threading.Lock()


def plotly_js_packed() -> str:
    """plotly.js (the copy shipped with plotly.py) gzip-compressed (deterministic: no time stamp) and base64."""
    with _PACKING:  # one packing, also when pack_plotly_js_in_background is still at it
        return _pack_plotly_js()


@lru_cache(maxsize=1)
def _pack_plotly_js() -> str:
    import plotly.offline

    return base64.b64encode(gzip.compress(plotly.offline.get_plotlyjs().encode("utf-8"), 6, mtime=0)).decode()


def pack_plotly_js_in_background() -> None:
    """Start :func:`plotly_js_packed` in a thread (compression runs beside Python work: zlib frees the GIL)."""
    threading.Thread(target=plotly_js_packed, daemon=True, name="challengelab-pack-plotly").start()


#: Unpacks plotly.js, runs it, then calls ``draw``; says so in every plot area when the browser cannot.
LOADER = """
function loadPlotly(draw) {
  var packed = document.getElementById('plotlyjs').textContent;
  function fail(message) {
    document.body.setAttribute('data-figures-failed', message);
    document.querySelectorAll('.plot').forEach(function (el) {
      el.textContent = 'The figures need a browser that can unpack them (Chrome/Edge 80+, Firefox 113+, '
        + 'Safari 16.4+): ' + message;
    });
  }
  try {
    fetch('data:application/octet-stream;base64,' + packed).then(function (r) {
      return new Response(r.body.pipeThrough(new DecompressionStream('gzip'))).text();
    }).then(function (code) {
      performance.mark('plotly-unpacked');
      var script = document.createElement('script');
      script.textContent = code;
      document.head.appendChild(script);
      performance.mark('plotly-ready');
      draw();
    }).catch(function (e) { fail(String(e)); });
  } catch (e) { fail(String(e)); }
}
"""


def _inline_script(code: str) -> str:
    # A literal "</script" inside a script element would end it early.
    return code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _numbering(report: Report) -> dict[int, str]:
    numbers: dict[int, str] = {}
    n_table = n_figure = 0
    for section in report.sections:
        for block in section.blocks:
            if isinstance(block, Table):
                n_table += 1
                numbers[id(block)] = f"Table {n_table}"
            elif isinstance(block, Figure):
                n_figure += 1
                numbers[id(block)] = f"Figure {n_figure}"
    return numbers


def table_anchor(table: Table) -> str:
    return "table-" + slug(table.name)


def figure_anchor(figure: Figure) -> str:
    return "figure-" + slug(figure.name)


def _toc(report: Report, numbers: dict[int, str], pages: dict[str, int] | None = None) -> str:
    pages = pages or {}

    def page(anchor: str) -> str:
        return f'<span class="page">{pages[anchor]}</span>' if anchor in pages else ""

    rows = ['<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>']
    for number, section in enumerate(report.sections, start=1):
        rows.append(f'<li><a href="#{esc(section.anchor)}">{esc(section.title)}</a>{page(section.anchor)}')
        items = [b for b in section.blocks if isinstance(b, (Table, Figure))]
        if items:
            rows.append("<ol>")
            for block in items:
                anchor = table_anchor(block) if isinstance(block, Table) else figure_anchor(block)
                rows.append(f'<li><a href="#{esc(anchor)}">{esc(numbers[id(block)])}: {esc(block.title)}</a>'
                            f"{page(anchor)}</li>")
            rows.append("</ol>")
        rows.append("</li>")
    rows.append("</ol></nav>")
    return "\n".join(rows)


def _section(number: int, section: Section, numbers: dict[int, str],
             figure_svgs: Mapping[str, str] | None = None) -> str:
    out = [f'<section class="report-section" id="{esc(section.anchor)}">',
           f"<h2>{number}. {esc(section.title)}</h2>"]
    for block in section.blocks:
        if isinstance(block, Figure) and figure_svgs is not None:
            out.append(_figure(block, numbers[id(block)], figure_svgs[block.name]))
        else:
            out.append(_block(block, numbers))
    out.append("</section>")
    return "\n".join(out)


def _block(block, numbers: dict[int, str]) -> str:
    if isinstance(block, Paragraph):
        run_in = f"<strong>{esc(block.heading)}.</strong> " if block.heading else ""
        cls = ' class="lead"' if block.emphasis else ""
        return f"<p{cls}>{run_in}{esc(block.text)}</p>"
    if isinstance(block, Notice):
        title = f"<strong>{esc(block.title)}</strong>" if block.title else ""
        return f'<div class="notice {esc(block.kind)}" role="note">{title}{esc(block.text)}</div>'
    if isinstance(block, KeyValues):
        head = f"<h3>{esc(block.title)}</h3>" if block.title else ""
        rows = "".join(f"<tr><th scope=\"row\">{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in block.rows)
        return f'{head}<table class="kv">{rows}</table>'
    if isinstance(block, Code):
        head = f"<h3>{esc(block.title)}</h3>" if block.title else ""
        return f"{head}<pre><code>{esc(block.text)}</code></pre>"
    if isinstance(block, Table):
        return _table(block, numbers[id(block)])
    if isinstance(block, Figure):
        return _figure(block, numbers[id(block)])
    raise TypeError(f"cannot render {type(block).__name__}")


def off_page_text(table: Table) -> str:
    """What a page says instead of a long listing kept for the workbook and CSV only."""
    rows, columns = table.frame.shape
    return (f"{rows:,} rows of {columns} columns: in the Excel workbook (sheet '{table.name}') and the CSV tables "
            "only, where they can be sorted and filtered.")


def _table(table: Table, number: str) -> str:
    if not table.on_page:
        caption = f"<b>{esc(number)}. {esc(table.title)}</b>" + (f" {esc(table.caption)}" if table.caption else "")
        return (f'<figure class="table off-page" id="{esc(table_anchor(table))}"><figcaption>{caption} '
                f"<i>{esc(off_page_text(table))}</i></figcaption></figure>")
    frame, cut = table.shown()
    columns = list(frame.columns)
    kinds = {c: table.kind(c) for c in columns}
    suppressed = table.suppressed_rows()
    head = "".join(f'<th scope="col">{esc(table.header(c))}</th>' for c in columns)
    lengths = {c: frame[c].astype(str).str.len().max() if len(frame) else 0 for c in columns}
    long = {c for c in columns if kinds[c] == "text" and lengths[c] > 40}
    short = {c for c in columns if kinds[c] == "text" and lengths[c] <= 16}  # ids: never broken at a hyphen
    body = []
    for position, row in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for column, value in zip(columns, row):
            cls = ' class="num"' if kinds[column] != "text" else (' class="long"' if column in long else
                                                                   ' class="id"' if column in short else "")
            cells.append(f"<td{cls}>{esc(format_value(value, kinds[column]))}</td>")
        cls = ' class="suppressed"' if suppressed[position] else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{max(len(columns), 1)}">(no rows)</td></tr>')
    caption = f"<b>{esc(number)}. {esc(table.title)}</b>"
    if table.caption:
        caption += " " + esc(table.caption)
    if cut:
        caption += f" <i>{esc(cut)}</i>"
    wide = " wide" if len(columns) > 9 else ""
    return (f'<figure class="table" id="{esc(table_anchor(table))}"><div class="table-wrap">'
            f'<table class="data{wide}"><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div></figure>")


def _figure(figure: Figure, number: str, svg: str = "") -> str:
    """A figure's box: empty (drawn by the page's script), or holding ``svg`` (its picture, on the printed page)."""
    height = figure_height(figure)
    caption = f"<b>{esc(number)}. {esc(figure.title)}</b>"
    if figure.caption:
        caption += " " + esc(figure.caption)
    anchor = figure_anchor(figure)
    return (f'<figure class="chart" id="{esc(anchor)}"><div class="plot" id="{esc(anchor)}-plot" '
            f'style="min-height:{height}px" role="img" aria-label="{esc(figure.title)}">{svg}</div>'
            f"<figcaption>{caption}</figcaption></figure>")


def figure_height(figure: Figure) -> int:
    fig = figure.figure
    try:
        height = (fig.get("layout") or {}).get("height") if isinstance(fig, dict) else fig.layout.height
    except AttributeError:
        height = None
    return int(height) if height else DEFAULT_FIGURE_HEIGHT


def figure_json(fig) -> str:
    """A figure as JSON text that is safe inside ``<script>`` (``<``, ``>``, ``&`` escaped)."""
    import plotly.io as pio

    text = pio.to_json(fig, validate=False, pretty=False, remove_uids=True)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def figure_script(figures: list[Figure]) -> str:
    """Every figure's JSON in its own ``<script type="application/json">`` element (parsed only when the figure
    is drawn, so the first figure does not wait for the others), and the script that draws them in order."""
    import json

    specs = "\n".join(f'<script type="application/json" class="figure-spec" data-plot="{figure_anchor(f)}-plot">'
                      f"{figure_json(f.figure)}</script>" for f in figures)
    config = json.dumps(PLOTLY_CONFIG, sort_keys=True)
    return (specs + "\n<script>\n" + LOADER + "(function () {\n"
            f"var config = {config};\n"
            "var specs = Array.prototype.slice.call(document.querySelectorAll('script.figure-spec'));\n"
            "loadPlotly(function () {\n"
            "  var i = 0;\n"
            "  function next() {\n"  # one figure at a time, so the first one appears at once
            "    if (i >= specs.length) { document.body.setAttribute('data-figures-drawn', String(i)); return; }\n"
            "    var el = specs[i++], id = el.getAttribute('data-plot'), fig = JSON.parse(el.textContent);\n"
            "    var layout = fig.layout || {}; layout.autosize = true; delete layout.width;\n"
            "    Plotly.newPlot(id, fig.data || [], layout, config).then(function () {\n"
            "      if (i === 1) performance.mark('first-figure');\n"
            "      if (layout.height) document.getElementById(id).style.minHeight = '';\n"
            "      setTimeout(next, 0);\n"
            "    });\n"
            "  }\n"
            "  next();\n"
            "});\n"
            "window.addEventListener('beforeprint', function () {\n"
            "  if (window.Plotly) specs.forEach(function (el) {\n"
            "    Plotly.Plots.resize(document.getElementById(el.getAttribute('data-plot')));\n"
            "  });\n"
            "});\n"
            "})();\n</script>")
