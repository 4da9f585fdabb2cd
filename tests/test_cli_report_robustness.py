"""`challengelab report --assessment`: the Ranking robustness section reaches the report and its provenance."""

from __future__ import annotations

import pytest

import json
from html.parser import HTMLParser

from typer.testing import CliRunner

from challengelab._paths import EXAMPLE_ASSESSMENT_FILE, example_dir
from challengelab.cli import app

runner = CliRunner()


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings, self._inside = [], False

    def handle_starttag(self, tag, attrs):
        self._inside = tag == "h2"

    def handle_data(self, data):
        if self._inside and data.strip():
            self.headings.append(data.strip())
            self._inside = False


@pytest.mark.slow
def test_report_with_assessment_adds_the_section_after_the_models(tmp_path):
    results = example_dir() / EXAMPLE_ASSESSMENT_FILE
    out = tmp_path / "report"
    run = runner.invoke(app, ["report", "--out", str(out), "--format", "html", "--assessment", str(results),
                              "--robustness-boot", "20", "--robustness-replicates", "2", "--seed", "3"])
    assert run.exit_code == 0, run.output
    parser = _Headings()
    parser.feed((out / "report.html").read_text())
    titles = [h.split(". ", 1)[-1] for h in parser.headings]
    models = titles.index("Rank-linked models")
    assert titles[models + 1] == "Ranking robustness", parser.headings
    manifest = json.loads((out / "manifest.json").read_text())
    text = json.dumps(manifest)
    assert EXAMPLE_ASSESSMENT_FILE in text  # hashed as an input
    assert "--assessment" in text and "--robustness-replicates 2" in text  # in the regenerate command


def test_report_with_bad_assessment_exits_1_and_writes_nothing(tmp_path):
    bad = tmp_path / "results.csv"
    bad.write_text("task,case,algorithm,value\nT1,c1,A,0.5\nT1,c1,A,0.7\n")
    out = tmp_path / "report"
    run = runner.invoke(app, ["report", "--out", str(out), "--format", "html", "--assessment", str(bad)])
    assert run.exit_code == 1
    assert "results.csv" in run.output and "Traceback" not in run.output
    assert not out.exists()
