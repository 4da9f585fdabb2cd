"""``challengelab rank``: rank per-case challenge results, bootstrap the ranking, write a ranking report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from challengelab.cli.application import app
from challengelab.cli._common import (
    FORCE_HELP,
    check_destination_or_exit,
    errors,
    output_error_exit,
    print_assessment_issues,
    print_write_result,
    progress_steps,
)
from challengelab.vocabulary import DEFAULT_ALPHA


@app.command()
def rank(
    results: Annotated[Path, typer.Argument(help="Per-case results: .csv, .xlsx or .parquet with columns task, "
                                                 "case, algorithm, value (one row per task x case x algorithm).")],
    out: Annotated[Path, typer.Option(help="Report folder to write (e.g. reports/NAME).")],
    method: Annotated[str, typer.Option(help="aggregate_then_rank, rank_then_aggregate or test_then_rank.")]
    = "aggregate_then_rank",
    aggregate: Annotated[str, typer.Option(help="mean, median, or a quantile in (0, 1) such as 0.25.")] = "mean",
    ties: Annotated[str, typer.Option(help="min, max, average, first or random.")] = "min",
    na_treat: Annotated[Optional[str], typer.Option(
        "--na-treat", help="Missing results: 'drop', 'worst' (the worst value observed for the metric, so a missing "
                          "result counts as the worst result, as challengeR's na.treat = 0 for a Dice score), or a "
                          "number to put in their place (default: refuse).")] = None,
    alpha: Annotated[float, typer.Option(help="Significance level of test_then_rank and the pairwise tests.")]
    = DEFAULT_ALPHA,
    adjust: Annotated[str, typer.Option(help="none, holm, hochberg, hommel, bonferroni, fdr_bh or fdr_by.")]
    = "none",
    smaller_is_better: Annotated[bool, typer.Option("--smaller-is-better/--larger-is-better",
                                                    help="Direction of the metric.")] = False,
    n_boot: Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap replicates (0 = none).")] = 1000,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (bootstrap, random ties).")] = 1,
    resampling: Annotated[str, typer.Option(help="Bootstrap: paired, or challenger (challengeR's handling of "
                                                 "cases drawn more than once).")] = "paired",
    consensus_method: Annotated[str, typer.Option(
        "--consensus", help="How tasks are combined: euclidean, average_rank, median_rank, borda, per_case.")]
    = "euclidean",
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: html, xlsx, md, pdf, csv.")]
    = "html,xlsx",
    task_column: Annotated[str, typer.Option("--task-column", help="Column holding the task.")] = "task",
    case_column: Annotated[str, typer.Option("--case-column", help="Column holding the case.")] = "case",
    algorithm_column: Annotated[str, typer.Option("--algorithm-column", help="Column holding the algorithm.")]
    = "algorithm",
    value_column: Annotated[str, typer.Option("--value-column", help="Column holding the metric value.")]
    = "value",
    sheet: Annotated[Optional[str], typer.Option(help="Excel sheet (default: the first).")] = None,
    force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
) -> None:
    """Rank algorithms from per-case results, with bootstrap uncertainty, and write a ranking report."""
    from challengelab.outputs import OutputError
    from challengelab.report.output import write_report_files
    from challengelab.report.ranking import build_ranking_report

    format_list = _formats_or_exit(formats, consensus_method)
    spec = _spec_or_exit(method=method, aggregate=aggregate, ties=ties, na_treat=na_treat, alpha=alpha,
                         adjust=adjust, smaller_is_better=smaller_is_better, seed=seed, resampling=resampling)
    check_destination_or_exit(out, force=force, inputs=[results])
    columns = {"task": task_column, "case": case_column, "algorithm": algorithm_column, "value": value_column}
    assessment = _load_or_exit(results, columns, sheet=sheet, smaller_is_better=smaller_is_better)
    if na_treat == "worst":
        try:
            spec = spec.model_copy(update={"na_treat": assessment.worst_value()})
        except ValueError as exc:
            errors.print(f"[red]error:[/red] --na-treat worst: {exc}")
            raise typer.Exit(1) from None
    options = [("--method", method), ("--aggregate", aggregate), ("--ties", ties), ("--alpha", f"{alpha:g}"),
               ("--adjust", adjust), ("--resampling", resampling), ("--bootstrap", str(n_boot)),
               ("--consensus", consensus_method), ("--format", ",".join(format_list)), ("--na-treat", na_treat),
               ("--seed", None if seed is None else str(seed)), ("--sheet", sheet)]
    flags = ["--smaller-is-better" if smaller_is_better else "--larger-is-better"]
    command = _regenerate_command(results, out, options, flags, columns)
    spec_yaml = spec.to_yaml()
    provenance = _provenance(results, out, spec_yaml, seed, format_list, command)
    with _progress(format_list) as step:
        run = _run_or_exit(assessment, spec, results, out, n_boot=n_boot, seed=seed,
                           consensus_method=consensus_method, step=step)
        step("building the report")
        report = build_ranking_report(run, provenance, n_boot=n_boot, spec_yaml=spec_yaml)
        try:
            result = write_report_files(report, out, formats=format_list, provenance=provenance,
                                        extra_files={"ranking.yaml": spec_yaml}, force=force, progress=step,
                                        inputs=[results])
        except OutputError as exc:
            output_error_exit(out, exc)
    print_write_result(result)


def _formats_or_exit(formats: str, consensus_method: str) -> list[str]:
    from challengelab.report.output import parse_formats
    from challengelab.report.ranking import CONSENSUS_METHODS

    try:
        format_list = parse_formats(formats)
    except ValueError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if consensus_method not in CONSENSUS_METHODS:
        errors.print(f"[red]error:[/red] --consensus must be one of {', '.join(CONSENSUS_METHODS)}")
        raise typer.Exit(2)
    return format_list


def _spec_or_exit(*, method, aggregate, ties, na_treat, alpha, adjust, smaller_is_better, seed, resampling):
    """The :class:`~challengelab.ranking.RankingSpec` of the options, or exit 2 naming the option at fault."""
    from pydantic import ValidationError

    from challengelab.ranking import RankingSpec

    agg: object = aggregate
    try:
        agg = float(aggregate)
    except ValueError:
        pass
    na: object = None if na_treat == "worst" else na_treat
    if na_treat is not None and na_treat not in ("drop", "worst"):
        try:
            na = float(na_treat)
        except ValueError:
            na = float("nan")
        if not abs(na) < 1e300:  # nan, inf and values whose sums overflow
            errors.print("[red]error:[/red] --na-treat must be 'drop', 'worst' or a finite number (|x| < 1e300)")
            raise typer.Exit(2) from None
    try:
        return RankingSpec(method=method, aggregate=agg, ties=ties, na_treat=na, alpha=alpha, adjust=adjust,
                           smaller_is_better=smaller_is_better, seed=seed, resampling=resampling)
    except ValidationError as exc:
        for problem in exc.errors():
            where = ".".join(str(p) for p in problem["loc"]) or "option"
            errors.print(f"[red]error:[/red] --{where.replace('_', '-')}: {problem['msg']}")
        raise typer.Exit(2) from None


def _load_or_exit(results: Path, columns: dict, *, sheet: str | None, smaller_is_better: bool):
    """Load the per-case results (a table without a task column is one task), or exit 1 listing the problems."""
    from challengelab.ranking import AssessmentValidationError, load_assessment

    if not results.exists():
        errors.print(f"[red]error:[/red] {results}: no such file")
        raise typer.Exit(1)
    arguments = {"case": columns["case"], "algorithm": columns["algorithm"], "value": columns["value"],
                 "smaller_is_better": smaller_is_better,
                 "sheet": int(sheet) if sheet and sheet.isdigit() else sheet}
    try:
        try:
            return load_assessment(results, task=columns["task"], **arguments)
        except AssessmentValidationError as exc:
            only_task_missing = (columns["task"] == "task" and len(exc.issues) == 1
                                 and "missing column(s) ['task']" in exc.issues[0].reason)
            if not only_task_missing:
                raise
            return load_assessment(results, task=None, **arguments)  # a single-task table
    except AssessmentValidationError as exc:
        print_assessment_issues(exc, results)
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        errors.print(f"[red]error:[/red] {results}: {exc}")
        raise typer.Exit(1) from None


def _regenerate_command(results: Path, out: Path, options, flags: list[str], columns: dict) -> str:
    """The command that writes this very report again (``--force``: it replaces only its own earlier output)."""
    import shlex

    arguments = [str(results), "--out", str(out)]
    arguments += [part for option, value in options if value is not None for part in (option, value)]
    arguments += flags
    arguments += [part for name, value in columns.items() if value != name for part in (f"--{name}-column", value)]
    return shlex.join(["challengelab", "rank", *arguments, "--force"])


def _provenance(results: Path, out: Path, spec_yaml: str, seed, format_list: list[str], command: str):
    from challengelab.report.reproducibility import Provenance, input_files

    return Provenance(data=str(results), data_path=str(results.resolve()), inputs=input_files(results),
                      config_yaml=spec_yaml, seed=seed, min_cell=0, formats=format_list, out=str(out),
                      command=command)


def _progress(format_list: list[str]):
    return progress_steps(5 + len(format_list) + (1 if "md" in format_list else 0))


def _run_or_exit(assessment, spec, results: Path, out: Path, **options):
    """Rank and bootstrap, or exit 1 with a message (values too large, missing values without --na-treat)."""
    from challengelab.report.ranking import run_ranking

    try:
        return run_ranking(assessment, spec, **options)
    except (OverflowError, FloatingPointError) as exc:  # values near the largest float (1e308)
        errors.print(f"[red]error:[/red] {results}: the metric values are too large to aggregate ({exc}); "
                     "rescale them (e.g. divide by 1e6)")
    except ValueError as exc:  # e.g. missing values without --na-treat
        hint = " (use --na-treat drop, or --na-treat with a number)" if "na_treat" in str(exc) else ""
        errors.print(f"[red]error:[/red] {exc}{hint}")
    errors.print(f"nothing was written to {out}")
    raise typer.Exit(1)
