"""The in-process runner: every stage, in order, on the components the settings select.

This is an edge (like the CLI and the Airflow DAG): it turns settings into the objects the library
takes (a lake, a `Warehouse` from `warehouse_from`), and runs the stages. Each stage function returns
a small result and prints nothing; `run_pipeline` (and the CLI) hand the results to
`spotify_mds.console`, and `RunSummary` adds them up. The CLI's `run` and `demo` call it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from spotify_mds import clock
from spotify_mds import console as show
from spotify_mds.errors import ConfigError, NotReady
from spotify_mds.extras import require
from spotify_mds.lake import Lake, lake_from
from spotify_mds.metrics.batch import recorded_run
from spotify_mds.pipelines.streams.simulate import SimConfig
from spotify_mds.results import (
    ExportResult,
    LandResult,
    LoadResult,
    QualityResult,
    RunSummary,
    TransformResult,
)
from spotify_mds.runlog import RunLog, Step
from spotify_mds.settings import Settings, writable_folder
from spotify_mds.warehouse import (  # noqa: F401 - re-exported for the edges' callers
    RawTable,
    Warehouse,
    dbt_env,
    postgres_conninfo,
    snowflake_params,
    warehouse_from,
)

if TYPE_CHECKING:
    from spotify_mds.pipelines import Pipeline

Progress = Callable[[int, int], None]


@contextmanager
def _timed(result: Any, stage: str) -> Iterator[None]:
    """Time a stage into `result.seconds` (the benchmarks wrap this to measure each phase's memory)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        result.seconds[stage] = time.perf_counter() - started


# -- settings → objects ---------------------------------------------------------------------------
def events_table(settings: Settings) -> RawTable:
    """The streams pipeline's raw table, on the configured topic."""
    from spotify_mds.pipelines.streams import raw_table

    return raw_table(settings.kafka_topic)


def check_paths(settings: Settings) -> None:
    """Fail early, naming the setting, when DATA_DIR, a lake folder or the warehouse's file cannot be used."""
    writable_folder(settings.data_dir, "DATA_DIR")
    if not settings.lake_root.startswith("s3://"):
        writable_folder(Path(settings.lake_root), "LAKE_URL" if settings.lake_url else "DATA_DIR")
    warehouse_from(settings).check_paths()


def sim_config(settings: Settings, **overrides: object) -> SimConfig:
    values = {
        "seed": settings.sim_seed,
        "users": settings.user_count,
        "start": settings.sim_start,
        "days": settings.sim_days,
        "max_events": settings.sim_events,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    config = SimConfig(**values)
    if config.max_events and overrides.get("days") is None:  # `--events N` means N: the window holds N
        from dataclasses import replace

        from spotify_mds.pipelines.streams.simulate import days_for

        config = replace(config, days=days_for(config, config.max_events))
    return config


def events_short(config: SimConfig, generated: int) -> str | None:
    """Why fewer events came out than `--events` asked for (an explicit --days/--end too short), or None."""
    if config.max_events and generated < config.max_events:
        return (
            f"{generated:,} events, not the {config.max_events:,} asked for: the window given"
            f" ({config.days:g} days, --days or --end) holds no more; leave it out to have it stretched"
        )
    return None


def expected_events(config: SimConfig) -> int:
    """A rough size for the progress bar (the simulator's mean rate times its duration)."""
    from spotify_mds.pipelines.streams.simulate import expected_events as estimate

    return estimate(config)


# -- stages ---------------------------------------------------------------------------------------
def land_embedded(settings: Settings, config: SimConfig, progress: Callable[[int], None] | None = None) -> LandResult:
    """simulate → land, through the in-process hand-off (no broker).

    The stream lands as the partition its config derives (`stream_partition`), offsets from 0: the
    same config rewrites the same keys with the same bytes, another config never shares a position.
    """
    from spotify_mds.landing import LandingOptions
    from spotify_mds.landing.keys import stream_partition
    from spotify_mds.pipelines.streams.landing import land_batches
    from spotify_mds.pipelines.streams.simulate import simulate

    result = LandResult()

    def advance(n: int) -> None:
        result.generated += n
        if progress is not None:
            progress(n)

    with _timed(result, "simulate+land"):
        stats = land_batches(
            simulate(config),
            lake_from(settings),
            settings.kafka_topic,
            partition=stream_partition(config),
            progress=advance,
            **LandingOptions.from_settings(settings).batch_kwargs(),
        )
    result.landed, result.quarantined = stats.landed, stats.quarantined
    result.files_written, result.files_unchanged = stats.files, stats.unchanged_files
    return result


def init_warehouse(settings: Settings) -> Warehouse:
    """Create schemas RAW, SILVER, GOLD, the raw table and the ledger in the configured warehouse."""
    warehouse = warehouse_from(settings)
    warehouse.create_schemas([events_table(settings)])
    return warehouse


def forget(settings: Settings, since, until) -> int:
    """Forget the loaded files of event hours [since, until) so the next load reads them again."""
    return warehouse_from(settings).forget(events_table(settings), since, until)


def load(settings: Settings, progress: Progress | None = None, *, keys: Sequence[str] | None = None,
         lake: Lake | None = None) -> LoadResult:  # fmt: skip
    """Bulk-load new or changed bronze files (only `keys`, when given) into the warehouse's raw table."""
    warehouse = warehouse_from(settings)
    result = LoadResult()
    with _timed(result, "load"):
        stats = warehouse.load(lake or lake_from(settings), events_table(settings), keys=keys, progress=progress)
    result.files_seen, result.files_loaded, result.rows_loaded = stats.files_seen, stats.files_loaded, stats.rows_loaded
    result.failures = stats.failures
    return result


def pipelines_with_data(settings: Settings, pipelines: Sequence[Pipeline] | None = None) -> tuple[Pipeline, ...]:
    """The pipelines (all registered, unless given) whose RAW tables hold data: to build and export."""
    from spotify_mds.pipelines import registry, with_data

    warehouse = warehouse_from(settings)
    with warehouse.connection() as con:
        return with_data(registry() if pipelines is None else pipelines, warehouse.query_function(con))


def transform(settings: Settings, pipelines: Sequence[Pipeline] | None = None,
              progress: Progress | None = None) -> TransformResult:  # fmt: skip
    """`dbt build` of the pipelines that have data (all registered, unless given); none: no build."""
    from spotify_mds import transform as dbt

    ready = pipelines_with_data(settings, pipelines)
    result = TransformResult(pipelines=[pipeline.name for pipeline in ready])
    select = dbt.selection(ready)
    if select is None:
        return result
    warehouse = warehouse_from(settings)
    if warehouse.dbt_adapter:  # dbt-duckdb is a core dependency; the other adapters are extras
        require(warehouse.dbt_adapter)
    with _timed(result, "transform"):
        built = dbt.build(env=warehouse.dbt_env, target=warehouse.name, state_dir=settings.data_dir / "dbt",
                          select=select, progress=progress)  # fmt: skip
    result.counts, result.nodes = dict(built.counts), built.nodes
    return result


def quality(settings: Settings, *, as_of: datetime | None = None) -> QualityResult:
    """Run the data-quality checks on the configured warehouse.

    Freshness is judged at `as_of`, else QUALITY_AS_OF, else the simulated clock of the last
    simulated run on this warehouse (while no newer data has arrived), else now.
    """
    from spotify_mds.quality import run_checks

    result = QualityResult(as_of=as_of)
    if as_of is None:
        result.as_of, result.clock_source = quality_clock(settings)
    warehouse = warehouse_from(settings)
    with _timed(result, "quality"), warehouse.connection() as con:
        result.checks = run_checks(
            warehouse.query_function(con),
            as_of=result.as_of,
            max_age=timedelta(hours=settings.quality_freshness_hours),
            tolerance=settings.quality_volume_tolerance,
        )
    return result


def export(settings: Settings) -> ExportResult:
    """Write the gold marts of the pipelines with data to the lake as Parquet."""
    from spotify_mds.export import export_gold

    lake = lake_from(settings)
    marts = [mart for pipeline in pipelines_with_data(settings) for mart in pipeline.marts]
    warehouse = warehouse_from(settings)
    result = ExportResult()
    with _timed(result, "export"), warehouse.connection(lake) as con:
        result.marts = export_gold(warehouse.gold_source(con), lake, marts=marts).rows
    return result


# -- the whole run --------------------------------------------------------------------------------
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
    params = {"broker": "embedded", "warehouse": settings.warehouse, "seed": config.seed, "users": config.users,
              "days": config.days, "max_events": config.max_events}  # fmt: skip
    with recorded_run(lake_from(settings), "streams", settings, **params) as run:
        with run.step("bronze", "land", topic=settings.kafka_topic) as step:
            with show.counting(console, "simulate → land", expected_events(config)) as advance:
                landed = summary.add(land_embedded(settings, config, advance))
            step.count(rows=landed.landed, generated=landed.generated, quarantined=landed.quarantined)
        if short := events_short(config, summary.generated):
            console.print(short, highlight=False)
        load_stage(settings, summary, console, run)
        until = simulated_until(settings, config, summary.generated)
        record_simulated_clock(settings, until)
        _rest(settings, summary, console, as_of=settings.quality_as_of or until, run=run)
    return summary


def run_batch(settings: Settings, console: Console) -> RunSummary:
    """load → transform → quality → export over what has landed in bronze (BROKER=kafka's `run`)."""
    from spotify_mds.warehouse import bronze_files

    if not bronze_files(lake_from(settings), settings.kafka_topic):
        raise NotReady(_NOTHING_LANDED)
    summary = RunSummary()
    console.print(
        "BROKER=kafka: `spotify-mds produce` and `spotify-mds land` fill bronze; "
        "this runs load → transform → quality → export over what has landed",
        highlight=False,
    )
    with recorded_run(lake_from(settings), "streams", settings, broker="kafka", warehouse=settings.warehouse) as run:
        load_stage(settings, summary, console, run)
        require_loaded(settings, after_load=True)
        _rest(settings, summary, console, run=run)
    return summary


def load_stage(settings: Settings, summary: RunSummary, console: Console, run: RunLog | None = None) -> LoadResult:
    """`load` with a progress bar, its failures printed, its figures added to `summary` (and `run`)."""
    with recorded_step(run, "raw", "load", warehouse=settings.warehouse) as step:
        warehouse_from(settings).require()  # a missing driver or a held file is said before the bar
        with show.chunks(console, f"load bronze → raw ({settings.warehouse})", empty="nothing new to load") as progress:
            result = summary.add(load(settings, progress))
        step.count(**result.step_counts())
    show.show_load(console, result)
    return result


def _rest(settings: Settings, summary: RunSummary, console: Console, *, as_of: datetime | None = None,
          run: RunLog | None = None) -> None:  # fmt: skip
    with recorded_step(run, "silver", "transform") as step:
        with show.chunks(console, "dbt build (models, tests)") as progress:
            built = summary.add(transform(settings, progress=progress))
        step.count(**built.step_counts())
    show.show_transform(console, built)
    with recorded_step(run, "gold", "quality") as step:
        checked = summary.add(quality(settings, as_of=as_of))
        step.count(**quality_counts(checked, settings))
    show.show_quality(console, checked)
    with recorded_step(run, "gold", "export") as step, console.status("export gold → lake…"):
        exported = summary.add(export(settings))
        step.count(**exported.step_counts())


def recorded_step(run: RunLog | None, layer: str, name: str, **inputs: Any) -> AbstractContextManager[Step]:
    """`run.step(...)`, or a step recorded nowhere when the stage runs outside a recorded run."""
    return run.step(layer, name, **inputs) if run is not None else nullcontext(Step(layer, name, inputs))


def quality_counts(result: QualityResult, settings: Settings) -> dict[str, Any]:
    """A quality step's counts, in the names `metrics.push_run` turns into gauges."""
    counts: dict[str, Any] = {
        "quality": {check.check: check.status for check in result.checks},
        "checks_failed": sum(not check.ok for check in result.checks),
        "freshness_sla_seconds": settings.quality_freshness_hours * 3600,
    }
    ages = [check.value for check in result.checks if check.check == "freshness" and check.value is not None]
    if ages:
        counts["freshness_age_seconds"] = ages[0]
    return counts


# -- readiness ------------------------------------------------------------------------------------
_NOTHING_LANDED = (
    "nothing has landed yet: start `spotify-mds produce` and `spotify-mds land` (or the docker stack), then run again"
)


def require_loaded(settings: Settings, *, gold: bool = False, after_load: bool = False) -> None:
    """Raise NotReady, saying what to run, when raw holds no events yet (or, with `gold`, no marts).

    On a fresh DATA_DIR the stages after `load` would otherwise print dbt's or DuckDB's internals,
    or an all-zero summary.
    """
    first = _NOTHING_LANDED if after_load else "nothing loaded yet: run `spotify-mds load` (or `make demo`) first"
    warehouse = warehouse_from(settings)
    if not warehouse.exists():
        raise NotReady(first)
    table = events_table(settings).name
    with warehouse.connection() as con:
        if not warehouse.has_table(con, table) or not warehouse.execute(con, f"SELECT 1 FROM {table} LIMIT 1"):
            raise NotReady(first)
        gold_tables = "SELECT count(*) FROM information_schema.tables WHERE lower(table_schema) = 'gold'"
        if gold and not warehouse.execute(con, gold_tables)[0][0]:
            raise NotReady("nothing transformed yet: run `spotify-mds transform` first")


# -- the simulated clock (spotify_mds.clock) ------------------------------------------------------
def simulated_until(settings: Settings, config: SimConfig, generated: int) -> datetime:
    """Where the simulated world's clock stopped: the window's end, or the newest event when
    `--events` cut the run short."""
    if config.max_events is not None and generated >= config.max_events:
        newest = simulated_now(settings)
        if newest is not None:
            return newest
    return config.start + timedelta(days=config.days)


def record_simulated_clock(settings: Settings, until: datetime) -> None:
    """Note, in DATA_DIR, the simulated clock of the data just loaded (`clock.record`)."""
    clock.record(settings.data_dir, warehouse_from(settings).identity, until, simulated_now(settings))


def quality_clock(settings: Settings) -> tuple[datetime, str]:
    """The moment freshness is judged at when no --as-of is given, and where it comes from."""
    recorded = None
    if settings.quality_as_of is None:
        recorded = clock.recorded(settings.data_dir, warehouse_from(settings).identity, simulated_now(settings))
    return clock.judged_at(settings.quality_as_of, recorded)


def simulated_now(settings: Settings) -> datetime | None:
    """The newest event time in raw (UTC): "now" for data the simulator generated in one go."""
    warehouse = warehouse_from(settings)
    (newest,) = warehouse.query(f"SELECT max({warehouse.quote('timestamp')}) FROM {events_table(settings).name}")[0]
    return newest.replace(tzinfo=timezone.utc) if newest is not None and newest.tzinfo is None else newest
