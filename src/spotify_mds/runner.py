"""The in-process runner: every stage, in order, on the components the settings select.

This is an edge (like the CLI and the Airflow DAG): it turns settings into the plain arguments the
stage functions take, shows progress, and times each stage. The CLI's `run` and `demo` call it.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from spotify_mds.errors import ConfigError, NotReady, WarehouseError
from spotify_mds.extras import require
from spotify_mds.lake import Lake, open_lake
from spotify_mds.settings import Settings
from spotify_mds.simulate import SimConfig

if TYPE_CHECKING:
    from spotify_mds.follow import FollowStats
    from spotify_mds.pipelines import Pipeline

logger = logging.getLogger(__name__)


@dataclass
class RunSummary:
    generated: int = 0
    landed: int = 0
    quarantined: int = 0
    loaded: int = 0
    files_loaded: int = 0
    files_failed: int = 0
    """Bronze files the warehouse refused this load (each printed with its error)."""
    marts: dict[str, int] = field(default_factory=dict)
    """Rows of each exported mart: only the marts of the pipelines that have data."""
    pipelines: list[str] = field(default_factory=list)
    """The pipelines the transform built (those with data)."""
    quality: list = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def table(self, title: str = "spotify-mds run") -> Table:
        table = Table(title=title, show_header=True, header_style="bold")
        table.add_column("what")
        table.add_column("value", justify="right")
        # Only the stages that ran have figures: a stage that did not run shows no zeros.
        counts = []
        if "simulate+land" in self.seconds:
            counts += [("events generated", self.generated), ("events landed in bronze", self.landed),
                       ("records quarantined", self.quarantined)]  # fmt: skip
        if "load" in self.seconds:
            counts += [("rows loaded into raw", self.loaded), ("bronze files loaded", self.files_loaded)]
        for label, value in counts:
            table.add_row(label, f"{value:,}")
        if self.files_failed:
            table.add_row("bronze files NOT loaded (see above)", f"{self.files_failed:,}")
        for result in self.quality:
            table.add_row(f"quality: {result.check}", result.status.upper())
        for mart, rows in self.marts.items():
            table.add_row(f"gold.{mart} rows", f"{rows:,}")
        for stage, seconds in self.seconds.items():
            table.add_row(f"{stage} seconds", f"{seconds:.1f}")
        return table


def lake_from(settings: Settings) -> Lake:
    return open_lake(settings.lake_root, **settings.s3_options())


def check_paths(settings: Settings) -> None:
    """Fail early, naming the setting, when DATA_DIR, a lake folder or DUCKDB_PATH cannot be used.

    Without this a stage fails deep inside (a mkdir in the lake, DuckDB's "Is a directory") with a
    traceback that names neither the setting nor the fix.
    """
    _writable_folder(settings.data_dir, "DATA_DIR")
    if not settings.lake_root.startswith("s3://"):
        _writable_folder(Path(settings.lake_root), "LAKE_URL" if settings.lake_url else "DATA_DIR")
    if settings.warehouse == "duckdb":
        name = "DUCKDB_PATH" if settings.duckdb_path else "DATA_DIR"
        if settings.duckdb_file.is_dir():
            example = settings.duckdb_file / "warehouse.duckdb"
            raise ConfigError(f"{name}: {settings.duckdb_file} is a folder; the DuckDB warehouse is a file (e.g. {example})")
        _writable_folder(settings.duckdb_file.parent, name)


def open_duckdb(settings: Settings, lake: Lake | None = None):
    """A connection to the DuckDB warehouse; WarehouseError naming the fix when the file is held."""
    import duckdb

    from spotify_mds.load import duckdb as duck

    try:
        return duck.connect(settings.duckdb_file, lake)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(
                f"{settings.duckdb_file} is in use by another process (DuckDB allows one writer at a time): "
                "stop it, or point DUCKDB_PATH elsewhere"
            ) from exc
        raise WarehouseError(f"cannot open the DuckDB warehouse {settings.duckdb_file} (DUCKDB_PATH): {exc}") from exc


def _writable_folder(folder: Path, setting: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ConfigError(f"{setting}: cannot write to {folder}: {exc.strerror or exc}") from exc


def sim_config(settings: Settings, **overrides: object) -> SimConfig:
    values = {
        "seed": settings.sim_seed,
        "users": settings.user_count,
        "start": settings.sim_start,
        "days": settings.sim_days,
        "max_events": settings.sim_events,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return SimConfig(**values)


def dbt_env(settings: Settings) -> dict[str, str]:
    """The environment `dbt/profiles.yml` reads, from the settings."""
    return {
        "WAREHOUSE": settings.warehouse,
        "DUCKDB_PATH": str(settings.duckdb_file.resolve()),
        "POSTGRES_HOST": settings.postgres_host,
        "POSTGRES_PORT": str(settings.postgres_port),
        "POSTGRES_USER": settings.postgres_user,
        "POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(),
        "POSTGRES_DB": settings.postgres_db,
        "SNOWFLAKE_ACCOUNT": settings.snowflake_account,
        "SNOWFLAKE_USER": settings.snowflake_user,
        "SNOWFLAKE_PASSWORD": settings.snowflake_password.get_secret_value(),
        "SNOWFLAKE_PRIVATE_KEY_PATH": settings.snowflake_private_key_path,
        "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": settings.snowflake_private_key_passphrase.get_secret_value(),
        "SNOWFLAKE_HOST": settings.snowflake_host,
        "SNOWFLAKE_PORT": str(settings.snowflake_port or 443),
        "SNOWFLAKE_PROTOCOL": settings.snowflake_protocol,
        "SNOWFLAKE_ROLE": settings.snowflake_role,
        "SNOWFLAKE_WAREHOUSE": settings.snowflake_warehouse,
        "SNOWFLAKE_DATABASE": settings.snowflake_database,
    }


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@contextmanager
def _timed(summary: RunSummary, stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        summary.seconds[stage] = time.perf_counter() - started


def expected_events(config: SimConfig) -> int:
    """A rough size for the progress bar (the simulator's mean rate times its duration)."""
    from spotify_mds.simulate import expected_events as estimate

    return estimate(config)


# -- stages ---------------------------------------------------------------------------------------
def land_embedded(settings: Settings, summary: RunSummary, console: Console, config: SimConfig) -> None:
    """simulate → land, through the in-process hand-off (no broker).

    The stream lands as the partition its config derives (`stream_partition`), offsets from 0: the
    same config rewrites the same keys with the same bytes, another config never shares a position.
    """
    from spotify_mds.landing import LandingOptions
    from spotify_mds.landing.keys import stream_partition
    from spotify_mds.pipelines.streams.landing import land_batches
    from spotify_mds.simulate import simulate

    lake = lake_from(settings)
    with progress_bar(console) as bar, _timed(summary, "simulate+land"):
        task = bar.add_task("simulate → land", total=expected_events(config))
        generated = 0

        def advance(n: int) -> None:
            nonlocal generated
            generated += n
            bar.update(task, advance=n)

        stats = land_batches(
            simulate(config),
            lake,
            settings.kafka_topic,
            partition=stream_partition(config),
            progress=advance,
            **LandingOptions.from_settings(settings).batch_kwargs(),
        )
        bar.update(task, total=generated, completed=generated)
    summary.generated = generated
    summary.landed = stats.landed
    summary.quarantined = stats.quarantined


def postgres_conninfo(settings: Settings) -> str:
    """A libpq connection string from the settings (the password stays out of logs: never log it)."""
    make_conninfo = require("psycopg.conninfo").make_conninfo

    return make_conninfo(
        host=settings.postgres_host,
        port=settings.postgres_port,
        user=settings.postgres_user,
        password=settings.postgres_password.get_secret_value() or None,
        dbname=settings.postgres_db,
        application_name="spotify-mds",
    )


def snowflake_params(settings: Settings) -> dict[str, object]:
    """Connection arguments for snowflake-connector-python: password or key-pair auth."""
    params: dict[str, object] = {
        "account": settings.snowflake_account,
        "user": settings.snowflake_user,
        "warehouse": settings.snowflake_warehouse,
        "database": settings.snowflake_database,
    }
    if settings.snowflake_role:
        params["role"] = settings.snowflake_role
    if settings.snowflake_private_key_path:
        params["private_key_file"] = settings.snowflake_private_key_path
        if settings.snowflake_private_key_passphrase.get_secret_value():
            params["private_key_file_pwd"] = settings.snowflake_private_key_passphrase.get_secret_value()
    else:
        params["password"] = settings.snowflake_password.get_secret_value()
    if settings.snowflake_host:
        params.update(host=settings.snowflake_host, protocol=settings.snowflake_protocol)
        if settings.snowflake_port:
            params["port"] = settings.snowflake_port
    return params


def init_warehouse(settings: Settings) -> None:
    """Create schemas RAW, SILVER, GOLD, the raw table and the ledger in the configured warehouse."""
    if settings.warehouse == "postgres":
        from spotify_mds.load import postgres

        con = postgres.connect(postgres_conninfo(settings))
        try:
            postgres.create_schemas(con)
        finally:
            con.close()
    elif settings.warehouse == "snowflake":
        from spotify_mds.load import snowflake

        con = snowflake.connect(snowflake_params(settings))
        try:
            snowflake.create_schemas(con)
        finally:
            con.close()
    else:
        from spotify_mds.load import duckdb as duck

        con = open_duckdb(settings)
        try:
            duck.create_schemas(con)
        finally:
            con.close()


def forget(settings: Settings, since, until) -> int:
    """Forget the loaded files of event hours [since, until) so the next load reads them again."""
    if settings.warehouse == "postgres":
        from spotify_mds.load import postgres

        return postgres.forget(postgres_conninfo(settings), settings.kafka_topic, since, until)
    if settings.warehouse == "snowflake":
        from spotify_mds.load import snowflake

        return snowflake.forget(snowflake_params(settings), settings.kafka_topic, since, until)
    from spotify_mds.load import duckdb as duck

    return duck.forget(settings.duckdb_file, settings.kafka_topic, since, until)


def load(settings: Settings, summary: RunSummary, console: Console) -> None:
    """Bulk-load new or changed bronze files into the configured warehouse's raw table."""
    lake = lake_from(settings)
    # The loader is imported before the progress bar starts: a missing extra is then its one line alone.
    if settings.warehouse == "postgres":
        from spotify_mds.load import postgres

        def run(progress):
            return postgres.load(lake, postgres_conninfo(settings), settings.kafka_topic, progress=progress)
    elif settings.warehouse == "snowflake":
        from spotify_mds.load import snowflake

        require("snowflake.connector")

        def run(progress):
            return snowflake.load(lake, snowflake_params(settings), settings.kafka_topic, progress=progress)
    else:
        from spotify_mds.load import duckdb as duck

        open_duckdb(settings).close()  # a file held by another writer is said before the progress bar

        def run(progress):
            return duck.load(lake, settings.duckdb_file, settings.kafka_topic, progress=progress)

    with progress_bar(console) as bar, _timed(summary, "load"):
        task = bar.add_task(f"load bronze → raw ({settings.warehouse})", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, total=total, advance=done)

        stats = run(advance)
        bar.update(task, total=max(stats.files_loaded, 1), completed=max(stats.files_loaded, 1))
    summary.loaded = stats.rows_loaded
    summary.files_loaded = stats.files_loaded
    summary.files_failed = len(stats.failures)
    for key, error in stats.failures:  # the others loaded; these stay out of the ledger, tried again next load
        console.print(f"not loaded (tried again next load): {key}: {error}", markup=False, style="red", soft_wrap=True)


def pipelines_with_data(settings: Settings, pipelines: Sequence[Pipeline] | None = None) -> tuple[Pipeline, ...]:
    """The pipelines (all registered, unless given) whose RAW tables hold data: to build and export."""
    from spotify_mds.pipelines import registry, with_data

    with warehouse_connection(settings) as (dialect, con):
        return with_data(registry() if pipelines is None else pipelines, query_function(dialect, con))


def transform(
    settings: Settings, summary: RunSummary, console: Console, pipelines: Sequence[Pipeline] | None = None
) -> None:
    """`dbt build` of the pipelines that have data (all registered, unless given); none: no build."""
    from spotify_mds import transform as dbt

    ready = pipelines_with_data(settings, pipelines)
    summary.pipelines = [pipeline.name for pipeline in ready]
    select = dbt.selection(ready)
    if select is None:
        console.print("dbt build: skipped, no pipeline has data")
        return
    if settings.warehouse != "duckdb":  # dbt-duckdb is a core dependency; the other adapters are extras
        require(f"dbt.adapters.{settings.warehouse}")
    with console.status("dbt build (silver, gold, tests)…"), _timed(summary, "transform"):
        state_dir = settings.data_dir / "dbt"
        result = dbt.build(env=dbt_env(settings), target=settings.warehouse, state_dir=state_dir, select=select)
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items()))
    console.print(f"dbt build ({', '.join(summary.pipelines)}): {counts}")


