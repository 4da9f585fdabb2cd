"""Timing helper shared by the benchmark scripts (run as ``python benchmarks/NAME.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(function: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` wall-clock runs of ``function``, in seconds (the least disturbed run)."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)
