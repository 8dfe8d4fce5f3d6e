"""Shared by the gold ground-truth tests: a messy dataset, its truth in plain Python, gold as data.

The dataset is the simulator's output made realistic on purpose: some users change subscription
level mid-way, ~3 % of events are delivered twice (in the same batch and in a later one), and ~5 %
arrive late (in the second batch, for hours the first batch already loaded). The truth is computed
from the unique events with nothing but the standard library — no SQL, no code shared with dbt.
"""

from __future__ import annotations

import json
import random
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from spotify_mds.pipelines.streams.simulate import Batch, SimConfig, simulate

START = datetime(2026, 11, 2, tzinfo=timezone.utc)  # a Monday
SESSION_GAP_MS = 30 * 60 * 1000
VALID_PLAY_MS = 30_000  # a listen of at least 30 s is a valid play (a stream)


@dataclass
class Dataset:
    first: list[bytes]
    """Lines landed and loaded first (with duplicates, without the late events)."""
    second: list[bytes]
    """Lines landed later: the rest, the late events of earlier hours, duplicates of the first."""
    unique: list[dict]
    """Every distinct event, parsed: the ground truth's input."""


def make_dataset(*, users: int = 160, days: float = 8.0, seed: int = 11) -> Dataset:
    # Not fewer users: the simulator fails on an hour without any session (reported upstream).
    config = SimConfig(seed=seed, users=users, days=days, start=START)
    lines = [value for batch in simulate(config) for value in batch.values]
    rng = random.Random(seed)
    # Some users change level mid-way (free → paid, or back): level_conversions_daily has something to count.
    switch_at = (START + timedelta(days=days / 2)).replace(tzinfo=None)
    switchers = {json.loads(line)["user_id"] for line in rng.sample(lines, 40)}
    changed = []
    for line in lines:
        event = json.loads(line)
        if event["user_id"] in switchers and _parse(event["timestamp"]) >= switch_at:
            flipped = "paid" if event["level"] == "free" else "free"
            line = line.replace(f'"level":"{event["level"]}"'.encode(), f'"level":"{flipped}"'.encode())
        changed.append(line)
    lines = changed
    cut = int(len(lines) * 0.7)
    early, late_part = lines[:cut], lines[cut:]
    late = set(rng.sample(range(len(early)), len(early) // 20))
    first = [line for i, line in enumerate(early) if i not in late]
    first += rng.sample(first, len(first) // 50)  # duplicates within the first delivery
    second = list(late_part) + [early[i] for i in sorted(late)]
    second += rng.sample(first, len(first) // 50)  # duplicates of events loaded before
    rng.shuffle(second)  # arrival order is not event-time order
    unique = {}
    for line in lines:
        event = json.loads(line)
        event["at"] = _parse(event["timestamp"])
        unique[event["event_id"]] = event
    return Dataset(first, second, list(unique.values()))


def batches(lines: list[bytes], first_offset: int) -> list[Batch]:
    return [Batch(first_offset, [None] * len(lines), lines)]


def _parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ")


def _ms(moment: datetime) -> int:
    return round(moment.replace(tzinfo=timezone.utc).timestamp() * 1000)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _top(counts: dict, users: dict, limit: int, rank_key) -> list[tuple]:
    """Rank within each partition by plays desc then id, keep `limit`."""
    by_partition = defaultdict(list)
    for key, plays in counts.items():
        *partition, item = key
        by_partition[tuple(partition)].append((item, plays, len(users[key])))
    rows = []
    for partition, items in by_partition.items():
        for rank, (item, plays, listeners) in enumerate(sorted(items, key=lambda x: (-x[1], x[0]))[:limit], 1):
            rows.append((*partition, rank, item, plays, listeners))
    return rows


def truth(events: list[dict]) -> dict[str, set[tuple]]:
    """Every gold mart, as a set of rows in contract column order, from unique events."""
    plays = [e for e in events if e["event_type"] == "play"]
    starts = [e for e in events if e["event_type"] in ("play", "skip")]
    gold: dict[str, set[tuple]] = {}

    hour = lambda e: e["at"].replace(minute=0, second=0, microsecond=0)  # noqa: E731
    day = lambda e: e["at"].date()  # noqa: E731

    # plays_hourly: plays and the users who played; time listened over plays and skips (one rule
    # with listening_hourly_by_country_device), so an hour with only skips is a row with 0 plays.
    acc = defaultdict(lambda: [0, set(), 0])
    for e in starts:
        row = acc[hour(e)]
        if e["event_type"] == "play":
            row[0] += 1
            row[1].add(e["user_id"])
        row[2] += e["ms_played"]
    gold["plays_hourly"] = {(h, n, len(u), ms) for h, (n, u, ms) in acc.items()}

    # plays_hourly_by_country: the same per country (its listeners are not a sum over devices)
    acc = defaultdict(lambda: [0, set(), 0])
    for e in starts:
        row = acc[(hour(e), e["country"])]
        if e["event_type"] == "play":
            row[0] += 1
            row[1].add(e["user_id"])
        row[2] += e["ms_played"]
    gold["plays_hourly_by_country"] = {(h, c, n, len(u), ms) for (h, c), (n, u, ms) in acc.items()}

    # listening_hourly_by_country_device
    acc = defaultdict(lambda: {"play": 0, "skip": 0, "pause": 0, "add_to_playlist": 0, "users": set(), "ms": 0})
    for e in events:
        row = acc[(hour(e), e["country"], e["device_type"])]
        row[e["event_type"]] += 1
        if e["event_type"] in ("play", "skip"):
            row["users"].add(e["user_id"])
            row["ms"] += e["ms_played"]
    gold["listening_hourly_by_country_device"] = {
        (*k, r["play"], r["skip"], r["pause"], r["add_to_playlist"], len(r["users"]), r["ms"]) for k, r in acc.items()
    }

    track_info = {e["song_id"]: (e["song_name"], e["artist_id"], e["artist_name"]) for e in events}
    artist_name = {e["artist_id"]: e["artist_name"] for e in events}

    # top_tracks_daily, top_tracks_daily_by_country, top_artists_daily
    counts, users = defaultdict(int), defaultdict(set)
    c_counts, c_users = defaultdict(int), defaultdict(set)
    a_counts, a_users = defaultdict(int), defaultdict(set)
    for e in plays:
        for cnt, usr, key in (
            (counts, users, (day(e), e["song_id"])),
            (c_counts, c_users, (day(e), e["country"], e["song_id"])),
            (a_counts, a_users, (day(e), e["artist_id"])),
        ):
            cnt[key] += 1
            usr[key].add(e["user_id"])
    gold["top_tracks_daily"] = {
        (d, rank, t, *track_info[t], n, u) for d, rank, t, n, u in _top(counts, users, 50, None)
    }
    gold["top_tracks_daily_by_country"] = {
        (d, c, rank, t, *track_info[t], n, u) for d, c, rank, t, n, u in _top(c_counts, c_users, 20, None)
    }
    gold["top_artists_daily"] = {(d, rank, a, artist_name[a], n, u) for d, rank, a, n, u in _top(a_counts, a_users, 50, None)}

    # tracks, artists: every entity listened to (a play or a skip), with its listens' figures
    valid = lambda e: e["event_type"] in ("play", "skip") and e["ms_played"] >= VALID_PLAY_MS  # noqa: E731
    for mart, key_of, info in (
        ("tracks", lambda e: e["song_id"], lambda k, row: track_info[k]),
        ("artists", lambda e: e["artist_id"], lambda k, row: (artist_name[k], len(row["tracks"]))),
    ):
        acc = defaultdict(lambda: {"at": [], "starts": 0, "plays": 0, "valid": 0, "skips": 0, "users": set(), "ms": 0, "done": 0, "tracks": set()})
        for e in starts:
            row = acc[key_of(e)]
            row["tracks"].add(e["song_id"])
            row["at"].append(e["at"])
            row["starts"] += 1
            row["plays"] += e["event_type"] == "play"
            row["valid"] += valid(e)
            row["skips"] += e["event_type"] == "skip"
            row["users"].add(e["user_id"])
            row["ms"] += e["ms_played"]
            row["done"] += e["duration_ms"] is not None and e["ms_played"] >= e["duration_ms"]
        gold[mart] = {
            (
                k, *info(k, r), min(r["at"]), max(r["at"]), r["starts"], r["plays"], r["valid"],
                r["skips"], len(r["users"]), r["ms"], r["skips"] / r["starts"], r["done"] / r["starts"],
            )
            for k, r in acc.items()
        }

    # plays_daily_by_device, plays_daily_by_country
    for mart, field in (("plays_daily_by_device", "device_type"), ("plays_daily_by_country", "country")):
        acc = defaultdict(lambda: [0, set()])
        for e in plays:
            row = acc[(day(e), e[field])]
            row[0] += 1
            row[1].add(e["user_id"])
        gold[mart] = {(*k, n, len(u)) for k, (n, u) in acc.items()}

    # active_users_daily
    acc = defaultdict(lambda: [set(), set(), 0])
    for e in events:
        row = acc[day(e)]
        row[0].add(e["user_id"])
        if e["event_type"] == "play":
            row[1].add(e["user_id"])
        row[2] += 1
    gold["active_users_daily"] = {(d, len(a), len(lst), n) for d, (a, lst, n) in acc.items()}

    # active_users_daily_by_country: the country of each event
    acc = defaultdict(lambda: [set(), set(), 0])
    for e in events:
        row = acc[(day(e), e["country"])]
        row[0].add(e["user_id"])
        if e["event_type"] == "play":
            row[1].add(e["user_id"])
        row[2] += 1
    gold["active_users_daily_by_country"] = {(*k, len(a), len(lst), n) for k, (a, lst, n) in acc.items()}

    # active_users_by_period
    periods = {
        "day": lambda d: d,
        "week": _monday,
        "month": lambda d: d.replace(day=1),
    }
    acc = defaultdict(set)
    for e in events:
        for period, start_of in periods.items():
            acc[(period, start_of(day(e)))].add(e["user_id"])
    gold["active_users_by_period"] = {(*k, len(u)) for k, u in acc.items()}

    # sessions (30-minute gap) → sessions_daily
    by_user = defaultdict(list)
    for e in events:
        by_user[e["user_id"]].append(e)
    sessions = []  # (user, first event date, duration ms, first event's country)
    for user, evs in by_user.items():
        evs.sort(key=lambda e: (e["at"], e["event_id"]))
        first, last, country = evs[0]["at"], evs[0]["at"], evs[0]["country"]
        for e in evs[1:]:
            if _ms(e["at"]) - _ms(last) > SESSION_GAP_MS:
                sessions.append((user, first.date(), _ms(last) - _ms(first), country))
                first, country = e["at"], e["country"]
            last = e["at"]
        sessions.append((user, first.date(), _ms(last) - _ms(first), country))
    acc = defaultdict(list)
    by_country = defaultdict(list)
    for user, d, duration, country in sessions:
        acc[d].append((user, duration))
        by_country[(d, country)].append((user, duration))
    gold["sessions_daily_by_country"] = {
        (*k, len(rows), len({u for u, _ in rows}), statistics.fmean([ms for _, ms in rows]) / 60000)
        for k, rows in by_country.items()
    }
    gold["sessions_daily"] = set()
    for d, rows in acc.items():
        durations = [duration for _, duration in rows]
        n_users = len({user for user, _ in rows})
        gold["sessions_daily"].add(
            (d, len(rows), n_users, len(rows) / n_users, statistics.fmean(durations) / 60000, statistics.median(durations) / 60000)
        )

    # users: first event's country, latest level carried, sessions by the same 30-minute gap
    sessions_of = defaultdict(int)
    for user, *_ in sessions:
        sessions_of[user] += 1
    gold["users"] = set()
    for user, evs in by_user.items():  # sorted by (event time, event id) above
        levels = [e["level"] for e in evs if e.get("level") is not None]
        listens = [e for e in evs if e["event_type"] in ("play", "skip")]
        gold["users"].add((
            user, evs[0]["at"], evs[-1]["at"], evs[0]["country"], levels[-1] if levels else None, len(evs),
            sum(e["event_type"] == "play" for e in evs), sum(valid(e) for e in evs),
            sum(e["ms_played"] for e in listens), sessions_of[user], len({day(e) for e in evs}),
        ))

    # retention_weekly_by_cohort
    weeks = defaultdict(set)
    for e in events:
        weeks[e["user_id"]].add(_monday(day(e)))
    cohort = {user: min(ws) for user, ws in weeks.items()}
    size = defaultdict(int)
    for c in cohort.values():
        size[c] += 1
    retained = defaultdict(set)
    for user, ws in weeks.items():
        for w in ws:
            retained[(cohort[user], (w - cohort[user]).days // 7)].add(user)
    gold["retention_weekly_by_cohort"] = {(c, n, size[c], len(u), len(u) / size[c]) for (c, n), u in retained.items()}

    # level_conversions_daily
    acc = defaultdict(lambda: [0, 0])
    for evs in by_user.values():  # already sorted by (event time, event id)
        previous = None
        for e in evs:
            if e.get("level") is None:
                continue
            row = acc[day(e)]
            row[0] += previous == "free" and e["level"] == "paid"
            row[1] += previous == "paid" and e["level"] == "free"
            previous = e["level"]
    gold["level_conversions_daily"] = {(d, up, down) for d, (up, down) in acc.items()}
    return gold


MARTS = (
    "plays_hourly", "plays_hourly_by_country", "listening_hourly_by_country_device", "top_tracks_daily", "top_tracks_daily_by_country", "top_artists_daily",
    "tracks", "artists", "users", "plays_daily_by_device", "plays_daily_by_country", "active_users_daily",
    "active_users_daily_by_country", "active_users_by_period", "sessions_daily", "sessions_daily_by_country",
    "retention_weekly_by_cohort", "level_conversions_daily",
)  # fmt: skip


def normalise(value: object) -> object:
    """Warehouse values as the truth holds them: naive UTC datetimes, dates, ints, rounded floats."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, float):
        return round(value, 9)
    if hasattr(value, "as_integer_ratio") and not isinstance(value, int):  # Decimal
        return round(float(value), 9)
    return value


def comparable(rows) -> set[tuple]:
    return {tuple(normalise(v) for v in row) for row in rows}


def mismatches(expected: dict[str, set[tuple]], actual: dict[str, set[tuple]]) -> dict[str, str]:
    """Marts whose rows differ, with a few example rows each way."""
    problems = {}
    for mart in MARTS:
        want, got = comparable(expected[mart]), comparable(actual[mart])
        if want != got:
            missing, extra = sorted(want - got, key=str)[:3], sorted(got - want, key=str)[:3]
            problems[mart] = f"{len(want)} expected, {len(got)} found; missing {missing}; unexpected {extra}"
    return problems
