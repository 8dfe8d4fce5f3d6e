"""The listening-event simulator: a seeded generator of Kafka-ready batches.

`simulate(config)` yields `Batch`es of (key, value) byte pairs in emission order, each record
carrying its position (`first_offset + i`), the sequence number that the embedded hand-off uses as
its Kafka offset. Same config, same bytes.

The model, hour by hour of simulated time: each user starts sessions at a rate that follows a daily
cycle in their own local time; a session plays a geometric number of tracks drawn from a Zipf-like
catalog; each track ends in a `play` (listened through) or a `skip` (stopped early); `pause` and
`add_to_playlist` happen along the way. Work is vectorised per hour with numpy; only the final JSON
formatting is per event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import msgspec
import numpy as np

from spotify_mds.events import SCHEMA_VERSION

COUNTRIES = {"US": -5, "BR": -3, "GB": 0, "DE": 1, "MX": -6, "FR": 1, "IN": 5, "JP": 9, "AU": 10, "SE": 1}
COUNTRY_WEIGHTS = np.array([0.26, 0.14, 0.1, 0.09, 0.08, 0.07, 0.08, 0.07, 0.05, 0.06])
DEVICES = ("mobile", "desktop", "web", "tablet", "smart_speaker")
DEVICE_WEIGHTS = np.array([0.6, 0.2, 0.1, 0.05, 0.05])
# Relative session-start rate by local hour: night trough, morning commute, evening peak.
HOURLY_SHAPE = np.array(
    [0.35, 0.2, 0.12, 0.08, 0.07, 0.1, 0.3, 0.6, 0.8, 0.75, 0.7, 0.75,
     0.85, 0.85, 0.8, 0.8, 0.9, 1.05, 1.2, 1.35, 1.45, 1.4, 1.1, 0.7]
)  # fmt: skip


@dataclass(frozen=True)
class SimConfig:
    seed: int = 42
    users: int = 3000
    start: datetime = datetime(2026, 11, 2, tzinfo=timezone.utc)
    days: float = 7.0
    max_events: int | None = None
    tracks: int = 20_000
    artists: int = 2_500
    sessions_per_user_day: float = 1.6
    mean_tracks_per_session: float = 12.0
    skip_probability: float = 0.25
    pause_probability: float = 0.06
    playlist_add_probability: float = 0.03
    zipf_exponent: float = 1.05


@dataclass(frozen=True)
class Batch:
    """Records in emission order; record i sits at position `first_offset + i`."""

    first_offset: int
    keys: list[bytes]
    values: list[bytes]

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class Catalog:
    song_ids: list[str]
    song_names: list[bytes]  # already JSON-encoded (quoted, escaped)
    artist_ids: list[str]
    artist_names: list[bytes]
    song_artist: np.ndarray
    duration_ms: np.ndarray
    weights: np.ndarray = field(repr=False)


_SYLLABLES = ("ka", "lo", "mi", "ra", "ne", "so", "ti", "va", "zu", "be", "do", "fi", "ga", "hu", "jo", "le")


def _name(rng: np.random.Generator, words: int) -> str:
    parts = []
    for _ in range(words):
        n = int(rng.integers(2, 4))
        parts.append("".join(_SYLLABLES[i] for i in rng.integers(0, len(_SYLLABLES), n)).capitalize())
    return " ".join(parts)


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def build_catalog(config: SimConfig, rng: np.random.Generator) -> Catalog:
    encode = msgspec.json.encode
    artist_ids = [f"ar{i:06d}" for i in range(config.artists)]
    artist_names = [encode(_name(rng, int(rng.integers(1, 3)))) for _ in range(config.artists)]
    song_ids = [f"tr{i:07d}" for i in range(config.tracks)]
    song_names = [encode(_name(rng, int(rng.integers(1, 4)))) for _ in range(config.tracks)]
    # Popularity: Zipf over a random permutation of tracks; artists follow their tracks.
    ranks = rng.permutation(config.tracks) + 1
    weights = 1.0 / ranks**config.zipf_exponent
    song_artist = rng.integers(0, config.artists, config.tracks)
    duration = np.clip(rng.normal(205_000, 45_000, config.tracks), 60_000, 600_000).astype(np.int64)
    return Catalog(song_ids, song_names, artist_ids, artist_names, song_artist, duration, weights / weights.sum())


def simulate(config: SimConfig) -> Iterator[Batch]:
    """Yield batches of events, one simulated hour at a time, until `days` or `max_events`."""
    rng = np.random.default_rng(config.seed)
    catalog = build_catalog(config, rng)
    n_users = config.users
    user_ids = [_uuid(rng) for _ in range(n_users)]
    country_codes = list(COUNTRIES)
    user_country = rng.choice(len(country_codes), n_users, p=COUNTRY_WEIGHTS)
    user_offset = np.array([COUNTRIES[c] for c in country_codes])[user_country]
    user_level = np.where(rng.random(n_users) < 0.4, 1, 0)
    user_device = rng.choice(len(DEVICES), n_users, p=DEVICE_WEIGHTS)
    user_activity = rng.gamma(2.0, 0.5, n_users)  # some users listen far more than others

    hours = int(np.ceil(config.days * 24))
    hourly_rate = config.sessions_per_user_day / HOURLY_SHAPE.sum()
    offset = 0
    pending: list[tuple[int, bytes, bytes]] = []  # events spilling into later hours (ms, key, value)
    epoch_ms = int(config.start.timestamp() * 1000)
    for hour in range(hours):
        hour_start = epoch_ms + hour * 3_600_000
        local_hour = (hour + config.start.hour + user_offset) % 24
        rate = user_activity * hourly_rate * HOURLY_SHAPE[local_hour]
        sessions_per_user = rng.poisson(rate)
        session_user = np.repeat(np.arange(n_users), sessions_per_user)
        rows = []
        if len(session_user):
            events = _session_events(config, rng, catalog, session_user, hour_start, user_device)
            rows = _format(events, user_ids, catalog, user_country, country_codes, user_level, rng)
        rows.extend(pending)
        rows.sort(key=lambda row: row[0])
        horizon = hour_start + 3_600_000
        ready = [row for row in rows if row[0] < horizon] if hour < hours - 1 else rows
        pending = [row for row in rows if row[0] >= horizon] if hour < hours - 1 else []
        if config.max_events is not None:
            ready = ready[: config.max_events - offset]
        if ready:
            yield Batch(offset, [row[1] for row in ready], [row[2] for row in ready])
            offset += len(ready)
        if config.max_events is not None and offset >= config.max_events:
            return


def _session_events(config, rng, catalog, session_user, hour_start, user_device):
    n_sessions = len(session_user)
    start_ms = hour_start + rng.integers(0, 3_600_000, n_sessions)
    n_tracks = rng.geometric(1.0 / config.mean_tracks_per_session, n_sessions)
    session_of_track = np.repeat(np.arange(n_sessions), n_tracks)
    n = len(session_of_track)
    song = rng.choice(len(catalog.weights), n, p=catalog.weights)
    duration = catalog.duration_ms[song]
    skipped = rng.random(n) < config.skip_probability
    # Skips cluster early in a track: the fraction listened follows a Beta(0.7, 3) curve.
    fraction = np.where(skipped, rng.beta(0.7, 3.0, n), 1.0)
    ms_played = np.minimum((duration * fraction).astype(np.int64), duration)
    # Each track starts when the previous one in its session ended (plus a short gap).
    gaps = rng.integers(200, 3000, n)
    elapsed = ms_played + gaps
    first = np.r_[0, np.cumsum(n_tracks)[:-1]]
    cum = np.cumsum(elapsed)
    before = cum - elapsed
    track_start = start_ms[session_of_track] + before - before[first][session_of_track]
    ended_at = track_start + ms_played
    session_uuid = rng.integers(0, 2**63, n_sessions)
    return {
        "session_of_track": session_of_track,
        "session_user": session_user,
        "session_uuid": session_uuid,
        "session_device": user_device[session_user],
        "song": song,
        "duration": duration,
        "ms_played": ms_played,
        "skipped": skipped,
        "track_start": track_start,
        "ended_at": ended_at,
        "pause": rng.random(n) < config.pause_probability,
        "added": rng.random(n) < config.playlist_add_probability,
        "pause_at": track_start + (ms_played * rng.random(n)).astype(np.int64),
    }


_TEMPLATE = (
    b'{"event_id":"%s","user_id":"%s","session_id":"%s","song_id":"%s","song_name":%s,'
    b'"artist_id":"%s","artist_name":%s,"event_type":"%s","device_type":"%s","country":"%s",'
    b'"timestamp":"%s","duration_ms":%d,"ms_played":%d,"level":"%s","schema_version":%d}'
)


def _format(ev, user_ids, catalog, user_country, country_codes, user_level, rng):
    rows: list[tuple[int, bytes, bytes]] = []
    kinds = [
        (ev["ended_at"], np.where(ev["skipped"], 1, 0), ev["ms_played"], np.ones(len(ev["song"]), bool)),
        (ev["pause_at"], np.full(len(ev["song"]), 2), ev["pause_at"] - ev["track_start"], ev["pause"]),
        (ev["ended_at"] - 1, np.full(len(ev["song"]), 3), np.maximum(ev["ms_played"] - 1, 0), ev["added"]),
    ]
    names = (b"play", b"skip", b"pause", b"add_to_playlist")
    levels = (b"free", b"paid")
    for at, kind, played, mask in kinds:
        idx = np.flatnonzero(mask)
        ids = rng.bytes(16 * len(idx))
        for j, i in enumerate(idx.tolist()):
            s = int(ev["session_of_track"][i])
            u = int(ev["session_user"][s])
            song = int(ev["song"][i])
            ms = int(at[i])
            user = user_ids[u].encode()
            event_id = str(uuid.UUID(bytes=ids[16 * j : 16 * j + 16], version=4)).encode()
            value = _TEMPLATE % (
                event_id,
                user,
                b"s%016x" % int(ev["session_uuid"][s]),
                catalog.song_ids[song].encode(),
                catalog.song_names[song],
                catalog.artist_ids[int(catalog.song_artist[song])].encode(),
                catalog.artist_names[int(catalog.song_artist[song])],
                names[int(kind[i])],
                DEVICES[int(ev["session_device"][s])].encode(),
                country_codes[int(user_country[u])].encode(),
                _timestamp(ms),
                int(ev["duration"][i]),
                int(played[i]),
                levels[int(user_level[u])],
                SCHEMA_VERSION,
            )
            rows.append((ms, user, value))
    return rows


def _timestamp(ms: int) -> bytes:
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S").encode() + b".%03dZ" % (ms % 1000)