@contextmanager
def warehouse_connection(settings: Settings, lake: Lake | None = None) -> Iterator[tuple[str, Any]]:
    """(dialect, connection) of the configured warehouse; closed on exit."""
    if settings.warehouse == "postgres":
        from spotify_mds.load import postgres

        con = postgres.connect(postgres_conninfo(settings))
    elif settings.warehouse == "snowflake":
        from spotify_mds.load import snowflake

        con = snowflake.connect(snowflake_params(settings))
    else:

        con = open_duckdb(settings, lake)
    try:
        yield settings.warehouse, con
    finally:
        con.close()


def query_function(dialect: str, con: Any):
    """`query(sql) -> rows` over a warehouse connection (what the quality checks take)."""

    def query(sql: str) -> list[tuple]:
        if dialect == "duckdb":
            return con.execute(sql).fetchall()
        cur = con.cursor()
        try:
            cur.execute(sql)
            return cur.fetchall()
        finally:
            cur.close()

    return query


def export(settings: Settings, summary: RunSummary, console: Console) -> None:
    from spotify_mds.export import DBAPIGold, DuckDBGold, export_gold

    lake = lake_from(settings)
    marts = [mart for pipeline in pipelines_with_data(settings) for mart in pipeline.marts]
    with console.status("export gold → lake…"), _timed(summary, "export"):
        with warehouse_connection(settings, lake) as (dialect, con):
            source = DuckDBGold(con) if dialect == "duckdb" else DBAPIGold(con, dialect)
            result = export_gold(source, lake, marts=marts)
    summary.marts = result.rows


