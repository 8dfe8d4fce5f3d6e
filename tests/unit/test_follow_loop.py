"""Continuous mode's loop, in process: micro-batches every interval, a failed cycle does not end the
stream, and after the stop one last cycle loads what the ingest thread flushed on its way out.

The real-time run over DuckDB and dbt (a stop, then a restart) is tests/e2e/test_follow.py; the
ingest thread's crash and landing options are in test_land_positions.py.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from spotify_mds.errors import WarehouseError
from spotify_mds.follow import FollowStats, committed_offset, follow, live_config, state_key
from spotify_mds.lake import MemoryLake
from spotify_mds.pipelines.streams.simulate import SimConfig

TOPIC = "spotify.streams"
PAST = datetime(2026, 11, 2, tzinfo=timezone.utc)  # every event of the stream is already due


def landed_ids(lake: MemoryLake) -> set[str]:
    return {
        json.loads(line)["event_id"]
        for info in lake.list("bronze/")
        for line in lake.get(info.key).splitlines()
    }


def run(
    lake: MemoryLake, cycles_before_stop: int, *, fail_on: int | None = None, seed: int = 3
) -> tuple[FollowStats, list[int]]:
    """`follow` with a fake load that counts what bronze holds; stop after `cycles_before_stop`."""
    stop = threading.Event()
    seen: set[str] = set()
    calls: list[int] = []

    def cycle() -> int:
        calls.append(len(calls) + 1)
        if len(calls) == fail_on:
            raise WarehouseError("warehouse away for one cycle")
        new = landed_ids(lake) - seen
        seen.update(new)
        return len(new)

    def on_cycle(stats: FollowStats) -> None:
        if stats.cycles >= cycles_before_stop:
            stop.set()

    config = SimConfig(seed=seed, users=50, start=PAST, max_events=300)
    stats = follow(config, lake, TOPIC, cycle, stop, interval=0.01, idle_flush=0.0, on_cycle=on_cycle,
                   freshness=lambda started: [0.5])  # fmt: skip
    return stats, calls


def test_cycles_run_until_stop_then_one_last_cycle_loads_everything_that_landed():
    lake = MemoryLake()
    stats, calls = run(lake, cycles_before_stop=2)
    assert stats.cycles == len(calls) == 3  # two on the interval, the last after the stop
    assert stats.released == 300 and stats.landed + stats.quarantined == stats.released
    assert stats.loaded == stats.landed == len(landed_ids(lake))  # nothing lost, nothing doubled
    assert stats.freshness_seconds == [0.5] * 3 and stats.percentile(0.5) == 0.5
    assert not stats.errors
    assert committed_offset(lake, TOPIC) == 300  # the ingest thread's commit, for a restart


def test_a_failed_cycle_is_reported_and_the_stream_goes_on():
    lake = MemoryLake()
    stats, calls = run(lake, cycles_before_stop=2, fail_on=1)
    assert stats.errors == ["WarehouseError: warehouse away for one cycle"]
    assert stats.cycles == 3 and stats.loaded == stats.landed  # the next cycles caught up


def test_a_restart_continues_after_the_committed_offset():
    lake = MemoryLake()
    first, _ = run(lake, cycles_before_stop=1)
    second, _ = run(lake, cycles_before_stop=1)
    assert committed_offset(lake, TOPIC) == 600
    assert len(landed_ids(lake)) == first.landed + second.landed  # no key reused, no event replaced


def test_without_state_the_stream_starts_at_offset_zero_and_a_broken_state_too():
    lake = MemoryLake()
    assert committed_offset(lake, TOPIC) == 0
    lake.put(state_key(TOPIC), b"not json")
    assert committed_offset(lake, TOPIC) == 0
    assert state_key(TOPIC) == "state/embedded/spotify.streams.json"


def test_live_config_starts_now_minus_the_backlog_on_a_whole_minute():
    now = datetime(2026, 12, 2, 6, 30, 45, 123_000, tzinfo=timezone.utc)
    config = live_config(SimConfig(seed=7, users=50, max_events=10), backlog_minutes=5, now=now)
    assert config.start == datetime(2026, 12, 2, 6, 25, tzinfo=timezone.utc)
    assert config.max_events is None and config.days == 365.0
    assert config.seed == 7 + int(config.start.timestamp())  # another minute, another stream
    assert live_config(SimConfig(seed=7), now=now + timedelta(minutes=1)).seed != config.seed


@pytest.mark.parametrize("q", [0.0, 0.5, 0.99])
def test_percentile_of_no_measure_is_none(q):
    assert FollowStats().percentile(q) is None
