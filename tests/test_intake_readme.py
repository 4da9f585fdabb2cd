"""The commands of the README section "From a survey tool to challengelab" run as written (from the repo root)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from challengelab.cli import app

ROOT = Path(__file__).resolve().parents[1]
TITLE = "## From a survey tool to challengelab"


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert TITLE in text, "README.md has no intake section"
    return text.split(TITLE, 1)[1].split("\n## ", 1)[0]


def commands(text: str) -> list[list[str]]:
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    joined = [line.split("#")[0].strip() for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return [shlex.split(line)[1:] for line in joined if line.startswith("challengelab ")]


def test_readme_intake_commands_run_as_written(tmp_path, monkeypatch):
    found = commands(section())
    assert [c[0] for c in found] == ["questionnaire", "questionnaire", "intake", "intake", "validate", "intake"]
    (tmp_path / "data").symlink_to(ROOT / "data")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs = []
    for arguments in found:
        result = runner.invoke(app, arguments)
        assert result.exit_code == 0, (arguments, result.output)
        outputs.append(" ".join(result.output.split()))
    assert "rows read 21 = 16 linked + 5 for review + 0 rejected" in outputs[3]
    assert "rows read 21 = 16 linked + 5 for review + 0 rejected" in section()
    assert {p.name for p in tmp_path.iterdir()} >= {"dictionary.csv", "survey.txt", "mapping.yaml", "round.xlsx",
                                                    "round.links.csv", "round.review.csv", "round.team_key.csv"}
