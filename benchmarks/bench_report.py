"""Benchmark of ``challengelab report``: the full survey report (all formats) on the bundled data and on 100x data.

Run: ``python benchmarks/bench_report.py [--scale 100] [--formats all] [--skip-large]``.

Target (issue 5): under 15 s for the bundled data, PDF included. Prints the wall-clock time of every step
(analysis, sections, each format) so that a slow step is easy to find, and the load time of the data. The 100x
data is simulated (``challengelab.synthetic.survey``: 100x the tasks and challenges of the 2021 round), written to a
workbook and read back, like a user's file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run(label: str, survey, out: Path, formats: list[str], load_seconds: float) -> float:
    from challengelab.report import write_survey_report

    import resource

    def cpu() -> float:
        usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        return sum(u.ru_utime + u.ru_stime for u in usage)

    marks: list[tuple[str, float]] = []
    cpu0 = cpu()
    start = time.perf_counter()
    result = write_survey_report(survey, out, formats=formats, force=True,
                                 progress=lambda step: marks.append((step, time.perf_counter())))
    total = time.perf_counter() - start
    cpu_seconds = cpu() - cpu0
    marks.append(("(end)", time.perf_counter()))
    print(f"\n== {label}: {survey.summary()['responses']:,} responses, {survey.summary()['tasks']:,} tasks")
    print(f"   load + validate data          {load_seconds:7.2f} s")
    groups: dict[str, float] = {}
    for (step, t0), (_, t1) in zip(marks, marks[1:]):
        key = "analysis" if step.startswith(("winner profile", "strategy tests", "model:")) else \
            "report sections" if not step.startswith(("writing", "drawing", "printing", "waiting")) else step
        groups[key] = groups.get(key, 0.0) + (t1 - t0)
    prep = marks[0][1] - start if marks else 0.0
    print(f"   imports, provenance (hashes)  {prep:7.2f} s")
    for key, seconds in groups.items():
        print(f"   {key[:29]:<30}{seconds:7.2f} s")
    print("   (the PDF is printed in the background from 'printing PDF' until 'waiting for the PDF' ends)")
    size = sum(p.stat().st_size for p in result.files) / 1e6
    print(f"   TOTAL report                  {total:7.2f} s   ({len(result.files)} files, {size:.1f} MB"
          + (f", PDF {result.pdf_pages} pages" if result.pdf_pages else "") + ")")
    print(f"   CPU time (Python + Chromium)  {cpu_seconds:7.2f} s   (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs)")
    if result.skipped:
        print(f"   skipped: {result.skipped}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="size of the large data (x the 2021 round)")
    parser.add_argument("--formats", default="all", help="formats (default: all = html,xlsx,md,pdf,csv)")
    parser.add_argument("--skip-large", action="store_true", help="only the bundled data")
    args = parser.parse_args()

    from challengelab.report.output import parse_formats

    formats = parse_formats(args.formats)
    t0 = time.perf_counter()
    import challengelab

    survey = challengelab.example_survey()
    load = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        scratch = Path(scratch)
        bundled = run("bundled data (80 tasks)", survey, scratch / "bundled", formats, load)
        print(f"   target < 15 s: {'met' if bundled < 15 else 'NOT met'} ({os.cpu_count()} CPUs; "
              f"load average {os.getloadavg()[0]:.1f})")
        if args.skip_large:
            return
        from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata
        from challengelab.survey.write import write_survey_workbook

        n_tasks, n_challenges = 80 * args.scale, 35 * args.scale
        settings = SimulationSettings(n_tasks=n_tasks, n_challenges=n_challenges,
                                      n_winning_respondents=round(38 * n_tasks / 80))
        t0 = time.perf_counter()
        tables = simulate_tables(2021, settings)
        path = write_survey_workbook(scratch / "large.xlsx", tables, metadata=simulation_metadata(2021, settings))
        simulate_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        large = challengelab.load_survey(path)
        load = time.perf_counter() - t0
        print(f"\n(simulated and wrote {args.scale}x data in {simulate_seconds:.1f} s)")
        run(f"{args.scale}x data", large, scratch / "large", formats, load)


if __name__ == "__main__":
    main()
