"""Shared fixtures: a temporary data folder and settings pointing at it."""

from __future__ import annotations

import os

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