def quality(settings: Settings, summary: RunSummary, console: Console, *, as_of: datetime | None = None) -> list:
    """Run the data-quality checks on the configured warehouse; return and print their results.

    Freshness is judged at `as_of`, else QUALITY_AS_OF, else the simulated clock of the last
    simulated run on this warehouse (while no newer data has arrived), else now.
    """
    from spotify_mds.quality import run_checks

    if as_of is None:
        as_of, source = quality_clock(settings)
        console.print(f"freshness judged at {as_of:%Y-%m-%d %H:%M} UTC ({source})", highlight=False)
    with _timed(summary, "quality"), warehouse_connection(settings) as (dialect, con):
        results = run_checks(
            query_function(dialect, con),
            as_of=as_of,
            max_age=timedelta(hours=settings.quality_freshness_hours),
            tolerance=settings.quality_volume_tolerance,
        )
    summary.quality = results
    console.print(quality_table(results))
    return results


def quality_table(results: list) -> Table:
    table = Table(title="data quality", show_header=True, header_style="bold")
    for column in ("check", "status", "observed", "expected", "detail"):
        table.add_column(column)
    colours = {"pass": "green", "skip": "yellow", "fail": "red", "error": "red"}
    for result in results:
        status = f"[{colours[result.status]}]{result.status.upper()}[/]"
        table.add_row(result.check, status, result.observed, result.expected, result.detail)
    return table


