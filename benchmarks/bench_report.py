"""Benchmark of the reports: ``challengelab report`` (survey) and ``challengelab rank`` (ranking report).

Run: ``python benchmarks/bench_report.py [--scale 100] [--formats html,xlsx,md,pdf] [--skip-large]
[--skip-ranking] [--boot 1000]``.

Targets (issue 11, idle machine): the survey report in all four formats (HTML, Excel, Markdown with PNG
figures, PDF) on the bundled data <= 6 s; the ranking report of the bundled assessment with 1000 bootstrap
replicates, HTML + Excel, end to end as a user runs it (a new Python process) <= 10 s, HTML <= 3 MB.

Prints the wall-clock time of every step (analysis, sections, each format) so that a slow step is easy to find,
the CPU time (Python and its Chromium children; less sensitive to a busy machine than the wall clock) and the
load average. Reference measured side by side: ``python -c "import challengelab.report"`` in a new process (the
start-up every run pays), so that the ratio says how much of a run is the report itself. The 100x data is
simulated (``challengelab.synthetic.survey``: 100x the tasks and challenges of the 2021 round), written to a
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


def _child_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_process(arguments: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of a new Python process running ``arguments``."""
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cpu0, start = _child_cpu(), time.perf_counter()
    subprocess.run([sys.executable, *arguments], check=True, env=env, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _child_cpu() - cpu0


def run_ranking(out: Path, n_boot: int) -> float:
    """The ranking report of the bundled assessment, as a user runs it; prints times and the HTML size."""
    from challengelab._paths import example_dir

    assessment = next(example_dir().glob("assessment_*.csv"))
    reference, reference_cpu = timed_process(["-c", "import challengelab.report, challengelab.cli"])
    wall, cpu = timed_process(["-c", "from challengelab.cli import main; main()", "rank", str(assessment),
                               "--bootstrap", str(n_boot), "--seed", "1", "--out", str(out), "--format",
                               "html,xlsx", "--force"])
    html = (out / "report.html").stat().st_size / 1e6
    xlsx = (out / "report.xlsx").stat().st_size / 1e6
    print(f"\n== ranking report: {assessment.name}, {n_boot} bootstrap replicates, HTML + Excel")
    print(f"   TOTAL (new process, end to end) {wall:7.2f} s   (CPU {cpu:.2f} s; HTML {html:.2f} MB, Excel "
          f"{xlsx:.2f} MB)")
    print(f"   reference: start-up only        {reference:7.2f} s   (CPU {reference_cpu:.2f} s) -> report = "
          f"{wall / reference:.1f} x start-up")
    print(f"   targets: <= 10 s {'met' if wall <= 10 else 'NOT met'}; HTML <= 3 MB "
          f"{'met' if html <= 3 else 'NOT met'} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="size of the large data (x the 2021 round)")
    parser.add_argument("--formats", default="html,xlsx,md,pdf", help="formats (default: the four formats)")
    parser.add_argument("--skip-large", action="store_true", help="only the bundled data")
    parser.add_argument("--skip-ranking", action="store_true", help="no ranking report")
    parser.add_argument("--boot", type=int, default=1000, help="bootstrap replicates of the ranking report")
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
        print(f"   target <= 6 s (four formats, idle machine): {'met' if bundled <= 6 else 'NOT met'} "
              f"({os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f})")
        if not args.skip_ranking:
            run_ranking(scratch / "ranking", args.boot)
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
