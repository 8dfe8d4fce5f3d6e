"""A bad bronze file never blocks the others: isolated, recorded with its error, tried again next load."""

from __future__ import annotations

import factories

from spotify_mds.errors import LoadIncomplete
from spotify_mds.lake import LocalLake
from spotify_mds.warehouse import duckdb as duck
from warehouses import duck_load

TOPIC = "spotify.streams"


def line(i: int, timestamp: str = "2026-11-02T10:00:00.000Z", **extra) -> bytes:
    return factories.event(i, version=1, timestamp=timestamp, **extra)


def put(lake: LocalLake, offset: int, lines: list[bytes]) -> str:
    key = f"bronze/{TOPIC}/date=2026-11-02/hour=10/{TOPIC}+0+{offset:020d}.ndjson"
    lake.put(key, b"".join(value + b"\n" for value in lines))
    return key


def query(db, sql):
    con = duck.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_bad_file_is_isolated_recorded_and_retried(tmp_path):
    lake, db = LocalLake(tmp_path / "lake"), tmp_path / "w.duckdb"
    for n in range(6):
        put(lake, n * 10, [line(n * 10 + k) for k in range(3)])
    bad = put(lake, 25, [line(100), line(101)[:-1] + b', "song_name": "again"}'])  # a repeated key
    stats = duck_load(lake, db, TOPIC)
    assert (stats.files_seen, stats.files_loaded, stats.rows_loaded) == (7, 6, 18)
    assert [key for key, _ in stats.failures] == [bad] and "duplicate" in stats.failures[0][1].lower()
    assert query(db, "SELECT file_key FROM raw.failed_files") == [(bad,)]
    assert query(db, "SELECT count(*) FROM raw.listening_events")[0][0] == 18

    again = duck_load(lake, db, TOPIC)  # not in the ledger: tried again, and still refused
    assert [key for key, _ in again.failures] == [bad] and again.files_loaded == 0

    put(lake, 25, [line(100), line(101)])  # repaired
    fixed = duck_load(lake, db, TOPIC)
    assert (fixed.files_loaded, fixed.rows_loaded, fixed.failures) == (1, 2, [])
    assert query(db, "SELECT count(*) FROM raw.failed_files")[0][0] == 0


def test_rfc3339_timestamps_in_lower_case_load(tmp_path):
    lake, db = LocalLake(tmp_path / "lake"), tmp_path / "w.duckdb"
    put(lake, 0, [line(1, "2026-11-02t10:15:00.5z"), line(2, "2026-11-02T12:15:00+02:00")])
    stats = duck_load(lake, db, TOPIC)
    assert stats.failures == [] and stats.rows_loaded == 2
    assert [str(t) for (t,) in query(db, 'SELECT "timestamp" FROM raw.listening_events ORDER BY 1')] == [
        "2026-11-02 10:15:00",
        "2026-11-02 10:15:00.500000",
    ]


def test_load_command_names_the_file_it_could_not_load(settings, monkeypatch):
    from typer.testing import CliRunner

    from spotify_mds.cli import app

    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    lake = LocalLake(settings.lake_root)
    put(lake, 0, [line(1)])
    bad = put(lake, 5, [b'{"event_id": "broken'])
    result = CliRunner().invoke(app, ["load"])
    # The good file loaded, the bad one is named, and the exit status says the load is incomplete.
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, LoadIncomplete) and result.exception.files == [bad]
    assert "loaded 1 rows from 1 files" in result.output
    assert f"not loaded (tried again next load): {bad}" in result.output


def test_a_corrupt_compressed_file_is_set_aside_too(tmp_path):
    lake, db = LocalLake(tmp_path / "lake"), tmp_path / "w.duckdb"
    put(lake, 0, [line(1)])
    bad = f"bronze/{TOPIC}/date=2026-11-02/hour=10/{TOPIC}+0+{5:020d}.ndjson.gz"
    lake.put(bad, b"\x1f\x8b\x08\x00 not gzip at all")
    stats = duck_load(lake, db, TOPIC)
    assert [key for key, _ in stats.failures] == [bad] and stats.rows_loaded == 1


def test_a_lake_that_does_not_serve_its_files_stops_the_load_instead(tmp_path):
    """An I/O error is the file's fault only if the lake still serves the file; otherwise nothing
    is set aside and the load fails as before (the next load starts over)."""
    import pytest

    from spotify_mds.errors import LakeError, WarehouseError

    class Unreachable(LocalLake):
        def url(self, key: str) -> str:
            return str(tmp_path / "gone" / key)

        def get(self, key: str) -> bytes:
            raise LakeError("connection refused", key=key)

    lake, db = Unreachable(tmp_path / "lake"), tmp_path / "w.duckdb"
    for n in range(3):
        put(lake, n, [line(n)])
    with pytest.raises(WarehouseError, match="the lake did not serve"):
        duck_load(lake, db, TOPIC)
    assert query(db, "SELECT count(*) FROM raw.failed_files")[0][0] == 0


def test_a_run_that_set_files_aside_ends_failed_after_every_stage():
    from spotify_mds.results import LoadResult, RunSummary

    summary = RunSummary()
    summary.raise_if_incomplete()  # nothing set aside: nothing to say
    summary.add(LoadResult(rows_loaded=5, files_loaded=2, failures=[("bronze/t/a.ndjson", "bad"), ("bronze/t/b.ndjson", "bad")]))
    try:
        summary.raise_if_incomplete()
    except LoadIncomplete as error:
        assert error.files == ["bronze/t/a.ndjson", "bronze/t/b.ndjson"]
        assert "2 bronze file(s) not loaded" in str(error) and "bronze/t/a.ndjson" in str(error)
    else:
        raise AssertionError("LoadIncomplete was not raised")
