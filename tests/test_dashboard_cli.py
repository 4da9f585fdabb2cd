"""``challengelab dashboard [PATH]``: reads PATH in a worker, passes it to the app, serves Streamlit in-process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from challengelab.cli import app
from challengelab.cli import dashboard as command
from challengelab.dashboard import launch, state


@pytest.fixture
def execv(monkeypatch):
    """Records the Streamlit command instead of serving it; an invalid preloaded file ends the run as the real
    server's watcher does (exit code from ``on_invalid``)."""
    from challengelab.dashboard import server

    calls = []

    def fake_run(args, loading=None, on_invalid=None):
        if loading is not None:
            loading.begin()  # as the server's warm-up thread does (a small file is read then)
        if loading is not None and not loading.result().ok:
            raise SystemExit(on_invalid(loading.result()))
        calls.append((sys.executable, list(args)))

    monkeypatch.setattr(server, "run", fake_run)
    monkeypatch.setattr(server, "exit_process", lambda code: None)
    monkeypatch.setattr(command, "busy_port_hint", lambda host, port: None)
    monkeypatch.setenv(command.DATA_ENV, "")  # records the original state, restored after the test
    monkeypatch.delenv(command.DATA_ENV)
    return calls


def test_no_path_starts_on_the_bundled_data(execv):
    result = CliRunner().invoke(app, ["dashboard"])
    assert result.exit_code == 0, result.output
    (path, args), = execv
    assert path == sys.executable
    assert args[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert args[4] == str(launch.app_script()) and launch.app_script().is_file()
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


def test_invalid_path_stops_with_its_problems(execv, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    result = CliRunner().invoke(app, ["dashboard", str(broken)])
    assert result.exit_code == 1
    assert not execv
    assert "not a readable Excel workbook" in result.output


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


def test_busy_port_names_the_next_free_one():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        hint = launch.busy_port_hint("127.0.0.1", port)
        result = CliRunner().invoke(app, ["dashboard", "--port", str(port)])
    assert hint and f"port {port} is in use" in hint and "--port" in hint
    assert result.exit_code == 1 and "is in use" in result.output
    free = int(hint.split("--port ")[1].split()[0]) if "(free now)" in hint else None
    assert free is None or launch.port_free("127.0.0.1", free)


def test_free_port_has_no_hint():
    from challengelab.dashboard.testing import free_port

    assert launch.busy_port_hint("127.0.0.1", free_port()) is None


def test_preload_is_taken_by_the_app_and_keyed_by_content(small_workbook, tmp_path):
    import multiprocessing

    from challengelab.dashboard import preload

    loading = preload.start(small_workbook, local_max_bytes=0)  # a worker process, whatever the size
    loaded = loading.result(timeout=120)
    assert loaded.ok and loaded.hash == preload.file_hash(small_workbook)
    assert preload.lookup(small_workbook, loaded.hash) is loaded
    assert preload.lookup(small_workbook, "other content") is None
    assert not any(child.pid == loading.pid for child in multiprocessing.active_children())  # it ended


def test_a_small_file_is_read_in_the_server_when_the_warm_up_begins(small_workbook, tmp_path):
    """Up to preload.LOCAL_MAX_BYTES the server reads the file itself, in the thread that calls begin() (its
    warm-up); a thread that asks earlier (the invalid-file watcher, the first page) waits for that read."""
    import threading

    from challengelab.dashboard import preload

    assert small_workbook.stat().st_size <= preload.LOCAL_MAX_BYTES
    loading = preload.start(small_workbook)
    assert isinstance(loading, preload.LocalLoading) and loading.pid is None
    asked: list = []
    early = threading.Thread(target=lambda: asked.append(preload.lookup(small_workbook,
                                                                        preload.file_hash(small_workbook))))
    early.start()
    early.join(0.5)
    assert early.is_alive() and not asked  # waits for begin()
    loaded = loading.begin()
    early.join(60)
    assert loaded.ok and asked == [loaded] and loading.result() is loaded  # read once
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(small_workbook.read_bytes())
    alone = preload.LocalLoading(str(copy), wait=0.05)  # nobody begins: read by the first to ask, after wait
    assert alone.ok() and alone.hash() == loaded.hash


def test_preload_worker_ends_when_the_server_is_gone(small_workbook):
    """A server stopped while its worker reads leaves no process behind: the worker finishes its one file, finds
    nobody to send it to and ends (a pool worker used to wait for the next job forever)."""
    import os
    import subprocess
    import sys
    import time

    script = ("import os, sys; from challengelab.dashboard import preload; "
              "print(preload.start(sys.argv[1], local_max_bytes=0).pid, flush=True); os._exit(0)")
    out = subprocess.run([sys.executable, "-c", script, str(small_workbook)], capture_output=True, text=True,
                         check=True, timeout=120)
    pid = int(out.stdout.split()[-1])
    deadline = time.monotonic() + 60
    status = Path(f"/proc/{pid}/status")
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            if status.exists() and "\tZ" in status.read_text().split("State:")[1].splitlines()[0]:
                return  # ended, waiting to be reaped by whoever adopted it
        except (ProcessLookupError, FileNotFoundError, IndexError):
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    raise AssertionError("the preload worker outlived its server")


@pytest.mark.slow
def test_a_started_dashboard_prints_no_streamlit_warnings(tmp_path):
    """The terminal shows the start message and the URL, not Streamlit's "missing ScriptRunContext" warning
    for the warm-up thread (which fills the first page's caches outside a script run)."""
    import subprocess
    import sys
    import time
    import urllib.request

    from challengelab.dashboard.testing import free_port

    port = free_port()
    log = tmp_path / "log.txt"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-c", "from challengelab.cli import main; main()", "dashboard",
                                    "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            time.sleep(4)  # the warm-up runs right after the server answers
        finally:
            process.terminate()
            process.wait(30)
    text = log.read_text()
    assert f"http://localhost:{port}" in text
    assert "ScriptRunContext" not in text and "WARNING" not in text
