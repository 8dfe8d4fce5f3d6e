"""Shared fixtures: a temporary data folder, settings pointing at it, and the CLI run in process."""

from __future__ import annotations

import os
import sys

import pytest

from spotify_mds.settings import Settings


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir, monkeypatch) -> Settings:
    """Embedded settings in a temp folder, immune to the developer's own `.env`."""
    monkeypatch.chdir(data_dir.parent)
    for name in list(os.environ):
        if name.startswith(("KAFKA_", "MINIO_", "SNOWFLAKE_", "WAREHOUSE", "BROKER", "LAKE_URL", "DUCKDB_PATH", "SIM_")):
            monkeypatch.delenv(name, raising=False)
    return Settings(_env_file=None, data_dir=data_dir)


def _setting_variables() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(getattr(alias, "choices", [alias] if isinstance(alias, str) else []))
    return {name for name in names if isinstance(name, str)}


@pytest.fixture
def mds(tmp_path, monkeypatch, capsys):
    """Run `spotify-mds ARGS` in this process from an empty folder; returns (exit status, stderr).

    What the command wrote on standard output is then in `mds.stdout` (`--json`, `--help`).
    """
    from spotify_mds.cli import main

    monkeypatch.chdir(tmp_path)
    for name in _setting_variables():
        monkeypatch.delenv(name, raising=False)

    def run(*args: str, **env: str) -> tuple[int, str]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(sys, "argv", ["spotify-mds", *args])
        with pytest.raises(SystemExit) as done:
            main()
        captured = capsys.readouterr()
        err, run.stdout = captured.err, captured.out
        for name in env:
            monkeypatch.delenv(name)
        return done.value.code or 0, err

    run.stdout = ""
    return run
