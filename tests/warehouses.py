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


def fresh_postgres(settings) -> str:
    """The conninfo of the PostgreSQL `settings` name, with RAW, SILVER, GOLD and every schema a
    pipeline's RAW tables live in (e-commerce's star schema) dropped; a skip on a laptop without the
    server, a failure under CI=true (scripts/ci_postgres.sh provisions it)."""
    import os

    import pytest

    from spotify_mds.runner import postgres_conninfo

    psycopg = pytest.importorskip("psycopg", reason="the `postgres` extra is not installed")
    conninfo = postgres_conninfo(settings)
    try:
        con = psycopg.connect(conninfo, connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL at {settings.postgres_host}:{settings.postgres_port} is unreachable ({exc})".strip()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true needs it (scripts/ci_postgres.sh)")
        pytest.skip(reason)
    from spotify_mds.pipelines import registry

    pipeline_schemas = {table.split(".")[0] for pipeline in registry() for table in pipeline.raw_tables}
    with con:
        for schema in sorted({"raw", "silver", "gold"} | pipeline_schemas):
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return conninfo


def fakesnow_server():
    """fakesnow's Snowflake-compatible server on a free port, for a fixture: yields the port, stops it after."""
    import shutil
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import pytest

    executable = Path(sys.executable).with_name("fakesnow")
    if not executable.exists():
        executable = Path(shutil.which("fakesnow") or "fakesnow")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(executable), "-s", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("fakesnow's server did not start within 30 s")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)