def run_pipeline(settings: Settings, console: Console | None = None, **sim_overrides: object) -> RunSummary:
    """simulate → land → load → transform → quality → export, on the configured components.

    With BROKER=kafka, simulating and landing are the producer's and the lander's jobs (services):
    the run is the batch over what has landed, `run_batch`.
    """
    console = console or Console(stderr=True)
    check_paths(settings)
    if settings.broker == "kafka":
        if any(value is not None for value in sim_overrides.values()):
            raise ConfigError(
                "BROKER=kafka: `run` loads what has landed; simulate with `spotify-mds produce` (its options)"
            )
        return run_batch(settings, console)
    summary = RunSummary()
    config = sim_config(settings, **sim_overrides)
    land_embedded(settings, summary, console, config)
    load(settings, summary, console)
    until = simulated_until(settings, config, summary.generated)
    record_simulated_clock(settings, until)
    transform(settings, summary, console)
    quality(settings, summary, console, as_of=settings.quality_as_of or until)
    export(settings, summary, console)
    return summary


def run_batch(settings: Settings, console: Console) -> RunSummary:
    """load → transform → quality → export over what has landed in bronze (BROKER=kafka's `run`)."""
    from spotify_mds.load import bronze_files

    if not bronze_files(lake_from(settings), settings.kafka_topic):
        raise NotReady(_NOTHING_LANDED)
    summary = RunSummary()
    console.print(
        "BROKER=kafka: `spotify-mds produce` and `spotify-mds land` fill bronze; "
        "this runs load → transform → quality → export over what has landed",
        highlight=False,
    )
    load(settings, summary, console)
    require_loaded(settings, after_load=True)
    transform(settings, summary, console)
    quality(settings, summary, console)
    export(settings, summary, console)
    return summary


