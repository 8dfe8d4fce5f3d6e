"""The CLI: help on every command, one-line errors with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

COMMANDS = ["simulate", "produce", "land", "load", "transform", "export", "dashboard", "run", "demo"]


def cli(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spotify_mds.cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path):
    result = cli("simulate", "--events", "5", env={"USER_COUNT": "-3", "PATH": "/usr/bin"}, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ConfigError: USER_COUNT")


def test_simulate_writes_valid_ndjson(tmp_path):
    out = tmp_path / "events.ndjson"
    result = cli("simulate", "--events", "300", "--users", "100", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 300 and {"event_id", "ms_played", "level"} <= set(rows[0])


def test_land_from_file_reports_quarantine(tmp_path):
    out = tmp_path / "events.ndjson"
    cli("simulate", "--events", "200", "--users", "100", "--out", str(out), cwd=tmp_path)
    out.write_text(out.read_text() + "not json\n")
    result = cli("land", "--from-file", str(out), env={"DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "landed 200, quarantined 1" in result.stderr
