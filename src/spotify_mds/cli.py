"""The `spotify-mds` command: one sub-command per stage, `run` for all of them, and `demo`.

A thin edge: it reads settings, calls the stage functions and prints. Any error the package raises
on purpose is printed as one line, `ErrorType: message`, with exit status 1.
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from spotify_mds.errors import SpotifyMdsError
from spotify_mds.settings import Settings, load_settings

app = typer.Typer(
    name="spotify-mds",
    help="A Modern Data Stack for music-streaming analytics: simulate → land → load → transform → export → dashboard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

Seed = Annotated[Optional[int], typer.Option(help="Random seed (SIM_SEED); the same seed gives the same bytes.")]
Users = Annotated[Optional[int], typer.Option(help="Simulated users (USER_COUNT).")]
Days = Annotated[Optional[float], typer.Option(help="Days of simulated listening (SIM_DAYS).")]
Events = Annotated[Optional[int], typer.Option("--events", help="Stop after this many events (SIM_EVENTS).")]


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False) -> None:
    configure_logging(verbose)


def _settings(**overrides: object) -> Settings:
    return load_settings(**overrides)


@app.command()
def simulate(
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
    rate: Annotated[Optional[float], typer.Option(help="Events per second in real time, continuous (like the seed's --rate 10).")] = None,
    out: Annotated[Path, typer.Option(help="NDJSON file to write ('-' for standard output).")] = Path("-"),
) -> None:
    """Generate listening events as NDJSON (to a file or standard output)."""
    from spotify_mds.runner import sim_config
    from spotify_mds.simulate import simulate as generate

    settings = _settings()
    config = sim_config(settings, seed=seed, users=users, days=days if days else (3650.0 if rate else None), max_events=events)
    sink = sys.stdout.buffer if str(out) == "-" else out.open("wb")
    written = 0
    started = time.monotonic()
    try:
        for batch in generate(config):
            for value in batch.values:
                sink.write(value + b"\n")
                written += 1
                if rate:
                    sink.flush()
                    delay = started + written / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        if sink is not sys.stdout.buffer:
            sink.close()
    console.print(f"{written:,} events written")


@app.command()
def produce(
    topic: Annotated[Optional[str], typer.Option(help="Kafka topic (KAFKA_TOPIC).")] = None,
    rate: Annotated[Optional[float], typer.Option(help="Events per second in real time, continuous until Ctrl-C.")] = None,
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

    from spotify_mds.produce import ProduceError, ensure_topic, producer_config
    from spotify_mds.produce import produce as send
    from spotify_mds.runner import expected_events, progress_bar, sim_config
    from spotify_mds.simulate import simulate as generate

    settings = _settings(**({"kafka_compression": compression} if compression else {}))
    topic = topic or settings.kafka_topic
    bootstrap = settings.kafka_bootstrap_servers
    config = sim_config(settings, seed=seed, users=users, days=days if days else (3650.0 if rate else None), max_events=events)
    if ensure_topic(bootstrap, topic, partitions or settings.kafka_partitions):
        console.print(f"created topic {topic} with {partitions or settings.kafka_partitions} partitions")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    conf = producer_config(bootstrap, compression=settings.kafka_compression, linger_ms=settings.kafka_linger_ms)
    with progress_bar(console) as bar:
        task = bar.add_task(f"produce → {topic}", total=None if rate and not events else expected_events(config))
        stats = send(generate(config), conf, topic, rate=rate, stop=stop, progress=lambda n: bar.advance(task, n))
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
    from spotify_mds.land import land_batches
    from spotify_mds.runner import lake_from
    from spotify_mds.simulate import Batch

    overrides = {
        "kafka_topic": topic,
        "kafka_group_id": group,
        "kafka_group_instance_id": instance_id,
        "land_max_records": max_records,
        "land_max_bytes": max_bytes,
        "land_idle_flush_seconds": idle_flush,
        "land_compression": compression,
    }
    settings = _settings(**overrides)
    if from_file is None:
        _land_kafka(settings, stop_when_idle)
        return
    lines = from_file.read_bytes().splitlines()
    stats = land_batches(
        [Batch(0, [None] * len(lines), lines)],
        lake_from(settings),
        settings.kafka_topic,
        max_records=settings.land_max_records,
        max_span_ms=settings.land_max_span_seconds * 1000,
        max_bytes=settings.land_max_bytes,
        compression=settings.land_compression,
    )
    console.print(f"landed {stats.landed:,}, quarantined {stats.quarantined:,}, files written {stats.files:,}")


def _land_kafka(settings: Settings, stop_when_idle: float | None) -> None:
    import signal
    import threading

    from rich.live import Live

    from spotify_mds.land import BronzeWriter
    from spotify_mds.land_kafka import consumer_config, land_kafka
    from spotify_mds.runner import lake_from

    writer = BronzeWriter(
        lake_from(settings),
        settings.kafka_topic,
        max_records=settings.land_max_records,
        max_span_ms=settings.land_max_span_seconds * 1000,
        max_bytes=settings.land_max_bytes,
        compression=settings.land_compression,
        max_inflight=settings.land_max_inflight,
    )
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
        line = _status_line(status)
        if live is not None:
            live.update(line)
        elif status.elapsed_s - last_line[0] >= 30:  # not a terminal (a service's log): every 30 s
            last_line[0] = status.elapsed_s
            console.print(line, highlight=False, markup=False)

    if live is not None:
        live.start()
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
        )
    finally:
        if live is not None:
            live.stop()
    stats = status.writer
    console.print(
        f"landed {stats.landed:,}, quarantined {stats.quarantined:,}, files written {stats.files:,} "
        f"(unchanged {stats.unchanged_files:,}), {stats.records:,} records in {status.elapsed_s:.1f}s "
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


@app.command()
def load(
    reload_since: Annotated[Optional[datetime], typer.Option(help="Reload bronze files of event hours from this time (UTC)…")] = None,
    reload_until: Annotated[Optional[datetime], typer.Option(help="…until this time (exclusive).")] = None,
) -> None:
    """Bulk-load new or changed bronze files into the warehouse's raw table."""
    from spotify_mds import runner
    from spotify_mds.load import duckdb as duck

    settings = _settings()
    if reload_since or reload_until:
        forgotten = duck.forget(settings.duckdb_file, settings.kafka_topic, reload_since, reload_until)
        console.print(f"{forgotten} files will be reloaded")
    summary = runner.RunSummary()
    runner.load(settings, summary, console)
    console.print(f"loaded {summary.loaded:,} rows from {summary.files_loaded:,} files")


