"""``challengelab analyze``: the statistics of a survey round, written as CSV tables and a JSON summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from challengelab.cli.application import app
from challengelab.cli._common import (
    DATA_HELP,
    FORCE_HELP,
    LIMITS_HELP,
    check_destination_or_exit,
    console,
    errors,
    limits_or_exit,
    load_or_exit,
    output_error_exit,
    print_replaced,
)


@app.command()
def analyze(
    data: Annotated[Path | None, typer.Argument(help=DATA_HELP)] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", help="Analysis settings (YAML); default: the 2021 analysis. See --show-config.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder to write (all or nothing): one CSV per table, summary.json, "
                            "analysis.yaml, manifest.json.")] = None,
    codebook: Annotated[str, typer.Option(help="Codebook name (bundled) or path of a .yaml/.json codebook.")]
    = "2021",
    show_config: Annotated[bool, typer.Option(
        "--show-config", help="Print the effective configuration as YAML and exit (a starting point for "
                              "--config).")] = False,
    force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
    limits: Annotated[str | None, typer.Option("--limits", help=LIMITS_HELP)] = None,
) -> None:
    """Winner profile, task-stratified strategy tests and rank regressions, written as tables."""
    from challengelab.stats import AnalysisConfig, ConfigError

    try:
        settings = AnalysisConfig.from_yaml(config) if config is not None else AnalysisConfig()
    except ConfigError as exc:
        errors.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    if show_config:
        typer.echo(settings.to_yaml(), nl=False)
        return
    if out is None:
        errors.print("[red]error:[/red] give the output folder with --out DIR")
        raise typer.Exit(2)

    input_limits = limits_or_exit(limits)
    check_destination_or_exit(out, force=force, inputs=[data])
    survey = load_or_exit(data, codebook, limits=input_limits)
    if survey.is_synthetic:
        console.print("[bold yellow]SYNTHETIC DATA[/bold yellow] — simulated from published aggregates; "
                      "not real teams.")
    result = _run(survey, settings)
    from challengelab.outputs import OutputError

    try:
        replaced = write_analysis(result, out, force=force, inputs=[data])
    except (OutputError, OSError) as exc:  # read-only or full disk, --out taken meanwhile: a message, exit 1
        output_error_exit(out, exc)
    _print_summary(result)
    print_replaced(out, replaced)
    console.print(f"[green]wrote[/green] {len(result.tables)} tables, summary.json and analysis.yaml to {out}")


def write_analysis(result, out: Path, *, force: bool, inputs) -> list[str]:
    """Write the analysis into ``out`` with the shared output mechanism (staging, manifest, --force); return
    the files of an earlier output that were replaced."""
    from challengelab.outputs import staged_folder

    with staged_folder(out, force=force, inputs=inputs, generator="challengelab analyze") as stage:
        inner = result.write(stage.path / "analysis")  # the result's own writer, then its files moved up
        for path in inner.iterdir():
            path.rename(stage.path / path.name)
        inner.rmdir()
    return stage.replaced


def _run(survey, settings):
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from challengelab.stats import analysis_steps, run_analysis

    steps = analysis_steps(settings)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=errors, transient=True) as progress:
        task = progress.add_task("analysing", total=len(steps))
        state = {"started": 0}

        def advance(step: str) -> None:
            if state["started"]:
                progress.advance(task)
            state["started"] += 1
            progress.update(task, description=step)

        try:
            result = run_analysis(survey, settings, progress=advance)
        except ValueError as exc:
            progress.stop()
            errors.print(f"[red]error:[/red] the analysis does not fit the data: {exc}", soft_wrap=True)
            raise typer.Exit(1) from None
        progress.update(task, completed=len(steps))
    return result


def _print_summary(result) -> None:
    from rich.table import Table

    tests = result["strategy_tests"]
    if len(tests):
        table = Table(title=f"Strategy tests ({result.config.test}, {result.config.adjust}-adjusted)")
        for column in ("outcome", "item", "odds ratio (95% CI)", "p", "p adj."):
            table.add_column(column)
        shown = tests.sort_values("p_value").groupby("outcome", sort=False).head(5)
        for row in shown.itertuples():
            table.add_row(row.outcome, row.item, f"{row.odds_ratio:.2f} ({row.ci_low:.2f}–{row.ci_high:.2f})",
                          f"{row.p_value:.3g}", f"{row.p_adjusted:.3g}")
        console.print(table)
    for name, model in result.models.items():
        flag = "" if not model.warnings else f" [yellow]({len(model.warnings)} warning(s))[/yellow]"
        console.print(f"model [bold]{name}[/bold]: {model.model}, {model.n_obs} rows{flag}")
