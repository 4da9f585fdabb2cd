"""Offline reports: HTML (self-contained), Excel, Markdown (+ PNG figures) and PDF (headless Chromium).

>>> import challengelab
>>> from challengelab.report import write_survey_report
>>> result = write_survey_report(challengelab.example_survey(), "reports/example",
...                              formats=["html", "xlsx"])  # doctest: +SKIP

The survey report is driven by a :class:`challengelab.stats.AnalysisConfig` and built from the
:class:`challengelab.stats.AnalysisResult` of :func:`challengelab.stats.run_analysis`; the ranking report
(``challengelab rank``) from :mod:`challengelab.ranking`. Both go through the same writers
(:mod:`~challengelab.report.output`): outputs appear in ``out`` only when every format is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from challengelab.report.document import Code, Figure, KeyValues, Notice, Paragraph, Report, Section, Table
from challengelab.report.output import DEFAULT_FORMATS, FORMATS, WriteResult, parse_formats, write_report_files

__all__ = [
    "Code", "DEFAULT_FORMATS", "FORMATS", "Figure", "KeyValues", "Notice", "Paragraph", "Report", "Section",
    "Table", "WriteResult", "effective_config", "parse_formats", "report_steps", "write_report_files",
    "write_survey_report",
]

CONFIG_FILE = "analysis.yaml"


def effective_config(config=None, *, seed: int | None = None):
    """The :class:`~challengelab.stats.AnalysisConfig` with ``--seed`` applied (validated)."""
    from challengelab.stats.config import AnalysisConfig

    config = config or AnalysisConfig()
    update = {}
    if seed is not None:
        update["seed"] = seed
    if not update:
        return config
    return AnalysisConfig.model_validate({**config.model_dump(mode="json"), **update})


def report_steps(config, formats: Sequence[str], *, robustness: bool = False) -> list[str]:
    """Names of the progress steps of :func:`write_survey_report`, in order (for a progress bar's total)."""
    from challengelab.report.build import SECTION_TITLES
    from challengelab.stats.analysis import analysis_steps

    formats = parse_formats(list(formats))
    steps = list(analysis_steps(config)) + [t.lower() for t in SECTION_TITLES]
    if robustness:
        steps += ["bootstrapping the ranking", "rerunning strategy tests over replicates"]
    if "html" in formats or "pdf" in formats:
        steps.append("writing HTML")
    if "pdf" in formats:
        steps.append("printing PDF")
    steps += [s for f, s in (("xlsx", "writing Excel"), ("csv", "writing CSV tables")) if f in formats]
    if "md" in formats:
        steps += ["drawing PNG figures", "writing Markdown"]
    if "pdf" in formats:
        steps.append("waiting for the PDF")
    return steps + ["writing manifest"]


def write_survey_report(
    survey,
    out: str | Path,
    *,
    config=None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    min_cell: int | None = None,
    seed: int | None = None,
    data: str | None = None,
    data_path: str | Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    command: str | None = None,
    assessment=None,
    assessment_path: str | Path | None = None,
    robustness_boot: int = 200,
    robustness_replicates: int = 50,
) -> WriteResult:
    """Analyse ``survey`` as ``config`` says and write the report folder ``out``.

    Parameters
    ----------
    survey : Survey
    out : path
        Report folder; replaced only when every output is complete.
    config : AnalysisConfig, optional
        Default: ``AnalysisConfig()`` (the 2021 analysis). ``seed`` overrides its field.
    min_cell : int, optional
        Disclosure control: breakdowns resting on fewer respondents are suppressed (default 5).
    formats : sequence of str
        Any of ``html``, ``xlsx``, ``md``, ``pdf``, ``csv``.
    data, data_path : optional
        The DATA argument as given and the file that was read (hashed for the reproducibility section);
        default: the bundled example.
    assessment : Assessment, DataFrame or path, optional
        Per-case results of the survey's tasks (``task`` = ``task_id``, ``algorithm`` = ``team_id``): adds the
        "Ranking robustness" section, with ``robustness_boot`` bootstrap replicates of the ranking and the
        strategy tests rerun on ``robustness_replicates`` of them. ``assessment_path`` is hashed as an input.
    """
    from challengelab._paths import EXAMPLE_SURVEY_FILE, example_dir
    from challengelab.report.build import build_survey_report
    from challengelab.report.markdown import kaleido_session
    from challengelab.report.pdf import chromium_version
    from challengelab.report.reproducibility import Provenance, input_files, regenerate_command
    from challengelab.stats.analysis import run_analysis

    formats = parse_formats(list(formats))
    config = effective_config(config, seed=seed)
    from challengelab.tables.disclosure import DEFAULT_MIN_CELL

    min_cell = DEFAULT_MIN_CELL if min_cell is None else min_cell
    step = progress or (lambda _s: None)
    if data_path is None:
        data_path = example_dir() / EXAMPLE_SURVEY_FILE if data is None else Path(data)
    data_path = Path(data_path)
    out = Path(out)
    config_yaml = config.to_yaml()
    provenance = Provenance(
        data=data or "(bundled synthetic example)", data_path=str(data_path.resolve()),
        inputs=input_files(data_path) + (input_files(Path(assessment_path)) if assessment_path else []),
        config_yaml=config_yaml, seed=config.seed, min_cell=min_cell,
        formats=formats, out=str(out),
        command=command or regenerate_command(data, str(out), formats, str(out / CONFIG_FILE), min_cell,
                                              config.seed),
        chromium=chromium_version() if ("pdf" in formats or "md" in formats) else None,
    )
    with kaleido_session("md" in formats):  # the PNG browser starts while the analysis runs
        result = run_analysis(survey, config, progress=step)
        robustness = None
        if assessment is not None:
            from challengelab.report.ranking_robustness import ranking_robustness_section

            robustness = ranking_robustness_section(
                survey, assessment, n_boot=robustness_boot, n_replicates=robustness_replicates, seed=config.seed,
                min_cell=min_cell, test=config.test, adjust=config.adjust, step=step)
        report = build_survey_report(survey, result, provenance, min_cell=min_cell, step=step,
                                     robustness=robustness)
        return write_report_files(report, out, formats=formats, provenance=provenance,
                                  extra_files={CONFIG_FILE: config_yaml}, force=force, progress=step)
