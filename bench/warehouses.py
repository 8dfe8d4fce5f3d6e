"""The events' raw table on the DuckDB and PostgreSQL warehouses, as the benchmarks load it."""

from __future__ import annotations

from spotify_mds.pipelines.streams import raw_table
from spotify_mds.warehouse.duckdb import DuckDBWarehouse


def duck_load(lake, db, topic: str):
    return DuckDBWarehouse(db).load(lake, raw_table(topic))


def postgres(conninfo: str):
    from spotify_mds.warehouse.postgres import PostgresWarehouse

    return PostgresWarehouse(conninfo)


def pg_load(lake, conninfo: str, topic: str):
    return postgres(conninfo).load(lake, raw_table(topic))
