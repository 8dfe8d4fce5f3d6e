"""Statistical and contract tests of the simulator, on one seeded run of over a million events.

Each test states the expectation it checks. The run is generated once per module (a few seconds).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
import pytest

from spotify_mds.pipelines.streams.events import decode
from spotify_mds.pipelines.streams.simulate import Batch, SimConfig, population, simulate, write_ndjson
from spotify_mds.pipelines.streams.simulate.catalog import build_catalog
from spotify_mds.pipelines.streams.simulate.sessions import WEEKLY_SHAPE, activity_clock
from spotify_mds.pipelines.streams.simulate.users import COUNTRY_CODES, COUNTRY_SHARES, DEVICE_MIX

CONFIG = SimConfig(seed=7, users=6500)
HOUR_MS = 3_600_000


@pytest.fixture(scope="module")
def run() -> dict:
    batches = list(simulate(CONFIG))
    values = [v for b in batches for v in b.values]
    keys = [k for b in batches for k in b.keys]
    schema = pa.schema([("timestamp", pa.timestamp("ms", "UTC"))])
    table = pj.read_json(
        pa.py_buffer(b"\n".join(values)), parse_options=pj.ParseOptions(explicit_schema=schema)
    )
    cols = {name: table.column(name) for name in table.column_names}
    cols["t"] = pc.cast(table.column("timestamp"), pa.int64()).to_numpy()
    return {"batches": batches, "values": values, "keys": keys, "table": table, "cols": cols}


def _np(run, name):
    return run["cols"][name].to_numpy(zero_copy_only=False)


def _user_index(run) -> np.ndarray:
    """Each event's user number in `population(CONFIG)`."""
    pop = population(CONFIG)
    lookup = {uid.decode(): i for i, uid in enumerate(pop.user_ids)}
    return np.array([lookup[u] for u in run["cols"]["user_id"].to_pylist()])


def test_the_run_is_large_enough(run):
    """The statistics below rest on at least a million events."""
    assert len(run["values"]) >= 1_000_000


def test_batches_are_contiguous_and_keyed_by_user(run):
    """Offsets run 0, 1, 2, … across batches; each key is its record's user_id; values are one line."""
    expected = 0
    for batch in run["batches"]:
        assert isinstance(batch, Batch) and batch.first_offset == expected
        assert len(batch.keys) == len(batch.values)
        expected += len(batch)
    assert run["keys"][:1000] == [u.encode() for u in run["cols"]["user_id"].to_pylist()[:1000]]
    assert not any(b"\n" in v for v in run["values"][:10000])


def test_every_record_validates(run):
    """Every record of a clean run decodes as a ListenEvent of schema version 2, with all fields set."""
    for value in run["values"]:
        event = decode(value)
    assert event.schema_version == 2
    assert run["table"].num_columns == 15
    for name in ("artist_id", "duration_ms", "ms_played", "level"):
        assert run["cols"][name].null_count == 0


def test_emitted_in_time_order_within_span(run):
    """A clean stream is delivered in event-time order, and every event falls inside [start, end)."""
    t = run["cols"]["t"]
    assert (np.diff(t) >= 0).all()
    assert t[0] >= CONFIG.start_ms and t[-1] < CONFIG.end_ms


