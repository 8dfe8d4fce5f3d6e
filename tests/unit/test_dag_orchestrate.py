"""orchestrate: the stages cut to a data interval (what the DAG's tasks call), without Airflow."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

import factories

from spotify_mds import orchestrate
from spotify_mds.lake import LocalLake
from spotify_mds.settings import Settings

TOPIC = "spotify.streams"


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def _event(n: int, hour: int) -> bytes:
    return factories.event(n, factories.at(hour, 10), schema_version=1)  # a version 1 record with every field


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", lake_url=str(tmp_path / "lake"))


def _put(settings: Settings, hour: int, offset: int, events: int = 2) -> str:
    key = f"bronze/{TOPIC}/date=2026-11-02/hour={hour:02d}/{TOPIC}+0+{offset:020d}.ndjson"
    data = b"\n".join(_event(offset + i, hour) for i in range(events)) + b"\n"
    LocalLake(settings.lake_root).put(key, data)
    return key


def test_interval_hours_floor_and_cover_the_interval():
    assert orchestrate.interval_hours(_utc(2026, 11, 2, 5), _utc(2026, 11, 2, 7)) == [_utc(2026, 11, 2, 5), _utc(2026, 11, 2, 6)]
    assert orchestrate.interval_hours(_utc(2026, 11, 2, 5, 30), _utc(2026, 11, 2, 6, 1)) == [
        _utc(2026, 11, 2, 5),
        _utc(2026, 11, 2, 6),
    ]
    assert orchestrate.interval_hours(_utc(2026, 11, 2, 5), _utc(2026, 11, 2, 5)) == []


def test_pending_batches_group_keys_by_hour_with_lookback(settings):
    early = _put(settings, 3, 0)
    late = _put(settings, 4, 10)
    inside = [_put(settings, 5, 20), _put(settings, 5, 30)]
    _put(settings, 6, 40)  # after the interval
    batches = orchestrate.pending_batches(settings, _utc(2026, 11, 2, 5), _utc(2026, 11, 2, 6), lookback_hours=1)
    assert batches == [
        {"hour": "2026-11-02T04:00:00+00:00", "keys": [late]},
        {"hour": "2026-11-02T05:00:00+00:00", "keys": inside},
    ]
    assert early not in str(batches)


def test_loaded_files_are_not_pending_and_a_retry_loads_nothing_twice(settings):
    keys = [_put(settings, 5, 0, events=3), _put(settings, 5, 3, events=4)]
    start, end = _utc(2026, 11, 2, 5), _utc(2026, 11, 2, 6)
    (batch,) = orchestrate.pending_batches(settings, start, end)
    first = orchestrate.load_keys(settings, batch["keys"])
    assert (first.files_loaded, first.rows_loaded) == (2, 7)
    retry = orchestrate.load_keys(settings, batch["keys"])  # the same task, run again
    assert (retry.files_loaded, retry.rows_loaded) == (0, 0)
    assert orchestrate.pending_batches(settings, start, end) == []
    forced = orchestrate.pending_batches(settings, start, end, only_new=False)
    assert forced == [{"hour": "2026-11-02T05:00:00+00:00", "keys": keys}]

    import duckdb

    con = duckdb.connect(str(settings.duckdb_file), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT event_id) FROM raw.listening_events").fetchone() == (7, 7)
    finally:
        con.close()


def test_load_keys_loads_only_the_given_files(settings):
    mine = _put(settings, 5, 0)
    _put(settings, 6, 2)  # another task's hour
    result = orchestrate.load_keys(settings, [mine])
    assert (result.files_seen, result.files_loaded, result.rows_loaded) == (1, 1, 2)
    assert set(orchestrate.loaded_versions(settings)) == {mine}


def test_a_changed_file_is_pending_again(settings):
    key = _put(settings, 5, 0, events=2)
    orchestrate.load_keys(settings, [key])
    _put(settings, 5, 0, events=3)  # the lander rewrote it (a replay with more records)
    (batch,) = orchestrate.pending_batches(settings, _utc(2026, 11, 2, 5), _utc(2026, 11, 2, 6))
    assert batch["keys"] == [key]
    assert orchestrate.load_keys(settings, [key]).rows_loaded == 3


def test_quality_is_skipped_with_a_reason_when_the_module_is_missing(settings, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "spotify_mds.quality", None)  # import fails as if absent
    assert "skipped" in orchestrate.quality(settings)
