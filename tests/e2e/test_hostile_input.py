"""Issue 15's done-when on DuckDB: `land --from-file` over hostile bytes, `load`, `transform` never fail,
and every record is accounted for (landed = loaded, landed + quarantined = records in the file)."""

from __future__ import annotations

import json

import duckdb
import pytest
from _hostile import hostile_file
from typer.testing import CliRunner

from spotify_mds.cli import app
from spotify_mds.lake import LocalLake

pytestmark = pytest.mark.e2e
TOPIC = "spotify.streams"


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result.output


def count_lines(lake: LocalLake, prefix: str) -> int:
    return sum(len(lake.get(info.key).splitlines()) for info in lake.list(prefix))


def test_hostile_file_lands_loads_and_transforms_on_duckdb(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    records = hostile_file(tmp_path / "hostile.ndjson")
    run_cli("land", "--from-file", str(tmp_path / "hostile.ndjson"))
    run_cli("load")
    run_cli("transform")

    lake = LocalLake(settings.lake_root)
    landed = count_lines(lake, f"bronze/{TOPIC}/")
    quarantined = count_lines(lake, f"quarantine/{TOPIC}/")
    assert landed + quarantined == records and quarantined > 100
    reasons = [json.loads(row)["reason"] for info in lake.list(f"quarantine/{TOPIC}/") for row in lake.get(info.key).splitlines()]
    assert all(reasons) and any("nested deeper" in r for r in reasons) and any("U+0000" in r for r in reasons)
    con = duckdb.connect(str(settings.duckdb_file))
    try:
        assert con.execute("SELECT count(*) FROM raw.listening_events").fetchone()[0] == landed
        assert con.execute("SELECT count(*) FROM raw.failed_files").fetchone()[0] == 0
        distinct = con.execute("SELECT count(DISTINCT event_id) FROM raw.listening_events").fetchone()[0]
        assert con.execute("SELECT count(*) FROM silver.stg_streams__listening_events").fetchone()[0] == distinct
    finally:
        con.close()