# -- readiness ------------------------------------------------------------------------------------
def _has_table(query, schema: str, table: str | None = None) -> bool:
    sql = f"SELECT count(*) FROM information_schema.tables WHERE lower(table_schema) = '{schema}'"
    if table:
        sql += f" AND lower(table_name) = '{table}'"
    return bool(query(sql)[0][0])


_NOTHING_LANDED = (
    "nothing has landed yet: start `spotify-mds produce` and `spotify-mds land` (or the docker stack), then run again"
)


def require_loaded(settings: Settings, *, gold: bool = False, after_load: bool = False) -> None:
    """Raise NotReady, saying what to run, when raw holds no events yet (or, with `gold`, no marts).

    On a fresh DATA_DIR the stages after `load` would otherwise print dbt's or DuckDB's internals,
    or an all-zero summary.
    """
    first = _NOTHING_LANDED if after_load else "nothing loaded yet: run `spotify-mds load` (or `make demo`) first"
    if settings.warehouse == "duckdb" and not settings.duckdb_file.is_file():
        raise NotReady(first)
    with warehouse_connection(settings) as (dialect, con):
        query = query_function(dialect, con)
        if not _has_table(query, "raw", "listening_events"):
            raise NotReady(first)
        if not query("SELECT 1 FROM raw.listening_events LIMIT 1"):
            raise NotReady(first)
        if gold and not _has_table(query, "gold"):
            raise NotReady("nothing transformed yet: run `spotify-mds transform` first")


# -- the simulated clock --------------------------------------------------------------------------
CLOCK_FILE = "simulated_clock.json"


def simulated_until(settings: Settings, config: SimConfig, generated: int) -> datetime:
    """Where the simulated world's clock stopped: the window's end, or the newest event when
    `--events` cut the run short."""
    if config.max_events is not None and generated >= config.max_events:
        newest = simulated_now(settings)
        if newest is not None:
            return newest
    return config.start + timedelta(days=config.days)


