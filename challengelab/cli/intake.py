"""Intake commands: write the questionnaire for a survey tool; turn a raw export and leaderboards into a round."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from challengelab.cli.application import app
from challengelab.cli._common import console, errors, print_issues, warning_lines

CODEBOOK_HELP = "Codebook name (bundled) or path of a .yaml/.json codebook."


@app.command()
def questionnaire(
    format: Annotated[str, typer.Option("--format", help="redcap (data dictionary .csv) or limesurvey (TSV "
                                                         "survey structure .txt).")],
    out: Annotated[Path, typer.Option(help="The file to write.")],
    codebook: Annotated[str, typer.Option(help=CODEBOOK_HELP)] = "2021",
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write the codebook's questionnaire for a survey tool, so its items never drift from the codebook."""
    from challengelab.intake.files import OutputExistsError, bytes_writer, write_all
    from challengelab.intake.questionnaire import FORMATS, questionnaire_bytes
    from challengelab.survey.codebook import CodebookError

    if format not in FORMATS:
        errors.print(f"[red]error:[/red] unknown --format {format!r}; use one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    try:
        data = questionnaire_bytes(codebook, format)
        write_all({out: bytes_writer(data)}, force=force)
    except (CodebookError, OutputExistsError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None
    what = "REDCap data dictionary" if format == "redcap" else "LimeSurvey survey structure"
    console.print(f"wrote {out} ({what}, codebook {codebook})")


@app.command()
def intake(
    raw: Annotated[Path, typer.Argument(help="The survey tool's raw export: .csv (REDCap, LimeSurvey, Qualtrics, "
                                             "generic), .sav (SPSS) or .xlsx.")],
    tasks: Annotated[Path | None, typer.Option(help="CSV/xlsx, one row per task: task_id, challenge_id, "
                                                    "challenge_name (or name), conference, year, task_name, "
                                                    "task_category, modality.")] = None,
    leaderboards: Annotated[Path | None, typer.Option(help="CSV/xlsx of final leaderboards: task_id, team, "
                                                           "rank (ties as equal ranks).")] = None,
    out: Annotated[Path | None, typer.Option(help="The round workbook to write (.xlsx). The links, review and "
                                                  "team-key files are written beside it.")] = None,
    suggest: Annotated[Path | None, typer.Option(help="Only write a mapping proposal (YAML) to this file.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="A mapping file (edited from --suggest).")] = None,
    links: Annotated[Path | None, typer.Option(help="Links file: its 'decision' column (link/reject) is reused "
                                                    "and the file is updated.")] = None,
    dictionary: Annotated[Path | None, typer.Option(help="The tool's REDCap data dictionary or LimeSurvey "
                                                         "structure, when its codes differ from challengelab's.")]
    = None,
    codebook: Annotated[str, typer.Option(help=CODEBOOK_HELP)] = "2021",
    synthetic: Annotated[bool, typer.Option(help="Mark the round as SYNTHETIC (simulated) data.")] = False,
    force: Annotated[bool, typer.Option(help="Overwrite existing output files.")] = False,
) -> None:
    """Map a raw export to the codebook, link each answer to its leaderboard entry, write a validated round."""
    from challengelab.intake.files import OutputExistsError
    from challengelab.intake.pipeline import IntakeError
    from challengelab.survey.codebook import CodebookError

    try:
        if suggest is not None:
            _suggest(raw, suggest, codebook=codebook, mapping=mapping, dictionary=dictionary, force=force)
            return
        missing = [name for name, value in (("--tasks", tasks), ("--leaderboards", leaderboards), ("--out", out))
                   if value is None]
        if missing:
            errors.print(f"[red]error:[/red] give {', '.join(missing)} (or --suggest FILE for a mapping proposal)")
            raise typer.Exit(2)
        _run(raw, tasks, leaderboards, out, mapping=mapping, links=links, dictionary=dictionary,
             codebook=codebook, synthetic=synthetic, force=force)
    except IntakeError as exc:
        print_issues(exc.issues, source=str(raw))
        errors.print("nothing was written")
        raise typer.Exit(1) from None
    except (CodebookError, OutputExistsError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def _suggest(raw: Path, target: Path, *, codebook: str, mapping: Path | None, dictionary: Path | None,
             force: bool) -> None:
    from challengelab.intake.files import bytes_writer, write_all
    from challengelab.intake.mapping import mapping_yaml, suggest_mapping
    from challengelab.intake.pipeline import load_inputs

    export, questions, chosen, book = load_inputs(raw, codebook=codebook, mapping=mapping, dictionary=dictionary)
    proposal = suggest_mapping(export, book, questions, base=chosen)
    write_all({target: bytes_writer(mapping_yaml(proposal, export, book).encode("utf-8"))}, force=force)
    fuzzy = [c for c in proposal.columns.values() if c.how == "fuzzy"]
    unmapped = proposal.unmapped()
    values = sum(v is None for c in proposal.mapped() for v in c.values.values())
    console.print(f"wrote {target}: {len(proposal.mapped())} of {len(proposal.columns)} columns mapped "
                  f"({len(fuzzy)} by fuzzy match, to check), {len(unmapped)} unmapped, {values} answers unmapped "
                  f"(export read as {export.format})")


def _run(raw: Path, tasks: Path, leaderboards: Path, out: Path, **options) -> None:
    from challengelab.intake.pipeline import run_intake, write_intake

    force, links = options.pop("force"), options["links"]
    result = run_intake(raw, tasks, leaderboards, **options)
    paths = write_intake(result, out, links=links, force=force)
    counts = result.counts()
    summary = result.survey.summary()
    columns = result.mapping.columns.values()
    metadata = sum(c.how == "metadata" for c in columns)
    console.print(f"read {raw} as a {result.export.format} export: {len(result.mapping.mapped())} of "
                  f"{len(columns)} columns mapped, {metadata} tool metadata, {len(result.mapping.unmapped())} "
                  "unmapped")
    console.print(f"rows read {counts['rows_read']} = {counts['linked']} linked + {counts['review']} for review "
                  f"+ {counts['rejected']} rejected")
    console.print(f"wrote {paths['round']}: {summary['challenges']} challenges, {summary['tasks']} tasks, "
                  f"{summary['responses']} responses, {summary['organizer_responses']} organizer answers "
                  "(validated)")
    console.print(f"wrote {paths['links']} (every decision; set 'decision' to link/reject and re-run with "
                  f"--links), {paths['review']} ({len(result.review)} rows not linked), {paths['key']} (team "
                  "names <-> ids: keep it private)")
    if result.metadata.get("synthetic") == "true":
        console.print("[yellow]This round is marked SYNTHETIC (simulated) data.[/yellow]")
    for line in warning_lines(result.warnings):
        console.print(f"  [yellow]warning[/yellow] {line}", soft_wrap=True)
