"""Time validation of survey tables at 1x, 10x and 100x the bundled size, and at 100k responses.

Run: ``.venv/bin/python benchmarks/bench_validation.py``. Validation = the pydantic bulk validation of all
four tables plus the cross-table checks (``Survey.from_frames``); reading the workbook is timed separately
for the sizes where an .xlsx file is realistic. Target: 100k responses validated in under 2 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from challengelab import Survey, load_survey
from challengelab.synthetic.survey import SimulationSettings, simulate_tables
from challengelab.survey.write import write_survey_workbook

from _timing import best_of  # noqa: E402 - benchmarks/ is on sys.path when run as a script

TARGET_SECONDS_100K = 2.0


def _settings(scale: float) -> SimulationSettings:
    n_tasks = round(80 * scale)
    return SimulationSettings(n_challenges=round(35 * scale), n_tasks=n_tasks,
                              n_winning_respondents=round(38 * scale))




def main() -> int:
    rows = []
    for label, scale, repeat in (("1x", 1, 5), ("10x", 10, 3), ("100x", 100, 1), ("100k responses", 163, 1)):
        tables = simulate_tables(1, _settings(scale))
        n = len(tables["responses"])
        seconds = best_of(lambda: Survey.from_frames(**tables), repeat)
        rows.append((label, n, seconds))
        print(f"validate {label:>15}: {n:>7} responses  {seconds:6.3f} s  ({n / seconds:,.0f} responses/s)")
    with tempfile.TemporaryDirectory() as tmp:
        for label, scale in (("1x", 1), ("10x", 10)):
            path = write_survey_workbook(Path(tmp) / f"{label}.xlsx", simulate_tables(1, _settings(scale)))
            seconds = best_of(lambda: load_survey(path), 3 if scale == 1 else 1)
            print(f"read+validate .xlsx {label:>4}: {seconds:6.3f} s")
    label, n, seconds = rows[-1]
    ratio = seconds / TARGET_SECONDS_100K * (100_000 / n)
    print(f"100k responses: {seconds * 100_000 / n:.3f} s (scaled to exactly 100k) = {ratio:.2f} x the 2 s target"
          f" ({'met' if ratio <= 1 else 'MISSED'})")
    print(f"median of the four: {statistics.median(r[2] for r in rows):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
