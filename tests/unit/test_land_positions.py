"""Positions never collide and bronze never silently loses bytes: file input, replays, conflicts."""

from __future__ import annotations

import gzip
import json
import logging

import pytest

import factories

from spotify_mds.errors import LakeConflict
from spotify_mds.lake import LocalLake, MemoryLake
from spotify_mds.landing.file_source import file_partition
from spotify_mds.landing.keys import FILE_PARTITIONS
from spotify_mds.pipelines.streams.landing import bronze_writer, land_batches, land_file
from spotify_mds.pipelines.streams.simulate import Batch

TOPIC = "spotify.streams"


def play(i: int, hour: int, minute: int) -> bytes:
    return factories.event(i, factories.at(hour, minute), version=1, user_id="u1", session_id="s1", song_id="t1")


def bronze_ids(lake) -> list[str]:
    return sorted(
        json.loads(line)["event_id"]
        for info in lake.list("bronze/")
        for line in plain(info.key, lake.get(info.key))
    )


def plain(key: str, data: bytes) -> list[bytes]:
    if key.endswith(".gz"):
        data = gzip.decompress(data)
    elif key.endswith(".zst"):
        import zstandard

        data = zstandard.ZstdDecompressor().decompress(data)
    return data.splitlines()


def write_file(path, values: list[bytes]):
    path.write_bytes(b"".join(v + b"\n" for v in values))
    return path


def test_a_second_file_in_an_hour_the_first_wrote_adds_its_events(tmp_path):
    """The repro: 3 plays at 00:10/00:20/00:30, then a file starting at 00:40: bronze holds all 4."""
    lake = LocalLake(tmp_path / "lake")
    first = write_file(tmp_path / "a.ndjson", [play(1, 0, 10), play(2, 0, 20), play(3, 0, 30)])
    second = write_file(tmp_path / "b.ndjson", [play(4, 0, 40)])
    land_file(first, lake, TOPIC)
    land_file(second, lake, TOPIC)
    assert len(bronze_ids(lake)) == 4
    assert file_partition(first) != file_partition(second)
    assert min(file_partition(first), file_partition(second)) >= FILE_PARTITIONS  # never a Kafka partition


def test_landing_the_same_file_again_rewrites_the_same_keys(tmp_path):
    lake = LocalLake(tmp_path / "lake")
    path = write_file(tmp_path / "a.ndjson", [play(i, i % 3, i) for i in range(30)])
    land_file(path, lake, TOPIC, max_records=7)
    before = lake.list("bronze/")
    copy = write_file(tmp_path / "copy.ndjson", path.read_bytes().splitlines())  # the identity is the bytes
    again = land_file(copy, lake, TOPIC, max_records=7)
    assert lake.list("bronze/") == before
    assert again.files == 0 and again.unchanged_files == len(before) and again.replaced_files == 0


@pytest.mark.parametrize("kind", ["memory", "local"])
def test_two_streams_at_one_position_are_refused_not_overwritten(tmp_path, kind):
    lake = MemoryLake() if kind == "memory" else LocalLake(tmp_path / "lake")
    land_batches([Batch(0, [None] * 3, [play(1, 0, 10), play(2, 0, 20), play(3, 0, 30)])], lake, TOPIC)
    stored = {info.key: lake.get(info.key) for info in lake.list("bronze/")}
    with pytest.raises(LakeConflict, match="not a cut of the same records") as raised:
        land_batches([Batch(0, [None], [play(4, 0, 40)])], lake, TOPIC)  # offset 0 again, other bytes
    assert raised.value.key in stored
    assert {info.key: lake.get(info.key) for info in lake.list("bronze/")} == stored


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_a_replay_whose_idle_cut_moved_may_replace_its_file(compression, caplog):
    """Idle flush at 5 records written, crash before commit, replay cuts at 8 (then at 3): allowed."""
    values = [play(i, 0, i) for i in range(8)]
    lake = MemoryLake()
    writer = bronze_writer(lake, TOPIC, compression=compression)
    writer.add_many(0, range(5), values[:5])
    writer.flush()  # the idle flush; its commit is lost in the crash
    replay = bronze_writer(lake, TOPIC, compression=compression)
    replay.add_many(0, range(8), values)
    with caplog.at_level(logging.WARNING, logger="spotify_mds.landing.files"):
        replay.flush()
    assert replay.stats.replaced_files == 1 and "held 5 records, the replay's cut holds 8" in caplog.text
    assert len(bronze_ids(lake)) == 8

    shorter = bronze_writer(lake, TOPIC, compression=compression)
    shorter.add_many(0, range(3), values[:3])
    shorter.flush()  # an earlier cut: records 3.. are in the file that starts at offset 3
    shorter.add_many(0, range(3, 8), values[3:])
    shorter.flush()
    assert shorter.stats.replaced_files == 1
    assert bronze_ids(lake) == sorted(json.loads(v)["event_id"] for v in values)


