"""Loading the Spotify API's bronze files into RAW (DuckDB, bulk `read_json`, with a ledger).

One raw table for all eleven streams, `raw.spotify_api_records` (stream, snapshot_date, rank,
played_at, item JSON, lineage), rather than a table per stream:
- every bronze line has the same envelope; only the `item` inside differs, and it is kept as
  received (JSON), so a stream Spotify adds or changes needs no DDL and no loader change;
- one ledger and one bulk statement per chunk of files, the same path as the events loader;
- dbt staging picks each stream out and types it (`models/spotify_api/staging`), the only place
  that knows the shape of a track or an artist object.

Ledger rules are the events loader's: a file loaded at the same version is skipped, a changed file
replaces its rows, a file that left the lake (a snapshot that became empty) takes its rows along,
and a file DuckDB refuses is set aside in `raw.failed_files` while the others load
(`load.load_isolating`, shared with the events loaders).
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb

from spotify_mds.lake import Lake, ObjectInfo
from spotify_mds.load import FAILURES_TABLE, LoadStats, bronze_files, load_isolating, reading_error
from spotify_mds.load.duckdb import connect, create_schemas

logger = logging.getLogger(__name__)

TOPIC = "spotify_api"
RAW_TABLE = "raw.spotify_api_records"
LEDGER_TABLE = "raw.spotify_api_loaded_files"
FILES_PER_STATEMENT = 256

_JSON_COLUMNS = "{'stream': 'VARCHAR', 'snapshot_date': 'DATE', 'rank': 'INTEGER', 'played_at': 'TIMESTAMPTZ', 'item': 'JSON'}"


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """RAW/SILVER/GOLD (through the events loader), then the Spotify raw table and its ledger."""
    create_schemas(con)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} (stream VARCHAR NOT NULL, snapshot_date DATE, rank INTEGER,"
        " played_at TIMESTAMP, item JSON NOT NULL, _source_file VARCHAR NOT NULL, _loaded_at TIMESTAMP NOT NULL)"
    )
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} (file_key VARCHAR PRIMARY KEY, version VARCHAR NOT NULL,"
        " size BIGINT NOT NULL, row_count BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL)"
    )


def load(lake: Lake, db_path: Path | str) -> LoadStats:
    """Load the Spotify bronze files the ledger lacks or holds at another version."""
    con = connect(db_path, lake)
    try:
        create_tables(con)
        return load_into(con, lake)
    finally:
        con.close()


def load_into(con: duckdb.DuckDBPyConnection, lake: Lake) -> LoadStats:
    files = bronze_files(lake, TOPIC)
    known = dict(con.execute(f"SELECT file_key, version FROM {LEDGER_TABLE}").fetchall())
    todo = [info for info in files if known.get(info.key) != info.version]
    gone = sorted(set(known) - {info.key for info in files})
    stats = LoadStats(files_seen=len(files), files_replaced=sum(info.key in known for info in todo))
    if gone:
        _delete(con, gone)
        logger.info("dropped the rows of %d files no longer in the lake", len(gone))

    def load_chunk(chunk: list[ObjectInfo]) -> int:
        urls, keys = [lake.url(info.key) for info in chunk], [info.key for info in chunk]
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute("CREATE OR REPLACE TEMP TABLE _spotify_keys AS SELECT unnest(?::VARCHAR[]) AS k", [keys])
            con.execute(f"DELETE FROM {RAW_TABLE} WHERE _source_file IN (SELECT k FROM _spotify_keys)")
            con.execute(f"DELETE FROM {LEDGER_TABLE} WHERE file_key IN (SELECT k FROM _spotify_keys)")
            con.execute(f"DELETE FROM {FAILURES_TABLE} WHERE file_key IN (SELECT k FROM _spotify_keys)")
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _spotify_files AS SELECT unnest(?::VARCHAR[]) AS url, unnest(?::VARCHAR[]) AS k",
                [urls, keys],
            )
            con.execute(
                f"INSERT INTO {RAW_TABLE} SELECT r.stream, r.snapshot_date, r.rank, r.played_at::TIMESTAMP, r.item,"
                f" f.k, now()::TIMESTAMP FROM read_json(?, columns={_JSON_COLUMNS}, format='newline_delimited',"
                " filename=true) AS r JOIN _spotify_files AS f ON r.filename = f.url",
                [urls],
            )
            counts = dict(
                con.execute(
                    f"SELECT _source_file, count(*) FROM {RAW_TABLE}"
                    " WHERE _source_file IN (SELECT k FROM _spotify_keys) GROUP BY 1"
                ).fetchall()
            )
            con.executemany(
                f"INSERT INTO {LEDGER_TABLE} VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                [(info.key, info.version, info.size, counts.get(info.key, 0)) for info in chunk],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            message = f"loading {len(chunk)} Spotify files from {chunk[0].key} failed: {exc}"
            raise reading_error(exc, lake, chunk, message) from exc
        return sum(counts.values())

    def record_failure(info: ObjectInfo, error: str) -> None:
        logger.error("Spotify file %s was not loaded (tried again next load): %s", info.key, error)
        con.execute(f"DELETE FROM {FAILURES_TABLE} WHERE file_key = ?", [info.key])
        con.execute(f"INSERT INTO {FAILURES_TABLE} VALUES (?, ?, ?, now()::TIMESTAMP)", [info.key, info.version, error])

    load_isolating(todo, FILES_PER_STATEMENT, load_chunk, record_failure, stats)
    logger.info("spotify_api: %s", stats)
    return stats


def _delete(con: duckdb.DuckDBPyConnection, keys: list[str]) -> None:
    con.execute("BEGIN TRANSACTION")
    con.execute("CREATE OR REPLACE TEMP TABLE _spotify_gone AS SELECT unnest(?::VARCHAR[]) AS k", [keys])
    con.execute(f"DELETE FROM {RAW_TABLE} WHERE _source_file IN (SELECT k FROM _spotify_gone)")
    con.execute(f"DELETE FROM {LEDGER_TABLE} WHERE file_key IN (SELECT k FROM _spotify_gone)")
    con.execute("COMMIT")
