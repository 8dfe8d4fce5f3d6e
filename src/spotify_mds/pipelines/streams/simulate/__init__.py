"""The listening-event simulator: a seeded generator of Kafka-ready batches.

`simulate(config)` yields `Batch`es of (key, value) byte pairs in emission order; record i of a batch
sits at position `first_offset + i`, the sequence number the embedded hand-off uses as its Kafka
offset. Key: the user_id. Value: one compact JSON `ListenEvent`. Same config, same bytes.

The model (see the modules): a catalog with long-tailed popularity and new releases (`catalog`); users
with a home country, time zone, devices, activity, level changes, join and churn (`users`); sessions
on each user's local daily and weekly cycle, tracks, skips, pauses and playlist adds (`sessions`);
late, duplicate and malformed deliveries with their ground truth (`faults`); vectorised JSON (`encode`).

Simulated time advances window by window (`SimConfig.window_minutes`): the sessions starting in a
window are generated at once with numpy, then every event due by the window's end is emitted in
delivery-time order; events further on wait for later windows. Memory depends on users and the
window, not on the number of events.

Ground truth, for tests that reconcile downstream results exactly:

    truth = GroundTruth()
    for batch in simulate(config, truth=truth): ...   # filled in as batches are emitted
    truth = ground_truth(config)                      # or: run the model alone (no JSON)
    truth.events                  # distinct valid events emitted: what silver must hold
    truth.events_by_type          # {"play": …, "skip": …, "pause": …, "add_to_playlist": …}
    truth.duplicates              # [Duplicate(offset, event_id)]: second copies, same bytes
    truth.late                    # [Late(offset, event_id, event_ms, delay_ms)]
    truth.malformed               # [Malformed(offset, kind, field)]: must be quarantined
    population(config)            # users: ids, country, time zone, devices, join, churn, ...

Faults draw from their own random stream: a faulty run carries exactly the valid events of the
clean run with the same seed.
"""

from __future__ import annotations

import io
import logging
import math
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from typing import BinaryIO

import numpy as np

from spotify_mds.errors import ConfigError
from spotify_mds.pipelines.streams.simulate.catalog import Catalog, build_catalog
from spotify_mds.pipelines.streams.simulate.config import Batch, SimConfig
from spotify_mds.pipelines.streams.simulate.encode import Encoder
from spotify_mds.pipelines.streams.simulate.faults import MALFORMED, MALFORMED_KINDS, GroundTruth, corrupt, inject
from spotify_mds.pipelines.streams.simulate.sessions import empty_columns, initial_state, window_events
from spotify_mds.pipelines.streams.simulate.users import Population, population, uuid_table

__all__ = [
    "Batch",
    "GroundTruth",
    "SimConfig",
    "expected_events",
    "days_for",
    "ground_truth",
    "population",
    "simulate",
    "write_ndjson",
]

logger = logging.getLogger(__name__)

_EVENTS_PER_WINDOW = 100_000
_PARALLEL_MIN_EVENTS = 400_000
"""Below this many expected events `write_ndjson` stays in one process: starting a helper (a fresh
interpreter importing numpy and Arrow, then its own population and catalog) costs more than it saves."""
_DEFAULT_WORKERS = 2
"""Two processes where there are two cores: on a quiet 2-core VM, 10M events to a file ran at
0.86-0.98M events/s with a helper against 0.51-0.76M/s alone (1M: medians 725k against 680k). On a
machine whose cores are busy the helper adds work without adding capacity: `--workers 1` there
(BENCHMARKS.md, "Simulator")."""
_WAIT_FOR_HELPERS = False
"""Tests set it: the parent waits for its helpers to start instead of encoding the first windows itself."""


def expected_events(config: SimConfig) -> int:
    """About how many records a run emits (for progress bars; the run itself decides)."""
    per_track = 1 + config.pause_probability + config.playlist_add_probability * (1 - config.skip_probability)
    faults = 1 + config.duplicate_rate + config.malformed_rate
    # 0.8: the time users spend in a session and the 30-minute gap after it, churn and late joiners
    estimate = int(config.users * config.sessions_per_user_day * 0.8 * config.days
                   * config.mean_tracks_per_session * per_track * faults)  # fmt: skip
    return min(estimate, config.max_events) if config.max_events else estimate


