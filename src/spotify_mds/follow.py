"""Continuous mode: events keep flowing, and gold stays within about a minute of the newest event.

Two loops share one stop signal:
- the ingest thread releases simulated events when their event time comes (real time, `USER_COUNT`
  sets the rate) into the lander, which flushes whenever its oldest buffered record has waited
  `idle_flush` seconds, then records the next offset in the lake (`state/embedded/<topic>.json`),
  its commit: a restart continues from there, so no key is ever reused. The stream lands as the
  partition its config derives (`stream_partition`): a crash between a flush and its commit leaves
  files past the commit, which a restart of another stream (another minute, another seed) must not
  write over; a restart of the very same stream rewrites them with the same bytes;
- the main loop runs load → transform → export every `interval` seconds (micro-batches), and
  measures freshness: for the rows each cycle loaded, how long after their event time they were
  in gold. The first cycle and each with new bronze is a run of the streams pipeline in the lake's run records
  (`runs/pipeline=streams/…`, `mode: follow`) and its metrics; an idle cycle leaves no trace.
On stop (Ctrl-C, SIGTERM) the ingest thread flushes what it holds, and one last cycle loads it:
nothing lost, nothing doubled.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import msgspec

from spotify_mds.lake import Lake
from spotify_mds.landing import LandingOptions
from spotify_mds.landing.keys import stream_partition
from spotify_mds.pacing import paced
from spotify_mds.pipelines.streams.landing import landing_record
from spotify_mds.pipelines.streams.simulate import Batch, SimConfig, simulate

logger = logging.getLogger(__name__)


class _Stamp(msgspec.Struct):
    timestamp: datetime


_stamp = msgspec.json.Decoder(_Stamp)


def state_key(topic: str) -> str:
    return f"state/embedded/{topic}.json"


def committed_offset(lake: Lake, topic: str) -> int:
    try:
        return int(json.loads(lake.get(state_key(topic)))["next_offset"])
    except Exception:  # no state yet: the stream starts at offset 0
        return 0


def event_times(batch: Batch) -> list[float]:
    """Each record's event time (Unix seconds): when continuous mode releases it (`pacing.paced`)."""
    return [_stamp.decode(value).timestamp.timestamp() for value in batch.values]


@dataclass
class FollowStats:
    released: int = 0
    landed: int = 0
    quarantined: int = 0
    cycles: int = 0
    loaded: int = 0
    freshness_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        values = sorted(self.freshness_seconds)
        if not values:
            return None
        return values[min(len(values) - 1, int(q * len(values)))]


def ingest(
    config: SimConfig,
    lake: Lake,
    topic: str,
    stop: threading.Event,
    stats: FollowStats,
    *,
    idle_flush: float = 5.0,
    options: LandingOptions | None = None,
    clock: Callable[[], float] = time.time,
) -> None:
    """Simulate in real time into bronze until `stop`; flush and record the offset on the way out.

    `options` cut and compress the files; writes stay synchronous (the offset is recorded once a
    flush is durable) and validation in this process (a real-time stream needs no workers).
    """
    base = committed_offset(lake, topic)
    # A restart within the same minute must not replay the same stream: the seed moves with the offset.
    config = replace(config, seed=config.seed + base)
    partition = stream_partition(config)

    def commit(_partition: int, next_offset: int) -> None:
        lake.put(state_key(topic), json.dumps({"next_offset": next_offset}).encode())

    options = options or LandingOptions()
    writer = options.writer(lake, topic, landing_record, max_inflight=0, validate_workers=0, on_flush=commit)
    oldest: float | None = None
    try:
        for batch in paced(simulate(config), event_times, stop=stop, clock=clock):
            first = base + batch.first_offset
            writer.add_many(partition, range(first, first + len(batch)), batch.values, batch.keys)
            stats.released += len(batch)
            if not writer.pending():
                oldest = None
            elif oldest is None:
                oldest = clock()
            elif clock() - oldest >= idle_flush:
                writer.flush()
                oldest = None
    finally:
        writer.flush()
        stats.landed, stats.quarantined = writer.stats.landed, writer.stats.quarantined


def follow(
    config: SimConfig,
    lake: Lake,
    topic: str,
    cycle: Callable[[], int],
    stop: threading.Event,
    *,
    interval: float = 30.0,
    idle_flush: float = 5.0,
    options: LandingOptions | None = None,
    freshness: Callable[[float], list[float]] | None = None,
    on_cycle: Callable[[FollowStats], None] | None = None,
) -> FollowStats:
    """Run ingest in a thread and `cycle()` (load → transform → export; returns rows loaded) every
    `interval` seconds until `stop` is set, then drain and run one last cycle."""
    stats = FollowStats()
    thread = threading.Thread(
        target=ingest,
        args=(config, lake, topic, stop, stats),
        kwargs={"idle_flush": idle_flush, "options": options},
        daemon=True,
    )
    thread.start()

    def run_cycle() -> None:
        started = time.time()
        try:
            stats.loaded += cycle()
            if freshness is not None:
                stats.freshness_seconds.extend(freshness(started))
        except Exception as exc:  # one failed cycle must not end the stream: report it, try again
            logger.exception("micro-batch failed")
            stats.errors.append(f"{type(exc).__name__}: {exc}")
        stats.cycles += 1
        if on_cycle is not None:
            on_cycle(stats)

    while not stop.wait(interval):
        run_cycle()
    thread.join()
    run_cycle()  # the last one loads what the ingest thread flushed on its way out
    return stats


