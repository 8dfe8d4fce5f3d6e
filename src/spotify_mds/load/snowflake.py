"""Bulk, incremental loading of bronze into Snowflake: PUT to an internal stage, then COPY INTO.

Files are turned into one Parquet file per chunk by an in-memory DuckDB (the same parsing and typing
as the PostgreSQL loader; Parquet keeps types and names, so COPY matches columns by name), PUT to
the stage `RAW.BRONZE_STAGE`, and copied into `RAW.LISTENING_EVENTS` in
one transaction with the deletion of the chunk's old rows and the ledger update; the staged file is
purged by the COPY. Never one INSERT per row (the seed's design).

`setup_statements()` is the seed's account setup (warehouse MDS_WH, database SPOTIFY_MDS, schemas
RAW/SILVER/GOLD, role with grants); `spotify-mds warehouse init` prints it or applies it.
Identifiers are unquoted (Snowflake folds them to upper case, and dbt's unquoted names match),
except the event's `TIMESTAMP` column.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from spotify_mds.errors import ComponentUnavailable, WarehouseError
from spotify_mds.pipelines.streams.events import COLUMNS
from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.load import (
    FileRejected,
    LoadStats,
    bronze_files,
    bronze_to_file,
    in_range,
    load_isolating,
    pending_files,
    reading_error,
)

logger = logging.getLogger(__name__)

RAW_TABLE = "RAW.LISTENING_EVENTS"
LEDGER_TABLE = "RAW.LOADED_FILES"
FAILURES_TABLE = "RAW.FAILED_FILES"
STAGE = "RAW.BRONZE_STAGE"
FILES_PER_TRANSACTION = 64

_TYPES = {"varchar": "VARCHAR", "timestamp": "TIMESTAMP_NTZ", "bigint": "NUMBER(19, 0)", "integer": "NUMBER(10, 0)"}
_FILE_FORMAT = "(TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)"


def _column(name: str) -> str:
    return f'"{name.upper()}"' if name == "timestamp" else name.upper()


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


def connect(params: Mapping[str, Any]) -> Any:
    """A snowflake-connector-python connection (password or key-pair auth, as `params` say)."""
    try:
        import snowflake.connector
    except ImportError as exc:
        raise ComponentUnavailable("Snowflake needs the `snowflake` extra: pip install 'spotify-mds[snowflake]'") from exc
    try:
        con = snowflake.connector.connect(**params, login_timeout=20, session_parameters={"TIMEZONE": "UTC"})
    except snowflake.connector.errors.Error as exc:
        raise ComponentUnavailable(f"Snowflake is not reachable: {exc}") from exc
    return con


def apply(params: Mapping[str, Any], statements: list[str]) -> None:
    con = connect(params)
    try:
        for statement in statements:
            con.cursor().execute(statement)
    finally:
        con.close()


def create_schemas(con: Any) -> None:
    """Schemas RAW, SILVER, GOLD, the raw table, the ledger and the stage (in the connection's database)."""
    cur = con.cursor()
    for schema in ("RAW", "SILVER", "GOLD"):
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    columns = ", ".join(f"{_column(name)} {_TYPES[kind]}" for name, kind in COLUMNS.items())
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} ({columns}, _SOURCE_FILE VARCHAR NOT NULL, _LOADED_AT TIMESTAMP_NTZ NOT NULL)"
    )
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} (FILE_KEY VARCHAR NOT NULL, VERSION VARCHAR NOT NULL,"
        " SIZE NUMBER(19, 0) NOT NULL, ROW_COUNT NUMBER(19, 0) NOT NULL, LOADED_AT TIMESTAMP_NTZ NOT NULL)"
    )
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {FAILURES_TABLE} (FILE_KEY VARCHAR NOT NULL, VERSION VARCHAR NOT NULL,"
        " ERROR VARCHAR NOT NULL, FAILED_AT TIMESTAMP_NTZ NOT NULL)"
    )
    cur.execute(f"CREATE STAGE IF NOT EXISTS {STAGE}")


