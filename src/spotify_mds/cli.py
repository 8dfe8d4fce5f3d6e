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
    rate: Annotated[Optional[float], typer.Option(help="Events per second in real time (continuous).")] = None,
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
) -> None:
    """Simulate events into Kafka (KAFKA_BOOTSTRAP_SERVERS), keyed by user_id."""
    from spotify_mds.errors import ComponentUnavailable

    raise ComponentUnavailable("the Kafka producer is not part of this build yet; use `spotify-mds demo` (embedded)")


@app.command()
def land(
    from_file: Annotated[Optional[Path], typer.Option("--from-file", help="Land an NDJSON file instead of consuming Kafka.")] = None,
) -> None:
    """Land records in bronze: from Kafka (BROKER=kafka), or from an NDJSON file."""
    from spotify_mds.land import land_batches
    from spotify_mds.runner import lake_from
    from spotify_mds.simulate import Batch

    settings = _settings()
    if from_file is None:
        from spotify_mds.errors import ComponentUnavailable

        raise ComponentUnavailable("the Kafka lander is not part of this build yet; use --from-file or `spotify-mds demo`")
    lines = from_file.read_bytes().splitlines()
    stats = land_batches(
        [Batch(0, [None] * len(lines), lines)],
        lake_from(settings),
        settings.kafka_topic,
        max_records=settings.land_max_records,
        max_span_ms=settings.land_max_span_seconds * 1000,
        compression=settings.land_compression,
    )
    console.print(f"landed {stats.landed:,}, quarantined {stats.quarantined:,}, files written {stats.files:,}")


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
def report(
    out: Annotated[Path, typer.Option(help="Local folder for the PNGs and index.html.")] = Path("reports"),
    start: Annotated[Optional[str], typer.Option(help="First day (YYYY-MM-DD), default: all.")] = None,
    end: Annotated[Optional[str], typer.Option(help="Last day (YYYY-MM-DD), inclusive.")] = None,
    country: Annotated[Optional[str], typer.Option(help="Two-letter country code.")] = None,
    to_lake: Annotated[bool, typer.Option("--lake/--no-lake", help="Also write to the lake's gold/report/.")] = True,
) -> None:
    """Draw the key charts as PNGs plus an HTML page, into a folder and the lake's gold/report/."""
    from spotify_mds.dashboard.queries import parse_filters
    from spotify_mds.report import build_report
    from spotify_mds.runner import lake_from

    filters = parse_filters(start, end, country)
    result = build_report(lake_from(_settings()), out, filters=filters, to_lake=to_lake)
    for name, mart in result.missing.items():
        console.print(f"{name}: no data yet for {mart}")
    console.print(f"{len(result.charts)} charts → [bold]{result.index}[/]" + (" and gold/report/ in the lake" if to_lake else ""))


metabase_app = typer.Typer(help="Metabase dashboards as code (metabase/dashboards.yml).", no_args_is_help=True)
app.add_typer(metabase_app, name="metabase")


@metabase_app.command("provision")
def metabase_provision(
    url: Annotated[Optional[str], typer.Option(help="Metabase's address (MB_URL).")] = None,
    definitions: Annotated[Optional[Path], typer.Option(help="Definitions file (default metabase/dashboards.yml).")] = None,
) -> None:
    """Create or update the admin, warehouse connection, collection, questions and dashboard (idempotent)."""
    import httpx2

    from spotify_mds import metabase as mb
    from spotify_mds.errors import ConfigError

    settings = _settings()
    mb_settings = mb.MetabaseSettings()
    if not mb_settings.admin_email or not mb_settings.admin_password.get_secret_value():
        raise ConfigError("set MB_ADMIN_EMAIL and MB_ADMIN_PASSWORD (environment or .env)")
    if settings.warehouse == "snowflake":
        database = mb.DatabaseSpec.snowflake(
            mb_settings.database_name, account=settings.snowflake_account, user=settings.snowflake_user,
            password=settings.snowflake_password.get_secret_value(), warehouse=settings.snowflake_warehouse,
            db=settings.snowflake_database, role=settings.snowflake_role,
        )
    else:  # PostgreSQL by default: Metabase has no built-in DuckDB driver
        database = mb.DatabaseSpec.postgres(
            mb_settings.database_name, host=mb_settings.warehouse_host or settings.postgres_host,
            port=settings.postgres_port, dbname=settings.postgres_db, user=settings.postgres_user,
            password=settings.postgres_password.get_secret_value(),
        )
    admin = mb.Admin(mb_settings.admin_email, mb_settings.admin_password.get_secret_value(), site_name=mb_settings.site_name)
    with httpx2.Client(base_url=url or mb_settings.url, timeout=30) as http:
        result = mb.provision(mb.MetabaseClient(http), mb.load_definitions(definitions), database=database,
                              admin=admin, ready_timeout=mb_settings.ready_timeout)
    console.print(f"created {len(result.created)}, updated {len(result.updated)}, unchanged {len(result.unchanged)}")
    for name, dashboard_id in result.dashboard_ids.items():
        console.print(f"{name}: {(url or mb_settings.url).rstrip('/')}/dashboard/{dashboard_id}")


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


def main() -> None:
    try:
        app()
    except SpotifyMdsError as exc:
        console.print(f"[red]{type(exc).__name__}[/]: {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
