"""Output safety: HTML escaping, formula-injection neutralising (Excel, CSV) and external-reference checks.

Everything that comes from the data (team ids, challenge names, free text, warnings that quote values) passes
through :func:`escape_html` before it reaches a page, through :func:`challengelab.outputs.markdown_literal` before it
reaches Markdown, and through :func:`neutralise_formula` before it reaches a spreadsheet cell or a CSV field.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

from challengelab.outputs import FORMULA_PREFIXES, neutralise_formula, neutralise_frame

__all__ = ["FORMULA_PREFIXES", "escape_html", "external_references", "neutralise_formula",
           "neutralise_frame", "script_json"]


def escape_html(value: object) -> str:
    """``str(value)`` with ``& < > " '`` escaped for HTML text and attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(obj: object) -> str:
    """JSON for a ``<script>`` element: ``<``, ``>``, ``&`` and the line separators are ``\\u`` escaped, so
    text from the data can never close the element or open a comment."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=False, allow_nan=False,
                      default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# --- external reference check ---------------------------------------------------------------------------------

_URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "xlink:href", "background",
                   "cite", "longdesc", "manifest", "ping", "codebase", "archive", "usemap", "icon", "content"}
_EXTERNAL = re.compile(r"^\s*(https?:|//|ftp:|wss?:)", re.IGNORECASE)
_META_REFRESH = re.compile(r"url\s*=\s*['\"]?\s*(https?:|//)", re.IGNORECASE)
_CSS_URL = re.compile(r"(?:url\(\s*['\"]?|@import\s+['\"])\s*(https?:|//)", re.IGNORECASE)


class _ReferenceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            lowered = name.lower()
            if tag == "meta" and lowered == "content":
                if _META_REFRESH.search(value):
                    self.found.append(f"<meta content={value!r}>")
                continue
            if lowered in _URL_ATTRIBUTES and _EXTERNAL.search(value):
                self.found.append(f"<{tag} {name}={value!r}>")
            elif lowered == "srcset" and re.search(r"(https?:|//)", value):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name.lower() == "style" and _CSS_URL.search(value):
                self.found.append(f"<{tag} style=...{value[:80]!r}>")
        self._in_style = tag == "style"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style and _CSS_URL.search(data):
            self.found.append("<style> url(http...)")


def external_references(page: str) -> list[str]:
    """Every resource reference in an HTML page that would make the browser go online.

    Looks at URL-bearing attributes (``src``, ``href``, ``srcset``, ...), inline and ``<style>`` CSS
    (``url(...)``, ``@import``) and ``<meta http-equiv=refresh>``. Returns a description of each; an offline
    page returns ``[]``.
    """
    finder = _ReferenceFinder()
    finder.feed(page)
    finder.close()
    return finder.found
