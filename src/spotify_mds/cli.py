"""The `spotify-mds` command: one sub-command per stage, `run` for all of them, and `demo`.

A thin edge: it reads settings, calls the stage functions and prints. Any error the package raises
on purpose is printed as one line, `ErrorType: message`, with exit status 1.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from spotify_mds.commands import _settings, _stage_settings, app, console
from spotify_mds.commands.output import Json, follow_figures, follow_totals, print_summary
from spotify_mds.errors import SpotifyMdsError
from spotify_mds.settings import Settings

Seed = Annotated[Optional[int], typer.Option(help="Random seed (SIM_SEED); the same seed gives the same bytes.")]
Users = Annotated[Optional[int], typer.Option(help="Simulated users (USER_COUNT).")]
Days = Annotated[Optional[float], typer.Option(help="Days of simulated listening (SIM_DAYS).")]
Events = Annotated[
    Optional[int],
    typer.Option("--events", help="Exactly this many events: the window grows to hold them unless --days is given (SIM_EVENTS)."),
]


def configure_logging(verbose: bool) -> None:
    """Text or JSON lines (LOG_FORMAT), to stderr and LOG_FILE, with the run id; secrets masked."""
    from spotify_mds.logs import configure_logging as configure
    from spotify_mds.logs import secrets_of

    try:
        settings = _settings()
    except Exception:  # noqa: BLE001 - the command itself reports bad settings, in one line
        settings = None
    configure(
        logging.DEBUG if verbose else logging.WARNING,
        fmt=settings.log_format if settings else "text",
        file=settings.log_file if settings else None,
        secrets=secrets_of(settings) if settings else (),
    )


def _show_version(value: bool) -> None:
    if value:
        from spotify_mds import __version__

        print(f"spotify-mds {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    configure_logging(verbose)



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


# The warehouse's stages, then presentation, register themselves on `app` here (--help's order).
from spotify_mds.commands import warehouse  # noqa: E402, F401, I001
from spotify_mds.commands import present  # noqa: E402, F401, I001
from spotify_mds.commands import docs  # noqa: E402, F401, I001

@app.command()
def health(
    only: Annotated[Optional[str], typer.Option(help="Check only these components (comma-separated); all of them are required.")] = None,
    require: Annotated[Optional[str], typer.Option(help="Also require these (e.g. airflow,metabase).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per probe.")] = 3.0,
    as_json: Json = False,
) -> None:
    """Report each component's status (Kafka, lake, warehouse, Airflow, Metabase, dashboard); exit 1 if a required one is down."""
    import os

    from dotenv import dotenv_values

    from spotify_mds.operations.health import check_all, exit_status, report, summary_line, urls_from

    def names(value: str | None) -> list[str]:
        return [name.strip() for name in (value or "").split(",") if name.strip()]

    environ = {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}
    checks = check_all(
        _settings(), urls_from(environ), only=names(only) if only else None, require=names(require), timeout=timeout
    )
    if as_json:
        from dataclasses import asdict

        from spotify_mds.console import print_json

        components = [{**asdict(check), "failed": check.failed} for check in checks]
        print_json({"command": "health", "ok": exit_status(checks) == 0, "components": components})
    else:
        Console().print(report(checks))
    console.print(summary_line(checks))
    raise typer.Exit(exit_status(checks))


@app.command()
def run(
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
    follow: Annotated[bool, typer.Option("--follow", help="Keep going: real-time events, micro-batches until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option(help="With --follow: seconds between micro-batches.")] = 30.0,
    backlog_minutes: Annotated[float, typer.Option(help="With --follow: start this many minutes in the past.")] = 0.0,
    as_json: Json = False,
) -> None:
    """Run every stage once on the configured components (or continuously with --follow).

    With BROKER=kafka the producer and the lander run as services: `run` is then the batch over what
    has landed (load → transform → quality → export).
    """
    from spotify_mds import runner

    settings = _stage_settings(sim_seed=seed, user_count=users)
    if settings.broker == "kafka" and not follow and any(v is not None for v in (seed, users, days, events)):
        from spotify_mds.errors import ConfigError

        raise ConfigError(
            "BROKER=kafka: `run` loads what has landed; --seed/--users/--days/--events belong to `spotify-mds produce`"
        )
    if follow:
        from spotify_mds.follow import follow_pipeline

        stats = follow_pipeline(settings, console, interval=interval, backlog_minutes=backlog_minutes)
        console.print(follow_totals(stats), highlight=False)
        if as_json:
            from spotify_mds.console import print_json

            print_json({"command": "run", "follow": True, "ok": True, **follow_figures(stats)})
        return
    summary = runner.run_pipeline(settings, console, days=days, max_events=events)
    print_summary(summary, "run", as_json)
    summary.raise_if_incomplete()  # every stage ran; a scheduler still sees the files set aside


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

    # Embedded whatever `.env` says (it may point at the docker stack): no broker, a lake folder, DuckDB.
    base = _settings()
    settings = base.model_copy(
        update={"broker": "embedded", "warehouse": "duckdb", "lake_url": str(base.data_dir / "lake")}
    )
    from spotify_mds.commands.present import bind
    from spotify_mds.commands.present import serve as serve_dashboard

    sock = bind(settings) if serve else None  # a port in use is said now, not after the pipeline
    summary = run_pipeline(settings, console, seed=seed, users=users, days=days, max_events=events)
    print_summary(summary, "demo", as_json=False)
    if sock is not None:
        serve_dashboard(settings, sock)


def _one_line(exc: Exception) -> str:
    """`ErrorType: message` on one line; settings errors name the variable at fault."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']).upper() or 'settings'}: {error['msg']}" for error in exc.errors()
        )
        return f"ConfigError: {problems}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


# The extract commands register themselves on `app` here, last in --help; then watching the runs.
from spotify_mds.commands import extract  # noqa: E402, F401
from spotify_mds.commands import breweries  # noqa: E402, F401, I001
from spotify_mds.commands import runs as _runs  # noqa: E402, F401
from spotify_mds.commands import stack  # noqa: E402, F401
from spotify_mds.commands import ecommerce  # noqa: E402, F401


def _refusals() -> tuple[type[BaseException], ...]:
    """What the environment raises when it refuses: evaluated only when an error reaches main()."""
    import duckdb

    return (OSError, duckdb.IOException)


def main() -> None:
    from pydantic import ValidationError

    try:
        app(prog_name="spotify-mds")  # also under `python -m`: usage lines and shell completion name the command
    except (SpotifyMdsError, ValidationError) as exc:
        console.print(_one_line(exc), style="red", highlight=False, soft_wrap=True, markup=False)
        sys.exit(1)
    except _refusals() as exc:
        # The environment refused (a file, a folder, a permission, a socket, the DuckDB file's lock)
        # somewhere the stages do not name the setting themselves: still one line, with the
        # traceback in the debug log (-v).
        logging.getLogger(__name__).debug("%s", exc, exc_info=True)
        console.print(_one_line(exc), style="red", highlight=False, soft_wrap=True, markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
