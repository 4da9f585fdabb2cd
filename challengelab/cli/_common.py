"""Helpers shared by the CLI commands: loading data with located messages, printing, exit codes."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

DATA_HELP = "Survey workbook (.xlsx), .zip of CSVs, or folder of CSV/Parquet files; default: the bundled " \
            "synthetic 2021 example."


def load_or_exit(path: Path | None, codebook: str = "2021"):
    """Load a survey, or print every located problem and exit with code 1 (never a traceback)."""
    import challengelab

    try:
        if path is None:
            return challengelab.example_survey()
        return challengelab.load_survey(path, codebook=codebook)
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
    for issue in issues:
        if issue.severity == "error":
            errors.print(f"  [red]error[/red] {issue.location}: {issue.reason}"
                         + ("" if issue.value is None else f" (value: {issue.value!r})"), soft_wrap=True)
    for line in warning_lines(issues):
        errors.print(f"  [yellow]warning[/yellow] {line}", soft_wrap=True)


def warning_lines(issues) -> list[str]:
    """Warnings with the same file, sheet, column and reason folded into one line listing their rows."""
    groups: dict[tuple, list] = {}
    for issue in issues:
        if issue.severity == "warning":
            groups.setdefault((issue.file, issue.sheet, issue.column, issue.reason), []).append(issue.row)
    lines = []
    for (file, sheet, column, reason), rows in groups.items():
        where = ", ".join(x for x in (file, f"sheet {sheet}" if sheet else None) if x)
        numbers = [r for r in rows if r is not None]
        if numbers:
            where += f", row{'s' if len(numbers) > 1 else ''} " + ", ".join(map(str, numbers))
        if column:
            where += f", column {column}"
        lines.append(f"{where}: {reason}" + (f" ({len(rows)} times)" if len(rows) > 1 else ""))
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


def check_destination_or_exit(out: Path, *, force: bool) -> None:
    """Refuse (exit 1) an --out folder that holds something other than an earlier report, unless forced."""
    from challengelab.report.atomic import OutputExistsError, check_destination

    try:
        check_destination(out, force=force)
    except OutputExistsError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def print_write_result(result) -> None:
    """What a report writer wrote (a ``WriteResult``): the folder, the main files, and skipped formats."""
    for what, reason in result.skipped.items():
        errors.print(f"[yellow]skipped {what}:[/yellow] {reason}", soft_wrap=True)
    console.print(f"wrote {result.out}/ ({len(result.files)} files)")
    for path in result.files:
        if path.suffix in (".html", ".xlsx", ".md", ".pdf"):
            extra = f" ({result.pdf_pages} pages)" if path.suffix == ".pdf" and result.pdf_pages else ""
            console.print(f"  {path}{extra}")
