"""Exporting: gold marts become Parquet files in the lake, for dashboards and other readers.

Readers never open the warehouse (DuckDB allows one writer), they read `gold/<mart>/<mart>.parquet`
and `gold/_manifest.json` (export time, newest event, rows per mart). Each file is written whole
through the lake, so a reader sees the old or the new file, never half of one (on S3 a read whose
object is replaced between two of its ranges fails with FileExpired; the dashboard's reader reads again).

The gold tables come from any warehouse through a `GoldSource` (list the marts, read one as an
Arrow table, the newest raw event): DuckDB reads natively to Arrow; PostgreSQL and Snowflake go
through their DB-API cursors with the column types mapped once here, so the Parquet schema is the
same whichever warehouse the pipeline runs on (bigint → int64, double → float64, date, timestamp).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from spotify_mds.lake import Lake

logger = logging.getLogger(__name__)

MANIFEST_KEY = "gold/_manifest.json"


@dataclass
class ExportResult:
    rows: dict[str, int]
    newest_event_at: str | None


class GoldSource(Protocol):
    def marts(self) -> list[str]: ...

    def read(self, mart: str) -> pa.Table: ...

    def newest_event_at(self) -> datetime | None: ...


def mart_key(mart: str) -> str:
    return f"gold/{mart}/{mart}.parquet"


class DuckDBGold:
    """Gold tables of a DuckDB connection."""

    def __init__(self, con: Any, schema: str = "gold") -> None:
        self.con, self.schema = con, schema

    def marts(self) -> list[str]:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1"
        return [name for (name,) in self.con.execute(sql, [self.schema]).fetchall()]

    def read(self, mart: str) -> pa.Table:
        relation = self.con.sql(f'SELECT * FROM {self.schema}."{mart}" ORDER BY ALL')
        # DuckDB 2.0 has to_arrow_table() (and warns on the DB-API route); 1.x has arrow().
        return relation.to_arrow_table() if hasattr(relation, "to_arrow_table") else relation.arrow()

    def newest_event_at(self) -> datetime | None:
        import duckdb

        try:
            return self.con.execute('SELECT max("timestamp") FROM raw.listening_events').fetchone()[0]
        except duckdb.Error:
            return None


class DBAPIGold:
    """Gold tables through a DB-API connection (psycopg 3 or snowflake-connector-python).

    The warehouse back end (`Warehouse.gold_source`) says what differs: how its catalog spells the
    schema, how a result column's type code maps to Arrow, and how the events' timestamp is quoted.
    """

    def __init__(self, con: Any, arrow_type: Callable[[Any], pa.DataType], *, schema: str = "gold",
                 catalog_schema: str | None = None, timestamp_column: str = '"timestamp"') -> None:  # fmt: skip
        self.con, self.arrow_type, self.schema = con, arrow_type, schema
        self.catalog_schema = catalog_schema or schema
        self.timestamp_column = timestamp_column

    def _fetch(self, sql: str, params: Sequence[object] = ()) -> tuple[list[tuple], Any]:
        cur = self.con.cursor()
        try:
            cur.execute(sql, params or None)
            return cur.fetchall(), cur.description
        finally:
            cur.close()

    def marts(self) -> list[str]:
        rows, _ = self._fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = "
            "%s AND table_type IN ('BASE TABLE', 'TABLE') ORDER BY 1",
            [self.catalog_schema],
        )
        return [str(name).lower() for (name,) in rows]

    def read(self, mart: str) -> pa.Table:
        rows, description = self._fetch(f"SELECT * FROM {self.schema}.{mart}")
        names = [str(column[0]).lower() for column in description]
        arrays = [pa.array([row[i] for row in rows], type=self.arrow_type(column)) for i, column in enumerate(description)]
        table = pa.Table.from_arrays(arrays, names=names)
        return table.sort_by([(name, "ascending") for name in names]) if table.num_rows else table

    def newest_event_at(self) -> datetime | None:
        try:
            rows, _ = self._fetch(f"SELECT max({self.timestamp_column}) FROM raw.listening_events")
            return rows[0][0]
        except Exception:  # no raw table yet: the manifest says "unknown"
            return None


def export_gold(
    source: Any,
    lake: Lake,
    *,
    schema: str = "gold",
    marts: Collection[str] | None = None,
    contract: Mapping[str, Mapping[str, str]] | None = None,
) -> ExportResult:
    """Write the gold tables to the lake as Parquet (zstd) plus a manifest listing them.

    `source` is a `GoldSource`, or a DuckDB connection (wrapped in `DuckDBGold`). `marts` names the
    tables to export (the marts of the pipelines that have data); a name gold lacks is skipped (its
    pipeline has data but was not built yet). None exports every gold table. `contract` (mart →
    column → type, the marts' dbt YAML) goes into the manifest for the exported marts, so a reader
    with the lake but no dbt project knows the columns and types promised.
    """
    if not hasattr(source, "marts"):
        source = DuckDBGold(source, schema)
    present = source.marts()
    wanted = present if marts is None else [mart for mart in present if mart in set(marts)]
    rows: dict[str, int] = {}
    for mart in wanted:
        table = source.read(mart)
        buffer = io.BytesIO()
        pq.write_table(table, buffer, compression="zstd")
        lake.put(mart_key(mart), buffer.getvalue())
        rows[mart] = table.num_rows
    value = source.newest_event_at()
    newest = _naive(value).isoformat() + "Z" if value else None
    manifest = {
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "newest_event_at": newest,
        "marts": {mart: {"key": mart_key(mart), "rows": count} for mart, count in rows.items()},
    }
    if contract is not None:
        manifest["contract"] = {mart: dict(contract[mart]) for mart in rows if mart in contract}
    lake.put(MANIFEST_KEY, json.dumps(manifest, indent=2).encode())
    logger.info("exported %d marts", len(rows))
    return ExportResult(rows, newest)


def _naive(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def read_manifest(lake: Lake) -> dict | None:
    try:
        return json.loads(lake.get(MANIFEST_KEY))
    except Exception:  # no export yet, or an unreadable one: readers show "no data yet"
        return None

