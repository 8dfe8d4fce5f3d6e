"""The Spark job: raw text tables → typed, deduplicated, joined and enriched tables in `processed/`.

    processed/<table>/date=YYYY-MM-DD/part-*.parquet

The same code runs on a local Spark (`local[*]`, the default) and on a cluster: only the master URL
and the configuration differ (`spark.master`, the s3a settings for MinIO/S3), passed in by the edge
(`run.spark_conf`). It is also a script for `spark-submit`:

    spark-submit --master spark://host:7077 src/spotify_mds/pipelines/ecommerce/spark_job.py \
        --raw s3a://lake/raw --processed s3a://lake/processed --date 2026-11-02

What it does, per table, for the dates given (those whose raw file exists):
- casts the text columns to `schema.TYPES` with `try_cast`: a value that is not a number or a time
  becomes null (Spark 4's ANSI casts would fail the whole job), which the quality gate then sees;
- drops exact duplicate rows (the drop's duplicates; the dedup rule), and counts them;
- enriches: items get their product's category and a line total; orders their item count and
  total; payments say whether their order exists in the same drop (`order_exists`: an orphan is
  kept so the gate can refuse it, not silently dropped);
- writes each date's partition whole with dynamic partition overwrite, one file per date: a rerun
  of a date replaces that date only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from spotify_mds.pipelines.ecommerce.schema import CSV_COLUMNS, TABLES, TYPES

BASE_CONF = {
    # Two cores and small daily partitions: a few shuffle partitions, no UI, UTC everywhere.
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.compression.codec": "snappy",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.adaptive.enabled": "true",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    # Task commit renames straight into place (one rename, not two): many small date partitions.
    "spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version": "2",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
}


NEEDS: dict[str, set[str]] = {
    "users": {"users"},
    "products": {"products"},
    "order_items": {"order_items", "products"},  # the product's category
    "orders": {"orders", "order_items"},  # the items' count and total
    "payments": {"payments", "orders"},  # whether the order exists
}
"""The raw tables each processed table is built from."""


@dataclass
class SparkResult:
    rows: dict[str, int] = field(default_factory=dict)
    """Rows written to processed, per table (over the dates), after the dedup."""
    duplicates: dict[str, int] = field(default_factory=dict)
    """Exact duplicate rows dropped, per table."""
    seconds: float = 0.0


def start_session(master: str = "local[*]", conf: Mapping[str, str] | None = None, app_name: str = "spotify-mds-ecommerce") -> Any:
    """A Spark session (started once per run: the JVM takes seconds to start)."""
    import os
    import warnings

    from spotify_mds.extras import require

    require("pyspark")
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name).master(master)
    for key, value in {**BASE_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        # pyspark 4.3 warns that it does not fully support pandas 3 (we hand it no pandas objects).
        warnings.simplefilter("ignore", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _read(spark: Any, root: str, table: str, days: Iterable[date]) -> Any:
    from pyspark.sql import functions as F

    paths = [f"{root}/{table}/date={day.isoformat()}" for day in days]
    frame = spark.read.option("basePath", f"{root}/{table}").parquet(*paths)
    frame = frame.withColumn("date", F.col("date").cast("string"))
    typed = [F.expr(f"try_cast(`{name}` AS {TYPES[table][name]})").alias(name) if name in TYPES[table] else F.col(name)
             for name in CSV_COLUMNS[table]]  # fmt: skip
    return frame.select(*typed, "date")


def _dedup(frame: Any) -> tuple[Any, int, int]:
    """The frame without exact duplicate rows, its rows and the duplicates dropped, in one pass."""
    from pyspark.sql import functions as F

    grouped = frame.groupBy(*frame.columns).count().cache()
    rows, copies = grouped.agg(F.count("*"), F.sum("count")).first()
    return grouped.drop("count"), int(rows), int(copies or 0) - int(rows)


def transform(spark: Any, raw_root: str, processed_root: str, available: Mapping[str, list[date]],
              write: Iterable[str] | None = None) -> SparkResult:  # fmt: skip
    """Process the dates each table has in raw (`available`: table → dates) into `processed_root`;
    only the tables in `write` when given (the others are still read, to enrich them: one Spark run
    per table, as the ETL DAG maps it)."""
    import time

    from pyspark.sql import functions as F

    started = time.perf_counter()
    result = SparkResult()
    if write is not None:  # read only what the written tables are enriched from
        needed = set().union(*(NEEDS[table] for table in write))
        available = {table: days for table, days in available.items() if table in needed}
    frames: dict[str, Any] = {}
    for table in TABLES:
        days = sorted(available.get(table, []))
        if days:
            frames[table], result.rows[table], result.duplicates[table] = _dedup(_read(spark, raw_root, table, days))

    if "order_items" in frames:
        items = frames["order_items"].withColumn(
            "line_total", (F.col("unit_price") * F.col("quantity") - F.col("discount")).cast("decimal(12,2)"))
        if "products" in frames:
            categories = frames["products"].select("product_id", "category", "date").dropDuplicates(["product_id", "date"])
            items = items.join(categories, ["product_id", "date"], "left")
        else:
            items = items.withColumn("category", F.lit(None).cast("string"))
        frames["order_items"] = items.select(*CSV_COLUMNS["order_items"], "category", "line_total", "date")
    if "orders" in frames:
        orders = frames["orders"]
        if "order_items" in frames:
            totals = frames["order_items"].groupBy("order_id", "date").agg(
                F.count("*").cast("int").alias("items_count"), F.sum("line_total").cast("decimal(12,2)").alias("order_total"))
            orders = orders.join(totals, ["order_id", "date"], "left")
        else:
            orders = orders.withColumn("items_count", F.lit(None).cast("int")).withColumn(
                "order_total", F.lit(None).cast("decimal(12,2)"))
        frames["orders"] = orders.select(*CSV_COLUMNS["orders"], "items_count", "order_total", "date")
    if "payments" in frames:
        payments = frames["payments"]
        if "orders" in frames:
            known = frames["orders"].select("order_id", "date").distinct().withColumn("order_exists", F.lit(True))
            payments = payments.join(known, ["order_id", "date"], "left").fillna({"order_exists": False})
        else:
            payments = payments.withColumn("order_exists", F.lit(False))
        frames["payments"] = payments.select(*CSV_COLUMNS["payments"], "order_exists", "date")

    # Enrichment only adds columns (joins on unique keys, left): the rows are the deduplicated rows.
    for table, frame in frames.items():
        if write is not None and table not in set(write):
            continue
        out = frame.repartition(1, "date").sortWithinPartitions(*CSV_COLUMNS[table][:1])
        out.write.mode("overwrite").partitionBy("date").parquet(f"{processed_root}/{table}")
    spark.catalog.clearCache()
    result.seconds = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    """`spark-submit spark_job.py --raw R --processed P --date D [--date D ...] [--table T ...]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", required=True, help="Root of the raw tables (a folder, or s3a://bucket/raw).")
    parser.add_argument("--processed", required=True, help="Root of the processed tables.")
    parser.add_argument("--date", action="append", required=True, type=date.fromisoformat)
    parser.add_argument("--table", action="append", choices=TABLES, help="Write only these tables (default all; every table is read).")
    parser.add_argument("--master", default=None, help="Spark master (spark-submit's --master wins when omitted).")
    args = parser.parse_args(argv)
    from pyspark.sql import SparkSession

    spark = start_session(args.master) if args.master else SparkSession.builder.config(map=BASE_CONF).getOrCreate()
    try:
        result = transform(spark, args.raw, args.processed, {table: args.date for table in TABLES}, write=args.table)
    finally:
        spark.stop()
    print(f"processed rows {result.rows}; duplicates dropped {result.duplicates}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["BASE_CONF", "NEEDS", "SparkResult", "main", "start_session", "transform"]
