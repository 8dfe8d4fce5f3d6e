"""Loading: bronze files in the lake become rows of the warehouse's raw table, incrementally.

Each warehouse back end keeps a ledger of the files it loaded (key, version, size, rows, when).
A load lists the bronze files, picks those the ledger lacks or holds at another version, and, per
chunk of files in one transaction, deletes their old rows, bulk-loads them and updates the ledger.
Loading the same file twice is a no-op; a changed file replaces its rows; `reload` forgets the
files of a time range so the next load reads them again.

A bad file never blocks the others (`load_isolating`): a chunk whose load fails on the data
(`FileRejected`) is split in halves and loaded again until the failing files stand alone; each is
recorded in the back end's failures table (`raw.failed_files`: key, version, error, when) and in
`LoadStats.failures`, stays out of the ledger (so the next load tries it again) and the rest loads.
A failure that is not about the data (the warehouse or the lake is down) still stops the load.
The lander only lands what loads (`events.landable`); this is the net for files it did not write.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from spotify_mds.errors import WarehouseError
from spotify_mds.pipelines.streams.events import COLUMNS
from spotify_mds.lake import Lake, ObjectInfo

_HOUR = re.compile(r"/date=(\d{4}-\d{2}-\d{2})/hour=(\d{2})/")


@dataclass
class LoadStats:
    files_seen: int = 0
    files_loaded: int = 0
    rows_loaded: int = 0
    files_replaced: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(file key, error) of the files whose load failed this time (tried again by the next load)."""


class FileRejected(WarehouseError):
    """The warehouse refused a bronze file's data (not a connection or a server failure)."""


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


FAILURES_TABLE = "raw.failed_files"
"""Per back end: file_key, version, error, failed_at of the files the last loads could not load."""


def load_isolating(
    todo: list[ObjectInfo],
    chunk_size: int,
    load_chunk: Callable[[list[ObjectInfo]], int],
    record_failure: Callable[[ObjectInfo, str], None],
    stats: LoadStats,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Load `todo` chunk by chunk with `load_chunk` (one transaction: rows, ledger, failures cleared;
    returns the rows loaded; raises FileRejected, rolled back, when the data is refused), isolating
    refused files by halving the chunk; `record_failure` notes each one."""

    def attempt(chunk: list[ObjectInfo]) -> None:
        try:
            rows = load_chunk(chunk)
        except FileRejected as exc:
            if len(chunk) > 1:
                middle = len(chunk) // 2
                attempt(chunk[:middle])
                attempt(chunk[middle:])
                return
            error = str(exc.__cause__ or exc)[:2000]
            record_failure(chunk[0], error)
            stats.failures.append((chunk[0].key, error))
            return
        stats.files_loaded += len(chunk)
        stats.rows_loaded += rows

    for start in range(0, len(todo), chunk_size):
        chunk = todo[start : start + chunk_size]
        attempt(chunk)
        if progress is not None:
            progress(len(chunk), len(todo))


def bronze_files(lake: Lake, topic: str) -> list[ObjectInfo]:
    """The topic's bronze data files, sorted by key."""
    return [info for info in lake.list(f"bronze/{topic}/") if ".ndjson" in info.key.rsplit("/", 1)[-1]]


def pending_files(files: list[ObjectInfo], known: dict[str, str]) -> list[ObjectInfo]:
    """The files the ledger (key → version) lacks or holds at another version: what a load must read."""
    return [info for info in files if known.get(info.key) != info.version]


_DUCK_TYPES = {"varchar": "VARCHAR", "timestamp": "VARCHAR", "bigint": "BIGINT", "integer": "INTEGER"}


def json_columns() -> str:
    """`read_json`'s `columns` for the event: timestamps read as text, typed by `typed_column`."""
    return ", ".join(f"'{name}': '{_DUCK_TYPES[kind]}'" for name, kind in COLUMNS.items())


def typed_column(name: str, kind: str) -> str:
    """A DuckDB expression typing one column read by `json_columns()`. Timestamps: RFC 3339 allows
    `t` and `z` in lower case (DuckDB's cast does not), so they are upper-cased first; UTC wall time."""
    if kind == "timestamp":
        return f'upper("{name}")::TIMESTAMPTZ::TIMESTAMP'
    return f'"{name}"'


def bronze_to_file(
    duck, urls: list[str], keys: list[str], path, *, file_format: str = "csv", loaded_at: datetime | None = None
) -> None:
    """Parse and type bronze NDJSON files (any compression) with DuckDB into one CSV or Parquet file.

    Columns: the event's (`events.COLUMNS`), then `_source_file` (the lake key), then `_loaded_at`
    when given. CSV is headerless, timestamps as UTC wall time with microseconds, empty strings
    quoted and NULLs empty (PostgreSQL's CSV reader tells them apart); Parquet keeps the types and
    the column names (for Snowflake's MATCH_BY_COLUMN_NAME). `duck` is an in-memory DuckDB
    connection able to read the urls (the lake's filesystem registered).
    """
    columns = json_columns()
    if file_format == "csv":
        fields = [
            f"strftime({typed_column(name, kind)}, '%Y-%m-%d %H:%M:%S.%f')" if kind == "timestamp" else f'"{name}"'
            for name, kind in COLUMNS.items()
        ]
        options = "FORMAT csv, HEADER false"
    else:
        fields = [f'{typed_column(name, kind)} AS "{name}"' for name, kind in COLUMNS.items()]
        options = "FORMAT parquet, COMPRESSION zstd"
    fields.append("f.k AS _source_file")
    if loaded_at is not None:
        fields.append(f"TIMESTAMP '{loaded_at:%Y-%m-%d %H:%M:%S.%f}' AS _loaded_at")
    duck.execute(
        "CREATE OR REPLACE TEMP TABLE _files AS SELECT unnest(?::VARCHAR[]) AS url, unnest(?::VARCHAR[]) AS k",
        [urls, keys],
    )
    duck.execute(
        f"COPY (SELECT {', '.join(fields)} FROM read_json(?, columns={{{columns}}}, format='newline_delimited',"
        f" filename=true) AS r JOIN _files AS f ON r.filename = f.url) TO '{path}' ({options})",
        [urls],
    )


def file_hour(key: str) -> datetime | None:
    """The event-time hour a bronze key belongs to (from its `date=/hour=` folders)."""
    match = _HOUR.search("/" + key)
    return datetime.strptime(f"{match[1]} {match[2]}", "%Y-%m-%d %H") if match else None


def in_range(key: str, since: datetime | None, until: datetime | None) -> bool:
    hour = file_hour(key)
    if hour is None:
        return False
    return (since is None or hour >= since.replace(tzinfo=None)) and (until is None or hour < until.replace(tzinfo=None))


__all__ = [
    "FAILURES_TABLE",
    "FileRejected",
    "LoadStats",
    "bronze_files",
    "bronze_to_file",
    "file_hour",
    "in_range",
    "json_columns",
    "load_isolating",
    "pending_files",
    "reading_error",
    "typed_column",
]
