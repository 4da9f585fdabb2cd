"""Single-threaded BLAS inside the model fits.

The fits multiply tall, thin matrices (rows x a few predictors); BLAS threads do not speed these up, and on a
busy machine they slow them down many times over (measured: 2 ms single-threaded vs 31 ms with two threads on
a loaded 2-core machine). R's reference BLAS is single-threaded too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def single_threaded(function: F) -> F:
    """Run ``function`` with BLAS limited to one thread (when threadpoolctl is available)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - threadpoolctl is a dependency
            return function(*args, **kwargs)
        with threadpool_limits(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
