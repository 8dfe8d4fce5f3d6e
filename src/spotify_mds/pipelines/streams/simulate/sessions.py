"""Sessions and the tracks inside them, vectorised over every user whose session starts in a window.

When sessions start. Each user has an activity clock that ticks at `WEEKLY_SHAPE[local weekday, local
hour]` (mean 1 over a week, in the user's own time zone: evening peak, night trough, later weekend
mornings, Friday and Saturday nights). Session starts are a Poisson process on that clock at the user's
own rate, with a refractory period: the next session starts `min_session_gap_minutes` after the previous
one ended, plus an Exp(1) wait measured on the clock (in units of `24 / sessions_per_day` hours). So the
daily and weekly cycles are exact in local time, and a user's sessions never overlap or come closer than
the gap (the rule dbt's sessionisation uses, so it recovers the simulator's sessions).

Inside a session. A geometric number of tracks, back to back (a short gap between them). Each track is
either listened through (`play`, at its end, ms_played = duration) or skipped (`skip`, ms_played <
duration): a share `early_skip_share` of skips happen in the first 30 seconds, the rest uniformly later,
so the skip hazard falls with the position in the track. A track may be paused once (a `pause` event at
the moment, the pause then lasts an exponential time, capped) and, if listened through, added to a
playlist in its last 25 seconds. Every event carries the track's duration and the ms played so far.
"""

from __future__ import annotations

import numpy as np

from spotify_mds.pipelines.streams.simulate.catalog import Catalog
from spotify_mds.pipelines.streams.simulate.config import SimConfig
from spotify_mds.pipelines.streams.simulate.users import DEVICE_MIX, NEVER, Population, UserState

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
PLAY, SKIP, PAUSE, ADD = 0, 1, 2, 3
EVENT_TYPE_NAMES = ("play", "skip", "pause", "add_to_playlist")
MAX_PAUSE_MS = 15 * 60_000

_WEEKDAY = [0.30, 0.16, 0.09, 0.06, 0.06, 0.12, 0.35, 0.75, 0.95, 0.80, 0.70, 0.72,
            0.85, 0.82, 0.78, 0.80, 0.92, 1.10, 1.35, 1.60, 1.80, 1.75, 1.35, 0.75]  # fmt: skip
_FRIDAY = _WEEKDAY[:20] + [1.90, 1.95, 1.70, 1.20]
_SATURDAY = [0.85, 0.60, 0.35, 0.15, 0.08, 0.06, 0.10, 0.20, 0.40, 0.65, 0.90, 1.05,
             1.15, 1.20, 1.20, 1.15, 1.15, 1.20, 1.35, 1.55, 1.70, 1.80, 1.65, 1.25]  # fmt: skip
_SUNDAY = [0.95, 0.70, 0.40, 0.15, 0.08, 0.06, 0.10, 0.18, 0.35, 0.60, 0.85, 1.00,
           1.10, 1.15, 1.15, 1.10, 1.10, 1.15, 1.30, 1.45, 1.50, 1.35, 1.00, 0.60]  # fmt: skip
_RAW = np.array([_WEEKDAY, _WEEKDAY, _WEEKDAY, _WEEKDAY, _FRIDAY, _SATURDAY, _SUNDAY], dtype=np.float64)
WEEKLY_SHAPE = _RAW / _RAW.mean()
"""(7, 24) relative session-start rate by local weekday (Monday = 0) and local hour; mean 1."""

_FLAT = WEEKLY_SHAPE.ravel()
_CUM = np.concatenate([[0.0], np.cumsum(_FLAT)])  # clock value at the start of each hour of the week
_WEEK = _CUM[-1]  # = 168
_MONDAY_OFFSET_H = 72.0  # 1970-01-01 was a Thursday: Monday 00:00 is 72 hours earlier


def local_week_hours(t_ms: np.ndarray, tz_offset_min: np.ndarray) -> np.ndarray:
    """Hours since a Monday 00:00 in the user's local time (float)."""
    return (t_ms + tz_offset_min.astype(np.int64) * 60_000) / HOUR_MS + _MONDAY_OFFSET_H


def activity_clock(t_ms: np.ndarray, tz_offset_min: np.ndarray) -> np.ndarray:
    """The activity clock (in shape-weighted hours) at UTC `t_ms` for users in `tz_offset_min`."""
    x = local_week_hours(np.asarray(t_ms), np.asarray(tz_offset_min))
    whole = np.floor(x)
    hour = whole.astype(np.int64) % 168
    weeks = np.floor(whole / 168)
    return weeks * _WEEK + _CUM[hour] + (x - whole) * _FLAT[hour]


