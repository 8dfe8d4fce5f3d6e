"""The warehouse: one interface (`Warehouse`), three back ends, and the one factory that picks one.

`warehouse_from(settings)` is the only place settings become connection parameters (a libpq string,
snowflake-connector-python's arguments with the key's passphrase, a DuckDB path) and the dbt
environment; everything else talks to the `Warehouse` it returns. The back ends import their
driver only when built, so DuckDB's users need neither psycopg nor the Snowflake connector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotify_mds.warehouse.base import FAILURES_TABLE, LoadStats, RawTable, Warehouse, load_isolating
from spotify_mds.warehouse.files import FileRejected, bronze_files, file_hour, in_range, pending_files

if TYPE_CHECKING:
    from spotify_mds.settings import Settings


def warehouse_from(settings: Settings) -> Warehouse:
    """The warehouse WAREHOUSE selects, connected as the settings say."""
    env = dbt_env(settings)
    if settings.warehouse == "postgres":
        from spotify_mds.warehouse.postgres import PostgresWarehouse

        params = {"host": settings.postgres_host, "port": settings.postgres_port, "user": settings.postgres_user,
                  "password": settings.postgres_password.get_secret_value(), "dbname": settings.postgres_db}  # fmt: skip
        return PostgresWarehouse(postgres_conninfo(settings), env, params=params)
    if settings.warehouse == "snowflake":
        from spotify_mds.warehouse.snowflake import SnowflakeWarehouse

        return SnowflakeWarehouse(snowflake_params(settings), env)
    from spotify_mds.warehouse.duckdb import DuckDBWarehouse

    return DuckDBWarehouse(settings.duckdb_file, env, setting="DUCKDB_PATH" if settings.duckdb_path else "DATA_DIR",
                           memory_limit=settings.duckdb_memory_limit)  # fmt: skip


def postgres_conninfo(settings: Settings) -> str:
    """A libpq connection string from the settings (the password stays out of logs: never log it).

    Built here rather than by psycopg, so the health check can name the target without the driver.
    """
    values = {
        "host": settings.postgres_host,
        "port": settings.postgres_port,
        "user": settings.postgres_user,
        "password": settings.postgres_password.get_secret_value() or None,
        "dbname": settings.postgres_db,
        "application_name": "spotify-mds",
    }
    return " ".join(f"{key}={_libpq_quote(str(value))}" for key, value in values.items() if value not in (None, ""))


def _libpq_quote(value: str) -> str:
    """A libpq keyword value: single-quoted, backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


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


def dbt_env(settings: Settings) -> dict[str, str]:
    """The environment `dbt/profiles.yml` reads, from the settings."""
    return {
        "WAREHOUSE": settings.warehouse,
        "DUCKDB_PATH": str(settings.duckdb_file.resolve()),
        "DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
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


__all__ = [
    "FAILURES_TABLE",
    "FileRejected",
    "LoadStats",
    "RawTable",
    "Warehouse",
    "bronze_files",
    "dbt_env",
    "file_hour",
    "in_range",
    "load_isolating",
    "pending_files",
    "postgres_conninfo",
    "snowflake_params",
    "warehouse_from",
]
