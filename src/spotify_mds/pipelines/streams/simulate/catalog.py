"""The catalog: artists and tracks with long-tailed popularity, and new releases that rise and decay.

Each user also has favorites (`favorites_per_user` back-catalog tracks drawn by popularity from a hash
of the user), from which a share `favorite_share` of their plays comes: people replay what they like.

Back-catalog tracks are played in proportion to a Zipf law over a random ranking. Artists own tracks in
proportion to their own (Zipf) weight, so popular artists have deep catalogs. A small share of tracks is
released during the simulated span: unplayable before release, then popular for a few days
(`weight ~ boost · (age/peak) · e^(1 - age/peak)`, which rises to `boost` at `peak` days and decays).

Each track also carries its pre-encoded JSON fragment (ids, names, artist, duration), so encoding an
event only copies bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spotify_mds.pipelines.streams.simulate.config import SimConfig

_SYLLABLES = np.array(
    ["ka", "lo", "mi", "ra", "ne", "so", "ti", "va", "zu", "be", "do", "fi", "ga", "hu", "jo", "le",
     "ma", "no", "pe", "ri", "sa", "tu", "vi", "xo", "ya", "el", "an", "or", "is", "um"]
)  # fmt: skip
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Catalog:
    artist_of_track: np.ndarray  # int32, per track
    duration_ms: np.ndarray  # int64, per track
    base_weight: np.ndarray  # float64, back-catalog share of plays per track (sums to 1; 0 for new releases)
    release_ms: np.ndarray  # int64 epoch ms, per track (far past for the back catalog)
    by_rank: np.ndarray  # int32, back-catalog tracks from the most to the least popular
    new_tracks: np.ndarray  # int32, tracks released during the span
    zipf_exponent: float
    fragments: list[bytes] = field(repr=False)
    """Per track: `"song_id":"…","song_name":"…","artist_id":"…","artist_name":"…","duration_ms":N,` (JSON)."""
    release_boost: float = 0.0
    release_peak_ms: float = 1.0

    @property
    def size(self) -> int:
        return len(self.duration_ms)

    def _new_weights(self, moment_ms: int) -> np.ndarray:
        age = np.maximum((moment_ms - self.release_ms[self.new_tracks]) / self.release_peak_ms, 0.0)
        return self.release_boost * age * np.exp(1.0 - age)

    def weights_at(self, moment_ms: int) -> np.ndarray:
        """Relative popularity of every track at `moment_ms` (new releases rise, then decay)."""
        weights = self.base_weight.copy()
        weights[self.new_tracks] = self._new_weights(moment_ms)
        return weights

    def sample(self, moment_ms: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """n tracks drawn by popularity at `moment_ms`, in O(1) each: the back catalog by inverting the
        (continuous) Zipf law, new releases by their current weight."""
        new_weight = self._new_weights(moment_ms)
        total_new = float(new_weight.sum())
        is_new = rng.random(n) < total_new / (1.0 + total_new)
        tracks = self.by_rank[_zipf_rank(rng.random(n), len(self.by_rank), self.zipf_exponent)]
        if total_new > 0 and is_new.any():
            cdf = np.cumsum(new_weight)
            which = np.searchsorted(cdf, rng.random(int(is_new.sum())) * cdf[-1], side="right")
            tracks[is_new] = self.new_tracks[np.minimum(which, len(cdf) - 1)]
        return tracks

    def favorites(self, users: np.ndarray, slots: np.ndarray, seed: int) -> np.ndarray:
        """Track in favorite slot `slots` of each of `users`: a fixed popularity draw per (user, slot),
        computed from a hash, so favorites cost no memory however many users there are."""
        u = _uniform_hash(users.astype(np.uint64), slots.astype(np.uint64), seed)
        return self.by_rank[_zipf_rank(u, len(self.by_rank), self.zipf_exponent)]


_MASK64 = (1 << 64) - 1


def _uniform_hash(a: np.ndarray, b: np.ndarray, seed: int) -> np.ndarray:
    """A uniform draw in [0, 1) per (a, b) pair: SplitMix64's finaliser over a mix of seed, a and b."""
    z = np.uint64((seed * 0x9E3779B97F4A7C15) & _MASK64) + a * np.uint64(0xD1B54A32D192ED03)
    z = z + b * np.uint64(0x8CB92BA72F3D8DD7)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def _zipf_cdf(x: np.ndarray, m: int, s: float) -> np.ndarray:
    """P(rank < x - 1) for the continuous Zipf law on [1, m + 1): density ~ x**-s."""
    if abs(s - 1.0) < 1e-9:
        return np.log(x) / np.log(m + 1.0)
    return (x ** (1.0 - s) - 1.0) / ((m + 1.0) ** (1.0 - s) - 1.0)


