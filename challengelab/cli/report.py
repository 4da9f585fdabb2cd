"""``challengelab report``: the survey analysis as offline HTML, Excel, Markdown and PDF."""

from __future__ import annotations

from collections.abc import Iterator
import shlex
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from challengelab.cli import app
from challengelab.cli._common import (
    DATA_HELP,
    check_destination_or_exit,
    console,
    errors,
    load_assessment_or_exit,
    load_or_exit,
)


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


@app.command()
def report(
    data: Annotated[Optional[Path], typer.Argument(help=DATA_HELP)] = None,
    out: Annotated[Optional[Path], typer.Option(help="Report folder to write, e.g. reports/NAME.")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: html, xlsx, md, pdf, csv (or all).")]
    = "html,xlsx,md,pdf",
    config_file: Annotated[Optional[Path], typer.Option("--config", help="Analysis configuration (YAML); "
                                                        "see --write-config.")] = None,
    min_cell: Annotated[Optional[int], typer.Option(
        "--min-cell", min=0, help="Suppress breakdowns with fewer respondents (default: 5).")]
    = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: the configuration's).")] = None,
    codebook: Annotated[str, typer.Option(help="Codebook name (bundled) or path of a codebook file.")] = "2021",
    write_config: Annotated[bool, typer.Option("--write-config", help="Print the default analysis configuration "
                                               "(YAML) and exit.")] = False,
    force: Annotated[bool, typer.Option(help="Replace --out even if it is not an earlier report.")] = False,
    assessment: Annotated[Optional[Path], typer.Option(
        "--assessment", help="Per-case results of the survey's tasks (task = task_id, algorithm = team_id; "
                             ".csv/.xlsx/.parquet): adds the section 'Ranking robustness'.")] = None,
    robustness_boot: Annotated[int, typer.Option("--robustness-boot", min=10,
                                                 help="Bootstrap replicates of the ranking.")] = 200,
    robustness_replicates: Annotated[int, typer.Option(
        "--robustness-replicates", min=2, help="Replicates the strategy tests are rerun on (about 0.25 s each on the bundled data).")]
    = 50,
) -> None:
    """Write the survey report (summary, methods, strategies, teams, models, published figures, reproducibility).

    Outputs appear in --out only when every format is complete; bad data gives located messages and exit code 1.
    """
    from challengelab.report import CONFIG_FILE, effective_config, parse_formats, report_steps, write_survey_report
    from challengelab.tables.disclosure import DEFAULT_MIN_CELL
    from challengelab.report.reproducibility import regenerate_command
    from challengelab.stats.config import AnalysisConfig, ConfigError

    if write_config:
        typer.echo(AnalysisConfig().to_yaml(), nl=False)
        return
    if out is None:
        errors.print("[red]error:[/red] --out is required (a folder such as reports/NAME)")
        raise typer.Exit(2)
    try:
        format_list = parse_formats(formats)
    except ValueError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    try:
        config = AnalysisConfig.from_yaml(config_file) if config_file is not None else AnalysisConfig()
        config = effective_config(config, seed=seed)
    except ConfigError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    except ValueError as exc:  # pydantic validation of --min-cell / --seed
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    check_destination_or_exit(out, force=force)
    survey = load_or_exit(data, codebook)
    results = None if assessment is None else load_assessment_or_exit(assessment)

    program = "challengelab report" + ("" if codebook == "2021" else f" --codebook {codebook}")
    command = regenerate_command(None if data is None else str(data), str(out), format_list,
                                 str(out / CONFIG_FILE), DEFAULT_MIN_CELL if min_cell is None else min_cell, config.seed,
                                 program=program)
    if assessment is not None:
        command += (f" --assessment {shlex.quote(str(assessment))} --robustness-boot {robustness_boot}"
                    f" --robustness-replicates {robustness_replicates}")
    steps = report_steps(config, format_list, robustness=assessment is not None)
    try:
        with progress_steps(len(steps)) as step:
            result = write_survey_report(survey, out, config=config, formats=format_list, min_cell=min_cell,
                                         data=None if data is None else str(data), force=force, progress=step,
                                         command=command, assessment=results, assessment_path=assessment,
                                         robustness_boot=robustness_boot,
                                         robustness_replicates=robustness_replicates)
    except ValueError as exc:  # a configuration that does not fit the data (unknown item, ...)
        errors.print(f"[red]error:[/red] {exc}")
        errors.print(f"nothing was written to {out}")
        raise typer.Exit(1) from None
    from challengelab.cli.rank import _print_result

    _print_result(result)
    if survey.is_synthetic:
        console.print("[yellow]The data is SYNTHETIC (simulated): the report carries a banner saying so.[/yellow]")
