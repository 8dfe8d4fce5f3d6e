"""Ingestion: a day's CSV drop → Parquet in the lake's raw layer, one file per table and date.

    raw/<table>/date=YYYY-MM-DD/part.parquet

Raw is the drop as received: every column is kept as text (typing is the Spark job's work, where a
bad value becomes a null the quality gate sees, never a crash here). The header must be the
table's columns (`schema.CSV_COLUMNS`); a file that does not parse (a line with too many fields,
a missing file) is not written to raw: its bytes go to `quarantine/ecommerce/<table>/date=…/` with
the reason, and the table's result says `failed` while the other tables go on.

Parquet as the seed asks: Snappy, dictionary encoding (ids, statuses and methods repeat a lot),
1 MiB data pages (big enough to compress well, small enough that a reader skips by statistics).
The bytes are deterministic, and the lake skips a put of identical bytes: ingesting a date again
changes nothing (idempotent per date); a changed drop replaces that date's file only.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from spotify_mds.errors import SpotifyMdsError
from spotify_mds.lake import Lake
from spotify_mds.pipelines.ecommerce.schema import CSV_COLUMNS, TABLES

PAGE_SIZE = 1 << 20


class IngestError(SpotifyMdsError):
    """A drop's file that cannot become raw Parquet (its bytes are quarantined with the reason)."""

    def __init__(self, message: str, *, table: str, file: str) -> None:
        super().__init__(message)
        self.table, self.file = table, file


@dataclass(frozen=True)
class Ingested:
    table: str
    day: date
    status: str
    """`ok`, `unchanged` (the same bytes were there) or `failed`."""
    rows: int = 0
    key: str = ""
    error: str = ""


def raw_key(prefix: str, table: str, day: date) -> str:
    return f"{prefix}/{table}/date={day.isoformat()}/part.parquet"


def read_drop_csv(path: Path, table: str) -> pa.Table:
    """The CSV as text columns; IngestError naming the file when it is missing or does not parse."""
    columns = CSV_COLUMNS[table]
    if not path.is_file():
        raise IngestError(f"{path} is missing from the drop", table=table, file=str(path))
    try:
        data = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            convert_options=pacsv.ConvertOptions(column_types={name: pa.string() for name in columns},
                                                 strings_can_be_null=True, quoted_strings_can_be_null=False),
        )  # fmt: skip
    except (pa.ArrowInvalid, OSError) as exc:
        raise IngestError(f"{path} does not parse: {exc}", table=table, file=str(path)) from exc
    if tuple(data.column_names) != columns:
        raise IngestError(f"{path} has columns {data.column_names}, expected {list(columns)}", table=table, file=str(path))
    return data


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="snappy", use_dictionary=True, data_page_size=PAGE_SIZE,
                   write_statistics=True)  # fmt: skip
    return buffer.getvalue()


def ingest_table(lake: Lake, folder: Path, table: str, day: date, *, prefix: str = "raw") -> Ingested:
    """One table of one day's drop (`folder` is `include/<date>`) into raw; never raises on bad data."""
    path = folder / f"{table}.csv"
    try:
        data = read_drop_csv(path, table)
    except IngestError as exc:
        _quarantine(lake, path, table, day, str(exc))
        return Ingested(table, day, "failed", error=str(exc))
    key = raw_key(prefix, table, day)
    written = lake.put(key, parquet_bytes(data))
    return Ingested(table, day, "ok" if written else "unchanged", data.num_rows, key)


def ingest_day(lake: Lake, folder: Path, day: date, *, prefix: str = "raw", tables: tuple[str, ...] = TABLES) -> list[Ingested]:
    return [ingest_table(lake, folder, table, day, prefix=prefix) for table in tables]


def _quarantine(lake: Lake, path: Path, table: str, day: date, reason: str) -> None:
    base = f"quarantine/ecommerce/{table}/date={day.isoformat()}"
    if path.is_file():
        lake.put(f"{base}/{path.name}", path.read_bytes())
    lake.put(f"{base}/_reason.json", json.dumps({"file": path.name, "table": table, "reason": reason}).encode())


__all__ = ["IngestError", "Ingested", "PAGE_SIZE", "ingest_day", "ingest_table", "parquet_bytes", "raw_key", "read_drop_csv"]