def _zipf_rank(u: np.ndarray, m: int, s: float) -> np.ndarray:
    """Ranks 0..m-1 for uniform draws `u`: the inverse of `_zipf_cdf`, floored."""
    if abs(s - 1.0) < 1e-9:
        x = np.exp(u * np.log(m + 1.0))
    else:
        x = (1.0 + u * ((m + 1.0) ** (1.0 - s) - 1.0)) ** (1.0 / (1.0 - s))
    return np.clip(x.astype(np.int64) - 1, 0, m - 1)


def _names(rng: np.random.Generator, n: int, max_words: int) -> list[str]:
    """n made-up names of 1..max_words capitalised words (a vocabulary of 3,000 words, 2-3 syllables)."""
    parts = _SYLLABLES[rng.integers(0, len(_SYLLABLES), (3_000, 3))]
    lengths = rng.integers(2, 4, 3_000)
    vocabulary = ["".join(p[:k]).capitalize() for p, k in zip(parts.tolist(), lengths.tolist())]
    words = rng.integers(0, len(vocabulary), (n, max_words)).tolist()
    counts = rng.integers(1, max_words + 1, n).tolist()
    return [" ".join([vocabulary[w] for w in row[:k]]) for row, k in zip(words, counts)]


def build_catalog(config: SimConfig) -> Catalog:
    """The catalog of `config` (its own random stream: independent of users and sessions)."""
    rng = np.random.default_rng([config.seed, 1])
    n_tracks, n_artists = config.tracks, config.artists
    artist_weight = 1.0 / (rng.permutation(n_artists) + 1.0) ** 0.9
    artist_cdf = np.cumsum(artist_weight)
    artist_of_track = np.minimum(
        np.searchsorted(artist_cdf, rng.random(n_tracks) * artist_cdf[-1]), n_artists - 1
    ).astype(np.int32)
    duration = np.clip(rng.lognormal(np.log(200_000), 0.25, n_tracks), 45_000, 600_000).astype(np.int64)
    release = np.full(n_tracks, config.start_ms - 3650 * DAY_MS, np.int64)
    n_new = min(round(n_tracks * config.new_release_share), n_tracks - 1)
    order = rng.permutation(n_tracks).astype(np.int32)
    new, by_rank = np.sort(order[:n_new]), order[n_new:]
    # Releases come out on Fridays in real life; here they are spread over the span.
    release[new] = config.start_ms + (rng.random(n_new) * config.days * DAY_MS).astype(np.int64)
    m = len(by_rank)
    edges = _zipf_cdf(np.arange(1, m + 2, dtype=np.float64), m, config.zipf_exponent)
    base = np.zeros(n_tracks)
    base[by_rank] = np.diff(edges)
    median = float(np.median(base[by_rank]))

    artist_names = _names(rng, n_artists, 2)
    track_names = _names(rng, n_tracks, 3)
    rows = [
        b'"song_id":"tr%07d","song_name":"%s","artist_id":"ar%06d","artist_name":"%s","duration_ms":%d,'
        % (t, track_names[t].encode(), a, artist_names[a].encode(), d)
        for t, (a, d) in enumerate(zip(artist_of_track.tolist(), duration.tolist()))
    ]
    return Catalog(
        artist_of_track=artist_of_track,
        duration_ms=duration,
        base_weight=base,
        release_ms=release,
        by_rank=by_rank,
        new_tracks=new,
        zipf_exponent=config.zipf_exponent,
        fragments=rows,
        release_boost=config.release_boost * median,
        release_peak_ms=config.release_peak_days * DAY_MS,
    )
