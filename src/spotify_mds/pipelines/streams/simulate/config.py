"""The simulator's knobs (`SimConfig`) and its unit of output (`Batch`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from spotify_mds.errors import ConfigError


@dataclass(frozen=True)
class SimConfig:
    """Everything that decides the stream: the same config gives the same bytes.

    Rates are per simulated day unless named otherwise; fault rates are per valid event.
    """

    seed: int = 42
    users: int = 6000
    start: datetime = datetime(2026, 11, 2, tzinfo=timezone.utc)
    days: float = 7.0
    max_events: int | None = None
    """Stop after this many records (faults included); None: run until `start + days`."""

    # --- catalog ------------------------------------------------------------------------------------
    tracks: int = 50_000
    artists: int = 6_000
    zipf_exponent: float = 1.0
    """Back-catalog popularity: the track of rank r is played in proportion to 1 / r**zipf_exponent."""
    new_release_share: float = 0.01
    """Share of tracks released during the simulated span (not playable before their release)."""
    release_boost: float = 400.0
    """A new release's peak popularity, in multiples of a median back-catalog track's."""
    favorite_share: float = 0.4
    """Share of plays drawn from the listener's own favorites (users replay what they like)."""
    favorites_per_user: int = 40
    """Size of each user's favorites: back-catalog tracks drawn once by popularity (a hash of the user)."""
    release_peak_days: float = 2.0
    """Days after release when a new track peaks; it then decays (popularity ~ age·e^(-age/peak))."""

    # --- users --------------------------------------------------------------------------------------
    sessions_per_user_day: float = 2.2
    """Mean session-start rate of an active user (each user's own rate is gamma-distributed)."""
    paid_share: float = 0.45
    upgrade_per_day: float = 0.004
    """Chance per day that a free user upgrades to paid."""
    cancel_per_day: float = 0.003
    """Chance per day that a paid user cancels back to free."""
    new_user_share: float = 0.05
    """Share of users whose join date falls inside the simulated span (the rest joined before)."""
    churn_per_day: float = 0.002
    """Chance per day that a user stops listening for good."""
    home_device_share: float = 0.7
    """Share of a user's sessions on their usual device; the rest follow their country's device mix."""

    # --- sessions -----------------------------------------------------------------------------------
    mean_tracks_per_session: float = 12.0
    """Tracks per session follow a geometric distribution with this mean."""
    min_session_gap_minutes: float = 30.0
    """A user's next session starts at least this long after their previous one ended."""
    skip_probability: float = 0.25
    early_skip_share: float = 0.6
    """Share of skips that happen in a track's first 30 seconds (the rest spread over the track)."""
    pause_probability: float = 0.06
    mean_pause_seconds: float = 60.0
    playlist_add_probability: float = 0.04
    """Chance that a track listened through is added to a playlist (near its end)."""

    # --- faults (0 = a clean stream) ----------------------------------------------------------------
    late_rate: float = 0.0
    """Share of events delivered late: emitted after events with later timestamps."""
    late_max_minutes: float = 120.0
    duplicate_rate: float = 0.0
    """Share of events delivered twice: the same bytes (same event_id) again, up to `duplicate_max_minutes` later."""
    duplicate_max_minutes: float = 30.0
    malformed_rate: float = 0.0
    """Malformed records injected per valid event (bad JSON, wrong type, missing field, ...)."""

    # --- mechanics ----------------------------------------------------------------------------------
    window_minutes: float | None = None
    """Simulated time per step; None picks one from the user count (about 100k events per step).
    Memory is bounded by users and by this window, not by the number of events."""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            object.__setattr__(self, "start", self.start.replace(tzinfo=timezone.utc))
        for name in ("late_rate", "duplicate_rate", "malformed_rate", "skip_probability", "pause_probability",
                     "playlist_add_probability", "paid_share", "new_user_share", "new_release_share",
                     "early_skip_share", "home_device_share", "favorite_share"):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {value}")
        if self.users <= 0 or self.tracks <= 0 or self.artists <= 0:
            raise ConfigError("users, tracks and artists must be positive")
        if self.days <= 0:
            raise ConfigError(f"days must be positive, got {self.days}")
        if self.favorites_per_user < 1:
            raise ConfigError("favorites_per_user must be at least 1")
        if self.mean_tracks_per_session < 1:
            raise ConfigError("mean_tracks_per_session must be at least 1")

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    @property
    def end_ms(self) -> int:
        return self.start_ms + int(self.days * 86_400_000)


@dataclass(frozen=True)
class Batch:
    """Records in emission order; record i sits at position `first_offset + i`."""

    first_offset: int
    keys: list[bytes]
    values: list[bytes]

    def __len__(self) -> int:
        return len(self.values)