def days_for(config: SimConfig, events: int) -> float:
    """Days of simulated listening long enough for `config` to emit at least `events` records.

    `--events N` means N: a window too short for N is stretched (never shortened: a window holding N
    already stops at N). The first guess solves `events = rate₀ · (1 − e^(−churn·T)) / churn` (users
    churn, so the population's rate decays) plus a fifth; the model then runs without encoding (about
    0.4 s per million events) to check it, stretching again when a small, unlucky population fell
    short. ConfigError when the users would churn before emitting `events`, or need over ten years.
    """
    per_day = expected_events(replace(config, days=1.0, max_events=None))
    needed = events / max(per_day, 1e-9)
    churn = config.churn_per_day
    if churn > 0 and needed * churn < 0.8:
        needed = -math.log1p(-needed * churn) / churn
    days = max(config.days, needed * 1.2)
    while days <= _MAX_DAYS and not (churn > 0 and needed * churn >= 0.8):
        trial = replace(config, days=days, max_events=events)
        pop, catalog = population(trial), build_catalog(trial)
        emitted = sum(len(cols["t"]) for _, cols in _emitted(trial, pop, catalog))
        if emitted >= events:
            return days
        days *= 1.5 * events / max(emitted, 1)
    raise ConfigError(
        f"{events:,} events are more than {config.users:,} simulated users listen to before they churn"
        f" (about {per_day / max(churn, 1e-9):,.0f} over their lifetime): raise --users (USER_COUNT)"
    )


_MAX_DAYS = 3650.0


def _window_ms(config: SimConfig) -> int:
    if config.window_minutes is not None:
        return max(int(config.window_minutes * 60_000), 1_000)
    per_minute = config.users * config.sessions_per_user_day / 1440 * config.mean_tracks_per_session * 1.1
    minutes = min(max(_EVENTS_PER_WINDOW / max(per_minute, 1e-9), 1.0), 1440.0)
    return int(minutes) * 60_000


def _take(cols: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in cols.items()}


def _emitted(
    config: SimConfig, pop: Population, catalog: Catalog
) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """(first offset, columns of the records emitted) per window, in delivery order."""
    rng = np.random.default_rng([config.seed, 3])
    faults_rng = np.random.default_rng([config.seed, 4])
    state = initial_state(config, pop, rng)
    step = _window_ms(config)
    pending = inject(empty_columns(), config, faults_rng)
    offset = 0
    window_start = config.start_ms
    while True:
        window_end = window_start + step
        last = window_end >= config.end_ms
        fresh = inject(
            window_events(config, pop, catalog, state, window_start, window_end, rng), config, faults_rng
        )
        both = {name: np.concatenate([pending[name], fresh[name]]) for name in fresh}
        order = np.argsort(both["emit"], kind="stable")
        if last:
            ready = order
        else:
            due = both["emit"][order] < window_end
            ready, later = order[due], order[~due]
            pending = _take(both, later)
        if config.max_events is not None:
            ready = ready[: config.max_events - offset]
        if len(ready):
            yield offset, _take(both, ready)
            offset += len(ready)
        if last or (config.max_events is not None and offset >= config.max_events):
            logger.debug("simulated %d records up to %d ms", offset, window_end)
            return
        window_start = window_end


def _event_id(cols: dict[str, np.ndarray], i: int) -> str:
    raw = np.array([cols["eid_hi"][i], cols["eid_lo"][i]], np.uint64).view(np.uint8).reshape(1, 16)
    return uuid_table(raw).tobytes().decode()


def _values(encoder: Encoder, cols: dict[str, np.ndarray]) -> list[bytes]:
    values = encoder.records(cols)
    for i in np.flatnonzero(cols["fault"] >= MALFORMED).tolist():
        values[i] = corrupt(values[i], MALFORMED_KINDS[int(cols["fault"][i]) - MALFORMED])
    return values


