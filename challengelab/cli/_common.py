"""Helpers shared by the CLI commands: loading data with located messages, printing, exit codes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

DATA_HELP = "Survey workbook (.xlsx), .zip of CSVs, or folder of CSV/Parquet files; default: the bundled " \
            "synthetic 2021 example."
LIMITS_HELP = ("Raise or lower the input limits, e.g. 'rows=200000,file_mb=120' (file_mb, unpacked_mb, ratio, rows, "
               "columns, field_chars; see README 'Limits and safety'). Default: the CHALLENGELAB_LIMITS "
               "environment variable, else the built-in limits.")
FORCE_HELP = ("Replace --out when it holds an earlier challengelab output (proven by its manifest). A folder "
              "holding anything else is never replaced.")
#: Errors listed one by one; beyond this, the most frequent kinds are counted (a file with 100,000 bad rows
#: must not print 300,000 lines).
MAX_LISTED = 200


def limits_or_exit(text: str | None):
    """The :class:`~challengelab.limits.Limits` of ``--limits`` (or ``$CHALLENGELAB_LIMITS``), or exit 2."""
    from challengelab.limits import Limits

    try:
        return Limits.parse(text) if text is not None else Limits.from_environment()
    except ValueError as exc:
        errors.print(f"[red]error:[/red] --limits: {exc}")
        raise typer.Exit(2) from None


def load_or_exit(path: Path | None, codebook: str = "2021", limits=None):
    """Load a survey, or print every located problem and exit with code 1 (never a traceback)."""
    import challengelab

    try:
        if path is None:
            return challengelab.example_survey()
        return challengelab.load_survey(path, codebook=codebook,
                                        limits=limits if limits is not None else limits_or_exit(None))
    except challengelab.SurveyValidationError as exc:
        print_issues(exc.issues, source=str(path))
        counts = exc.row_counts
        if counts:
            errors.print("rows: " + "; ".join(
                f"{t} {c['rows_in']} in = {c['rows_accepted']} accepted + {c['rows_rejected']} rejected"
                for t, c in counts.items()))
        raise typer.Exit(1) from None
    except challengelab.CodebookError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def print_issues(issues, *, source: str) -> None:
    """Every error on its own line; warnings of the same kind grouped into one line with their rows."""
    issues = list(issues)
    n_errors = sum(i.severity == "error" for i in issues)
    errors.print(f"[bold red]{source}: {n_errors} problem{'s' if n_errors != 1 else ''}[/bold red]")
    shown = 0
    for issue in issues:
        if issue.severity == "error" and shown < MAX_LISTED:
            shown += 1
            errors.print(f"  [red]error[/red] {issue.location}: {issue.reason}"
                         + ("" if issue.value is None else f" (value: {issue.value!r})"), soft_wrap=True)
    if n_errors > shown:
        rest = [i for i in issues if i.severity == "error"][shown:]
        errors.print(f"  ... and {n_errors - shown:,} more errors; the most frequent problems among them:")
        for line in group_lines(rest, most_frequent=10):
            errors.print(f"    {line}", soft_wrap=True)
    for line in warning_lines(issues)[:MAX_LISTED]:
        errors.print(f"  [yellow]warning[/yellow] {line}", soft_wrap=True)


def warning_lines(issues) -> list[str]:
    """Warnings grouped by cause as the dashboard groups problems: one line per file, sheet, column, reason and
    value, with its rows."""
    return group_lines([i for i in issues if i.severity == "warning"])


def group_lines(issues, most_frequent: int | None = None) -> list[str]:
    """``issues`` grouped by cause (:func:`challengelab.tables.issues.issue_groups`), one line per group in the
    order found, or the ``most_frequent`` largest groups first."""
    from challengelab.tables.issues import issue_groups

    groups = issue_groups(issues)
    if most_frequent is not None:
        groups = groups.sort_values("count", ascending=False, kind="stable").head(most_frequent)
    lines = []
    for g in groups.itertuples(index=False):
        where = ", ".join(x for x in (g.file, f"sheet {g.sheet}" if g.sheet else "") if x)
        if g.rows:
            where += f", row{'s' if g.count > 1 else ''} {g.rows}"
        if g.column:
            where += f", column {g.column}"
        named = g.value and re.search(rf"(?<!\w){re.escape(g.value)}(?!\w)", g.problem)  # the reason quotes it
        value = f" (value: {g.value!r})" if g.value and not named else ""
        lines.append(f"{where}: {g.problem}{value}" + (f" ({g.count:,} times)" if g.count > 1 else ""))
    return lines


def print_assessment_issues(exc, path) -> None:
    """Every located problem of per-case results (an ``AssessmentValidationError``)."""
    print_issues(exc.issues, source=str(path))


def load_assessment_or_exit(path: Path, **arguments):
    """Load per-case results, or print every located problem and exit with code 1 (never a traceback)."""
    from challengelab.ranking import AssessmentValidationError, load_assessment

    if not path.exists():
        errors.print(f"[red]error:[/red] {path}: no such file")
        raise typer.Exit(1)
    try:
        return load_assessment(path, **arguments)
    except AssessmentValidationError as exc:
        print_assessment_issues(exc, path)
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        errors.print(f"[red]error:[/red] {path}: {exc}")
        raise typer.Exit(1) from None


def check_destination_or_exit(out: Path, *, force: bool, inputs=()) -> None:
    """Refuse (exit 1) an --out that is a file or link, is or holds an input, holds anything challengelab did not
    write, or holds an earlier output without --force (see :mod:`challengelab.outputs`)."""
    from challengelab.outputs import OutputError, check_destination

    try:
        check_destination(out, force=force, inputs=inputs)
    except OutputError as exc:
        errors.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None


def print_replaced(out: Path, replaced) -> None:
    """Say which files of an earlier output --force replaced."""
    if replaced:
        shown = ", ".join(replaced[:12]) + (f", ... ({len(replaced)} files)" if len(replaced) > 12 else "")
        console.print(f"[yellow]replaced[/yellow] the earlier challengelab output in {out}: {shown}", soft_wrap=True)


def output_error_exit(out: Path, exc: Exception) -> None:
    """Print an output problem (read-only folder, full disk, ...) as a message and exit 1."""
    errors.print(f"[red]error:[/red] {exc}", soft_wrap=True)
    errors.print(f"nothing was written to {out}")
    raise typer.Exit(1) from None


def print_write_result(result) -> None:
    """What a report writer wrote (a ``WriteResult``): the folder, the main files, and skipped formats."""
    print_replaced(result.out, getattr(result, "replaced", ()))
    for what, reason in result.skipped.items():
        errors.print(f"[yellow]skipped {what}:[/yellow] {reason}", soft_wrap=True)
    console.print(f"wrote {result.out}/ ({len(result.files)} files)")
    for path in result.files:
        if path.suffix in (".html", ".xlsx", ".md", ".pdf"):
            extra = f" ({result.pdf_pages} pages)" if path.suffix == ".pdf" and result.pdf_pages else ""
            console.print(f"  {path}{extra}")


@contextmanager
def progress_steps(total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar (on stderr) advanced by calling the yielded function with each step's name."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<42}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errors, transient=False) as progress:
        task = progress.add_task("starting", total=total)
        seen = [0]

        def step(name: str) -> None:
            if seen[0]:
                progress.advance(task)
            seen[0] += 1
            if seen[0] > total:
                progress.update(task, total=seen[0])
            progress.update(task, description=name[:42])

        yield step
        progress.update(task, completed=max(total, seen[0]), description="done")
