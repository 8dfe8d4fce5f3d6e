"""Bulk, incremental loading of bronze into Snowflake: PUT to an internal stage, then COPY INTO.

Files are turned into one Parquet file per chunk by an in-memory DuckDB (the same parsing and typing
as the PostgreSQL warehouse; Parquet keeps types and names, so COPY matches columns by name), PUT to
the stage `RAW.BRONZE_STAGE`, and copied into the raw table inside the chunk's transaction
(`Warehouse.load`); the staged file is purged by the COPY. Never one INSERT per row (the seed's design).

`setup_statements()` is the seed's account setup (warehouse MDS_WH, database SPOTIFY_MDS, schemas
RAW/SILVER/GOLD, role with grants); `spotify-mds warehouse init` prints it or applies it.
Identifiers are unquoted (Snowflake folds them to upper case, and dbt's unquoted names match),
except reserved words such as the event's `TIMESTAMP` column.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from spotify_mds.errors import ComponentUnavailable, WarehouseError
from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.warehouse.base import RawTable, Warehouse
from spotify_mds.warehouse.files import FileRejected, bronze_to_file, reading_error

STAGE = "RAW.BRONZE_STAGE"
_FILE_FORMAT = "(TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)"
_RESERVED = {"timestamp", "date", "time"}


def setup_statements(*, warehouse: str, database: str, role: str, user: str = "") -> list[str]:
    """The account setup an administrator runs once (SYSADMIN and SECURITYADMIN privileges)."""
    statements = [
        f"CREATE WAREHOUSE IF NOT EXISTS {warehouse} WAREHOUSE_SIZE = XSMALL AUTO_SUSPEND = 60"
        " AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE",
        f"CREATE DATABASE IF NOT EXISTS {database}",
        *(f"CREATE SCHEMA IF NOT EXISTS {database}.{schema}" for schema in ("RAW", "SILVER", "GOLD")),
        f"CREATE ROLE IF NOT EXISTS {role}",
        f"GRANT USAGE ON WAREHOUSE {warehouse} TO ROLE {role}",
        f"GRANT USAGE ON DATABASE {database} TO ROLE {role}",
    ]
    for schema in ("RAW", "SILVER", "GOLD"):
        statements += [
            f"GRANT USAGE, CREATE TABLE, CREATE VIEW, CREATE STAGE ON SCHEMA {database}.{schema} TO ROLE {role}",
            f"GRANT ALL ON ALL TABLES IN SCHEMA {database}.{schema} TO ROLE {role}",
            f"GRANT ALL ON FUTURE TABLES IN SCHEMA {database}.{schema} TO ROLE {role}",
            f"GRANT ALL ON FUTURE VIEWS IN SCHEMA {database}.{schema} TO ROLE {role}",
        ]
    if user:
        statements.append(f"GRANT ROLE {role} TO USER {user}")
    return statements


def _connector() -> Any:
    try:
        import snowflake.connector
    except ImportError as exc:
        raise ComponentUnavailable("Snowflake needs the `snowflake` extra: pip install 'spotify-mds[snowflake]'") from exc
    return snowflake.connector


class SnowflakeWarehouse(Warehouse):
    name = "snowflake"
    files_per_transaction = 64
    types = {"varchar": "VARCHAR", "timestamp": "TIMESTAMP_NTZ", "bigint": "NUMBER(19, 0)",
             "integer": "NUMBER(10, 0)", "date": "DATE", "json": "VARIANT", "boolean": "BOOLEAN",
             "double": "FLOAT", "decimal": "NUMBER(12, 2)"}  # fmt: skip
    ledger_key = " NOT NULL"
    transactional_ddl = False
    dbt_adapter = "dbt.adapters.snowflake"

    def __init__(self, params: Mapping[str, Any], dbt_env: dict[str, str] | None = None) -> None:
        super().__init__(dbt_env or {"WAREHOUSE": "snowflake"})
        self.params = dict(params)
        """snowflake-connector-python's arguments (password or key and its passphrase: never log)."""

    def connect(self, lake: Lake | None = None, **options: Any) -> Any:
        """A connection (password or key-pair auth, as the params say), in UTC."""
        connector = _connector()
        try:
            return connector.connect(**{"login_timeout": 20, **self.params, **options},
                                     session_parameters={"TIMEZONE": "UTC"})  # fmt: skip
        except connector.errors.Error as exc:
            raise ComponentUnavailable(f"Snowflake is not reachable: {exc}") from exc

    def setup_statements(self) -> list[str]:
        p = self.params
        return setup_statements(warehouse=str(p.get("warehouse", "")), database=str(p.get("database", "")),
                                role=str(p.get("role") or "MDS_ROLE"), user=str(p.get("user", "")))  # fmt: skip

    def execute(self, con: Any, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        cur = con.cursor()
        try:
            cur.execute(sql, list(params) or None)
            return cur.fetchall() if cur.description else []
        finally:
            cur.close()

    @contextmanager
    def transaction(self, con: Any) -> Iterator[Any]:
        con.cursor().execute("BEGIN")
        try:
            yield con
        except BaseException:
            try:
                con.cursor().execute("ROLLBACK")
            except Exception:  # noqa: S110 - the original error is the one to report
                pass
            raise
        con.cursor().execute("COMMIT")

    def quote(self, column: str) -> str:
        return f'"{column.upper()}"' if column.lower() in _RESERVED else column.upper()

    def extra_ddl(self, table: RawTable) -> list[str]:
        return [f"CREATE STAGE IF NOT EXISTS {STAGE}"]

    def stage(self, con: Any, lake: Lake, table: RawTable, keys: list[str], folder: Path, loaded_at: datetime) -> str:
        from spotify_mds.warehouse import duckdb as duck

        path = folder / f"{uuid.uuid4().hex}.parquet"
        reader = duck.connect(":memory:", lake)
        try:
            bronze_to_file(reader, [lake.url(key) for key in keys], keys, path, table.columns,
                           file_format="parquet", loaded_at=loaded_at)  # fmt: skip
        finally:
            reader.close()
        self.execute(con, f"PUT 'file://{path}' @{STAGE} AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
        return path.name

    def copy(self, con: Any, lake: Lake, table: RawTable, keys: list[str], staged: str, loaded_at: datetime) -> None:
        # FORCE: the ledger decides what to load; Snowflake's own load history would silently skip
        # a staged file whose name and checksum it has seen before.
        self.execute(con, f"COPY INTO {table.name} FROM @{STAGE}/{staged} FILE_FORMAT = {_FILE_FORMAT}"
                     " MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE PURGE = TRUE")  # fmt: skip

    def classify(self, exc: Exception, lake: Lake, chunk: list[ObjectInfo], message: str) -> WarehouseError:
        import duckdb

        if isinstance(exc, duckdb.Error):
            return reading_error(exc, lake, chunk, message)
        # SQLSTATE class 22, "data exception": the file's values, not Snowflake, are at fault.
        kind = FileRejected if str(getattr(exc, "sqlstate", "") or "").startswith("22") else WarehouseError
        return kind(message, file=chunk[0].key)

    def arrow_type(self, column: Any) -> Any:
        import pyarrow as pa

        code = column[1]
        if code == 0:  # NUMBER: integers unless it has a scale
            return pa.int64() if not column[5] else pa.float64()
        types = {1: pa.float64(), 2: pa.string(), 3: pa.date32(), 8: pa.timestamp("us"), 13: pa.bool_()}
        return types.get(code, pa.string())

    def catalog_name(self, identifier: str) -> str:
        return identifier.upper()  # unquoted identifiers fold to upper case

    @property
    def identity(self) -> str:
        return f"snowflake://{self.params.get('account', '')}/{self.params.get('database', '')}"

    def __str__(self) -> str:
        return f"snowflake {self.params.get('account', '')}/{self.params.get('database', '')}"

    def require(self) -> None:
        _connector()

    def probe(self, timeout: float) -> str:
        if not self.params.get("account"):
            raise ComponentUnavailable("WAREHOUSE=snowflake but SNOWFLAKE_ACCOUNT is empty")
        try:
            import snowflake.connector  # noqa: F401
        except ImportError as exc:
            raise ComponentUnavailable("snowflake-connector-python is not installed") from exc
        try:
            con = self.connect(login_timeout=timeout, network_timeout=timeout)
            try:
                con.cursor().execute("SELECT 1").fetchone()
            finally:
                con.close()
        except Exception as exc:  # the connector's errors are many; its messages hold no secret
            raise ComponentUnavailable(f"cannot query: {str(exc).strip().splitlines()[0]}") from exc
        return f"Snowflake {self.params.get('database', '')} answers"
