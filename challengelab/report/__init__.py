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
from dataclasses import dataclass
from pathlib import Path

from challengelab.report.document import Code, Figure, KeyValues, Notice, Paragraph, Report, Section, Table
from challengelab.report.output import DEFAULT_FORMATS, FORMATS, WriteResult, parse_formats, write_report_files

__all__ = [
    "Code", "DEFAULT_FORMATS", "FORMATS", "Figure", "KeyValues", "Notice", "Paragraph", "Report", "ReportSource",
    "RobustnessOptions", "Section", "Table", "WriteResult", "effective_config", "parse_formats", "report_steps",
    "write_report_files", "write_survey_report",
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


@dataclass(frozen=True)
class ReportSource:
    """Where the report's data came from, for the reproducibility section and the manifest.

    ``data`` is the DATA argument as given (``None``: the bundled example), ``data_path`` the file that was read
    (hashed; default: the bundled example or ``data``), ``command`` the command that regenerates the report
    (default: built from the arguments).
    """

    data: str | None = None
    data_path: str | Path | None = None
    command: str | None = None


@dataclass(frozen=True)
class RobustnessOptions:
    """The "Ranking robustness" section: per-case results of the survey's tasks (an Assessment, DataFrame or
    path; ``task`` = ``task_id``, ``algorithm`` = ``team_id``), ``n_boot`` bootstrap replicates of the ranking and
    the strategy tests rerun on ``n_replicates`` of them; ``path`` is hashed as an input."""

    assessment: object
    path: str | Path | None = None
    n_boot: int = 200
    n_replicates: int = 50


def write_survey_report(
    survey,
    out: str | Path,
    *,
    config=None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    min_cell: int | None = None,
    seed: int | None = None,
    source: ReportSource | None = None,
    robustness: RobustnessOptions | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
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
        The disclosure minimum of every breakdown (default 5, :data:`challengelab.tables.disclosure.DEFAULT_MIN_CELL`);
        a face setting, not part of the analysis.
    formats : sequence of str
        Any of ``html``, ``xlsx``, ``md``, ``pdf``, ``csv``.
    source : ReportSource, optional
        The data as given, the file read and the regenerating command (default: the bundled example).
    robustness : RobustnessOptions, optional
        Adds the "Ranking robustness" section (and its summary in the key results).
    progress : callable, optional
        Called with the name of each step (see :func:`report_steps`).
    """
    from challengelab.report.build import build_survey_report
    from challengelab.report.output import report_browser
    from challengelab.stats.analysis import run_analysis
    from challengelab.tables.disclosure import DEFAULT_MIN_CELL

    formats = parse_formats(list(formats))
    config = effective_config(config, seed=seed)
    min_cell = DEFAULT_MIN_CELL if min_cell is None else min_cell
    step = progress or (lambda _s: None)
    out = Path(out)
    # Chromium (PDF, PNG figures) boots and loads plotly.js, and plotly.js is packed for the HTML page, in the
    # background while the data are analysed
    if "html" in formats or "pdf" in formats:
        from challengelab.report.html_page import pack_plotly_js_in_background

        pack_plotly_js_in_background()
    with report_browser(formats) as browser:
        result = run_analysis(survey, config, progress=step)
        section = None
        if robustness is not None:
            from challengelab.report.ranking_robustness import ranking_robustness_section

            section = ranking_robustness_section(
                survey, robustness.assessment, n_boot=robustness.n_boot, n_replicates=robustness.n_replicates,
                seed=config.seed, min_cell=min_cell, test=config.test, adjust=config.adjust, step=step)
        provenance = _provenance(config, min_cell, formats, out, source or ReportSource(), robustness,
                                 chromium=browser.version() if browser is not None else None)
        report = build_survey_report(survey, result, provenance, min_cell=min_cell, step=step,
                                     robustness=section, section_done=_figures_drawn_early(browser, formats))
        return write_report_files(report, out, formats=formats, provenance=provenance,
                                  extra_files={CONFIG_FILE: provenance.config_yaml}, force=force, progress=step,
                                  browser=browser)


def _figures_drawn_early(browser, formats: list[str]):
    """A ``section_done`` hook that starts drawing a section's figures as pictures (SVG for the PDF, PNG for the
    Markdown) at once; None when neither format is asked for."""
    if browser is None or ("md" not in formats and "pdf" not in formats):
        return None
    from challengelab.report.figure_images import figure_images

    images = figure_images(browser)
    return lambda section: images.add(b for b in section.blocks if isinstance(b, Figure))


def _provenance(config, min_cell: int, formats: list[str], out: Path, source: ReportSource,
                robustness: RobustnessOptions | None, *, chromium: str | None):
    """The :class:`~challengelab.report.reproducibility.Provenance` of a survey report (``chromium``: its
    version, when the PDF or PNG figures are made)."""
    from challengelab._paths import EXAMPLE_SURVEY_FILE, example_dir
    from challengelab.report.reproducibility import Provenance, input_files, regenerate_command

    data = source.data
    data_path = source.data_path
    if data_path is None:
        data_path = example_dir() / EXAMPLE_SURVEY_FILE if data is None else Path(data)
    data_path = Path(data_path)
    extra = input_files(Path(robustness.path)) if robustness is not None and robustness.path else []
    return Provenance(
        data=data or "(bundled synthetic example)", data_path=str(data_path.resolve()),
        inputs=input_files(data_path) + extra, config_yaml=config.to_yaml(), seed=config.seed,
        min_cell=min_cell, formats=formats, out=str(out),
        command=source.command or regenerate_command(data, str(out), formats, str(out / CONFIG_FILE),
                                                     min_cell, config.seed),
        chromium=chromium,
    )