def test_a_conflict_in_a_background_write_stops_the_writer_instead_of_retrying():
    lake = MemoryLake()
    land_batches([Batch(0, [None] * 2, [play(1, 0, 10), play(2, 0, 20)])], lake, TOPIC)
    writer = bronze_writer(lake, TOPIC, max_inflight=2)
    writer.add_many(0, range(1), [play(9, 0, 50)])
    with pytest.raises(LakeConflict):
        writer.flush()
    assert writer.stats.failed_writes == 0  # not counted as a storage outage


def test_puts_without_a_rule_still_replace(tmp_path):
    """Gold exports and state files are meant to be rewritten: only callers that ask are guarded."""
    for lake in (MemoryLake(), LocalLake(tmp_path / "lake")):
        assert lake.put("gold/x.parquet", b"one") and lake.put("gold/x.parquet", b"two")
        assert lake.get("gold/x.parquet") == b"two"
        with pytest.raises(LakeConflict):
            lake.put("gold/x.parquet", b"three", may_replace=lambda key, stored, new: False)
        assert lake.get("gold/x.parquet") == b"two"
        assert not lake.put("gold/x.parquet", b"two", may_replace=lambda key, stored, new: False)


def test_embedded_runs_of_two_configs_both_stay_and_a_rerun_changes_nothing(tmp_path, monkeypatch):
    from spotify_mds.results import RunSummary
    from spotify_mds.runner import land_embedded, lake_from
    from spotify_mds.settings import load_settings
    from spotify_mds.pipelines.streams.simulate import SimConfig

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    settings = load_settings()
    landed = []
    for seed in (1, 2):
        summary = RunSummary()
        summary.add(land_embedded(settings, SimConfig(seed=seed, users=50, max_events=400)))
        landed.append(summary.landed)
    lake = lake_from(settings)
    before = lake.list("bronze/")
    assert len(bronze_ids(lake)) == sum(landed)  # the second seed's stream did not replace the first's
    land_embedded(settings, SimConfig(seed=1, users=50, max_events=400))
    assert lake.list("bronze/") == before


def test_a_follow_restart_after_a_crash_between_flush_and_commit_overwrites_nothing():
    """The state (its commit) is written after the files: a crash in between leaves files past it."""
    import threading
    from datetime import datetime, timezone

    from spotify_mds.follow import FollowStats, ingest, state_key
    from spotify_mds.pipelines.streams.simulate import SimConfig

    lake = MemoryLake()

    def run(minute: int) -> FollowStats:
        config = SimConfig(seed=3, users=50, start=datetime(2026, 11, 2, 0, minute, tzinfo=timezone.utc), max_events=300)
        stats = FollowStats()
        ingest(config, lake, TOPIC, threading.Event(), stats, clock=lambda: 4e9)  # every event already due
        return stats

    first = run(0)
    del lake.objects[state_key(TOPIC)]  # the crash: files written, their commit lost
    stored = {info.key: lake.get(info.key) for info in lake.list("bronze/")}
    second = run(1)  # restarted a minute later: another stream at the same offsets
    assert all(lake.get(key) == data for key, data in stored.items())
    assert len(bronze_ids(lake)) == first.landed + second.landed


def test_continuous_mode_lands_with_the_landing_options_from_settings():
    """`run --follow` cuts and compresses as `LAND_*` say (one place turns settings into options)."""
    import threading
    from datetime import datetime, timezone

    from spotify_mds.follow import FollowStats, ingest
    from spotify_mds.landing import LandingOptions
    from spotify_mds.settings import Settings
    from spotify_mds.pipelines.streams.simulate import SimConfig

    settings = Settings(_env_file=None, land_compression="gzip", land_max_records=40, land_max_inflight=4)
    options = LandingOptions.from_settings(settings)
    assert (options.compression, options.max_records, options.max_inflight) == ("gzip", 40, 4)
    lake, stats = MemoryLake(), FollowStats()
    config = SimConfig(seed=4, users=50, start=datetime(2026, 11, 2, tzinfo=timezone.utc), max_events=300)
    ingest(config, lake, TOPIC, threading.Event(), stats, options=options, clock=lambda: 4e9)
    keys = [info.key for info in lake.list("bronze/")]
    assert keys and all(key.endswith(".ndjson.gz") for key in keys)
    assert all(len(gzip.decompress(lake.get(key)).splitlines()) <= 40 for key in keys)
    assert stats.landed + stats.quarantined == stats.released


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_land_from_a_file_that_cannot_be_read_is_one_line(mds, tmp_path, what):
    path = tmp_path / "events.ndjson"
    if what == "folder":
        path.mkdir()
    status, err = mds("land", "--from-file", str(path), DATA_DIR=str(tmp_path / "data"))
    assert status == 1
    # The CLI checks the path before landing (cli.py); `land_file` itself raises the same class.
    (line,) = err.strip().splitlines()
    assert line.startswith("ConfigError: ") and str(path) in line
    assert ("does not exist" if what == "missing" else "is a folder") in line
