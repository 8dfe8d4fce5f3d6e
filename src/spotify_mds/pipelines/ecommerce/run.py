"""The edge of the e-commerce pipeline: settings in, the stages run in order, a summary out.

    generate → ingest → spark → validate → load → dbt → export

Each stage is a `RunLog` step (layers raw, processed, quality, warehouse, gold), so a run leaves
its trace in the lake. A table that fails ingestion or its quality gate fails its own step (per
table) and stays out of the warehouse for that date; the other tables go on and load, and the run
ends "failed" naming them (`GateFailed`), after the rest was done. Spark starts once per run (or is
handed in: tests share one session per module).

The CLI (`spotify-mds ecommerce run`) and the DAGs call these functions; nothing below reads settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from spotify_mds.errors import SpotifyMdsError
from spotify_mds.lake import Lake, lake_from
from spotify_mds.pipelines.ecommerce.generate import GenerateResult, ShopConfig, generate
from spotify_mds.pipelines.ecommerce.schema import TABLES
from spotify_mds.runlog import RunLog
from spotify_mds.settings import Settings
from spotify_mds.warehouse import warehouse_from


class GateFailed(SpotifyMdsError):
    """Tables refused by ingestion or by their quality gate (the others were loaded)."""

    def __init__(self, message: str, *, failures: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.failures = failures
        """table → dates refused."""


@dataclass
class EcommerceSummary:
    run_id: str = ""
    days: list[date] = field(default_factory=list)
    generated: dict[str, int] = field(default_factory=dict)
    ingested: dict[str, int] = field(default_factory=dict)
    processed: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    passed: dict[str, int] = field(default_factory=dict)
    """Dates that passed their gate, per table."""
    failures: dict[str, list[str]] = field(default_factory=dict)
    """table → `date: reason` of each date refused (by ingestion or the gate)."""
    loaded: dict[str, int] = field(default_factory=dict)
    dbt: dict[str, int] = field(default_factory=dict)
    marts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def error(self) -> GateFailed | None:
        if not self.failures:
            return None
        listed = "; ".join(f"{table}: {', '.join(reasons)}" for table, reasons in sorted(self.failures.items()))
        return GateFailed(f"refused (the other tables loaded): {listed}"[:2000],
                          failures={t: [r.split(":", 1)[0] for r in rs] for t, rs in self.failures.items()})  # fmt: skip


def _require_ecommerce() -> None:
    """pyspark and GX, or ComponentUnavailable naming the extra. Their import warnings (pyspark on
    pandas 3, GX importing the deprecated `sre_constants`) are not ours to act on."""
    import warnings

    from spotify_mds.extras import require_extra

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        require_extra("ecommerce")


def include_dir(settings: Settings) -> Path:
    return settings.ecommerce_include_dir or settings.data_dir / "include"


def shop_config(settings: Settings, seed: int | None = None, orders_per_day: float | None = None) -> ShopConfig:
    return ShopConfig(seed=settings.ecommerce_seed if seed is None else seed,
                      orders_per_day=orders_per_day or settings.ecommerce_orders_per_day)  # fmt: skip


def generate_days(settings: Settings, start: date, days: int, *, seed: int | None = None, faults: bool | tuple[str, ...] = False,
                  orders_per_day: float | None = None, only: set[date] | None = None,
                  progress: Callable[[int], None] | None = None) -> GenerateResult:  # fmt: skip
    """The drops of `days` days from `start` (the shop is always replayed from ECOMMERCE_START when
    `start` is later, so a day's bytes do not depend on where a run begins)."""
    origin = min(start, settings.ecommerce_start)
    wanted = only or {start + timedelta(days=i) for i in range(days)}
    total = (start - origin).days + days
    return generate(include_dir(settings), origin, total, shop_config(settings, seed, orders_per_day),
                    faults=faults, only=wanted, progress=progress)  # fmt: skip


def lake_url(lake: Lake, prefix: str) -> str:
    """A lake prefix as Spark reads it: a folder, or s3a:// for an S3 lake (hadoop-aws)."""
    url = lake.url(prefix)
    return "s3a://" + url.removeprefix("s3://") if url.startswith("s3://") else url


def spark_conf(settings: Settings) -> dict[str, str]:
    """The Spark settings from ours: driver memory, s3a for an S3/MinIO lake, SPARK_CONF's pairs."""
    conf = {"spark.driver.memory": settings.spark_driver_memory}
    if settings.minio_endpoint or settings.lake_root.startswith("s3://"):
        conf.update({
            "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "spark.hadoop.fs.s3a.path.style.access": "true",
        })  # fmt: skip
        if settings.minio_endpoint:
            conf["spark.hadoop.fs.s3a.endpoint"] = settings.minio_endpoint
            conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(settings.minio_endpoint.startswith("https")).lower()
        if settings.minio_access_key.get_secret_value():
            conf["spark.hadoop.fs.s3a.access.key"] = settings.minio_access_key.get_secret_value()
            conf["spark.hadoop.fs.s3a.secret.key"] = settings.minio_secret_key.get_secret_value()
    for pair in filter(None, (part.strip() for part in settings.spark_conf.split(","))):
        key, _, value = pair.partition("=")
        conf[key.strip()] = value.strip()
    return conf


def start_spark(settings: Settings) -> Any:
    _require_ecommerce()
    from spotify_mds.pipelines.ecommerce.spark_job import start_session

    return start_session(settings.spark_master, spark_conf(settings))


def run(
    settings: Settings,
    *,
    start: date,
    days: int,
    seed: int | None = None,
    faults: bool | tuple[str, ...] = False,
    orders_per_day: float | None = None,
    do_generate: bool = True,
    spark: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> EcommerceSummary:
    """Run the pipeline for the days [start, start + days); see the module docstring."""
    import time

    _require_ecommerce()  # said before any stage runs
    from spotify_mds.pipelines.ecommerce import ingest, load, quality, spark_job

    lake = lake_from(settings)
    warehouse = warehouse_from(settings)
    day_list = [start + timedelta(days=i) for i in range(days)]
    summary = EcommerceSummary(days=day_list)
    raw, processed = settings.ecommerce_raw_prefix.strip("/"), settings.ecommerce_processed_prefix.strip("/")
    ticks: dict[str, int] = {}

    def tick(stage: str, n: int, total: int) -> None:
        """Report `n` more units of `stage` done (the callback gets the running total)."""
        ticks[stage] = ticks.get(stage, 0) + n
        if progress is not None:
            progress(stage, ticks[stage], total)

    params = {"start": start.isoformat(), "days": days, "seed": seed, "faults": faults, "warehouse": warehouse.identity}
    log = RunLog(lake, "ecommerce", params=params)
    try:
        summary.run_id = log.run_id

        def timed(name: str, began: float) -> None:
            summary.seconds[name] = round(time.perf_counter() - began, 3)

        if do_generate:
            began = time.perf_counter()
            with log.step("raw", "generate", include=str(include_dir(settings))) as step:
                made = generate_days(settings, start, days, seed=seed, faults=faults, orders_per_day=orders_per_day,
                                     progress=lambda n: tick("generate", n, days))  # fmt: skip
                summary.generated = made.rows
                step.count(**made.rows, files_written=made.files_written)
            timed("generate", began)

        began = time.perf_counter()
        available: dict[str, list[date]] = {}
        for table in TABLES:
            failed: list[str] = []
            try:
                with log.step("raw", f"ingest_{table}", dates=len(day_list)) as step:
                    rows = 0
                    for day in day_list:
                        done = ingest.ingest_table(lake, include_dir(settings) / day.isoformat(), table, day, prefix=raw)
                        if done.status == "failed":
                            failed.append(f"{day.isoformat()}: {done.error}")
                        else:
                            available.setdefault(table, []).append(day)
                            rows += done.rows
                    summary.ingested[table] = rows
                    step.count(rows=rows, dates_ok=len(available.get(table, [])), dates_failed=len(failed))
                    if failed:
                        raise ingest.IngestError("; ".join(failed)[:2000], table=table, file=f"{table}.csv")
            except ingest.IngestError:
                summary.failures[table] = failed
            tick("ingest", 1, len(TABLES))
        timed("ingest", began)

        began = time.perf_counter()
        with log.step("processed", "spark", master=settings.spark_master) as step:
            own = spark is None
            session = start_spark(settings) if own else spark
            try:
                result = spark_job.transform(session, lake_url(lake, raw), lake_url(lake, processed), available)
            finally:
                if own:
                    session.stop()
            summary.processed, summary.duplicates = result.rows, result.duplicates
            tick("spark", 1, 1)
            step.count(rows=result.rows, duplicates_dropped=result.duplicates)
        timed("spark", began)

        began = time.perf_counter()
        gate = quality.Gate(log.run_id)
        passed: list[tuple[str, date]] = []
        for table in TABLES:
            refused: list[str] = []
            try:
                with log.step("quality", f"validate_{table}", dates=len(available.get(table, []))) as step:
                    verdicts = gate.validate_all(lake, [(table, day) for day in available.get(table, [])],
                                                 prefix=processed, quality_prefix="quality")  # fmt: skip
                    for verdict in verdicts:
                        if verdict.success:
                            passed.append((table, verdict.day))
                        else:
                            refused.append(f"{verdict.day.isoformat()}: {'; '.join(verdict.failed)}")
                    summary.passed[table] = len(verdicts) - len(refused)
                    step.count(dates_passed=summary.passed[table], dates_failed=len(refused))
                    if refused:
                        raise GateFailed(f"{table}: " + " | ".join(refused), failures={table: refused})
            except GateFailed:
                summary.failures.setdefault(table, []).extend(refused)
            tick("validate", 1, len(TABLES))
        timed("validate", began)

        began = time.perf_counter()
        with log.step("warehouse", "load", warehouse=warehouse.identity) as step:
            loaded = load.load(lake, warehouse, passed, prefix=processed,
                               progress=lambda n: tick("load", n, len(passed)))  # fmt: skip
            summary.loaded = loaded.rows
            step.count(**{name.split(".")[-1]: rows for name, rows in loaded.rows.items()}, partitions=len(loaded.partitions))
        timed("load", began)

        began = time.perf_counter()
        with log.step("gold", "dbt") as step:
            summary.dbt = transform(settings).counts
            step.count(**summary.dbt)
        timed("dbt", began)
        began = time.perf_counter()
        with log.step("gold", "export") as step:
            summary.marts = export(settings)
            step.count(marts=len(summary.marts), rows=sum(summary.marts.values()))
        timed("export", began)
    except BaseException as exc:
        log.close(exc)
        _push_metrics(log, settings)
        raise
    log.close(summary.error())  # "failed", naming the refused tables, though the rest was done
    _push_metrics(log, settings)
    return summary


def _push_metrics(log: RunLog, settings: Settings) -> None:
    """The run's metrics to the Pushgateway or textfile the settings name (nowhere by default)."""
    from spotify_mds.metrics import push_run

    push_run(log, settings)


# -- one stage at a time, for the ETL DAG's tasks (the same functions `run` strings together) ---------
def drop_files(settings: Settings, day: date) -> list[str]:
    """The tables whose CSV is in the day's drop folder."""
    folder = include_dir(settings) / day.isoformat()
    return [table for table in TABLES if (folder / f"{table}.csv").is_file()]


def ingest_one(settings: Settings, table: str, day: date) -> dict[str, Any]:
    from spotify_mds.pipelines.ecommerce import ingest

    done = ingest.ingest_table(lake_from(settings), include_dir(settings) / day.isoformat(), table, day,
                               prefix=settings.ecommerce_raw_prefix.strip("/"))  # fmt: skip
    return {"table": table, "status": done.status, "rows": done.rows, "error": done.error}


def is_processed(settings: Settings, table: str, day: date) -> bool:
    from spotify_mds.pipelines.ecommerce.processed import processed_keys

    return bool(processed_keys(lake_from(settings), settings.ecommerce_processed_prefix.strip("/"), table, day))


def spark_one(settings: Settings, table: str, day: date, tables: list[str]) -> dict[str, int]:
    """Spark for one table of one day (reading the day's other raw tables to enrich it).

    The session is left running: a worker runs each task in a process of its own, which ends with
    the task; where several tasks share a process (`airflow dags test`), they share one JVM.
    """
    from spotify_mds.pipelines.ecommerce import spark_job

    lake = lake_from(settings)
    result = spark_job.transform(start_spark(settings), lake_url(lake, settings.ecommerce_raw_prefix.strip("/")),
                                 lake_url(lake, settings.ecommerce_processed_prefix.strip("/")),
                                 {name: [day] for name in tables}, write=[table])  # fmt: skip
    return {"rows": result.rows.get(table, 0), "duplicates": result.duplicates.get(table, 0)}


def validate_one(settings: Settings, table: str, day: date, run_id: str) -> dict[str, Any]:
    """One table's gate for one day; GateFailed (the task fails alone) when it does not pass."""
    _require_ecommerce()
    from spotify_mds.pipelines.ecommerce.quality import Gate

    verdict = Gate(run_id).validate_table(lake_from(settings), table, [day], prefix=settings.ecommerce_processed_prefix.strip("/"))[0]
    if not verdict.success:
        raise GateFailed(f"{table} {day}: {'; '.join(verdict.failed)}", failures={table: [day.isoformat()]})
    return {"table": table, "rows": verdict.rows}


def passed_tables(settings: Settings, day: date) -> list[str]:
    """The tables whose latest gate result for `day` in the lake is a pass."""
    import json

    lake = lake_from(settings)
    passed = []
    for table in TABLES:
        found = lake.list(f"quality/{table}/date={day.isoformat()}/")
        if any(info.key.endswith("/validation.json") and json.loads(lake.get(info.key)).get("success") is True for info in found):
            passed.append(table)
    return passed


def load_passed(settings: Settings, day: date) -> dict[str, int]:
    """Load the day's tables that passed their gate (the ETL DAG's load, which runs whatever failed)."""
    from spotify_mds.pipelines.ecommerce import load

    tables = passed_tables(settings, day)
    result = load.load(lake_from(settings), warehouse_from(settings), [(table, day) for table in tables],
                       prefix=settings.ecommerce_processed_prefix.strip("/"))  # fmt: skip
    return result.rows


def transform(settings: Settings):  # -> spotify_mds.transform.TransformResult
    """`dbt build` of the e-commerce models (never another pipeline's), raising TransformError on failure."""
    from spotify_mds import transform as dbt
    from spotify_mds.pipelines.ecommerce import PIPELINE

    warehouse = warehouse_from(settings)
    return dbt.build(env=warehouse.dbt_env, target=warehouse.name, state_dir=settings.data_dir / "dbt", select=PIPELINE.selector)


def export(settings: Settings) -> dict[str, int]:
    """Export the gold marts of every pipeline with data (the manifest lists them all, as `runner.export` does)."""
    from spotify_mds.export import export_gold
    from spotify_mds.pipelines import registry, with_data

    lake, warehouse = lake_from(settings), warehouse_from(settings)
    with warehouse.connection() as con:
        marts = [mart for pipeline in with_data(registry(), warehouse.query_function(con)) for mart in pipeline.marts]
        return export_gold(warehouse.gold_source(con), lake, marts=marts).rows


__all__ = ["EcommerceSummary", "GateFailed", "drop_files", "export", "generate_days", "include_dir", "ingest_one",
           "is_processed", "lake_url", "load_passed", "passed_tables", "run", "spark_conf", "spark_one", "start_spark",
           "transform", "validate_one"]  # fmt: skip
