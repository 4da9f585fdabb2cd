"""``challengelab report``: the survey analysis as offline HTML, Excel, Markdown and PDF."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Optional

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
    load_assessment_or_exit,
    load_or_exit,
    output_error_exit,
    print_write_result,
    progress_steps,
)


@app.command()
def report(
    data: Annotated[Optional[Path], typer.Argument(help=DATA_HELP)] = None,
    out: Annotated[Optional[Path], typer.Option(help="Report folder to write, e.g. reports/NAME.")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: html, xlsx, md, pdf, csv (or all).")]
    = "html,xlsx,md,pdf",
    config_file: Annotated[Optional[Path], typer.Option("--config", help="Analysis configuration (YAML); "
                                                        "see --write-config.")] = None,
    min_cell: Annotated[Optional[int], typer.Option(
        "--min-cell", min=0, help="Disclosure minimum: breakdowns of fewer respondents are not shown (default 5).")]
    = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: the configuration's).")] = None,
    codebook: Annotated[str, typer.Option(help="Codebook name (bundled) or path of a codebook file.")] = "2021",
    write_config: Annotated[bool, typer.Option("--write-config", help="Print the default analysis configuration "
                                               "(YAML) and exit.")] = False,
    force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
    limits: Annotated[Optional[str], typer.Option("--limits", help=LIMITS_HELP)] = None,
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
    from challengelab.report import (
        ReportSource,
        RobustnessOptions,
        parse_formats,
        report_steps,
        write_survey_report,
    )
    from challengelab.outputs import OutputError
    from challengelab.stats.config import AnalysisConfig

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
    config = _config_or_exit(config_file, seed=seed)
    input_limits = limits_or_exit(limits)
    # (--config is not protected: it may be the analysis.yaml of this very output, read before writing)
    check_destination_or_exit(out, force=force, inputs=[data, assessment])
    survey = load_or_exit(data, codebook, limits=input_limits)
    results = None if assessment is None else load_assessment_or_exit(assessment)

    command = _regenerate(data, out, format_list, config, min_cell, codebook, assessment, robustness_boot,
                          robustness_replicates)
    steps = report_steps(config, format_list, robustness=assessment is not None)
    try:
        with progress_steps(len(steps)) as step:
            result = write_survey_report(
                survey, out, config=config, formats=format_list, min_cell=min_cell, force=force, progress=step,
                source=ReportSource(data=None if data is None else str(data), command=command),
                robustness=None if results is None else RobustnessOptions(
                    results, path=assessment, n_boot=robustness_boot, n_replicates=robustness_replicates))
    except OutputError as exc:  # --out became unwritable or taken while the report was made
        output_error_exit(out, exc)
    except ValueError as exc:  # a configuration that does not fit the data (unknown item, ...)
        errors.print(f"[red]error:[/red] {exc}")
        errors.print(f"nothing was written to {out}")
        raise typer.Exit(1) from None
    print_write_result(result)
    if survey.is_synthetic:
        console.print("[yellow]The data is SYNTHETIC (simulated): the report carries a banner saying so.[/yellow]")


def _config_or_exit(config_file: Path | None, *, seed: int | None):
    """The analysis configuration (file or default) with the command-line overrides, or exit with a message."""
    from challengelab.report import effective_config
    from challengelab.stats.config import AnalysisConfig, ConfigError

    try:
        config = AnalysisConfig.from_yaml(config_file) if config_file is not None else AnalysisConfig()
        return effective_config(config, seed=seed)
    except ConfigError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    except ValueError as exc:  # pydantic validation of --min-cell / --seed
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _regenerate(data, out: Path, format_list, config, min_cell: int | None, codebook: str, assessment,
                robustness_boot: int, robustness_replicates: int) -> str:
    """The command that writes this very report again (``--force`` replaces only its own earlier output)."""
    from challengelab.report import CONFIG_FILE
    from challengelab.report.reproducibility import regenerate_command
    from challengelab.tables.disclosure import DEFAULT_MIN_CELL

    program = "challengelab report" + ("" if codebook == "2021" else f" --codebook {codebook}")
    command = regenerate_command(None if data is None else str(data), str(out), format_list,
                                 str(out / CONFIG_FILE), DEFAULT_MIN_CELL if min_cell is None else min_cell,
                                 config.seed, program=program)
    command += " --force"
    if assessment is not None:
        command += (f" --assessment {shlex.quote(str(assessment))} --robustness-boot {robustness_boot}"
                    f" --robustness-replicates {robustness_replicates}")
    return command
