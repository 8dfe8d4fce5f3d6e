"""Synthetic gold marts: every mart of the contract, plausible and deterministic, written to a lake.

For tests and screenshots of the dashboards, the report and the Metabase checks, so they need neither
the whole pipeline nor the marts the warehouse does not build yet. Real data comes from `export`.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from spotify_mds.presentation.dashboard.contract import gold_contract
from spotify_mds.export import MANIFEST_KEY, mart_key
from spotify_mds.lake import Lake

COUNTRIES = ("US", "GB", "DE", "BR", "SE", "FR", "IN", "JP")
COUNTRY_WEIGHTS = (0.30, 0.14, 0.12, 0.12, 0.09, 0.09, 0.08, 0.06)
COUNTRY_OFFSETS = (-5, 0, 1, -3, 1, 1, 5, 9)  # UTC offset: the daily curve peaks in local evening
DEVICES = ("mobile", "desktop", "web", "smart_speaker")
DEVICE_WEIGHTS = (0.58, 0.22, 0.12, 0.08)
ARTISTS = (
    "Aurora Vale", "The Night Owls", "Kito Mensah", "Lina Sol", "Static Bloom", "Otto Brandt",
    "Maya Reyes", "Neon Harbor", "Saga Lund", "Dj Paulo", "Hana Mori", "Velvet Echo",
    "Ravi Kapoor", "Blue Meridian", "Clara Voss", "Fado Norte",
)
# Names an attacker could give a track, an artist or a device: each must be shown as the text it is.
HOSTILE_NAMES = (
    '<a href="https://evil.example/">click me</a>',
    '<span style="position:fixed;inset:0;background:#E8115B" id="injected">painted over</span>',
    '<img src="x" onerror="document.body.dataset.injected=1">',
    "<b>bold</b> &amp; $\\frac{1}$ %{y} {{country}}",
)
WORDS = ("Midnight", "Golden", "Echoes", "Rain", "Fire", "City", "Lights", "Ocean", "Dreams", "Run",
         "Summer", "Electric", "Heart", "Wild", "Paper", "Moon", "Silver", "Home", "Static", "Bloom")


def _tracks(rng: np.random.Generator, count: int, artists: tuple[str, ...],
            hostile: bool) -> list[tuple[str, str, str, str]]:
    tracks = []
    for i in range(count):
        artist = i % len(artists)
        name = f"{WORDS[rng.integers(len(WORDS))]} {WORDS[rng.integers(len(WORDS))]}"
        if hostile:
            name = f"{HOSTILE_NAMES[i % len(HOSTILE_NAMES)]} {name}"
        tracks.append((f"trk_{i:04d}", name, f"art_{artist:03d}", artists[artist]))
    return tracks


def synthetic_marts(*, start: date = date(2026, 10, 12), days: int = 28, seed: int = 7,
                    hostile: bool = False) -> dict[str, pa.Table]:
    """One Arrow table per contract mart, with the contract's columns in order.

    `hostile`: every track and artist name, and one device type, carries markup (`HOSTILE_NAMES`).
    """
    rng = np.random.default_rng(seed)
    artists, devices = ARTISTS, DEVICES
    if hostile:
        artists = tuple(f"{HOSTILE_NAMES[a % len(HOSTILE_NAMES)]} {name}" for a, name in enumerate(ARTISTS))
        devices = (DEVICES[0], HOSTILE_NAMES[0], *DEVICES[2:])
    hours = [datetime(start.year, start.month, start.day) + timedelta(hours=h) for h in range(days * 24)]
    dates = [start + timedelta(days=d) for d in range(days)]
    tracks = _tracks(rng, 80, artists, hostile)
    popularity = 1.0 / np.arange(1, len(tracks) + 1) ** 0.8
    rng.shuffle(popularity)

    contract = gold_contract()
    marts: dict[str, dict[str, list]] = {name: {col: [] for col in cols} for name, cols in contract.items()}

    def add(mart: str, *values: object) -> None:
        for column, value in zip(contract[mart], values, strict=True):
            marts[mart][column].append(value)

    # listening_hourly_by_country_device drives the hourly, device and country marts.
    daily_country: dict[tuple[date, str], int] = {}
    daily_device: dict[tuple[date, str], int] = {}
    growth = np.linspace(0.85, 1.15, len(hours))
    for h, hour in enumerate(hours):
        total_plays = total_listeners = total_ms = 0
        for c, country in enumerate(COUNTRIES):
            country_plays = country_listeners = country_ms = 0
            local = (hour.hour + COUNTRY_OFFSETS[c]) % 24
            diurnal = 0.25 + 0.75 * np.exp(-((local - 20) ** 2) / 30) + 0.35 * np.exp(-((local - 8) ** 2) / 6)
            for d, device in enumerate(devices):
                mean = 900 * COUNTRY_WEIGHTS[c] * DEVICE_WEIGHTS[d] * diurnal * growth[h]
                plays = int(rng.poisson(mean))
                listeners = max(int(plays * rng.uniform(0.35, 0.55)), min(plays, 1))
                skips = int(plays * rng.uniform(0.18, 0.32))
                pauses = int(plays * rng.uniform(0.05, 0.12))
                adds = int(plays * rng.uniform(0.01, 0.04))
                ms = int(plays * rng.normal(170_000, 15_000))
                add("listening_hourly_by_country_device", hour, country, device, plays, skips, pauses, adds, listeners, ms)
                country_plays += plays
                country_listeners += listeners
                country_ms += ms
                day = hour.date()
                daily_country[(day, country)] = daily_country.get((day, country), 0) + plays
                daily_device[(day, device)] = daily_device.get((day, device), 0) + plays
            # some listeners use two devices in an hour: a country's distinct listeners are fewer than the sum
            add("plays_hourly_by_country", hour, country, country_plays, int(country_listeners * 0.95), country_ms)
            total_plays += country_plays
            total_listeners += int(country_listeners * 0.95)
            total_ms += country_ms
        add("plays_hourly", hour, total_plays, total_listeners, total_ms)

    for (day, country), plays in sorted(daily_country.items()):
        add("plays_daily_by_country", day, country, plays, int(plays * 0.22))
    for (day, device), plays in sorted(daily_device.items()):
        add("plays_daily_by_device", day, device, plays, int(plays * 0.25))

    # Daily track charts: global top 50, per-country top 20, artists.
    starts = np.zeros(len(tracks))
    skips = np.zeros(len(tracks))
    for day in dates:
        day_total = sum(daily_country[(day, c)] for c in COUNTRIES)
        weights = popularity * rng.lognormal(0, 0.25, len(tracks))
        plays = np.floor(day_total * 0.6 * weights / weights.sum()).astype(int)
        order = sorted(range(len(tracks)), key=lambda i: (-plays[i], tracks[i][0]))
        for rank, i in enumerate(order[:50], start=1):
            add("top_tracks_daily", day, rank, *tracks[i], int(plays[i]), int(plays[i] * 0.6))
        by_artist: dict[int, int] = {}
        for i, p in enumerate(plays):
            by_artist[i % len(artists)] = by_artist.get(i % len(artists), 0) + int(p)
        for rank, a in enumerate(sorted(by_artist, key=lambda a: (-by_artist[a], a)), start=1):
            add("top_artists_daily", day, rank, f"art_{a:03d}", artists[a], by_artist[a], int(by_artist[a] * 0.5))
        for c, country in enumerate(COUNTRIES):
            local = popularity * rng.lognormal(0, 0.6, len(tracks))
            local_plays = np.floor(daily_country[(day, country)] * 0.6 * local / local.sum()).astype(int)
            local_order = sorted(range(len(tracks)), key=lambda i: (-local_plays[i], tracks[i][0]))
            for rank, i in enumerate(local_order[:20], start=1):
                add("top_tracks_daily_by_country", day, country, rank, *tracks[i],
                    int(local_plays[i]), int(local_plays[i] * 0.6))
        starts += plays
        skips += plays * rng.uniform(0.1, 0.45, len(tracks))

    # Entity marts: every track and artist with its all-time figures (skip rates as before).
    first_at, last_at = hours[0], hours[-1] + timedelta(minutes=59)
    artist_starts: dict[int, float] = {}
    artist_skips: dict[int, float] = {}
    for i, track in enumerate(tracks):
        skip_rate = skips[i] / starts[i] if starts[i] else 0.0
        plays = int(starts[i]) - int(skips[i])
        add("tracks", *track, first_at, last_at, int(starts[i]), plays, int(plays * 0.93), int(skips[i]),
            int(starts[i] * 0.4), int(starts[i] * 150_000), round(skip_rate, 4),
            round(1 - skip_rate - rng.uniform(0.05, 0.12), 4))
        a = i % len(artists)
        artist_starts[a] = artist_starts.get(a, 0) + starts[i]
        artist_skips[a] = artist_skips.get(a, 0) + skips[i]
    for a, name in enumerate(artists):
        rate = artist_skips[a] / artist_starts[a] if artist_starts[a] else 0.0
        plays = int(artist_starts[a]) - int(artist_skips[a])
        add("artists", f"art_{a:03d}", name, len(range(a, len(tracks), len(artists))), first_at, last_at,
            int(artist_starts[a]), plays, int(plays * 0.93), int(artist_skips[a]), int(artist_starts[a] * 0.3),
            int(artist_starts[a] * 150_000), round(rate, 4), round(1 - rate - 0.08, 4))
    _add_users(add, np.random.default_rng(seed + 1), first_at, last_at)  # own draws: the rest stays as it was

    # Users, sessions, retention, conversions.
    for d, day in enumerate(dates):
        active = int(2400 * (0.9 + 0.2 * d / days) * (0.93 if day.weekday() < 5 else 1.08) + rng.normal(0, 40))
        add("active_users_daily", day, active, int(active * 0.94), active * 28)
        sessions = int(active * rng.uniform(1.6, 1.9))
        avg_minutes = float(rng.normal(27, 2.5))
        add("sessions_daily", day, sessions, active, round(sessions / active, 3), round(avg_minutes, 2),
            round(avg_minutes * 0.78, 2))
        add("active_users_by_period", "day", day, active)
        for c, country in enumerate(COUNTRIES):  # no extra draws: the other marts stay as they were
            users = max(1, int(active * COUNTRY_WEIGHTS[c]))
            add("active_users_daily_by_country", day, country, users, int(users * 0.94), users * 28)
            add("sessions_daily_by_country", day, country, max(1, int(sessions * COUNTRY_WEIGHTS[c])), users,
                round(avg_minutes * (0.9 + 0.03 * c), 2))
        add("level_conversions_daily", day, int(rng.poisson(14)), int(rng.poisson(5)))
    for w in range(0, days, 7):
        add("active_users_by_period", "week", dates[w], int(5200 + 120 * w / 7 + rng.normal(0, 60)))
    add("active_users_by_period", "month", date(start.year, start.month, 1), 8400)
    add("active_users_by_period", "month", date(start.year, start.month % 12 + 1, 1), 8900)
    weeks = days // 7
    for cohort in range(weeks):
        cohort_users = int(1400 - 250 * cohort + rng.normal(0, 20))
        for week_number in range(weeks - cohort):
            rate = 1.0 if week_number == 0 else 0.62 * 0.84 ** (week_number - 1) + rng.normal(0, 0.01)
            add("retention_weekly_by_cohort", start + timedelta(weeks=cohort), week_number, cohort_users,
                int(cohort_users * rate), round(rate, 4))

    return {name: _table(name, columns, contract) for name, columns in marts.items()}


def _add_users(add, rng: np.random.Generator, first_at: datetime, last_at: datetime, count: int = 240) -> None:
    """The users mart: one row per user, first seen somewhere in the period, most still active."""
    span = (last_at - first_at).total_seconds()
    for u in range(count):
        seen = first_at + timedelta(seconds=float(rng.uniform(0, span * 0.8)))
        last = seen + timedelta(seconds=float(rng.uniform(0, (last_at - seen).total_seconds())))
        events = int(rng.integers(5, 900))
        plays = int(events * rng.uniform(0.5, 0.7))
        country = COUNTRIES[int(rng.choice(len(COUNTRIES), p=COUNTRY_WEIGHTS))]
        add("users", f"user_{u:05d}", seen, last, country, "paid" if rng.random() < 0.4 else "free", events,
            plays, int(plays * 0.9), plays * 160_000, max(1, events // 25), max(1, (last - seen).days + 1))


_ARROW = {
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "double": pa.float64(),
    "float8": pa.float64(),
    "varchar": pa.string(),
}


def _table(mart: str, columns: dict[str, list], contract: dict[str, dict[str, str]]) -> pa.Table:
    schema = pa.schema([(col, _ARROW[kind]) for col, kind in contract[mart].items()])
    return pa.table(columns, schema=schema)


def write_synthetic_gold(
    lake: Lake,
    marts: list[str] | None = None,
    *,
    exported_at: str = "2026-11-09T06:00:00+00:00",
    seed: int = 7,
    hostile: bool = False,
) -> dict[str, int]:
    """Write the chosen marts (default: all) and a manifest like `export_gold`'s; return rows per mart."""
    tables = synthetic_marts(seed=seed, hostile=hostile)
    chosen = list(tables) if marts is None else marts
    rows = {}
    for mart in chosen:
        buffer = io.BytesIO()
        pq.write_table(tables[mart], buffer, compression="zstd")
        lake.put(mart_key(mart), buffer.getvalue())
        rows[mart] = tables[mart].num_rows
    newest = max(tables["plays_hourly"].column("hour_at").to_pylist()) + timedelta(minutes=59)
    manifest = {
        "exported_at": exported_at,
        "newest_event_at": newest.isoformat() + "Z",
        "marts": {mart: {"key": mart_key(mart), "rows": count} for mart, count in rows.items()},
    }
    lake.put(MANIFEST_KEY, json.dumps(manifest, indent=2).encode())
    return rows
