"""The streams commands: `simulate` (NDJSON files), `produce` (into Kafka) and `land` (Kafka or the
embedded hand-off into bronze), with the simulator's options that `run` and `demo` share.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from spotify_mds.commands import _settings, _stage_settings, app, console
from spotify_mds.settings import Settings

Seed = Annotated[Optional[int], typer.Option(help="Random seed (SIM_SEED); the same seed gives the same bytes.")]
Users = Annotated[Optional[int], typer.Option(help="Simulated users (USER_COUNT).")]
Days = Annotated[Optional[float], typer.Option(help="Days of simulated listening (SIM_DAYS).")]
Events = Annotated[
    Optional[int],
    typer.Option("--events", help="Exactly this many events: the window grows to hold them unless --days is given (SIM_EVENTS)."),
]


@app.command()
def simulate(
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
    rate: Annotated[Optional[float], typer.Option(help="Events per second in real time, continuous (like the seed's --rate 10); default 1/EVENT_INTERVAL_SECONDS when that is set.")] = None,
    out: Annotated[Path, typer.Option(help="NDJSON file to write ('-' for standard output).")] = Path("-"),
    start: Annotated[Optional[datetime], typer.Option(help="Simulated start, UTC (SIM_START; with --rate: now).")] = None,
    end: Annotated[Optional[datetime], typer.Option(help="Simulated end, UTC: a backfill from --start to --end (instead of --days).")] = None,
    late_rate: Annotated[Optional[float], typer.Option(help="Share of events delivered out of order (late), 0-1.")] = None,
    duplicate_rate: Annotated[Optional[float], typer.Option(help="Share of events delivered twice (same bytes, later), 0-1.")] = None,
    malformed_rate: Annotated[Optional[float], typer.Option(help="Malformed records injected per event, 0-1.")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Processes writing --out FILE (default: 2, or 1 on one core); the same bytes however many.")] = None,
) -> None:
    """Generate listening events as NDJSON (to a file or standard output)."""
    from datetime import timezone

    from spotify_mds.pacing import at_rate, paced
    from spotify_mds.runner import events_short, sim_config
    from spotify_mds.pipelines.streams.simulate import simulate as generate
    from spotify_mds.pipelines.streams.simulate import write_ndjson

    settings = _settings()
    rate = _live_rate(settings, rate, events, days, end)
    if start is None and rate:
        start = datetime.now(timezone.utc).replace(microsecond=0)
    start = start.replace(tzinfo=start.tzinfo or timezone.utc) if start else None
    if end is not None:
        end = end.replace(tzinfo=end.tzinfo or timezone.utc)
        days = (end - (start or settings.sim_start)).total_seconds() / 86_400
    config = sim_config(
        settings, seed=seed, users=users, start=start, days=days if days else (3650.0 if rate else None),
        max_events=events, late_rate=late_rate, duplicate_rate=duplicate_rate, malformed_rate=malformed_rate,
    )  # fmt: skip
    sink = sys.stdout.buffer if str(out) == "-" else out.open("wb")
    written = 0
    try:
        if not rate:
            written = write_ndjson(config, sink, workers=workers)
        for batch in paced(generate(config), at_rate(rate)) if rate else ():
            if batch.values:
                sink.write(b"\n".join(batch.values) + b"\n")
                sink.flush()
                written += len(batch.values)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        if sink is not sys.stdout.buffer:
            sink.close()
    console.print(f"{written:,} events written")
    if not rate and (short := events_short(config, written)):
        console.print(short, highlight=False)


def _live_rate(settings: Settings, rate: float | None, *batch_options: object) -> float | None:
    """Events per second in real time, or None for a batch as fast as possible.

    `--rate` wins. Otherwise EVENT_INTERVAL_SECONDS, when set (environment or `.env`), paces one event
    every that many seconds, continuously, as the seed's producer did, unless an option asks for a
    batch (`--events`, `--days`, `--end`).
    """
    if rate:
        return rate
    if "event_interval_seconds" in settings.model_fields_set and all(option is None for option in batch_options):
        console.print(
            f"real time: one event every {settings.event_interval_seconds:g} s (EVENT_INTERVAL_SECONDS) until Ctrl-C;"
            " --events N or --days D for a batch",
            highlight=False,
        )
        return 1 / settings.event_interval_seconds
    return None


@app.command()
def produce(
    topic: Annotated[Optional[str], typer.Option(help="Kafka topic (KAFKA_TOPIC).")] = None,
    rate: Annotated[Optional[float], typer.Option(help="Events per second in real time, continuous until Ctrl-C; default 1/EVENT_INTERVAL_SECONDS when that is set.")] = None,
    partitions: Annotated[Optional[int], typer.Option(help="Partitions when the topic is created (KAFKA_PARTITIONS).")] = None,
    compression: Annotated[Optional[str], typer.Option(help="none|gzip|snappy|lz4|zstd (KAFKA_COMPRESSION).")] = None,
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
) -> None:
    """Simulate events into Kafka (KAFKA_BOOTSTRAP_SERVERS), keyed by user_id; --events N as fast as possible."""
    import signal
    import threading
    from datetime import timedelta, timezone

    from spotify_mds.console import progress_bar
    from spotify_mds.pipelines.streams.produce import ProduceError, ensure_topic, producer_config
    from spotify_mds.pipelines.streams.produce import produce as send
    from spotify_mds.runner import expected_events, sim_config
    from spotify_mds.pipelines.streams.simulate import simulate as generate

    settings = _settings(**({"kafka_compression": compression} if compression else {}))
    rate = _live_rate(settings, rate, events, days)
    topic = topic or settings.kafka_topic
    bootstrap = settings.kafka_bootstrap_servers
    # In real time the events are live data: the simulated clock starts LIVE_BACKLOG_MINUTES ago (the
    # listeners' first sessions ramp up; that backlog goes out at once, at --rate) and then follows
    # the wall clock, never ahead of it (`_live`).
    start = (datetime.now(timezone.utc) - timedelta(minutes=LIVE_BACKLOG_MINUTES)).replace(microsecond=0) if rate else None
    config = sim_config(
        settings, seed=seed, users=users, start=start, days=days if days else (3650.0 if rate else None), max_events=events
    )
    timeout = settings.kafka_connect_timeout_seconds
    if ensure_topic(bootstrap, topic, partitions or settings.kafka_partitions, timeout=timeout):
        console.print(f"created topic {topic} with {partitions or settings.kafka_partitions} partitions")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    conf = producer_config(bootstrap, compression=settings.kafka_compression, linger_ms=settings.kafka_linger_ms)
    metrics, server = None, None
    if settings.producer_metrics_port:
        from spotify_mds.metrics import ProducerMetrics, serve_metrics

        metrics = ProducerMetrics(topic)
        server = serve_metrics([metrics.registry], settings.producer_metrics_port, settings.metrics_host)
        conf.update(metrics.client_config())
    try:
        with progress_bar(console) as bar:
            task = bar.add_task(f"produce → {topic}", total=None if rate and not events else expected_events(config))
            counted = {"metrics": metrics} if metrics is not None else {}
            events_out = _live(generate(config), stop) if rate else generate(config)
            stats = send(events_out, conf, topic, rate=rate, stop=stop, progress=lambda n: bar.advance(task, n),
                         **counted)  # fmt: skip
    finally:
        if server is not None:
            server.shutdown()
    console.print(
        f"produced {stats.produced:,} events to {topic} in {stats.seconds:.1f}s ({stats.rate:,.0f}/s); "
        f"failed {stats.failed:,}, undelivered {stats.undelivered:,}"
    )
    if stats.failed or stats.undelivered:
        raise ProduceError(
            f"{stats.failed + stats.undelivered:,} of {stats.produced:,} events were not delivered"
            + (f" (first error: {stats.first_error})" if stats.first_error else ""),
            failed=stats.failed,
            undelivered=stats.undelivered,
        )


LIVE_BACKLOG_MINUTES = 10


def _live(batches, stop):
    """Live data is never from the future: each event is sent no earlier than its own event time.

    Without this, a --rate above what USER_COUNT's listeners
    generate would run the simulated clock ahead of the wall clock (3,000 users make ~1 event/s: at
    --rate 20 an hour of events in under three minutes), and a scheduled pipeline, which loads the
    hours that have passed, would find bronze hours from the future. So --rate is a ceiling, and
    USER_COUNT sets the pace below it.
    """
    import time

    from spotify_mds.follow import event_times
    from spotify_mds.pacing import paced

    return (batch for batch in paced(batches, event_times, stop=stop, clock=time.time) if len(batch.values))


@app.command()
def land(
    from_file: Annotated[Optional[Path], typer.Option("--from-file", help="Land an NDJSON file instead of consuming Kafka.")] = None,
    topic: Annotated[Optional[str], typer.Option(help="Kafka topic (KAFKA_TOPIC).")] = None,
    group: Annotated[Optional[str], typer.Option(help="Consumer group (KAFKA_GROUP_ID).")] = None,
    instance_id: Annotated[Optional[str], typer.Option(help="Static group member id (KAFKA_GROUP_INSTANCE_ID).")] = None,
    max_records: Annotated[Optional[int], typer.Option(help="Rotate a file at this many records (LAND_MAX_RECORDS).")] = None,
    max_bytes: Annotated[Optional[int], typer.Option(help="Rotate a file at this many bytes (LAND_MAX_BYTES).")] = None,
    idle_flush: Annotated[Optional[float], typer.Option(help="Flush a partition quiet for this many seconds (LAND_IDLE_FLUSH_SECONDS).")] = None,
    stop_when_idle: Annotated[Optional[float], typer.Option(help="Exit once no record arrived for this many seconds (batch jobs, tests).")] = None,
    compression: Annotated[Optional[str], typer.Option(help="none|gzip|zstd (LAND_COMPRESSION).")] = None,
) -> None:
    """Land records in bronze: from Kafka (a consumer group, commit after write), or from an NDJSON file."""
    from spotify_mds.landing import LandingOptions
    from spotify_mds.pipelines.streams.landing import land_file
    from spotify_mds.runner import lake_from

    overrides = {
        "kafka_topic": topic,
        "kafka_group_id": group,
        "kafka_group_instance_id": instance_id,
        "land_max_records": max_records,
        "land_max_bytes": max_bytes,
        "land_idle_flush_seconds": idle_flush,
        "land_compression": compression,
    }
    if from_file is not None and not from_file.is_file():
        from spotify_mds.errors import ConfigError

        problem = "is a folder, not an NDJSON file" if from_file.is_dir() else "does not exist"
        raise ConfigError(f"--from-file {from_file} {problem}")
    settings = _stage_settings(**overrides)
    if from_file is None:
        _land_kafka(settings, stop_when_idle)
        return
    options = LandingOptions.from_settings(settings).batch_kwargs()
    stats = land_file(from_file, lake_from(settings), settings.kafka_topic, **options)
    console.print(f"landed {stats.landed:,}, quarantined {stats.quarantined:,}, files written {stats.files:,}")


def _land_kafka(settings: Settings, stop_when_idle: float | None) -> None:
    import signal
    import threading

    from rich.live import Live

    from spotify_mds.errors import LandingIncomplete
    from spotify_mds.extras import require
    from spotify_mds.landing import LandingOptions
    from spotify_mds.landing.kafka_source import consumer_config, land_kafka
    from spotify_mds.metrics import recorded_run
    from spotify_mds.pipelines.streams.landing import landing_record
    from spotify_mds.runner import lake_from

    require("confluent_kafka")  # before the writer starts its workers
    metrics, server = _lander_metrics(settings)  # a port in use is said before anything starts
    lake = lake_from(settings)
    writer = LandingOptions.from_settings(settings).writer(lake, settings.kafka_topic, landing_record)
    if metrics is not None:
        metrics.attach(writer.stats)
    conf = consumer_config(
        settings.kafka_bootstrap_servers,
        settings.kafka_group_id,
        instance_id=settings.kafka_group_instance_id,
        session_timeout_ms=settings.kafka_session_timeout_ms,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    live = Live(console=console, refresh_per_second=2, transient=True) if console.is_terminal else None
    last_line = [0.0]

    def show(status) -> None:
        if metrics is not None:
            metrics.observe(status)
        line = _status_line(status)
        if live is not None:
            live.update(line)
        elif status.elapsed_s - last_line[0] >= 30:  # not a terminal (a service's log): every 30 s
            last_line[0] = status.elapsed_s
            console.print(line, highlight=False, markup=False)

    if live is not None:
        live.start()
    status = None
    # The lander's run record (runs/pipeline=streams_lander/…): "running" while it runs, then what it
    # landed and the lag it left, or where and why it failed; its metrics pushed like a batch run's.
    with recorded_run(lake, "streams_lander", settings, topic=settings.kafka_topic, group=settings.kafka_group_id) as run, \
            run.step("bronze", "land", source="kafka") as step:  # fmt: skip
        try:
            status = land_kafka(
                conf,
                settings.kafka_topic,
                writer,
                idle_flush_s=settings.land_idle_flush_seconds,
                stop_when_idle_s=stop_when_idle,
                retry_max_s=settings.land_retry_max_seconds,
                stop=stop,
                on_status=show,
                connect_timeout_s=settings.kafka_connect_timeout_seconds,
                on_commit=metrics.commit if metrics is not None else None,
            )
        except LandingIncomplete as exc:
            status = exc.status
            raise
        finally:
            writer.close()
            if server is not None:
                server.shutdown()
            if live is not None:
                live.stop()
            if status is not None:  # after a LandingIncomplete too: the summary, then its one line
                _print_land_summary(status)
                stats = status.writer
                step.count(rows=stats.landed, records=stats.records, quarantined=stats.quarantined, files=stats.files)
                if status.lag is not None:  # unknown when the watermarks were not read yet
                    step.count(lag=status.lag)


def _lander_metrics(settings: Settings):
    """(LanderMetrics, its /metrics server) when LANDER_METRICS_PORT is set, else (None, None)."""
    if not settings.lander_metrics_port:
        return None, None
    from spotify_mds.metrics import LanderMetrics, serve_metrics

    metrics = LanderMetrics(settings.kafka_topic, settings.kafka_group_id)
    return metrics, serve_metrics([metrics.registry], settings.lander_metrics_port, settings.metrics_host)


def _print_land_summary(status) -> None:
    stats = status.writer
    console.print(
        f"landed {stats.landed:,}, quarantined {stats.quarantined:,}, files written {stats.files:,} "
        f"(unchanged {stats.unchanged_files:,}, replaced {stats.replaced_files:,}), "
        f"{stats.records:,} records in {status.elapsed_s:.1f}s "
        f"({status.rate:,.0f}/s), commits {status.commits:,}, rebalances {status.rebalances}, "
        f"storage outages {status.outages}, lag {status.lag if status.lag is not None else '?'}",
        highlight=False,
    )


def _status_line(status) -> str:
    s = status.writer
    outage = f" | STORAGE OUTAGE {status.outage_s:.0f}s, retrying" if status.outage_s else ""
    return (
        f"landing: {s.records:,} records ({status.rate:,.0f}/s) | landed {s.landed:,} | quarantined {s.quarantined:,}"
        f" | files {s.files:,} | lag {status.lag if status.lag is not None else '?'}"
        f" | buffered {status.buffered:,} ({status.buffered_bytes / 1e6:.1f} MB)"
        f" | partitions {status.assigned}{outage}"
    )
