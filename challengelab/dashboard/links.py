"""Shareable links: the sidebar filters, the minimum cell size and each page's settings live in the URL query.

Call :func:`sync` just before creating a widget with ``key``. On the first run of a session (a link just opened)
the widget's value comes from the URL when it holds a valid one, else from ``default``; on every run the current
value is written back to the URL (left out when it equals the default), so the address bar always reproduces the
page. Widgets that use :func:`sync` must not pass their own ``value=`` / ``default=`` / ``index=`` (the session
state holds it), or Streamlit warns about two sources of truth.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import streamlit as st

Kind = Literal["str", "int", "float", "list", "int_list"]


def _parse(raw: list[str], kind: Kind) -> Any:
    if kind == "list":
        return [v for v in raw if v != ""]
    if kind == "int_list":
        return [int(v) for v in raw if v != ""]
    if not raw:
        raise ValueError("empty")
    if kind == "int":
        return int(raw[-1])
    if kind == "float":
        return float(raw[-1])
    return raw[-1]


def _valid(value: Any, options: Sequence | Callable[[Any], bool] | None) -> bool:
    if options is None:
        return True
    if callable(options):
        return bool(options(value))
    if isinstance(value, list):
        return all(v in options for v in value)
    return value in options


def from_url(param: str, kind: Kind, options: Sequence | Callable[[Any], bool] | None = None) -> Any | None:
    """The URL's value for ``param`` (parsed; None when absent or invalid)."""
    if param not in st.query_params:
        return None
    try:
        value = _parse(st.query_params.get_all(param), kind)
    except ValueError:
        return None
    return value if _valid(value, options) else None


def sync(key: str, param: str, *, kind: Kind = "str", default: Any = None,
         options: Sequence | Callable[[Any], bool] | None = None) -> None:
    """Restore ``st.session_state[key]`` from the URL (first time only) and write its value to the URL.

    ``options``: the values a link may set (a sequence, or a predicate); anything else falls back to ``default``.
    """
    if key not in st.session_state:
        value = from_url(param, kind, options)
        st.session_state[key] = default if value is None else value
    publish(param, st.session_state.get(key), default)


def publish(param: str, value: Any, default: Any = None) -> None:
    """Write ``value`` to the URL query (removed when it equals ``default`` or is empty)."""
    empty = value is None or (isinstance(value, (list, tuple)) and not value)
    if empty or value == default or (isinstance(value, (list, tuple)) and list(value) == list(default or [])):
        if param in st.query_params:
            del st.query_params[param]
        return
    shown = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
    if st.query_params.get_all(param) != (shown if isinstance(shown, list) else [shown]):
        st.query_params[param] = shown
