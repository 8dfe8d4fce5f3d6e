"""The embedded pipeline end to end: gold figures equal the same figures computed in plain Python
from the simulator's own events, a second run changes nothing, and a second load loads nothing."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime

import duckdb
import pytest
from rich.console import Console

from spotify_mds.export import mart_key, read_manifest
from spotify_mds.results import RunSummary
from spotify_mds.runner import lake_from, load, run_pipeline, sim_config
from spotify_mds.pipelines.streams.simulate import simulate

pytestmark = pytest.mark.e2e

SIM = {"seed": 11, "users": 600, "days": 2.0, "max_events": 20_000}


def ground_truth(settings):
    """The three issue-2 marts, computed from the simulator's events without SQL."""
    events = {}
    for batch in simulate(sim_config(settings, **SIM)):
        for value in batch.values:
            record = json.loads(value)
            events[record["event_id"]] = record  # dedup on event_id, as silver does
    plays_hourly = defaultdict(lambda: [0, set(), 0])
    daily_plays = defaultdict(Counter)
    daily_users = defaultdict(set)
    for record in events.values():
        moment = datetime.strptime(record["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        day = moment.date()
        daily_users[day].add(record["user_id"])
        if record["event_type"] in ("play", "skip"):  # time listened: plays and skips (dbt/macros/streams/listening.sql)
            slot = plays_hourly[moment.replace(minute=0, second=0, microsecond=0)]
            slot[2] += record["ms_played"]
        if record["event_type"] == "play":
            slot[0] += 1
            slot[1].add(record["user_id"])
            daily_plays[day][record["song_id"]] += 1
    top = {
        day: [track for track, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:50]]
        for day, counts in daily_plays.items()
    }
    return (
        len(events),
        {hour: (n, len(users), ms) for hour, (n, users, ms) in plays_hourly.items()},
        top,
        {day: len(users) for day, users in daily_users.items()},
    )


def read_gold(settings):
    lake = lake_from(settings)
    con = duckdb.connect()

    def query(mart, sql):
        return con.execute(sql.replace("MART", f"read_parquet('{lake.url(mart_key(mart))}')")).fetchall()

    plays = {row[0]: tuple(row[1:]) for row in query("plays_hourly", "SELECT hour_at, plays, listeners, ms_played FROM MART")}
    top = defaultdict(list)
    for day, track in query("top_tracks_daily", "SELECT event_date, track_id FROM MART ORDER BY event_date, track_rank"):
        top[day].append(track)
    dau = dict(query("active_users_daily", "SELECT activity_date, active_users FROM MART"))
    return plays, dict(top), dau


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    from spotify_mds.settings import Settings

    data_dir = tmp_path_factory.mktemp("pipeline") / "data"
    settings = Settings(_env_file=None, data_dir=data_dir)
    summary = run_pipeline(settings, Console(quiet=True), **SIM)
    return settings, summary


def test_counts_reconcile_through_every_stage(first_run):
    settings, summary = first_run
    events, *_ = ground_truth(settings)
    assert summary.generated == events == SIM["max_events"]
    assert summary.landed + summary.quarantined == summary.generated
    assert summary.quarantined == 0 and summary.loaded == summary.landed == events
    assert set(summary.marts) >= {"plays_hourly", "top_tracks_daily", "active_users_daily"}
    # Every exported mart holds rows: without a Spotify extract its pipeline is neither built nor exported.
    assert summary.pipelines == ["streams"]
    assert all(rows > 0 for rows in summary.marts.values())
    assert not any(mart.startswith("spotify_api") for mart in summary.marts)
    manifest = read_manifest(lake_from(settings))
    assert set(manifest["marts"]) == set(summary.marts)
    assert manifest["newest_event_at"].startswith("2026-11-0")


def test_gold_equals_the_ground_truth(first_run):
    settings, _ = first_run
    _, plays_truth, top_truth, dau_truth = ground_truth(settings)
    plays, top, dau = read_gold(settings)
    assert plays == plays_truth
    assert top == top_truth
    assert dau == dau_truth


def test_a_second_load_loads_nothing_and_a_second_run_gives_the_same_gold(first_run):
    settings, _ = first_run
    summary = RunSummary()
    summary.add(load(settings))
    assert (summary.files_loaded, summary.loaded) == (0, 0)
    before = read_gold(settings)
    again = run_pipeline(settings, Console(quiet=True), **SIM)
    assert again.files_loaded == 0  # the replay rewrote identical files: nothing new to load
    assert read_gold(settings) == before
