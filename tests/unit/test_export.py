"""The export: every gold table as one Parquet file, a manifest listing them, the newest event time.

The contract in the manifest and the `marts=` selection of pipelines are in test_export_contract.py
and test_pipelines.py; this file covers what every export promises.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spotify_mds.export import MANIFEST_KEY, export_gold, mart_key, read_manifest
from spotify_mds.lake import MemoryLake


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """A small warehouse: two gold marts and the raw events they came from."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA gold; CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE gold.plays_hourly AS SELECT * FROM (VALUES "
        "(TIMESTAMP '2026-11-02 11:00', 3), (TIMESTAMP '2026-11-02 10:00', 5)) t(hour_at, plays)"
    )
    con.execute("CREATE TABLE gold.users AS SELECT 'u1' AS user_id, DATE '2026-11-02' AS first_seen_date")
    con.execute(
        "CREATE TABLE raw.listening_events AS SELECT * FROM (VALUES "
        "(TIMESTAMPTZ '2026-11-02 10:15:00+00'), (TIMESTAMPTZ '2026-11-02 11:45:30.250+00')) t(\"timestamp\")"
    )
    return con


def parquet(lake: MemoryLake, mart: str) -> pa.Table:
    return pq.read_table(io.BytesIO(lake.get(mart_key(mart))))


def test_each_mart_is_one_parquet_file_with_its_rows_in_a_stable_order(con):
    lake = MemoryLake()
    result = export_gold(con, lake)
    assert result.rows == {"plays_hourly": 2, "users": 1}
    assert mart_key("plays_hourly") == "gold/plays_hourly/plays_hourly.parquet"
    table = parquet(lake, "plays_hourly")
    assert table.column_names == ["hour_at", "plays"]
    assert table.column("plays").to_pylist() == [5, 3]  # ordered, so equal gold gives equal bytes
    assert parquet(lake, "users").to_pylist() == [
        {"user_id": "u1", "first_seen_date": datetime(2026, 11, 2).date()}
    ]


def test_the_manifest_lists_the_marts_their_keys_and_rows_and_the_newest_event(con):
    lake = MemoryLake()
    result = export_gold(con, lake)
    manifest = json.loads(lake.get(MANIFEST_KEY))
    assert manifest == read_manifest(lake)
    assert manifest["marts"] == {
        "plays_hourly": {"key": "gold/plays_hourly/plays_hourly.parquet", "rows": 2},
        "users": {"key": "gold/users/users.parquet", "rows": 1},
    }
    assert manifest["newest_event_at"] == result.newest_event_at == "2026-11-02T11:45:30.250000Z"  # UTC
    assert datetime.fromisoformat(manifest["exported_at"]).tzinfo is not None


def test_exporting_unchanged_gold_again_rewrites_no_parquet_file(con):
    lake = MemoryLake()
    export_gold(con, lake)
    before = {info.key: info.version for info in lake.list("gold/") if info.key != MANIFEST_KEY}
    export_gold(con, lake)
    assert {info.key: info.version for info in lake.list("gold/") if info.key != MANIFEST_KEY} == before


def test_without_raw_events_the_newest_event_is_unknown():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA gold; CREATE TABLE gold.m AS SELECT 1 AS x")
    lake = MemoryLake()
    assert export_gold(con, lake).newest_event_at is None
    assert read_manifest(lake)["newest_event_at"] is None


def test_another_schema_and_an_empty_gold_export_an_empty_manifest():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA gold; CREATE SCHEMA analytics; CREATE TABLE analytics.m AS SELECT 1 AS x")
    lake = MemoryLake()
    assert export_gold(con, lake).rows == {}
    assert read_manifest(lake)["marts"] == {}
    assert export_gold(con, lake, schema="analytics").rows == {"m": 1}


def test_any_gold_source_exports_through_the_same_function():
    """The warehouse back ends hand `export_gold` a GoldSource; its three calls are all it needs."""

    class Source:
        def marts(self) -> list[str]:
            return ["tracks"]

        def read(self, mart: str) -> pa.Table:
            return pa.table({"track_id": ["t1", "t2"], "plays": [2, 1]})

        def newest_event_at(self) -> datetime | None:
            return datetime(2026, 11, 2, 10, 0)  # naive: read as UTC

    lake = MemoryLake()
    result = export_gold(Source(), lake)
    assert result.rows == {"tracks": 2} and result.newest_event_at == "2026-11-02T10:00:00Z"
    assert parquet(lake, "tracks").column("track_id").to_pylist() == ["t1", "t2"]


def test_read_manifest_before_any_export_is_none():
    assert read_manifest(MemoryLake()) is None
