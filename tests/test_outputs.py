"""Output folders: challengelab replaces only what it can prove it wrote, never an input, never a user's file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from challengelab.cli import app
from challengelab.outputs import (
    MANIFEST,
    OutputError,
    OutputExistsError,
    check_destination,
    owned_files,
    remove_leftovers,
    staged_folder,
)

runner = CliRunner()


def _write(out: Path, files: dict[str, str], **kwargs):
    with staged_folder(out, **kwargs) as stage:
        for name, text in files.items():
            (stage.path / name).parent.mkdir(parents=True, exist_ok=True)
            (stage.path / name).write_text(text)
    return stage


def test_manifest_lists_every_file_with_its_checksum(tmp_path):
    out = tmp_path / "out"
    _write(out, {"a.csv": "x\n", "sub/b.csv": "y\n"})
    manifest = json.loads((out / MANIFEST).read_text())
    assert {f["path"] for f in manifest["files"]} == {"a.csv", "sub/b.csv"}
    assert owned_files(out) == ["a.csv", MANIFEST, "sub/b.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


def test_a_folder_with_a_stray_manifest_is_not_replaced(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "manifest.json").write_text("{}")  # any file named manifest.json used to be enough
    (out / "thesis.tex").write_text("keep")
    for force in (False, True):
        with pytest.raises(OutputExistsError, match="did not write"):
            _write(out, {"a.csv": "x"}, force=force)
    assert (out / "thesis.tex").read_text() == "keep"


def test_an_earlier_output_needs_force_and_the_replaced_files_are_reported(tmp_path):
    out = tmp_path / "out"
    _write(out, {"a.csv": "1"})
    with pytest.raises(OutputExistsError, match="--force"):
        _write(out, {"a.csv": "2"})
    stage = _write(out, {"a.csv": "2"}, force=True)
    assert stage.replaced == ["a.csv", MANIFEST]
    assert (out / "a.csv").read_text() == "2"


@pytest.mark.parametrize("change", ["added", "edited"])
def test_a_users_file_inside_an_earlier_output_protects_it(tmp_path, change):
    out = tmp_path / "out"
    _write(out, {"a.csv": "1"})
    if change == "added":
        (out / "notes.txt").write_text("my notes")
    else:
        (out / "a.csv").write_text("edited by hand")
    with pytest.raises(OutputExistsError, match="did not write"):
        _write(out, {"a.csv": "2"}, force=True)
    assert (out / ("notes.txt" if change == "added" else "a.csv")).exists()


def test_the_input_is_never_replaced(tmp_path):
    data = tmp_path / "survey"
    data.mkdir()
    (data / "responses.csv").write_text("x")
    for out in (data, tmp_path):
        with pytest.raises(OutputExistsError, match="input"):
            check_destination(out, force=True, inputs=[data / "responses.csv"])
    with pytest.raises(OutputExistsError, match="input"):
        check_destination(data, force=True, inputs=[data])


def test_files_links_and_dangling_links_are_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    for name in ("file", "dangling", "link"):
        with pytest.raises(OutputExistsError):
            check_destination(tmp_path / name, force=True)
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_parent_is_a_message(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="cannot write"):
            _write(parent / "out", {"a": "x"})
    finally:
        parent.chmod(0o700)


def test_an_unwritable_parent_is_a_message_even_as_root(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("challengelab.outputs.tempfile.mkdtemp", refuse)
    with pytest.raises(OutputError, match="cannot write .*Permission denied"):
        _write(tmp_path / "out", {"a": "x"})


def test_a_failing_disk_is_an_output_error_and_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="cannot write"):
        with staged_folder(out) as stage:
            raise OSError(28, "No space left on device")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert stage.path.name.endswith(".partial")


def test_leftover_staging_of_a_killed_run_is_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    script = textwrap.dedent(f"""
        import time
        from challengelab.outputs import staged_folder
        with staged_folder({str(out)!r}, force=True) as stage:
            (stage.path / "big.bin").write_bytes(b"x" * 100000)
            print("ready", flush=True)
            time.sleep(60)
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    for sig in (signal.SIGKILL, signal.SIGTERM):
        process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env, text=True)
        assert process.stdout.readline().strip() == "ready"
        process.send_signal(sig)
        process.wait(timeout=30)
        left = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
        if sig == signal.SIGTERM:
            assert [p.name for p in left] == [".other.unrelated.partial"]  # SIGTERM cleans up at once
        else:
            assert len(left) == 1  # SIGKILL cannot; the next run does
            (tmp_path / ".other.unrelated.partial").mkdir()  # not ours: no owner file
            _write(out, {"a": "x"})
            names = sorted(p.name for p in tmp_path.iterdir())
            assert names == [".other.unrelated.partial", "out"]
    assert not out.joinpath("big.bin").exists()


