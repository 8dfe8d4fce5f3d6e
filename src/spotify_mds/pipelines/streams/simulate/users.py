"""The user population: home country and time zone, devices, activity, level, join date and churn.

`population(config)` is a pure function of the config (its own random stream), so tests and downstream
checks can read the ground truth about users without running the stream. The mutable parts of a user's
life (current level, next level change, next session) live in `UserState`, advanced by the sessions model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spotify_mds.pipelines.streams.events import DEVICE_TYPES
from spotify_mds.pipelines.streams.simulate.config import SimConfig

DAY_MS = 86_400_000

# Home countries: share of users, time zones (UTC offset in minutes, share within the country; fixed
# offsets, no daylight saving) and device mix (order of DEVICE_TYPES: mobile, desktop, web, tablet,
# smart_speaker, tv, car). Figures are plausible, not measured.
COUNTRIES: dict[str, tuple[float, tuple[tuple[int, float], ...], tuple[float, ...]]] = {
    "US": (0.22, ((-300, 0.47), (-360, 0.29), (-420, 0.07), (-480, 0.17)), (0.55, 0.14, 0.06, 0.06, 0.08, 0.05, 0.06)),
    "BR": (0.12, ((-180, 1.0),), (0.72, 0.12, 0.05, 0.04, 0.02, 0.03, 0.02)),
    "GB": (0.08, ((0, 1.0),), (0.58, 0.16, 0.06, 0.06, 0.08, 0.04, 0.02)),
    "DE": (0.08, ((60, 1.0),), (0.52, 0.24, 0.08, 0.05, 0.05, 0.03, 0.03)),
    "MX": (0.07, ((-360, 1.0),), (0.74, 0.11, 0.05, 0.04, 0.02, 0.02, 0.02)),
    "FR": (0.06, ((60, 1.0),), (0.60, 0.20, 0.07, 0.05, 0.03, 0.03, 0.02)),
    "IN": (0.08, ((330, 1.0),), (0.85, 0.08, 0.04, 0.02, 0.005, 0.005, 0.01)),
    "JP": (0.05, ((540, 1.0),), (0.68, 0.18, 0.04, 0.05, 0.02, 0.02, 0.01)),
    "AU": (0.04, ((600, 0.6), (480, 0.15), (570, 0.25)), (0.57, 0.17, 0.06, 0.06, 0.06, 0.04, 0.04)),
    "SE": (0.04, ((60, 1.0),), (0.55, 0.22, 0.07, 0.05, 0.05, 0.03, 0.03)),
    "ID": (0.05, ((420, 0.7), (480, 0.2), (540, 0.1)), (0.88, 0.06, 0.03, 0.02, 0.0, 0.0, 0.01)),
    "ES": (0.05, ((60, 1.0),), (0.64, 0.17, 0.06, 0.05, 0.03, 0.03, 0.02)),
    "CA": (0.04, ((-300, 0.6), (-360, 0.1), (-420, 0.12), (-480, 0.18)), (0.56, 0.16, 0.06, 0.06, 0.07, 0.04, 0.05)),
    "NG": (0.02, ((60, 1.0),), (0.90, 0.05, 0.03, 0.01, 0.0, 0.0, 0.01)),
}  # fmt: skip
COUNTRY_CODES = tuple(COUNTRIES)
COUNTRY_SHARES = np.array([c[0] for c in COUNTRIES.values()]) / sum(c[0] for c in COUNTRIES.values())
DEVICE_MIX = np.array([c[2] for c in COUNTRIES.values()])
DEVICE_MIX = DEVICE_MIX / DEVICE_MIX.sum(axis=1, keepdims=True)
"""(countries, devices): each country's device mix, the distribution of its sessions' devices."""


@dataclass(frozen=True)
class Population:
    """Fixed facts about every user, indexed by user number (0..users-1)."""

    user_ids: list[bytes]  # UUIDs as ASCII bytes: the record key
    user_id_table: np.ndarray  # uint8 (users, 36), the same UUIDs for vectorised encoding
    country: np.ndarray  # uint8 index into COUNTRY_CODES
    tz_offset_min: np.ndarray  # int32 UTC offset of the user's home time zone, minutes
    home_device: np.ndarray  # uint8 index into DEVICE_TYPES
    sessions_per_day: np.ndarray  # float64: the user's own session-start rate
    join_ms: np.ndarray  # int64: before it, no sessions
    churn_ms: np.ndarray  # int64: from it on, no sessions (far future if the user stays)
    initial_paid: np.ndarray  # bool: level at start (or at join)

    @property
    def size(self) -> int:
        return len(self.user_ids)


def write_uuids(random_bytes: np.ndarray, out: np.ndarray) -> None:
    """(n, 16) random bytes → UUIDv4 text (lowercase hex with dashes, version and variant set) into (n, 36) `out`."""
    raw = random_bytes.copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = np.frombuffer(raw.tobytes().hex().encode(), np.uint8).reshape(len(raw), 32)
    out[:, 0:8], out[:, 9:13], out[:, 14:18] = hexed[:, 0:8], hexed[:, 8:12], hexed[:, 12:16]
    out[:, 19:23], out[:, 24:36] = hexed[:, 16:20], hexed[:, 20:32]
    out[:, [8, 13, 18, 23]] = ord("-")


def uuid_table(random_bytes: np.ndarray) -> np.ndarray:
    """(n, 16) random bytes → (n, 36) ASCII UUIDv4 text."""
    out = np.empty((len(random_bytes), 36), np.uint8)
    write_uuids(random_bytes, out)
    return out


def population(config: SimConfig) -> Population:
    """The users of `config`: the same config always gives the same population."""
    rng = np.random.default_rng([config.seed, 2])
    n = config.users
    ids = uuid_table(rng.integers(0, 256, (n, 16), dtype=np.uint8))
    country = rng.choice(len(COUNTRY_CODES), n, p=COUNTRY_SHARES).astype(np.uint8)
    tz = np.zeros(n, np.int32)
    for c, (_, zones, _) in enumerate(COUNTRIES.values()):
        members = np.flatnonzero(country == c)
        offsets = np.array([z[0] for z in zones], np.int32)
        shares = np.array([z[1] for z in zones])
        tz[members] = offsets[rng.choice(len(zones), len(members), p=shares / shares.sum())]
    u = rng.random(n)
    cdf = np.cumsum(DEVICE_MIX, axis=1)
    home_device = np.minimum((u[:, None] > cdf[country]).sum(axis=1), len(DEVICE_TYPES) - 1).astype(np.uint8)
    # Some users listen far more than others: gamma with shape 1.5 keeps the mean at the configured rate.
    activity = rng.gamma(1.5, config.sessions_per_user_day / 1.5, n)
    start, span = config.start_ms, config.days * DAY_MS
    joins_inside = rng.random(n) < config.new_user_share
    join = np.where(
        joins_inside,
        start + (rng.random(n) * span).astype(np.int64),
        start - rng.integers(1, 2000, n) * DAY_MS,
    )
    if config.churn_per_day > 0:
        lifetime = rng.exponential(1.0 / config.churn_per_day, n) * DAY_MS
        churn = np.maximum(join, start) + np.minimum(lifetime, 1e15).astype(np.int64)
    else:
        churn = np.full(n, np.iinfo(np.int64).max // 2, np.int64)
    paid = rng.random(n) < config.paid_share
    return Population(
        user_ids=[row.tobytes() for row in ids],
        user_id_table=ids,
        country=country,
        tz_offset_min=tz,
        home_device=home_device,
        sessions_per_day=activity,
        join_ms=join.astype(np.int64),
        churn_ms=churn.astype(np.int64),
        initial_paid=paid,
    )


@dataclass
class UserState:
    """What changes over a user's life while the stream runs."""

    paid: np.ndarray  # bool, the current level
    next_level_change_ms: np.ndarray  # int64
    next_session_ms: np.ndarray  # int64 (far future once the user churned)


NEVER = np.iinfo(np.int64).max // 2
