"""The loader on DuckDB beyond the basics (test_load_duckdb.py): reloading an hour range, compressed bronze, the CSV for COPY."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import factories

from spotify_mds.pipelines.streams.landing import land_batches
from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.streams.events import COLUMNS
from spotify_mds.warehouse import bronze_files, duckdb as duck, file_hour, in_range, pending_files
from spotify_mds.warehouse.files import bronze_to_file
from warehouses import duck_forget, duck_load
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

TOPIC = "spotify.streams"


@pytest.fixture(scope="module")
def events() -> list[bytes]:
    return [value for batch in simulate(SimConfig(seed=3, users=1000, days=1, max_events=4000)) for value in batch.values]


@pytest.fixture
def lake(tmp_path, events) -> LocalLake:
    lake = LocalLake(tmp_path / "lake")
    land_batches([_batch(events)], lake, TOPIC, max_records=500)
    return lake


def _batch(values):
    from spotify_mds.pipelines.streams.simulate import Batch

    return Batch(0, [None] * len(values), values)


def _count(db: Path, sql: str = "SELECT count(*) FROM raw.listening_events") -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_forget_reloads_only_the_hours_asked(tmp_path, lake, events):
    db = tmp_path / "w.duckdb"
    duck_load(lake, db, TOPIC)
    hours = {file_hour(info.key) for info in bronze_files(lake, TOPIC)}
    since = sorted(hours)[1]
    until = since.replace(hour=since.hour + 1)
    expected = [info for info in bronze_files(lake, TOPIC) if in_range(info.key, since, until)]
    assert duck_forget(db, TOPIC, since, until) == len(expected)
    stats = duck_load(lake, db, TOPIC)
    assert stats.files_loaded == len(expected)
    assert _count(db) == len(events)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_bronze_loads(tmp_path, events, compression):
    lake = LocalLake(tmp_path / "lake")
    land_batches([_batch(events)], lake, TOPIC, max_records=1000, compression=compression)
    assert all(info.key.endswith(".gz" if compression == "gzip" else ".zst") for info in bronze_files(lake, TOPIC))
    assert duck_load(lake, tmp_path / "w.duckdb", TOPIC).rows_loaded == len(events)


def test_pending_files_are_new_or_changed():
    from spotify_mds.lake import ObjectInfo

    files = [ObjectInfo("a", 1, "v1"), ObjectInfo("b", 1, "v2"), ObjectInfo("c", 1, "v1")]
    assert [f.key for f in pending_files(files, {"a": "v1", "b": "v1"})] == ["b", "c"]


def test_csv_for_copy_keeps_empty_strings_nulls_and_quotes_apart(tmp_path):
    # version 1 without artist_id: its NULL must stay apart from the empty string
    line = factories.event(0, factories.at(10, 0, 0, 123), version=1, song_name='Hello, "world"', duration_ms=1000)
    source = tmp_path / "in.ndjson.gz"
    source.write_bytes(gzip.compress(line + b"\n"))
    out = tmp_path / "out.csv"
    con = duck.connect(":memory:")
    bronze_to_file(con, [str(source)], ["k1"], out, COLUMNS, loaded_at=datetime(2026, 11, 3, 1, 2, 3))
    (row,) = list(csv.reader(io.StringIO(out.read_text())))
    assert row[4] == 'Hello, "world"'  # song_name
    assert row[5] == ""  # artist_id: NULL is an empty, unquoted field
    assert '"Hello, ""world"""' in out.read_text()
    assert row[10] == "2026-11-02 10:00:00.123000"  # UTC wall time
    assert row[-2:] == ["k1", "2026-11-03 01:02:03"]