@app.command()
def transform() -> None:
    """Build silver and gold with dbt (models, tests and unit tests)."""
    from spotify_mds import runner

    runner.transform(_settings(), runner.RunSummary(), console)


@app.command()
def export() -> None:
    """Write the gold marts to the lake as Parquet (gold/<mart>/<mart>.parquet)."""
    from spotify_mds import runner

    summary = runner.RunSummary()
    runner.export(_settings(), summary, console)
    console.print(summary.table())


@app.command()
def dashboard(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (DASHBOARD_HOST).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (DASHBOARD_PORT).")] = None,
) -> None:
    """Serve the web dashboard over the gold export (read-only) until Ctrl-C."""
    _serve(_settings(), host, port)


def _serve(settings: Settings, host: str | None, port: int | None) -> None:
    from spotify_mds.dashboard import serve
    from spotify_mds.runner import lake_from

    host = host or settings.dashboard_host
    port = port or settings.dashboard_port
    console.print(f"dashboard on [bold]http://{host}:{port}[/] — Ctrl-C to stop")
    serve(lake_from(settings), host=host, port=port)


@app.command()
def run(seed: Seed = None, users: Users = None, days: Days = None, events: Events = None) -> None:
    """Run every stage once on the configured components and print a summary."""
    from spotify_mds.runner import run_pipeline

    summary = run_pipeline(_settings(), console, seed=seed, users=users, days=days, max_events=events)
    Console().print(summary.table())


@app.command()
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the dashboard afterwards.")] = True,
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
) -> None:
    """The whole pipeline on embedded components (no broker, a local lake, DuckDB), then the dashboard."""
    from spotify_mds.runner import run_pipeline

    settings = _settings(broker="embedded", warehouse="duckdb")
    summary = run_pipeline(settings, console, seed=seed, users=users, days=days, max_events=events)
    Console().print(summary.table())
    if serve:
        _serve(settings, None, None)


def _one_line(exc: Exception) -> str:
    """`ErrorType: message` on one line; settings errors name the variable at fault."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']).upper() or 'settings'}: {error['msg']}" for error in exc.errors()
        )
        return f"ConfigError: {problems}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except (SpotifyMdsError, ValidationError) as exc:
        console.print(_one_line(exc), style="red", highlight=False, soft_wrap=True, markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
