"""Bulk, incremental loading of bronze into PostgreSQL with `COPY` (no row-by-row inserts).

Each chunk of files is parsed and typed by an in-memory DuckDB (`read_json`, the same column types
as the DuckDB loader, gzip/zstd included), written as CSV to a temporary file, and streamed to the
server with `COPY ... FROM STDIN (FORMAT csv)` through psycopg 3. Deleting the chunk's old rows,
the COPY and the ledger update share one transaction, so a crash leaves a file loaded or not,
never half; a file whose data PostgreSQL refuses is isolated and recorded (`load_isolating`).
BENCHMARKS.md ("Loading") compares this with parsing rows in Python and with the
seed's one-INSERT-per-row.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb

from spotify_mds.errors import ComponentUnavailable, WarehouseError
from spotify_mds.pipelines.streams.events import COLUMNS
from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.load import (
    FAILURES_TABLE,
    FileRejected,
    LoadStats,
    bronze_files,
    bronze_to_file,
    in_range,
    load_isolating,
    pending_files,
    reading_error,
)
from spotify_mds.extras import require

psycopg = require("psycopg")

logger = logging.getLogger(__name__)

RAW_TABLE = "raw.listening_events"
LEDGER_TABLE = "raw.loaded_files"
FILES_PER_TRANSACTION = 32
COPY_BLOCK_BYTES = 1 << 20

_TYPES = {"varchar": "text", "timestamp": "timestamp", "bigint": "bigint", "integer": "integer"}
_NOW_UTC = "(now() at time zone 'utc')"


def connect(conninfo: str) -> psycopg.Connection:
    """A connection whose session time zone is UTC (timestamps are stored as UTC wall time)."""
    try:
        # autocommit: every `with con.transaction()` below is a real transaction, not a savepoint.
        con = psycopg.connect(conninfo, connect_timeout=10, autocommit=True)
    except psycopg.OperationalError as exc:
        raise ComponentUnavailable(f"PostgreSQL is not reachable: {exc}".strip()) from exc
    con.execute("SET TIME ZONE 'UTC'")
    return con


def create_schemas(con: psycopg.Connection) -> None:
    """Schemas RAW, SILVER, GOLD (as in the seed), the raw table, its file index and the ledger."""
    with con.transaction():
        for schema in ("raw", "silver", "gold"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        columns = ", ".join(f'"{name}" {_TYPES[kind]}' for name, kind in COLUMNS.items())
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} ({columns}, _source_file text NOT NULL,"
            f" _loaded_at timestamp NOT NULL DEFAULT {_NOW_UTC})"
        )
        con.execute(f"CREATE INDEX IF NOT EXISTS listening_events_source_file_idx ON {RAW_TABLE} (_source_file)")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} (file_key text PRIMARY KEY, version text NOT NULL,"
            " size bigint NOT NULL, row_count bigint NOT NULL, loaded_at timestamp NOT NULL)"
        )
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {FAILURES_TABLE} (file_key text PRIMARY KEY, version text NOT NULL,"
            " error text NOT NULL, failed_at timestamp NOT NULL)"
        )


def copy_csv(con: psycopg.Connection, path: Path) -> int:
    """Stream a headerless CSV of raw rows (every column but _loaded_at) into the raw table."""
    names = ", ".join(f'"{name}"' for name in COLUMNS) + ", _source_file"
    with con.cursor() as cur:
        with cur.copy(f"COPY {RAW_TABLE} ({names}) FROM STDIN (FORMAT csv)") as copy, path.open("rb") as handle:
            while block := handle.read(COPY_BLOCK_BYTES):
                copy.write(block)
        return cur.rowcount


def load(
    lake: Lake,
    conninfo: str,
    topic: str,
    *,
    files_per_transaction: int = FILES_PER_TRANSACTION,
    progress: Callable[[int, int], None] | None = None,
) -> LoadStats:
    """Load the bronze files the ledger lacks or holds at another version; return what was done."""
    from spotify_mds.load import duckdb as duck_loader

    con = connect(conninfo)
    duck = duck_loader.connect(":memory:", lake)
    try:
        create_schemas(con)
        files = bronze_files(lake, topic)
        known = dict(con.execute(f"SELECT file_key, version FROM {LEDGER_TABLE}").fetchall())
        todo = pending_files(files, known)
        stats = LoadStats(files_seen=len(files), files_replaced=sum(info.key in known for info in todo))
        with tempfile.TemporaryDirectory(prefix="spotify-mds-pg-") as tmp:
            csv_path = Path(tmp, "chunk.csv")

            def load_chunk(chunk: list[ObjectInfo]) -> int:
                keys = [info.key for info in chunk]
                try:
                    bronze_to_file(duck, [lake.url(key) for key in keys], keys, csv_path)
                    with con.transaction():
                        for table, column in ((RAW_TABLE, "_source_file"), (LEDGER_TABLE, "file_key"), (FAILURES_TABLE, "file_key")):
                            con.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [keys])
                        rows = copy_csv(con, csv_path)
                        counts = dict(
                            con.execute(
                                f"SELECT _source_file, count(*) FROM {RAW_TABLE} WHERE _source_file = ANY(%s) GROUP BY 1",
                                [keys],
                            ).fetchall()
                        )
                        con.execute(
                            f"INSERT INTO {LEDGER_TABLE} SELECT k, v, s, c, {_NOW_UTC}"
                            " FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[]) AS t(k, v, s, c)",
                            [keys, [i.version for i in chunk], [i.size for i in chunk], [counts.get(k, 0) for k in keys]],
                        )
                except duckdb.Error as exc:
                    message = f"reading {len(chunk)} files from {chunk[0].key} failed: {exc}"
                    raise reading_error(exc, lake, chunk, message) from exc
                except (psycopg.DataError, psycopg.IntegrityError) as exc:
                    raise FileRejected(
                        f"loading {len(chunk)} files from {chunk[0].key} into PostgreSQL failed: {exc}", file=chunk[0].key
                    ) from exc
                except psycopg.Error as exc:
                    raise WarehouseError(
                        f"loading {len(chunk)} files from {chunk[0].key} into PostgreSQL failed: {exc}", file=chunk[0].key
                    ) from exc
                return rows

            def record_failure(info: ObjectInfo, error: str) -> None:
                logger.error("bronze file %s was not loaded (tried again next load): %s", info.key, error)
                with con.transaction():
                    con.execute(f"DELETE FROM {FAILURES_TABLE} WHERE file_key = %s", [info.key])
                    con.execute(
                        f"INSERT INTO {FAILURES_TABLE} VALUES (%s, %s, %s, {_NOW_UTC})", [info.key, info.version, error]
                    )

            load_isolating(todo, files_per_transaction, load_chunk, record_failure, stats, progress)
        logger.info("loaded %s", stats)
        return stats
    finally:
        duck.close()
        con.close()


def forget(conninfo: str, topic: str, since: datetime | None, until: datetime | None) -> int:
    """Drop the ledger entries (and rows) of the files in [since, until) so the next load reads them again."""
    con = connect(conninfo)
    try:
        create_schemas(con)
        keys = [k for (k,) in con.execute(f"SELECT file_key FROM {LEDGER_TABLE}").fetchall() if in_range(k, since, until)]
        with con.transaction():
            con.execute(f"DELETE FROM {RAW_TABLE} WHERE _source_file = ANY(%s)", [keys])
            con.execute(f"DELETE FROM {LEDGER_TABLE} WHERE file_key = ANY(%s)", [keys])
        return len(keys)
    finally:
        con.close()
