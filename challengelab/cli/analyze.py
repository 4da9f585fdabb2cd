"""``challengelab analyze``: the statistics of a survey round, written as CSV tables and a JSON summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from challengelab.cli import app
from challengelab.cli._common import DATA_HELP, console, errors, load_or_exit


@app.command()
def analyze(
    data: Annotated[Path | None, typer.Argument(help=DATA_HELP)] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", help="Analysis settings (YAML); default: the 2021 analysis. See --show-config.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder to write (replaced atomically): one CSV per table, summary.json, "
                            "analysis.yaml.")] = None,
    codebook: Annotated[str, typer.Option(help="Codebook name (bundled) or path of a .yaml/.json codebook.")]
    = "2021",
    show_config: Annotated[bool, typer.Option(
        "--show-config", help="Print the effective configuration as YAML and exit (a starting point for "
                              "--config).")] = False,
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

    survey = load_or_exit(data, codebook)
    if survey.is_synthetic:
        console.print("[bold yellow]SYNTHETIC DATA[/bold yellow] — simulated from published aggregates; "
                      "not real teams.")
    result = _run(survey, settings)
    try:
        written = result.write(out)
    except OSError as exc:
        errors.print(f"[red]error:[/red] cannot write {out}: {exc.strerror or exc}")
        raise typer.Exit(1) from None
    _print_summary(result)
    console.print(f"[green]wrote[/green] {len(result.tables)} tables, summary.json and analysis.yaml to {written}")


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