def live_config(base: SimConfig, *, backlog_minutes: float = 0.0, now: datetime | None = None) -> SimConfig:
    """The simulator starting now (minus a backlog released at once), running for a year."""
    moment = (now or datetime.now(timezone.utc)) - timedelta(minutes=backlog_minutes)
    start = moment.replace(second=0, microsecond=0)
    return replace(base, start=start, days=365.0, max_events=None, seed=base.seed + int(start.timestamp()))


def follow_pipeline(settings, console, *, interval: float, backlog_minutes: float = 0.0, stop=None) -> FollowStats:
    """Continuous mode on embedded components: real-time events, micro-batch load → transform → export.

    The edge of `follow` (settings and a rich Console in; the CLI's `run --follow` calls it).
    """
    import signal

    from spotify_mds import runner
    from spotify_mds.errors import ConfigError
    from spotify_mds.metrics import recorded_run
    from spotify_mds.pipelines import named

    if settings.broker != "embedded":
        raise ConfigError("run --follow drives the embedded hand-off; with Kafka run `produce` and `land` as services, and `run` (or Airflow) for the batches")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lake = runner.lake_from(settings)
    config = live_config(runner.sim_config(settings), backlog_minutes=backlog_minutes)
    streams = named(["streams"])  # continuous mode feeds the streams pipeline: rebuild its models only
    warehouse = runner.warehouse_from(settings)
    table = runner.events_table(settings)

    def steps(run) -> int:
        with runner.recorded_step(run, "raw", "load", warehouse=settings.warehouse) as step:
            result = runner.load(settings, lake=lake)
            step.count(**result.step_counts())
        for key, error in result.failures:
            logger.warning("bronze file %s not loaded: %s", key, error)
        if result.rows_loaded:
            with runner.recorded_step(run, "silver", "transform") as step:
                built = runner.transform(settings, streams)
                step.count(**built.step_counts())
            with runner.recorded_step(run, "gold", "export") as step:
                exported = runner.export(settings)
                step.count(**exported.step_counts())
        return result.rows_loaded

    recorded_upto = -1  # the committed offset that the last recorded cycle which ended well had loaded

    def cycle() -> int:
        """A micro-batch. The first, and each with something new in bronze since the last one that
        ended well, is a run in the lake's run records and metrics, like any `run`; an idle one
        leaves no trace."""
        nonlocal recorded_upto
        upto = committed_offset(lake, settings.kafka_topic)
        if upto == recorded_upto:
            return steps(None)
        with recorded_run(lake, "streams", settings, broker="embedded", mode="follow", warehouse=settings.warehouse,
                          committed_offset=upto) as run:  # fmt: skip
            loaded = steps(run)
        recorded_upto = upto
        return loaded

    live_since = datetime.fromtimestamp(time.time(), timezone.utc).replace(tzinfo=None)  # the backlog is history

    def freshness(started: float) -> list[float]:
        """Seconds from event time to now for the rows loaded since `started` (UTC wall times)."""
        done = time.time()
        since = datetime.fromtimestamp(started, timezone.utc).replace(tzinfo=None)
        p, column = warehouse.placeholder, warehouse.quote("timestamp")
        rows = warehouse.query(f"SELECT {column} FROM {table.name} WHERE _loaded_at >= {p} AND {column} >= {p}",
                               [since, live_since])  # fmt: skip
        return [done - ts.replace(tzinfo=timezone.utc).timestamp() for (ts,) in rows]

    def report(stats) -> None:
        p50, p95 = stats.percentile(0.5), stats.percentile(0.95)
        fresh = f"freshness p50 {p50:.0f} s, p95 {p95:.0f} s" if p50 is not None else "no rows yet"
        console.print(
            f"cycle {stats.cycles}: {stats.released:,} events released, {stats.loaded:,} loaded; {fresh}"
            + (f"; {len(stats.errors)} failed cycles" if stats.errors else "")
        )

    console.print(f"following from {config.start:%Y-%m-%d %H:%M} UTC with {config.users:,} users; Ctrl-C to stop")
    try:
        return follow(config, lake, settings.kafka_topic, cycle, stop, interval=interval,
                      idle_flush=settings.land_idle_flush_seconds, options=LandingOptions.from_settings(settings),
                      freshness=freshness, on_cycle=report)  # fmt: skip
    except KeyboardInterrupt:
        stop.set()
        raise