def test_a_running_writers_staging_is_left_alone(tmp_path):
    out = tmp_path / "out"
    with staged_folder(out) as stage:
        assert remove_leftovers(out) == []
        assert stage.path.exists()


# --- the commands -----------------------------------------------------------------------------------------------


@pytest.fixture
def results_csv(tmp_path):
    path = tmp_path / "results.csv"
    lines = ["task,case,algorithm,value"] + [f"T1,c{c},{a},{(c * 7 + i) % 10 / 10}"
                                             for c in range(6) for i, a in enumerate("ABC")]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_rank_refuses_to_write_over_its_input_folder_even_with_force(tmp_path, results_csv):
    result = runner.invoke(app, ["rank", str(results_csv), "--out", str(tmp_path), "--bootstrap", "0",
                                 "--format", "html", "--force"])
    assert result.exit_code == 1 and "input" in result.stderr
    assert results_csv.exists()


def test_rank_twice_needs_force_and_says_what_it_replaced(tmp_path, results_csv):
    out = tmp_path / "r"
    args = ["rank", str(results_csv), "--out", str(out), "--bootstrap", "0", "--format", "html"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "--force" in again.stderr
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert "replaced" in forced.stdout and "report.html" in forced.stdout


def test_rank_into_a_dangling_link_is_a_message(tmp_path, results_csv):
    link = tmp_path / "gone"
    link.symlink_to(tmp_path / "nowhere")
    result = runner.invoke(app, ["rank", str(results_csv), "--out", str(link), "--bootstrap", "0"])
    assert result.exit_code == 1 and "symbolic link" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_analyze_uses_the_same_mechanism(tmp_path, small_folder):
    out = tmp_path / "a"
    (tmp_path / "cfg.yaml").write_text("models: []\noutcomes: []\n")
    args = ["analyze", str(small_folder), "--out", str(out), "--config", str(tmp_path / "cfg.yaml")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.stderr
    assert owned_files(out) is not None and "summary.json" in owned_files(out)
    assert runner.invoke(app, args).exit_code == 1
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0 and "replaced" in forced.stdout
    into_input = runner.invoke(app, ["analyze", str(small_folder), "--out", str(small_folder), "--force"])
    assert into_input.exit_code == 1 and (small_folder / "responses.csv").exists()


def test_simulate_force_never_deletes_a_users_folder(tmp_path):
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    result = runner.invoke(app, ["simulate", "--out", str(folder), "--force", "--n-tasks", "4",
                                 "--n-challenges", "2"])
    assert result.exit_code == 1 and "did not write" in result.stderr
    assert (folder / "thesis.tex").read_text() == "years of work"
    out = tmp_path / "sim"
    assert runner.invoke(app, ["simulate", "--out", str(out), "--n-tasks", "4", "--n-challenges", "2"]).exit_code == 0
    again = runner.invoke(app, ["simulate", "--out", str(out), "--force", "--n-tasks", "4", "--n-challenges", "2"])
    assert again.exit_code == 0, again.stderr  # its own earlier output is replaced


def test_a_read_only_destination_is_refused_before_any_work(tmp_path, monkeypatch, results_csv):
    monkeypatch.setattr("challengelab.outputs.os.access", lambda path, mode: not mode & os.W_OK)
    with pytest.raises(OutputError, match="read-only"):
        check_destination(tmp_path / "new" / "out")
    result = runner.invoke(app, ["rank", str(results_csv), "--out", str(tmp_path / "r"), "--bootstrap", "0"])
    assert result.exit_code == 1 and "read-only" in result.stderr and "ranking" not in result.stdout
