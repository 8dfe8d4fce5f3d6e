"""Loading benchmark: rows/s into DuckDB and PostgreSQL, side by side, against the seed's row-by-row insert.

    python bench/bench_load.py --events 500000                      # loads only
    python bench/bench_load.py --events 500000 --dbt-events 1000000 # plus `dbt build` time at 1M events

PostgreSQL comes from POSTGRES_HOST/PORT/USER/PASSWORD/DB (skipped when unreachable); its schemas
raw/silver/gold in that database are dropped first. Methods measured on the same bronze files:
- duckdb read_json: `DuckDBWarehouse.load` (the DuckDB warehouse);
- postgres COPY (DuckDB → CSV): `PostgresWarehouse.load` (the PostgreSQL warehouse);
- postgres COPY (msgspec rows): the alternative, rows parsed in Python and sent with `copy.write_row`;
- postgres INSERT per row / executemany: the seed's design, on a sample (`--sample`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import msgspec

from spotify_mds import transform
from spotify_mds.pipelines.streams.events import COLUMNS, ListenEvent
from spotify_mds.pipelines.streams.landing import land_batches
from spotify_mds.lake import LocalLake
from spotify_mds.warehouse import bronze_files
from bench.warehouses import duck_load, pg_load
from spotify_mds.runner import dbt_env, postgres_conninfo
from spotify_mds.settings import load_settings
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

TOPIC = "spotify.streams"


def make_lake(root: Path, events: int) -> tuple[LocalLake, int]:
    lake = LocalLake(root)
    config = SimConfig(seed=1, users=max(3000, events // 150), days=30, max_events=events)
    stats = land_batches(simulate(config), lake, TOPIC)
    return lake, stats.landed


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def reset_postgres(conninfo: str) -> None:
    from spotify_mds.pipelines.streams import raw_table
    from bench.warehouses import postgres

    with postgres(conninfo).connect() as con:
        for schema in ("raw", "silver", "gold"):
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    postgres(conninfo).create_schemas([raw_table(TOPIC)])


def lines_of(lake: LocalLake) -> list[bytes]:
    return [line for info in bronze_files(lake, TOPIC) for line in lake.get(info.key).splitlines() if line]


def copy_msgspec_rows(lake: LocalLake, conninfo: str) -> int:
    """COPY with rows parsed in Python (msgspec) and sent through psycopg's write_row."""
    from bench.warehouses import postgres

    decoder = msgspec.json.Decoder(ListenEvent)
    names = ", ".join(f'"{name}"' for name in COLUMNS) + ", _source_file, _loaded_at"
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)  # the table has no default: the loader sets it
    rows = 0
    with postgres(conninfo).connect() as con, con.transaction(), con.cursor() as cur:
        with cur.copy(f"COPY raw.listening_events ({names}) FROM STDIN") as copy:
            for info in bronze_files(lake, TOPIC):
                for line in lake.get(info.key).splitlines():
                    event = decoder.decode(line)
                    values = [getattr(event, name) for name in COLUMNS]
                    values[list(COLUMNS).index("timestamp")] = event.timestamp.replace(tzinfo=None)
                    copy.write_row((*values, info.key, loaded_at))
                    rows += 1
    return rows


def insert_per_row(lines: list[bytes], conninfo: str, *, many: bool) -> int:
    """The seed's design: one INSERT per event (executemany batches them in psycopg's pipeline)."""
    import json

    from bench.warehouses import postgres

    names = ", ".join(f'"{name}"' for name in COLUMNS) + ", _source_file, _loaded_at"
    sql = f"INSERT INTO raw.listening_events ({names}) VALUES ({', '.join(['%s'] * (len(COLUMNS) + 2))})"
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [(*(json.loads(line).get(name) for name in COLUMNS), "sample", loaded_at) for line in lines]
    with postgres(conninfo).connect() as con, con.transaction(), con.cursor() as cur:
        if many:
            cur.executemany(sql, rows)
        else:
            for row in rows:
                cur.execute(sql, row)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--sample", type=int, default=20_000, help="rows for the row-by-row inserts")
    parser.add_argument("--dbt-events", type=int, default=0, help="also time `dbt build` at this volume (0: skip)")
    args = parser.parse_args()

    settings = load_settings(warehouse="postgres")
    conninfo = postgres_conninfo(settings)
    try:
        reset_postgres(conninfo)
        has_postgres = True
    except Exception as exc:  # a benchmark reports what it could not measure and goes on
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        has_postgres = False

    results: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        lake, landed = make_lake(Path(tmp, "lake"), args.events)
        size = sum(info.size for info in bronze_files(lake, TOPIC))
        print(f"{landed:,} events in {len(bronze_files(lake, TOPIC))} bronze files, {size / 1e6:.0f} MB", file=sys.stderr)

        stats, seconds = timed(lambda: duck_load(lake, Path(tmp, "w.duckdb"), TOPIC))
        results.append(("duckdb read_json (loader)", stats.rows_loaded, seconds))
        if has_postgres:
            stats, seconds = timed(lambda: pg_load(lake, conninfo, TOPIC))
            results.append(("postgres COPY, DuckDB → CSV (loader)", stats.rows_loaded, seconds))
            reset_postgres(conninfo)
            rows, seconds = timed(lambda: copy_msgspec_rows(lake, conninfo))
            results.append(("postgres COPY, msgspec rows + write_row", rows, seconds))
            sample = lines_of(lake)[: args.sample]
            reset_postgres(conninfo)
            rows, seconds = timed(lambda: insert_per_row(sample, conninfo, many=True))
            results.append(("postgres executemany INSERT (seed-like)", rows, seconds))
            reset_postgres(conninfo)
            rows, seconds = timed(lambda: insert_per_row(sample[: args.sample // 4], conninfo, many=False))
            results.append(("postgres INSERT per row (seed)", rows, seconds))

    print(f"\n{'method':<44} {'rows':>10} {'seconds':>8} {'rows/s':>10}")
    for name, rows, seconds in results:
        print(f"{name:<44} {rows:>10,} {seconds:>8.2f} {rows / seconds:>10,.0f}")

    if args.dbt_events:
        print(f"\ndbt build (models + tests) at {args.dbt_events:,} events:")
        targets = ["duckdb", "postgres"] if has_postgres else ["duckdb"]
        with tempfile.TemporaryDirectory(prefix="bench-dbt-") as tmp:
            lake, landed = make_lake(Path(tmp, "lake"), args.dbt_events)
            for target in targets:
                target_settings = load_settings(data_dir=tmp, warehouse=target, duckdb_path=Path(tmp, "w.duckdb"))
                if target == "postgres":
                    reset_postgres(conninfo)
                    _, load_seconds = timed(lambda: pg_load(lake, conninfo, TOPIC))
                else:
                    _, load_seconds = timed(lambda: duck_load(lake, Path(tmp, "w.duckdb"), TOPIC))
                env = dbt_env(target_settings)
                _, full = timed(lambda: transform.build(env=env, target=target, state_dir=Path(tmp, f"dbt-{target}")))
                _, again = timed(lambda: transform.build(env=env, target=target, state_dir=Path(tmp, f"dbt-{target}")))
                print(
                    f"  {target:<9} {landed:,} events: load {load_seconds:.1f} s, first build {full:.1f} s,"
                    f" incremental re-build (nothing new) {again:.1f} s"
                )


if __name__ == "__main__":
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    main()
