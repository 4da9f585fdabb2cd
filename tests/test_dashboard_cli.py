"""``challengelab dashboard [PATH]``: validates PATH, passes it to the app and replaces itself with Streamlit."""

from __future__ import annotations

import os
import sys

import pytest
from typer.testing import CliRunner

from challengelab.cli import app
from challengelab.cli import dashboard as command
from challengelab.dashboard import state


@pytest.fixture
def execv(monkeypatch):
    calls = []

    def fake_execv(path, args):
        calls.append((path, list(args)))
        raise SystemExit(0)  # the real execv never returns

    monkeypatch.setattr(os, "execv", fake_execv)
    monkeypatch.setenv(command.DATA_ENV, "")  # records the original state, restored after the test
    monkeypatch.delenv(command.DATA_ENV)
    return calls


def test_no_path_starts_on_the_bundled_data(execv):
    result = CliRunner().invoke(app, ["dashboard"])
    assert result.exit_code == 0, result.output
    (path, args), = execv
    assert path == sys.executable
    assert args[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert args[4] == str(command.app_script()) and command.app_script().is_file()
    flags = dict(zip(args[5::2], args[6::2]))
    assert flags["--server.headless"] == "true"
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--server.fileWatcherType"] == "none"
    assert command.DATA_ENV not in os.environ
    assert "bundled synthetic example" in result.output


def test_path_is_validated_and_passed_to_the_app(execv, small_workbook):
    result = CliRunner().invoke(app, ["dashboard", str(small_workbook), "--port", "8601"])
    assert result.exit_code == 0, result.output
    assert os.environ[command.DATA_ENV] == str(small_workbook.resolve())
    assert command.DATA_ENV == state.DATA_ENV
    args = execv[0][1]
    assert args[args.index("--server.port") + 1] == "8601"
    assert "valid" in result.output


def test_invalid_path_stops_with_its_problems(execv, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    result = CliRunner().invoke(app, ["dashboard", str(broken)])
    assert result.exit_code == 1
    assert not execv


def test_missing_path_is_a_usage_error(execv, tmp_path):
    result = CliRunner().invoke(app, ["dashboard", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert not execv


def test_browser_flag(execv):
    CliRunner().invoke(app, ["dashboard", "--browser", "--host", "0.0.0.0"])
    args = execv[0][1]
    assert args[args.index("--server.headless") + 1] == "false"
    assert args[args.index("--server.address") + 1] == "0.0.0.0"


def test_root_app_script_runs_the_packaged_app():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "app.py"
    assert "challengelab.dashboard.app import main" in root.read_text()


def test_server_enforces_the_stated_upload_limit_and_listens_locally(execv):
    from pathlib import Path

    from challengelab.dashboard import UPLOAD_LIMIT_MB

    CliRunner().invoke(app, ["dashboard"])
    args = execv[0][1]
    assert args[args.index("--server.maxUploadSize") + 1] == str(UPLOAD_LIMIT_MB)
    config = (Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text()
    assert 'address = "127.0.0.1"' in config and f"maxUploadSize = {UPLOAD_LIMIT_MB}" in config