def inverse_activity_clock(clock: np.ndarray, tz_offset_min: np.ndarray) -> np.ndarray:
    """UTC epoch ms at which the activity clock reads `clock` (inverse of `activity_clock`)."""
    weeks = np.floor(clock / _WEEK)
    rest = clock - weeks * _WEEK
    hour = np.clip(np.searchsorted(_CUM, rest, side="right") - 1, 0, 167)
    x = weeks * 168 + hour + (rest - _CUM[hour]) / _FLAT[hour]
    # a nearly idle user can wait past the int64 range: such a wait means never
    utc_ms = np.minimum((x - _MONDAY_OFFSET_H) * HOUR_MS, float(NEVER))
    return utc_ms.astype(np.int64) - tz_offset_min.astype(np.int64) * 60_000


def next_session_after(t_ms, users, pop: Population, rng: np.random.Generator) -> np.ndarray:
    """For each user, when their next session starts if they may start one from `t_ms` on."""
    tz = pop.tz_offset_min[users]
    wait = rng.exponential(1.0, len(users)) * 24.0 / pop.sessions_per_day[users]
    return inverse_activity_clock(activity_clock(t_ms, tz) + wait, tz)


def initial_state(config: SimConfig, pop: Population, rng: np.random.Generator) -> UserState:
    users = np.arange(pop.size)
    begin = np.maximum(pop.join_ms, config.start_ms)
    next_session = next_session_after(begin, users, pop, rng)
    next_session = np.where(next_session < pop.churn_ms, next_session, NEVER)
    paid = pop.initial_paid.copy()
    return UserState(
        paid=paid,
        next_level_change_ms=_next_level_change(config, begin, paid, rng),
        next_session_ms=next_session,
    )


def _next_level_change(config: SimConfig, after_ms: np.ndarray, paid: np.ndarray, rng) -> np.ndarray:
    rate = np.where(paid, config.cancel_per_day, config.upgrade_per_day)
    with np.errstate(divide="ignore"):
        wait = np.where(
            rate > 0, rng.exponential(1.0, len(paid)) / np.where(rate > 0, rate, 1.0) * DAY_MS, np.inf
        )
    return np.where(np.isfinite(wait), after_ms + np.minimum(wait, 1e15).astype(np.int64), NEVER).astype(
        np.int64
    )


def _advance_levels(config: SimConfig, state: UserState, users: np.ndarray, at_ms: np.ndarray, rng) -> None:
    """Apply every upgrade or cancellation of `users` that happened before `at_ms`."""
    while True:
        due = state.next_level_change_ms[users] <= at_ms
        if not due.any():
            return
        who = users[due]
        state.paid[who] = ~state.paid[who]
        state.next_level_change_ms[who] = _next_level_change(
            config, state.next_level_change_ms[who], state.paid[who], rng
        )