def _in_list(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def load(
    lake: Lake,
    params: Mapping[str, Any],
    topic: str,
    *,
    files_per_transaction: int = FILES_PER_TRANSACTION,
    progress: Callable[[int, int], None] | None = None,
) -> LoadStats:
    """Load the bronze files the ledger lacks or holds at another version; return what was done."""
    from spotify_mds.load import duckdb as duck_loader

    con = connect(params)
    duck = duck_loader.connect(":memory:", lake)
    try:
        create_schemas(con)
        cur = con.cursor()
        files = bronze_files(lake, topic)
        known = dict(cur.execute(f"SELECT FILE_KEY, VERSION FROM {LEDGER_TABLE}").fetchall())
        todo = pending_files(files, known)
        stats = LoadStats(files_seen=len(files), files_replaced=sum(info.key in known for info in todo))
        with tempfile.TemporaryDirectory(prefix="spotify-mds-sf-") as tmp:

            def load_chunk(chunk: list[ObjectInfo]) -> int:
                keys = [info.key for info in chunk]
                loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
                chunk_path = Path(tmp, f"{uuid.uuid4().hex}.parquet")
                try:
                    bronze_to_file(duck, [lake.url(key) for key in keys], keys, chunk_path, file_format="parquet", loaded_at=loaded_at)
                except duckdb.Error as exc:
                    message = f"reading {len(chunk)} files from {chunk[0].key} failed: {exc}"
                    raise reading_error(exc, lake, chunk, message) from exc
                try:
                    cur.execute(f"PUT 'file://{chunk_path}' @{STAGE} AUTO_COMPRESS = FALSE OVERWRITE = TRUE")
                    cur.execute("BEGIN")
                    for table, column in ((RAW_TABLE, "_SOURCE_FILE"), (LEDGER_TABLE, "FILE_KEY"), (FAILURES_TABLE, "FILE_KEY")):
                        cur.execute(f"DELETE FROM {table} WHERE {column} IN ({_in_list(keys)})", keys)
                    # FORCE: the ledger decides what to load; Snowflake's own load history would
                    # silently skip a staged file whose name and checksum it has seen before.
                    cur.execute(
                        f"COPY INTO {RAW_TABLE} FROM @{STAGE}/{chunk_path.name}"
                        f" FILE_FORMAT = {_FILE_FORMAT} MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE PURGE = TRUE"
                    )
                    counts = dict(
                        cur.execute(
                            f"SELECT _SOURCE_FILE, count(*) FROM {RAW_TABLE} WHERE _SOURCE_FILE IN ({_in_list(keys)})"
                            " GROUP BY 1",
                            keys,
                        ).fetchall()
                    )
                    ledger = [(info.key, info.version, info.size, int(counts.get(info.key, 0))) for info in chunk]
                    cur.execute(
                        f"INSERT INTO {LEDGER_TABLE} VALUES "
                        + ", ".join(["(%s, %s, %s, %s, %s)"] * len(ledger)),
                        [value for row in ledger for value in (*row, loaded_at)],
                    )
                    cur.execute("COMMIT")
                except Exception as exc:  # the connector raises many types; the file is what matters
                    try:
                        cur.execute("ROLLBACK")
                    except Exception:  # noqa: S110 - the original error is the one to report
                        pass
                    # SQLSTATE class 22, "data exception": the file's values, not Snowflake, are at fault.
                    kind = FileRejected if str(getattr(exc, "sqlstate", "") or "").startswith("22") else WarehouseError
                    raise kind(
                        f"loading {len(chunk)} files from {chunk[0].key} into Snowflake failed: {exc}", file=chunk[0].key
                    ) from exc
                return sum(int(n) for n in counts.values())

            def record_failure(info: ObjectInfo, error: str) -> None:
                logger.error("bronze file %s was not loaded (tried again next load): %s", info.key, error)
                cur.execute(f"DELETE FROM {FAILURES_TABLE} WHERE FILE_KEY = %s", [info.key])
                cur.execute(
                    f"INSERT INTO {FAILURES_TABLE} VALUES (%s, %s, %s, %s)",
                    [info.key, info.version, error, datetime.now(timezone.utc).replace(tzinfo=None)],
                )

            load_isolating(todo, files_per_transaction, load_chunk, record_failure, stats, progress)
        logger.info("loaded %s", stats)
        return stats
    finally:
        duck.close()
        con.close()


def forget(params: Mapping[str, Any], topic: str, since: datetime | None, until: datetime | None) -> int:
    """Drop the ledger entries (and rows) of the files in [since, until) so the next load reads them again."""
    con = connect(params)
    try:
        create_schemas(con)
        cur = con.cursor()
        keys = [k for (k,) in cur.execute(f"SELECT FILE_KEY FROM {LEDGER_TABLE}").fetchall() if in_range(k, since, until)]
        if keys:
            cur.execute("BEGIN")
            cur.execute(f"DELETE FROM {RAW_TABLE} WHERE _SOURCE_FILE IN ({_in_list(keys)})", keys)
            cur.execute(f"DELETE FROM {LEDGER_TABLE} WHERE FILE_KEY IN ({_in_list(keys)})", keys)
            cur.execute("COMMIT")
        return len(keys)
    finally:
        con.close()