def test_long_tail(run):
    """Zipf-like popularity: the top 1% of the catalog's tracks take 45–75% of plays (Zipf s=1 over
    50,000 tracks gives ~60%), while more than a third of the catalog is played at least once."""
    plays = pc.filter(run["cols"]["song_id"], pc.equal(run["cols"]["event_type"], "play"))
    counts = np.sort(np.array(list(Counter(plays.to_pylist()).values())))[::-1]
    top = counts[: CONFIG.tracks // 100].sum() / counts.sum()
    assert 0.45 <= top <= 0.75, top
    assert len(counts) > CONFIG.tracks / 3


def test_users_replay_their_favorites(run):
    """People replay what they like: with `favorite_share` of plays drawn from each user's own
    favorites, at least 25% of a user's plays in the week are of a track they already played (Zipf
    popularity alone gives ~17%)."""
    plays = pc.equal(run["cols"]["event_type"], "play")
    table = pa.table({"u": run["cols"]["user_id"], "s": run["cols"]["song_id"]}).filter(plays)
    distinct = table.group_by(["u", "s"]).aggregate([]).num_rows
    assert 1 - distinct / table.num_rows >= 0.25


def test_new_releases_are_not_played_before_release_and_rise(run):
    """A track released during the span has no events before its release, and tracks released in the
    first three days get over 5× the plays of an average catalog track (they rise, then decay)."""
    catalog = build_catalog(CONFIG)
    track = np.array([int(s[2:]) for s in run["cols"]["song_id"].to_pylist()])
    t = run["cols"]["t"]
    assert (t >= catalog.release_ms[track]).all()
    new = np.flatnonzero(catalog.base_weight == 0)
    early = new[catalog.release_ms[new] < CONFIG.start_ms + 3 * 86_400_000]
    plays_of_new = np.isin(track, early).sum() / max(len(early), 1)
    plays_of_median = len(track) / CONFIG.tracks
    assert plays_of_new > 5 * plays_of_median


def test_new_releases_decay(run):
    """New releases peak `release_peak_days` after release, then decay: plays of tracks released in the
    first two days are at least 20% higher at ages 1.5–2.5 days than at ages 4–5 days."""
    catalog = build_catalog(CONFIG)
    new = catalog.new_tracks[catalog.release_ms[catalog.new_tracks] < CONFIG.start_ms + 2 * 86_400_000]
    track = np.array([int(s[2:]) for s in run["cols"]["song_id"].to_pylist()])
    mine = np.isin(track, new)
    age_days = (run["cols"]["t"][mine] - catalog.release_ms[track[mine]]) / 86_400_000
    at_peak = ((age_days >= 1.5) & (age_days < 2.5)).sum()
    later = ((age_days >= 4) & (age_days < 5)).sum()
    assert at_peak > 1.2 * later > 0, (at_peak, later)


def test_join_and_churn(run):
    """No user listens before joining or after churning (a session running at churn stops there); some
    users join during the span."""
    pop = population(CONFIG)
    users = _user_index(run)
    t = run["cols"]["t"]
    assert (t >= pop.join_ms[users]).all()
    assert (t < pop.churn_ms[users]).all()
    assert (
        pop.join_ms[np.unique(users)] > CONFIG.start_ms
    ).sum() > 0.5 * CONFIG.new_user_share * CONFIG.users


def test_local_time_daily_cycle(run):
    """In users' local time, the busiest evening hour (18–23) has at least 3× the plays of the quietest
    night hour (2–5)."""
    pop = population(CONFIG)
    users = _user_index(run)
    local = (run["cols"]["t"] + pop.tz_offset_min[users].astype(np.int64) * 60_000) // HOUR_MS % 24
    hourly = np.bincount(local, minlength=24)
    assert hourly[18:24].max() >= 3 * hourly[2:6].min(), hourly


def test_local_time_weekly_cycle(run):
    """Weekends start later: the 7–9 am local share of a day's events is lower on Saturday and Sunday
    than on weekdays, and the late-night (0–2 am) share is higher, as WEEKLY_SHAPE says."""
    pop = population(CONFIG)
    users = _user_index(run)
    local_ms = run["cols"]["t"] + pop.tz_offset_min[users].astype(np.int64) * 60_000
    hour = local_ms // HOUR_MS % 24
    weekday = (local_ms // 86_400_000 + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
    weekend = weekday >= 5
    morning, night = (hour >= 7) & (hour < 9), hour < 2
    assert morning[weekend].mean() < 0.7 * morning[~weekend].mean()
    assert night[weekend].mean() > 1.3 * night[~weekend].mean()
    assert WEEKLY_SHAPE[5, 7:9].sum() < WEEKLY_SHAPE[0, 7:9].sum()


def test_skip_rate_and_skip_position(run):
    """Skips are `skip_probability` ± 0.01 of finished tracks; `early_skip_share` ± 0.02 of them happen in
    the first 30 s; a skip stops before the end and a play runs to it."""
    kind = _np(run, "event_type")
    played, duration = _np(run, "ms_played"), _np(run, "duration_ms")
    skips, plays = kind == "skip", kind == "play"
    rate = skips.sum() / (skips.sum() + plays.sum())
    assert abs(rate - CONFIG.skip_probability) <= 0.01, rate
    early = (played[skips] < 30_000).mean()
    assert abs(early - CONFIG.early_skip_share) <= 0.02, early
    assert (played[skips] < duration[skips]).all()
    assert (played[plays] == duration[plays]).all()
    assert (played <= duration).all() and (played >= 0).all()


def test_pauses_and_playlist_adds(run):
    """Pauses are `pause_probability` ± 0.005 of tracks, mid-track; playlist adds are
    `playlist_add_probability` ± 0.005 of tracks listened through, in their last 25 seconds."""
    kind = _np(run, "event_type")
    played, duration = _np(run, "ms_played"), _np(run, "duration_ms")
    tracks = ((kind == "play") | (kind == "skip")).sum()
    assert abs((kind == "pause").sum() / tracks - CONFIG.pause_probability) <= 0.005
    adds = kind == "add_to_playlist"
    assert abs(adds.sum() / (kind == "play").sum() - CONFIG.playlist_add_probability) <= 0.005
    assert (duration[adds] - played[adds] <= 25_000).all()
    assert (played[kind == "pause"] < duration[kind == "pause"]).all()


def _sessions(run):
    """Per session: user, first and last event time, tracks; ordered by user then time."""
    table = pa.table({
        "user_id": run["cols"]["user_id"],
        "session_id": run["cols"]["session_id"],
        "t": run["cols"]["t"],
        "track": pc.is_in(run["cols"]["event_type"], pa.array(["play", "skip"])).cast(pa.int64()),
        "device_type": run["cols"]["device_type"],
        "country": run["cols"]["country"],
    })  # fmt: skip
    grouped = table.group_by(["user_id", "session_id"]).aggregate(
        [
            ("t", "min"),
            ("t", "max"),
            ("track", "sum"),
            ("device_type", "min"),
            ("device_type", "max"),
            ("country", "min"),
        ]
    )
    return grouped.sort_by([("user_id", "ascending"), ("t_min", "ascending")])


def test_session_lengths_are_geometric(run):
    """Tracks per session follow a geometric law: mean `mean_tracks_per_session` ± 3%, and the share of
    one-track sessions is 1/mean ± 0.01. One device per session."""
    sessions = _sessions(run)
    tracks = sessions.column("track_sum").to_numpy()
    # sessions cut by the end of the span are shorter: leave out the last 6 hours
    complete = sessions.column("t_max").to_numpy() < CONFIG.end_ms - 6 * HOUR_MS
    mean = tracks[complete].mean()
    assert abs(mean / CONFIG.mean_tracks_per_session - 1) <= 0.03, mean
    assert abs((tracks[complete] == 1).mean() - 1 / CONFIG.mean_tracks_per_session) <= 0.01
    assert sessions.column("device_type_min") == sessions.column("device_type_max")


def test_session_gaps(run):
    """A user's sessions are at least 30 minutes apart, and no two events of one session are 30 minutes
    apart: sessionising on a 30-minute gap (as dbt does) finds exactly the simulator's sessions.
    Between sessions, the wait beyond the 30 minutes, measured on the user's activity clock, is Exp(1):
    P(wait ≤ w) = 1 - e^-w at w = 0.25, ln 2 and 1.5 (± 0.02), counting only gaps the span could show."""
    sessions = _sessions(run)
    users = sessions.column("user_id").to_pylist()
    start, end = sessions.column("t_min").to_numpy(), sessions.column("t_max").to_numpy()
    same_user = np.array(users[1:]) == np.array(users[:-1])
    gap_ms = CONFIG.min_session_gap_minutes * 60_000
    assert (start[1:][same_user] - end[:-1][same_user] >= gap_ms).all()

    t = run["cols"]["t"]
    uid = run["cols"]["user_id"]
    order = pc.sort_indices(
        pa.table({"u": uid, "t": t}), sort_keys=[("u", "ascending"), ("t", "ascending")]
    ).to_numpy()
    u_sorted = np.asarray(uid.take(pa.array(order)).to_pylist())
    s_sorted = np.asarray(run["cols"]["session_id"].take(pa.array(order)).to_pylist())
    t_sorted = t[order]
    new_user = np.r_[True, u_sorted[1:] != u_sorted[:-1]]
    new_session = new_user | np.r_[True, np.diff(t_sorted) > gap_ms]
    assert (new_session == np.r_[True, s_sorted[1:] != s_sorted[:-1]]).all()

    pop = population(CONFIG)
    lookup = {u.decode(): i for i, u in enumerate(pop.user_ids)}
    index = np.array([lookup[u] for u in users])
    tz, rate = pop.tz_offset_min[index], pop.sessions_per_day[index]
    scale = rate / 24.0
    after = activity_clock(end + gap_ms, tz)
    # the first event comes shortly after a session starts: a bias of minutes, well inside the band
    wait = (activity_clock(start, tz)[1:] - after[:-1]) * scale[:-1]
    horizon = (activity_clock(np.minimum(CONFIG.end_ms, pop.churn_ms[index]), tz) - after) * scale
    for w in (0.25, math.log(2), 1.5):
        eligible = horizon > w + 0.1
        hit = np.zeros(len(users), bool)
        hit[:-1] = same_user & (wait <= w)
        share = hit[eligible].mean()
        assert abs(share - (1 - math.exp(-w))) <= 0.02, (w, share)


def test_country_mix(run):
    """Users' home countries follow COUNTRY_SHARES (± 0.015 each, over the users seen in the run)."""
    table = pa.table({"u": run["cols"]["user_id"], "c": run["cols"]["country"]})
    users = table.group_by("u").aggregate([("c", "min")]).column("c_min").to_pylist()
    counts = Counter(users)
    for code, share in zip(COUNTRY_CODES, COUNTRY_SHARES):
        assert abs(counts[code] / len(users) - share) <= 0.015, code


def test_device_mix_by_country(run):
    """Sessions' devices follow their country's DEVICE_MIX: within ± 0.05 per device in each country
    with ≥ 400 listening users (sessions cluster by user: 70% are on the user's usual device, so the
    noise is that of a few hundred users), and within ± 0.02 over all countries."""
    from spotify_mds.pipelines.streams.events import DEVICE_TYPES

    sessions = _sessions(run)
    country = sessions.column("country_min").to_pylist()
    device = sessions.column("device_type_min").to_pylist()
    users_per_country = Counter(
        pa.table({"u": run["cols"]["user_id"], "c": run["cols"]["country"]})
        .group_by("u").aggregate([("c", "min")]).column("c_min").to_pylist()
    )  # fmt: skip
    per_country = Counter(country)
    pairs = Counter(zip(country, device))
    checked = 0
    expected_overall = np.zeros(len(DEVICE_TYPES))
    for c, code in enumerate(COUNTRY_CODES):
        expected_overall += DEVICE_MIX[c] * per_country[code] / len(country)
        if users_per_country[code] < 400:
            continue
        checked += 1
        for d, name in enumerate(DEVICE_TYPES):
            assert abs(pairs[code, name] / per_country[code] - DEVICE_MIX[c, d]) <= 0.05, (code, name)
    assert checked >= 4
    overall = Counter(device)
    for d, name in enumerate(DEVICE_TYPES):
        assert abs(overall[name] / len(device) - expected_overall[d]) <= 0.02, name


def test_levels_change_over_a_users_life(run):
    """Some users upgrade (free then paid) and some cancel (paid then free) within the week; the paid
    share of users is `paid_share` ± 0.03."""
    table = pa.table({"u": run["cols"]["user_id"], "t": run["cols"]["t"], "level": run["cols"]["level"]})
    table = table.sort_by([("u", "ascending"), ("t", "ascending")])
    u = np.asarray(table.column("u").to_pylist())
    paid = np.asarray(table.column("level").to_pylist()) == "paid"
    same = u[1:] == u[:-1]
    upgrades = (same & ~paid[:-1] & paid[1:]).sum()
    cancels = (same & paid[:-1] & ~paid[1:]).sum()
    assert upgrades > 10 and cancels > 5, (upgrades, cancels)
    first = np.r_[True, ~same]
    assert abs(paid[first].mean() - CONFIG.paid_share) <= 0.03


def test_same_seed_same_bytes_other_seed_other_stream():
    """The same config gives byte-identical output; another seed gives a different stream."""
    small = SimConfig(seed=11, users=300, days=2)
    first = [v for b in simulate(small) for v in b.values]
    again = [v for b in simulate(small) for v in b.values]
    other = [v for b in simulate(SimConfig(seed=12, users=300, days=2)) for v in b.values]
    assert first == again and len(first) > 5000
    assert first != other and not set(first[:100]) & set(other)


def test_max_events_is_a_prefix_and_ndjson_is_the_same_bytes(tmp_path):
    """`max_events` stops the same stream early; `write_ndjson` writes the same records, one per line."""
    small = SimConfig(seed=3, users=300, days=2)
    full = [v for b in simulate(small) for v in b.values]
    cut = [v for b in simulate(SimConfig(seed=3, users=300, days=2, max_events=1234)) for v in b.values]
    assert cut == full[:1234]
    path = tmp_path / "events.ndjson"
    with path.open("wb") as sink:
        assert write_ndjson(small, sink) == len(full)
    assert path.read_bytes() == b"".join(v + b"\n" for v in full)
