"""Bronze files as a loader sees them: which to read, which hour they hold, how DuckDB parses them.

Every back end reads bronze NDJSON (any compression) with DuckDB's `read_json`: the DuckDB
warehouse inserts straight from it, PostgreSQL and Snowflake bulk-copy a CSV or Parquet file that
an in-memory DuckDB wrote from it (`bronze_to_file`). The columns come from the table schema the
pipeline passes in (`RawTable.columns`: name → kind), never from a pipeline module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from spotify_mds.errors import WarehouseError
from spotify_mds.lake import Lake, ObjectInfo


class FileRejected(WarehouseError):
    """The warehouse refused a bronze file's data (not a connection or a server failure)."""


_HOUR = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/")

COLUMN_KINDS = ("varchar", "timestamp", "bigint", "integer", "date", "json")
"""The kinds a raw table's columns may have; each back end maps them to its own types."""

# Timestamps are read as text and typed by `typed_column` (RFC 3339's lower-case `t`/`z`).
_READ_TYPES = {"varchar": "VARCHAR", "timestamp": "VARCHAR", "bigint": "BIGINT", "integer": "INTEGER",
               "date": "DATE", "json": "JSON"}  # fmt: skip


def bronze_files(lake: Lake, topic: str, *, prefix: str | None = None) -> list[ObjectInfo]:
    """The topic's bronze data files (or the NDJSON files under `prefix`), sorted by key."""
    return [info for info in lake.list(prefix or f"bronze/{topic}/") if ".ndjson" in info.key.rsplit("/", 1)[-1]]


def pending_files(files: list[ObjectInfo], known: dict[str, str]) -> list[ObjectInfo]:
    """The files the ledger (key → version) lacks or holds at another version: what a load must read."""
    return [info for info in files if known.get(info.key) != info.version]


def json_columns(columns: Mapping[str, str]) -> str:
    """`read_json`'s `columns` for a table: timestamps read as text, typed by `typed_column`."""
    return ", ".join(f"'{name}': '{_READ_TYPES[kind]}'" for name, kind in columns.items())


def typed_column(name: str, kind: str) -> str:
    """A DuckDB expression typing one column read by `json_columns()`. Timestamps: RFC 3339 allows
    `t` and `z` in lower case (DuckDB's cast does not), so they are upper-cased first; UTC wall time."""
    if kind == "timestamp":
        return f'upper("{name}")::TIMESTAMPTZ::TIMESTAMP'
    return f'"{name}"'


def read_bronze_sql(columns: Mapping[str, str], loaded_at: datetime | None, *, csv: bool = False) -> str:
    """`SELECT <typed columns>, _source_file[, _loaded_at] FROM read_json(?) JOIN _files` (DuckDB).

    The caller fills the temp table `_files (url, k)` and passes the urls as the one parameter.
    With `csv`, timestamps are formatted as UTC wall time with microseconds (PostgreSQL's CSV).
    """
    if csv:
        fields = [
            f"strftime({typed_column(name, kind)}, '%Y-%m-%d %H:%M:%S.%f')" if kind == "timestamp" else f'"{name}"'
            for name, kind in columns.items()
        ]
    else:
        fields = [f'{typed_column(name, kind)} AS "{name}"' for name, kind in columns.items()]
    fields.append("f.k AS _source_file")
    if loaded_at is not None:
        fields.append(f"TIMESTAMP '{loaded_at:%Y-%m-%d %H:%M:%S.%f}' AS _loaded_at")
    return (
        f"SELECT {', '.join(fields)} FROM read_json(?, columns={{{json_columns(columns)}}},"
        " format='newline_delimited', filename=true) AS r JOIN _files AS f ON r.filename = f.url"
    )


def stage_urls(duck, urls: list[str], keys: list[str]) -> None:
    """Fill DuckDB's temp table `_files (url, k)` that `read_bronze_sql` joins on."""
    duck.execute(
        "CREATE OR REPLACE TEMP TABLE _files AS SELECT unnest(?::VARCHAR[]) AS url, unnest(?::VARCHAR[]) AS k",
        [urls, keys],
    )


def bronze_to_file(
    duck,
    urls: list[str],
    keys: list[str],
    path,
    columns: Mapping[str, str],
    *,
    file_format: str = "csv",
    loaded_at: datetime | None = None,
) -> None:
    """Parse and type bronze NDJSON files (any compression) with DuckDB into one CSV or Parquet file.

    Columns: the table's, then `_source_file` (the lake key), then `_loaded_at` when given. CSV is
    headerless, timestamps as UTC wall time with microseconds, empty strings quoted and NULLs empty
    (PostgreSQL's CSV reader tells them apart); Parquet keeps the types and the column names (for
    Snowflake's MATCH_BY_COLUMN_NAME). `duck` is an in-memory DuckDB connection able to read the
    urls (the lake's filesystem registered).
    """
    csv = file_format == "csv"
    options = "FORMAT csv, HEADER false" if csv else "FORMAT parquet, COMPRESSION zstd"
    stage_urls(duck, urls, keys)
    duck.execute(f"COPY ({read_bronze_sql(columns, loaded_at, csv=csv)}) TO '{path}' ({options})", [urls])


def reading_error(exc: Exception, lake: Lake, chunk: list[ObjectInfo], message: str) -> WarehouseError:
    """What a DuckDB error while reading `chunk`'s files means (raise it `from exc`).

    Malformed JSON or a value that does not cast: the files' bytes (FileRejected). An I/O error is
    either a corrupt compressed file or a lake that does not answer: one file at a time tells them
    apart (the lake still serves it: the file is bad; it does not: the load stops, WarehouseError,
    instead of setting every file aside). Anything else stops the load.
    """
    import duckdb

    key = chunk[0].key
    if isinstance(exc, (duckdb.InvalidInputException, duckdb.ConversionException)):
        return FileRejected(message, file=key)
    if isinstance(exc, duckdb.IOException):
        if len(chunk) > 1:
            return FileRejected(message, file=key)  # halved until one file stands alone
        try:
            lake.get(key)
        except Exception as lake_error:  # any failure to read it: the lake, not the file
            return WarehouseError(f"{message} (the lake did not serve {key}: {lake_error})", file=key)
        return FileRejected(message, file=key)
    return WarehouseError(message, file=key)


def file_hour(key: str) -> datetime | None:
    """The event-time hour a bronze key belongs to (from its `date=/hour=` folders)."""
    match = _HOUR.search("/" + key)
    return datetime.strptime(f"{match[1]} {match[2]}", "%Y-%m-%d %H") if match else None


def in_range(key: str, since: datetime | None, until: datetime | None) -> bool:
    hour = file_hour(key)
    if hour is None:
        return False
    return (since is None or hour >= since.replace(tzinfo=None)) and (until is None or hour < until.replace(tzinfo=None))