def _warehouse_id(settings: Settings) -> str:
    if settings.warehouse == "postgres":
        return f"postgres://{settings.postgres_host}:{settings.postgres_port}/{settings.postgres_db}"
    if settings.warehouse == "snowflake":
        return f"snowflake://{settings.snowflake_account}/{settings.snowflake_database}"
    return f"duckdb://{settings.duckdb_file.resolve()}"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment is not None else None


def record_simulated_clock(settings: Settings, until: datetime) -> None:
    """Note, in DATA_DIR, the simulated clock of the data just loaded and the newest event it holds.

    `quality` judges freshness there later, as long as the warehouse's newest event is unchanged:
    simulated data is dated in the simulated world, not now.
    """
    path = settings.data_dir / CLOCK_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        state = {}
    newest = _iso(simulated_now(settings))
    state[_warehouse_id(settings)] = {"simulated_until": _iso(until), "newest_event_at": newest}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(path)


def recorded_clock(settings: Settings) -> datetime | None:
    """The simulated clock recorded for this warehouse, or None (never recorded, or newer data arrived)."""
    try:
        entry = json.loads((settings.data_dir / CLOCK_FILE).read_text())[_warehouse_id(settings)]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if entry.get("newest_event_at") != _iso(simulated_now(settings)):
        return None  # data arrived since the simulated run: it is judged as live data, at now
    return datetime.fromisoformat(entry["simulated_until"])


def quality_clock(settings: Settings) -> tuple[datetime, str]:
    """The moment freshness is judged at when no --as-of is given, and where it comes from."""
    if settings.quality_as_of is not None:
        moment = settings.quality_as_of
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)), "QUALITY_AS_OF"
    recorded = recorded_clock(settings)
    if recorded is not None:
        return recorded, "the simulated clock of the last simulated run; --as-of T to judge at another time"
    return datetime.now(timezone.utc), "now; --as-of T to judge a past run"


def simulated_now(settings: Settings) -> datetime | None:
    """The newest event time in raw (UTC): "now" for data the simulator generated in one go."""
    with warehouse_connection(settings) as (dialect, con):
        column = '"TIMESTAMP"' if dialect == "snowflake" else '"timestamp"'
        (newest,) = query_function(dialect, con)(f"SELECT max({column}) FROM raw.listening_events")[0]
    return newest.replace(tzinfo=timezone.utc) if newest is not None and newest.tzinfo is None else newest


def follow_pipeline(
    settings: Settings, console: Console, *, interval: float, backlog_minutes: float = 0.0, stop=None
) -> FollowStats:
    """Continuous mode on embedded components: real-time events, micro-batch load → transform → export."""
    import signal
    import threading

    from spotify_mds.follow import follow, live_config
    from spotify_mds.landing import LandingOptions
    from spotify_mds.pipelines import named

    if settings.broker != "embedded":
        raise ConfigError("run --follow drives the embedded hand-off; with Kafka run `produce` and `land` as services, and `run` (or Airflow) for the batches")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lake = lake_from(settings)
    config = live_config(sim_config(settings), backlog_minutes=backlog_minutes)
    quiet = Console(quiet=True)
    streams = named(["streams"])  # continuous mode feeds the streams pipeline: rebuild its models only

    def cycle() -> int:
        summary = RunSummary()
        load(settings, summary, quiet)
        if summary.loaded:
            transform(settings, summary, quiet, streams)
            export(settings, summary, quiet)
        return summary.loaded

    live_since = time.time()  # the backlog is history, not a measure of freshness

    def freshness(started: float) -> list[float]:
        from spotify_mds.load import duckdb as duck

        if settings.warehouse != "duckdb":
            return []
        done = time.time()
        con = duck.connect(settings.duckdb_file)
        try:
            rows = con.execute(
                'SELECT epoch("timestamp") FROM raw.listening_events'
                ' WHERE _loaded_at >= to_timestamp(?)::TIMESTAMP AND epoch("timestamp") >= ?',
                [started, live_since],
            ).fetchall()
        finally:
            con.close()
        return [done - ts for (ts,) in rows]

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
