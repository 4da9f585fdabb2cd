"""Survey data commands: validate, info, template, simulate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from challengelab.cli.application import app
from challengelab.cli._common import (
    DATA_HELP,
    LIMITS_HELP,
    console,
    errors,
    limits_or_exit,
    load_or_exit,
    warning_lines,
)

CODEBOOK_HELP = "Codebook name (bundled) or path of a .yaml/.json codebook."


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Survey workbook (.xlsx), .zip of CSVs, or folder of CSV/Parquet.")],
    codebook: Annotated[str, typer.Option(help=CODEBOOK_HELP)] = "2021",
    show_warnings: Annotated[bool, typer.Option("--warnings/--no-warnings", help="List warnings too.")] = True,
    limits: Annotated[str | None, typer.Option("--limits", help=LIMITS_HELP)] = None,
) -> None:
    """Check a survey file; exit 0 with a summary when valid, 1 with every located problem when not."""
    survey = load_or_exit(path, codebook, limits=limits_or_exit(limits))
    summary = survey.summary()
    console.print(f"[green]valid[/green]: {path} — {summary['challenges']} challenges, {summary['tasks']} tasks, "
                  f"{summary['responses']} responses, {summary['organizer_responses']} organizer answers "
                  f"(codebook {summary['codebook']})")
    if survey.is_synthetic:
        console.print("[yellow]This data is SYNTHETIC (simulated), not real survey answers.[/yellow]")
    if survey.warnings:
        console.print(f"{len(survey.warnings)} warning(s)" + ("" if show_warnings else " (--warnings to list)"))
        if show_warnings:
            for line in warning_lines(survey.warnings):
                console.print(f"  [yellow]warning[/yellow] {line}", soft_wrap=True)


@app.command()
def info(
    path: Annotated[Path | None, typer.Argument(help=DATA_HELP)] = None,
    codebook: Annotated[str, typer.Option(help=CODEBOOK_HELP)] = "2021",
) -> None:
    """Describe a survey: counts, response coverage, and the codebook's items."""
    from rich.table import Table

    survey = load_or_exit(path, codebook)
    summary = survey.summary()
    if survey.is_synthetic:
        console.print("[bold yellow]SYNTHETIC DATA[/bold yellow] — simulated from published aggregates; "
                      "not real teams.")
    table = Table(title=f"Survey {summary['source']}", show_header=False)
    for key, value in summary.items():
        table.add_row(key.replace("_", " "), f"{value:.0%}" if key == "median_response_rate" else str(value))
    console.print(table)
    items = Table(title=f"Codebook {survey.codebook.name}: {len(survey.codebook.items)} items")
    for column in ("item", "section", "type", "answered", "label"):
        items.add_column(column)
    for item in survey.codebook.items:
        frame = survey.responses if item.table == "responses" else survey.organizers
        answered = int(frame[item.name].notna().sum()) if item.name in frame.columns else 0
        items.add_row(item.name, item.section, item.type, f"{answered}/{len(frame)}", item.label)
    console.print(items)


@app.command()
def template(
    out: Annotated[Path, typer.Argument(help="The .xlsx file to write.")],
    codebook: Annotated[str, typer.Option(help=CODEBOOK_HELP)] = "2021",
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write an empty survey workbook: four sheets, headers, drop-down lists, and a sheet explaining every column."""
    from challengelab.survey.codebook import CodebookError
    from challengelab.survey.write import write_survey_workbook

    if out.suffix.lower() != ".xlsx":
        errors.print(f"[red]error:[/red] {out}: the template is an Excel workbook; give a name ending in .xlsx")
        raise typer.Exit(2)
    if out.exists() and not force:
        errors.print(f"[red]error:[/red] {out} exists; use --force to overwrite")
        raise typer.Exit(1)
    try:
        write_survey_workbook(out, codebook=codebook)
    except CodebookError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"wrote {out}")


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Where to write: an .xlsx workbook or a folder (CSV files).")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 2021,
    n_tasks: Annotated[int, typer.Option(help="Number of tasks (competitions).", min=1)] = 80,
    n_challenges: Annotated[int, typer.Option(help="Number of challenges.", min=1)] = 35,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file or folder.")] = False,
) -> None:
    """Simulate a SYNTHETIC survey round calibrated to the published 2021 aggregates."""
    from challengelab.synthetic.survey import SimulationSettings, simulate_tables, simulation_metadata
    from challengelab.survey.write import write_survey_folder
    from challengelab.survey.write import write_survey_workbook

    if out.exists() and not force:
        errors.print(f"[red]error:[/red] {out} exists; use --force to overwrite")
        raise typer.Exit(1)
    try:
        settings = SimulationSettings(n_challenges=n_challenges, n_tasks=n_tasks,
                                      n_winning_respondents=min(38, n_tasks) if n_tasks < 80 else
                                      round(38 * n_tasks / 80))
    except ValueError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    tables = simulate_tables(seed, settings)
    metadata = simulation_metadata(seed, settings)
    from challengelab.outputs import OutputError

    try:
        if out.suffix.lower() == ".xlsx":
            write_survey_workbook(out, tables, metadata=metadata)
        else:
            write_survey_folder(out, tables, metadata=metadata)
    except (OutputError, OSError) as exc:  # a folder challengelab did not write is never replaced
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"wrote {out}: {len(tables['tasks'])} tasks, {len(tables['responses'])} responses "
                  f"[yellow](synthetic, seed {seed})[/yellow]")