def window_events(
    config: SimConfig,
    pop: Population,
    catalog: Catalog,
    state: UserState,
    window_start_ms: int,
    window_end_ms: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Every event of the sessions that start in [window_start_ms, window_end_ms), as columns.

    Events may lie after the window (a session runs on); none lies before it. Tracks that would end
    after the simulation's end or the user's churn are not played (every track listened ends in a
    play or a skip).
    """
    window_end_ms = min(window_end_ms, config.end_ms)
    parts: list[dict[str, np.ndarray]] = []
    starting = np.flatnonzero(state.next_session_ms < window_end_ms)
    gap_ms = int(config.min_session_gap_minutes * 60_000)
    while starting.size:
        starts = state.next_session_ms[starting]
        _advance_levels(config, state, starting, starts, rng)
        events, ends = _sessions(config, pop, catalog, window_start_ms, state, starting, starts, rng)
        parts.append(events)
        nxt = next_session_after(ends + gap_ms, starting, pop, rng)
        nxt = np.where(nxt < pop.churn_ms[starting], nxt, NEVER)
        state.next_session_ms[starting] = nxt
        starting = starting[nxt < window_end_ms]
    if not parts:
        return empty_columns()
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


COLUMNS = {
    "t": np.int64, "user": np.int32, "session": np.uint64, "device": np.uint8, "paid": np.bool_,
    "track": np.int32, "type": np.uint8, "ms": np.int64, "eid_hi": np.uint64, "eid_lo": np.uint64,
}  # fmt: skip


def empty_columns() -> dict[str, np.ndarray]:
    return {name: np.empty(0, dtype) for name, dtype in COLUMNS.items()}


def _sessions(config, pop, catalog, window_start_ms, state, users, starts, rng):
    n_sessions = len(users)
    home = rng.random(n_sessions) < config.home_device_share
    mix_cdf = np.cumsum(DEVICE_MIX[pop.country[users]], axis=1)
    drawn = np.minimum((rng.random(n_sessions)[:, None] > mix_cdf).sum(axis=1), DEVICE_MIX.shape[1] - 1)
    device = np.where(home, pop.home_device[users], drawn).astype(np.uint8)
    session_key = rng.integers(0, 2**63, n_sessions, dtype=np.int64).astype(np.uint64)

    n_tracks = rng.geometric(1.0 / config.mean_tracks_per_session, n_sessions)
    of = np.repeat(np.arange(n_sessions), n_tracks)
    n = len(of)
    # Popularity as of the window's start: a track released later in the window waits for the next one.
    track = catalog.sample(window_start_ms, n, rng)
    favorite = np.flatnonzero(rng.random(n) < config.favorite_share)
    slots = rng.integers(0, config.favorites_per_user, len(favorite))
    track[favorite] = catalog.favorites(users[of[favorite]], slots, config.seed)
    duration = catalog.duration_ms[track]
    skipped = rng.random(n) < config.skip_probability
    early = rng.random(n) < config.early_skip_share
    u = rng.random(n)
    early_pos = 1_000 + (u * 29_000).astype(np.int64)
    late_pos = 30_000 + (u * (duration - 31_000)).astype(np.int64)
    played = np.where(skipped, np.minimum(np.where(early, early_pos, late_pos), duration - 1), duration)
    paused = rng.random(n) < config.pause_probability
    pause_pos = (rng.random(n) * played).astype(np.int64)
    pause_len = np.where(
        paused,
        np.minimum(rng.exponential(config.mean_pause_seconds * 1000, n), MAX_PAUSE_MS).astype(np.int64),
        0,
    )
    added = ~skipped & (rng.random(n) < config.playlist_add_probability)
    add_pos = np.maximum(played - rng.integers(3_000, 25_000, n), 0)
    gap = rng.integers(0, 2_500, n)

    # Tracks run back to back: each starts when the previous one of its session ended, plus a gap.
    elapsed = played + pause_len + gap
    before = np.cumsum(elapsed) - elapsed
    first = np.concatenate([[0], np.cumsum(n_tracks)[:-1]])
    track_start = starts[of] + before - before[first][of]
    end_at = track_start + played + pause_len
    last = np.cumsum(n_tracks) - 1
    session_end = end_at[last]

    # A track cut by the end of the simulation or by the user's churn is not played at all.
    keep = end_at < np.minimum(config.end_ms, pop.churn_ms[users][of])
    add_at = track_start + add_pos + np.where(add_pos > pause_pos, pause_len, 0)
    kinds = (
        (keep, end_at, np.where(skipped, SKIP, PLAY), played),
        (keep & paused, track_start + pause_pos, PAUSE, pause_pos),
        (keep & added, add_at, ADD, add_pos),
    )
    cols: dict[str, list[np.ndarray]] = {name: [] for name in COLUMNS}
    for mask, at, kind, ms in kinds:
        idx = np.flatnonzero(mask)
        s = of[idx]
        cols["t"].append(at[idx])
        cols["user"].append(users[s].astype(np.int32))
        cols["session"].append(session_key[s])
        cols["device"].append(device[s])
        cols["paid"].append(state.paid[users[s]])
        cols["track"].append(track[idx])
        cols["type"].append(
            np.broadcast_to(np.asarray(kind, np.uint8), idx.shape)
            if np.ndim(kind) == 0
            else kind[idx].astype(np.uint8)
        )
        cols["ms"].append(ms[idx])
    events = {name: np.concatenate(v).astype(COLUMNS[name], copy=False) for name, v in cols.items() if v}
    total = len(events["t"])
    ids = np.frombuffer(rng.bytes(16 * total), np.uint64).reshape(total, 2)
    events["eid_hi"], events["eid_lo"] = ids[:, 0].copy(), ids[:, 1].copy()
    return events, session_end
