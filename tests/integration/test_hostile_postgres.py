"""Issue 15's done-when on a real PostgreSQL: hostile bytes land, load and transform; all accounted for.

Reads POSTGRES_HOST/PORT/USER/PASSWORD/DB; skips when the server is unreachable, unless CI=true,
where that is a failure (`scripts/ci_postgres.sh` provisions one).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warehouses import fresh_postgres

from spotify_mds.cli import app
from spotify_mds.lake import LocalLake
from spotify_mds.settings import load_settings

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from _hostile import hostile_file  # noqa: E402

psycopg = pytest.importorskip("psycopg", reason="the `postgres` extra is not installed")

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TOPIC = "spotify.streams"


@pytest.fixture
def pg_env(settings, monkeypatch):
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("WAREHOUSE", "postgres")
    pg = load_settings(data_dir=settings.data_dir, warehouse="postgres")
    conninfo = fresh_postgres(pg)
    return pg, conninfo


def run_cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"


def count_lines(lake: LocalLake, prefix: str) -> int:
    return sum(len(lake.get(info.key).splitlines()) for info in lake.list(prefix))


def test_hostile_file_lands_loads_and_transforms_on_postgres(pg_env, tmp_path):
    pg, conninfo = pg_env
    records = hostile_file(tmp_path / "hostile.ndjson")
    run_cli("land", "--from-file", str(tmp_path / "hostile.ndjson"), "--max-records", "500")
    run_cli("load")
    run_cli("transform")

    lake = LocalLake(pg.lake_root)
    landed = count_lines(lake, f"bronze/{TOPIC}/")
    quarantined = count_lines(lake, f"quarantine/{TOPIC}/")
    assert landed + quarantined == records and quarantined > 100
    with psycopg.connect(conninfo) as con:
        assert con.execute("SELECT count(*) FROM raw.listening_events").fetchone()[0] == landed
        assert con.execute("SELECT count(*) FROM raw.failed_files").fetchone()[0] == 0
        distinct = con.execute("SELECT count(DISTINCT event_id) FROM raw.listening_events").fetchone()[0]
        assert con.execute("SELECT count(*) FROM silver.stg_streams__listening_events").fetchone()[0] == distinct
