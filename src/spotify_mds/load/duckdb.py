"""Bulk, incremental loading of bronze into DuckDB with `read_json` (no row-by-row inserts)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from spotify_mds.pipelines.streams.events import COLUMNS
from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.load import (
    FAILURES_TABLE,
    LoadStats,
    bronze_files,
    in_range,
    json_columns,
    load_isolating,
    reading_error,
    typed_column,
)

logger = logging.getLogger(__name__)

RAW_TABLE = "raw.listening_events"
LEDGER_TABLE = "raw.loaded_files"
FILES_PER_STATEMENT = 256

_TYPES = {"varchar": "VARCHAR", "timestamp": "TIMESTAMP", "bigint": "BIGINT", "integer": "INTEGER"}


def connect(path: Path | str, lake: Lake | None = None) -> duckdb.DuckDBPyConnection:
    """A connection in UTC, with the lake's filesystem registered when it is not a local folder."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("SET TimeZone = 'UTC'")
    if lake is not None and (fs := lake.filesystem()) is not None:
        con.register_filesystem(fs)
    return con


def create_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Schemas RAW, SILVER, GOLD (as in the seed), the raw table, the ledger and the failures table."""
    for schema in ("raw", "silver", "gold"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    columns = ", ".join(f'"{name}" {_TYPES[kind]}' for name, kind in COLUMNS.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} ({columns}, _source_file VARCHAR NOT NULL, _loaded_at TIMESTAMP NOT NULL)")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} (file_key VARCHAR PRIMARY KEY, version VARCHAR NOT NULL,"
        " size BIGINT NOT NULL, row_count BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {FAILURES_TABLE} (file_key VARCHAR PRIMARY KEY, version VARCHAR NOT NULL,"
        " error VARCHAR NOT NULL, failed_at TIMESTAMP NOT NULL)"
    )


def load(
    lake: Lake,
    db_path: Path | str,
    topic: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> LoadStats:
    """Load the bronze files the ledger lacks or holds at another version; return what was done."""
    con = connect(db_path, lake)
    try:
        create_schemas(con)
        return load_into(con, lake, topic, progress=progress)
    finally:
        con.close()


def load_into(con: duckdb.DuckDBPyConnection, lake: Lake, topic: str, *, progress=None) -> LoadStats:
    files = bronze_files(lake, topic)
    known = dict(con.execute(f"SELECT file_key, version FROM {LEDGER_TABLE}").fetchall())
    todo = [info for info in files if known.get(info.key) != info.version]
    stats = LoadStats(files_seen=len(files), files_replaced=sum(info.key in known for info in todo))
    select = ", ".join(typed_column(name, kind) for name, kind in COLUMNS.items())

    def load_chunk(chunk: list[ObjectInfo]) -> int:
        urls, keys = [lake.url(info.key) for info in chunk], [info.key for info in chunk]
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute("CREATE OR REPLACE TEMP TABLE _chunk_keys AS SELECT unnest(?::VARCHAR[]) AS k", [keys])
            for table, column in ((RAW_TABLE, "_source_file"), (LEDGER_TABLE, "file_key"), (FAILURES_TABLE, "file_key")):
                con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT k FROM _chunk_keys)")
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _files AS SELECT unnest(?::VARCHAR[]) AS url, unnest(?::VARCHAR[]) AS k",
                [urls, keys],
            )
            con.execute(
                f"INSERT INTO {RAW_TABLE} SELECT {select}, f.k, now()::TIMESTAMP"
                f" FROM read_json(?, columns={{{json_columns()}}}, format='newline_delimited', filename=true) AS r"
                " JOIN _files AS f ON r.filename = f.url",
                [urls],
            )
            counts = dict(
                con.execute(
                    f"SELECT _source_file, count(*) FROM {RAW_TABLE} WHERE _source_file IN (SELECT k FROM _chunk_keys)"
                    " GROUP BY 1"
                ).fetchall()
            )
            con.executemany(
                f"INSERT INTO {LEDGER_TABLE} VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                [(info.key, info.version, info.size, counts.get(info.key, 0)) for info in chunk],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise reading_error(exc, lake, chunk, f"loading {len(chunk)} files from {chunk[0].key} failed: {exc}") from exc
        return sum(counts.values())

    def record_failure(info: ObjectInfo, error: str) -> None:
        logger.error("bronze file %s was not loaded (tried again next load): %s", info.key, error)
        con.execute(f"DELETE FROM {FAILURES_TABLE} WHERE file_key = ?", [info.key])
        con.execute(f"INSERT INTO {FAILURES_TABLE} VALUES (?, ?, ?, now()::TIMESTAMP)", [info.key, info.version, error])

    load_isolating(todo, FILES_PER_STATEMENT, load_chunk, record_failure, stats, progress)
    logger.info("loaded %s", stats)
    return stats


def forget(db_path: Path | str, topic: str, since: datetime | None, until: datetime | None) -> int:
    """Drop the ledger entries (and rows) of the files in [since, until) so the next load reads them again."""
    con = connect(db_path)
    try:
        create_schemas(con)
        keys = [k for (k,) in con.execute(f"SELECT file_key FROM {LEDGER_TABLE}").fetchall() if in_range(k, since, until)]
        con.execute("BEGIN TRANSACTION")
        con.execute("CREATE OR REPLACE TEMP TABLE _forget AS SELECT unnest(?::VARCHAR[]) AS k", [keys])
        con.execute(f"DELETE FROM {RAW_TABLE} WHERE _source_file IN (SELECT k FROM _forget)")
        con.execute(f"DELETE FROM {LEDGER_TABLE} WHERE file_key IN (SELECT k FROM _forget)")
        con.execute("COMMIT")
        return len(keys)
    finally:
        con.close()