def simulate(config: SimConfig, *, truth: GroundTruth | None = None) -> Iterator[Batch]:
    """Yield the stream of `config` in batches (one per simulated window with events).

    `truth`, if given, is filled in as batches are emitted (see `ground_truth`).
    """
    pop, catalog = population(config), build_catalog(config)
    encoder = Encoder(pop, catalog)
    keys = np.array(pop.user_ids, dtype=object)
    for first_offset, cols in _emitted(config, pop, catalog):
        if truth is not None:
            truth.record(first_offset, cols, lambda i, c=cols: _event_id(c, i))
        yield Batch(first_offset, keys[cols["user"]].tolist(), _values(encoder, cols))


def write_ndjson(config: SimConfig, sink: BinaryIO, *, workers: int | None = None) -> int:
    """Write the stream of `config` as NDJSON (one record per line) to `sink`; return the record count.

    The same bytes as `simulate` (one line per record), without building a list per batch.
    `workers`: processes to use (None: `_DEFAULT_WORKERS`). With more than one, a large stream and a
    regular file as `sink`, helper processes encode windows and write them into the file at their
    known positions (see `workers.py`); the file is the same byte for byte.
    """
    if workers is None:
        workers = min(_cores(), _DEFAULT_WORKERS)
    fd = _positional_fd(sink) if workers > 1 and expected_events(config) >= _PARALLEL_MIN_EVENTS else None
    if fd is not None:
        return _write_positional(config, sink, fd, workers - 1)
    pop, catalog = population(config), build_catalog(config)
    encoder = Encoder(pop, catalog)
    written = 0
    for _, cols in _emitted(config, pop, catalog):
        sink.write(_ndjson(encoder, cols))
        written += len(cols["t"])
    return written


def _cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ndjson(encoder: Encoder, cols: dict[str, np.ndarray]) -> bytes | memoryview:
    if (cols["fault"] >= MALFORMED).any():
        return b"\n".join(_values(encoder, cols)) + b"\n"
    return encoder.ndjson(cols)


def _positional_fd(sink: BinaryIO) -> int | None:
    """`sink`'s file descriptor if windows may be written into it at positions (a regular file, not
    opened for appending, where pwrite would ignore the position), else None."""
    try:
        fd = sink.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        return None
    import fcntl

    return None if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND else fd


def _write_positional(config: SimConfig, sink: BinaryIO, fd: int, helpers: int) -> int:
    from spotify_mds.pipelines.streams.simulate.workers import Helpers, pwrite_all

    sink.flush()
    position = start = os.lseek(fd, 0, os.SEEK_CUR)
    written = here = windows = 0
    with Helpers(fd, helpers, wait_ready=_WAIT_FOR_HELPERS) as pool:  # the helpers start meanwhile
        pop, catalog = population(config), build_catalog(config)
        encoder = Encoder(pop, catalog)
        pool.start(encoder)
        for _, cols in _emitted(config, pop, catalog):
            malformed = (cols["fault"] >= MALFORMED).any()  # corrupt() changes sizes: encoded here
            size = 0 if malformed else encoder.ndjson_size(cols)
            if malformed or not pool.submit(position, size, cols):
                data = _ndjson(encoder, cols)
                pwrite_all(fd, data, position)
                size = len(data)
                here += 1
            windows += 1
            position += size
            written += len(cols["t"])
        pool.finish()
    sink.seek(position)  # as if written in order: the caller may write on
    logger.debug("wrote %d records, %d bytes from byte %d; %d of %d windows encoded by the helpers",
                 written, position - start, start, windows - here, windows)  # fmt: skip
    return written


def ground_truth(config: SimConfig) -> GroundTruth:
    """Run the stream of `config` and return what it emitted: counts, late, duplicate and malformed records."""
    truth = GroundTruth()
    pop, catalog = population(config), build_catalog(config)
    for first_offset, cols in _emitted(config, pop, catalog):
        truth.record(first_offset, cols, lambda i, c=cols: _event_id(c, i))
    return truth
