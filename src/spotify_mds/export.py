"""Exporting: gold marts become Parquet files in the lake, for dashboards and other readers.

Readers never open the warehouse (DuckDB allows one writer), they read `gold/<mart>/<mart>.parquet`
and `gold/_manifest.json` (export time, newest event, rows per mart). Each file is written whole
through the lake, so a reader sees the old or the new file, never half of one.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from spotify_mds.lake import Lake

logger = logging.getLogger(__name__)

MANIFEST_KEY = "gold/_manifest.json"


@dataclass
class ExportResult:
    rows: dict[str, int]
    newest_event_at: str | None


def mart_key(mart: str) -> str:
    return f"gold/{mart}/{mart}.parquet"


def export_gold(con: duckdb.DuckDBPyConnection, lake: Lake, *, schema: str = "gold") -> ExportResult:
    """Write every table of `schema` to the lake as Parquet (zstd) plus a manifest."""
    marts = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [schema]
        ).fetchall()
    ]
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="spotify-mds-export-") as tmp:
        for mart in marts:
            path = Path(tmp, f"{mart}.parquet")
            con.execute(f"COPY (SELECT * FROM {schema}.{mart} ORDER BY ALL) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
            lake.put(mart_key(mart), path.read_bytes())
            rows[mart] = con.execute(f"SELECT count(*) FROM {schema}.{mart}").fetchone()[0]
    newest = None
    try:
        value = con.execute('SELECT max("timestamp") FROM raw.listening_events').fetchone()[0]
        newest = value.isoformat() + "Z" if value else None
    except duckdb.Error:
        pass
    manifest = {
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "newest_event_at": newest,
        "marts": {mart: {"key": mart_key(mart), "rows": count} for mart, count in rows.items()},
    }
    lake.put(MANIFEST_KEY, json.dumps(manifest, indent=2).encode())
    logger.info("exported %d marts", len(rows))
    return ExportResult(rows, newest)


def read_manifest(lake: Lake) -> dict | None:
    try:
        return json.loads(lake.get(MANIFEST_KEY))
    except Exception:  # no export yet, or an unreadable one: readers show "no data yet"
        return None
