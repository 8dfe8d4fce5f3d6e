"""The e-commerce pipeline's stages at two volumes, and its Spark step beside the same transformation
in DuckDB on the same raw Parquet.

    PYTHONPATH=src python -m bench.bench_ecommerce --orders-per-day 1000 10000 --days 5

Each volume runs generate → ingest → spark → validate → load (DuckDB) → dbt in one process, timing
each stage and noting peak memory: this process's maximum resident set (`ru_maxrss`, it never goes
down, so it is cumulative) and the Spark JVM's own peak (`VmHWM` of the java child). The DuckDB
twin (`duckdb_transform`) does what `spark_job.transform` does — text to types, exact duplicates
dropped, items with their category and line total, orders with their items' count and total,
payments with `order_exists` — and writes the same partitioned Parquet. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

START = date(2026, 11, 2)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _jvm_peak_mb() -> float:
    """The peak resident memory of this process's java children (the Spark driver JVM)."""
    peak = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(os.getpid()) and "java" in fields.get("Name", ""):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
    return peak


def duckdb_transform(raw_root: str, out_root: str, days: list[date]) -> dict[str, int]:
    """The Spark job's transformation in DuckDB SQL, on the same raw files (see the module docstring)."""
    import duckdb

    from spotify_mds.pipelines.ecommerce.schema import CSV_COLUMNS, TABLES, TYPES

    Path(out_root).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table in TABLES:
        files = [f"{raw_root}/{table}/date={day.isoformat()}/part.parquet" for day in days]
        typed = ", ".join(f"try_cast({c} AS {TYPES[table][c].replace('timestamp', 'TIMESTAMP')}) AS {c}" if c in TYPES[table] else c
                          for c in CSV_COLUMNS[table])  # fmt: skip
        con.execute(f"CREATE TABLE {table} AS SELECT DISTINCT {typed}, CAST(date AS VARCHAR) AS date "
                    f"FROM read_parquet(?, hive_partitioning = true)", [files])  # fmt: skip
    con.execute("""CREATE TABLE items AS SELECT i.*, p.category,
                   CAST(i.unit_price * i.quantity - i.discount AS DECIMAL(12,2)) AS line_total
                   FROM order_items i LEFT JOIN (SELECT DISTINCT ON (product_id, date) product_id, category, date FROM products) p
                   USING (product_id, date)""")  # fmt: skip
    con.execute("""CREATE TABLE orders_out AS SELECT o.*, t.items_count, t.order_total FROM orders o LEFT JOIN
                   (SELECT order_id, date, CAST(count(*) AS INTEGER) AS items_count,
                           CAST(sum(line_total) AS DECIMAL(12,2)) AS order_total FROM items GROUP BY ALL) t
                   USING (order_id, date)""")  # fmt: skip
    con.execute("""CREATE TABLE payments_out AS SELECT p.*, coalesce(k.known, false) AS order_exists FROM payments p
                   LEFT JOIN (SELECT DISTINCT order_id, date, true AS known FROM orders) k USING (order_id, date)""")  # fmt: skip
    rows = {}
    for table, source in (("users", "users"), ("products", "products"), ("order_items", "items"),
                          ("orders", "orders_out"), ("payments", "payments_out")):  # fmt: skip
        con.execute(f"COPY {source} TO '{out_root}/{table}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (date), OVERWRITE_OR_IGNORE)")
        rows[table] = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    con.close()
    return rows


def bench_volume(orders_per_day: int, days: int, folder: Path) -> list[tuple[str, float, float, str]]:
    from spotify_mds.lake import LocalLake
    from spotify_mds.pipelines.ecommerce import ingest, load, quality, spark_job
    from spotify_mds.pipelines.ecommerce.generate import ShopConfig, generate
    from spotify_mds.pipelines.ecommerce.schema import TABLES
    from spotify_mds import transform as dbt
    from spotify_mds.warehouse.duckdb import DuckDBWarehouse

    day_list = [START + timedelta(days=i) for i in range(days)]
    lake, include = LocalLake(folder / "lake"), folder / "include"
    warehouse = DuckDBWarehouse(folder / "warehouse.duckdb")
    out: list[tuple[str, float, float, str]] = []

    def timed(stage: str, fn, note: str = "") -> object:
        began = time.perf_counter()
        value = fn()
        out.append((stage, time.perf_counter() - began, _rss_mb(), note))
        return value

    made = timed("generate", lambda: generate(include, START, days, ShopConfig(seed=1, orders_per_day=orders_per_day)))
    orders = made.rows["orders"]
    timed("ingest (CSV → Parquet)", lambda: [ingest.ingest_day(lake, include / d.isoformat(), d) for d in day_list])
    available = {table: day_list for table in TABLES}
    session = timed("spark start (JVM)", lambda: spark_job.start_session("local[2]"))
    timed("spark transform", lambda: spark_job.transform(session, lake.url("raw"), lake.url("processed"), available))
    jvm = _jvm_peak_mb()
    session.stop()
    out[-1] = (*out[-1][:3], f"JVM peak {jvm:.0f} MB")
    timed("duckdb transform (same job)", lambda: duckdb_transform(lake.url("raw"), str(folder / "duck_processed"), day_list))
    gate = timed("validate: GX import + suites", lambda: quality.Gate("bench"))
    verdicts = timed("validate (GX)", lambda: gate.validate_all(lake, [(t, d) for t in TABLES for d in day_list]))
    passed = [(v.table, v.day) for v in verdicts if v.success]
    timed("load (DuckDB)", lambda: load.load(lake, warehouse, passed))
    timed("dbt build (gold)", lambda: dbt.build(env=warehouse.dbt_env, target="duckdb", state_dir=folder / "dbt",
                                                select="path:models/ecommerce"))  # fmt: skip
    return [(f"{orders:,} orders: {stage}", seconds, rss, note) for stage, seconds, rss, note in out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--days", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    rows = []
    for volume in args.orders_per_day:
        with tempfile.TemporaryDirectory(prefix="ecommerce-bench-") as folder:
            rows += bench_volume(volume, args.days, Path(folder))
    print("| stage | seconds | peak RSS MB (python, cumulative) | note |\n|---|---:|---:|---|")
    for stage, seconds, rss, note in rows:
        print(f"| {stage} | {seconds:.2f} | {rss:.0f} | {note} |")


if __name__ == "__main__":
    main()
