"""The DuckDB loader: bulk, incremental through its ledger, a changed file replaces its rows."""

from __future__ import annotations

from datetime import datetime

from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.streams.landing import land_batches
from spotify_mds.warehouse import bronze_files, duckdb as duck
from warehouses import duck_forget, duck_load
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

TOPIC = "spotify.streams"


def landed_lake(tmp_path, events=3000):
    lake = LocalLake(tmp_path / "lake")
    config = SimConfig(seed=7, users=300, days=2, max_events=events, tracks=500, artists=100)
    land_batches(simulate(config), lake, TOPIC, max_records=500)
    return lake


def count(db, sql="SELECT count(*) FROM raw.listening_events"):
    con = duck.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_load_is_incremental_and_idempotent(tmp_path):
    lake = landed_lake(tmp_path)
    db = tmp_path / "w.duckdb"
    first = duck_load(lake, db, TOPIC)
    assert first.rows_loaded == 3000 == count(db)
    assert first.files_loaded == first.files_seen > 1
    again = duck_load(lake, db, TOPIC)
    assert (again.files_loaded, again.rows_loaded) == (0, 0)
    assert count(db) == 3000
    assert count(db, "SELECT sum(row_count) FROM raw.loaded_files") == 3000


def test_timestamps_are_typed_utc(tmp_path):
    lake = landed_lake(tmp_path, 200)
    db = tmp_path / "w.duckdb"
    duck_load(lake, db, TOPIC)
    con = duck.connect(db)
    kind = con.execute("SELECT typeof(\"timestamp\") FROM raw.listening_events LIMIT 1").fetchone()[0]
    first = con.execute("SELECT min(\"timestamp\") FROM raw.listening_events").fetchone()[0]
    con.close()
    assert kind == "TIMESTAMP" and first >= datetime(2026, 11, 2)


def test_a_changed_file_replaces_its_rows(tmp_path):
    lake = landed_lake(tmp_path)
    db = tmp_path / "w.duckdb"
    duck_load(lake, db, TOPIC)
    info = bronze_files(lake, TOPIC)[0]
    lines = lake.get(info.key).splitlines()
    lake.put(info.key, b"\n".join(lines[:1]) + b"\n")  # the file shrank to one record
    stats = duck_load(lake, db, TOPIC)
    assert (stats.files_loaded, stats.files_replaced, stats.rows_loaded) == (1, 1, 1)
    assert count(db) == 3000 - len(lines) + 1


def test_reloading_an_hour_changes_nothing(tmp_path):
    lake = landed_lake(tmp_path)
    db = tmp_path / "w.duckdb"
    duck_load(lake, db, TOPIC)
    before = count(db, "SELECT sum(hash(event_id)) FROM raw.listening_events")
    forgotten = duck_forget(db, TOPIC, datetime(2026, 11, 2, 3), datetime(2026, 11, 2, 4))
    assert forgotten >= 1
    stats = duck_load(lake, db, TOPIC)
    assert stats.files_loaded == forgotten
    assert count(db, "SELECT sum(hash(event_id)) FROM raw.listening_events") == before
