"""The events' raw table on each warehouse back end, for the loader tests (the edges use the runner)."""

from __future__ import annotations

from spotify_mds.pipelines.streams import raw_table
from spotify_mds.warehouse.duckdb import DuckDBWarehouse


def duck_load(lake, db, topic: str, **options):
    return DuckDBWarehouse(db).load(lake, raw_table(topic), **options)


def duck_forget(db, topic: str, since, until) -> int:
    return DuckDBWarehouse(db).forget(raw_table(topic), since, until)


def postgres(conninfo: str):
    from spotify_mds.warehouse.postgres import PostgresWarehouse

    return PostgresWarehouse(conninfo)


def pg_load(lake, conninfo: str, topic: str, **options):
    return postgres(conninfo).load(lake, raw_table(topic), **options)


def pg_forget(conninfo: str, topic: str, since, until) -> int:
    return postgres(conninfo).forget(raw_table(topic), since, until)


def snowflake(params):
    from spotify_mds.warehouse.snowflake import SnowflakeWarehouse

    return SnowflakeWarehouse(params)


def sf_load(lake, params, topic: str, **options):
    return snowflake(params).load(lake, raw_table(topic), **options)
