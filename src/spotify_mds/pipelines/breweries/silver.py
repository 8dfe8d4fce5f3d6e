"""Silver: the current breweries as Parquet partitioned by location, and the quarantine.

Layout:
    silver/breweries/country=<slug>/state=<slug>/breweries.parquet   the rows of one location
    silver/breweries/_manifest.json                                  snapshot date, partitions, rows, sha256
    silver/breweries_quarantine/date=YYYY-MM-DD/quarantine.ndjson    {reason, page, record as served}
    silver/breweries_snapshots/date=YYYY-MM-DD/breweries.ndjson      the snapshot's rows (the warehouse loads it)

Partition values are `clean.slug`s (no accents, spaces or slashes; `unknown` when empty); the
real spellings stay in the `country` and `state_province` columns (read the files without hive
partitioning: the folder's `country=` is the slug).

The partitions hold the newest snapshot: a backfill of an older date writes its dated files
(quarantine, snapshot rows) and leaves them alone. Only partitions whose content changed are rewritten: a partition's file is built the same way from
the same rows (sorted by id, fixed schema), so unchanged content gives the same bytes and the lake
skips them (`Lake.put`); partitions left empty are deleted. Each file is replaced atomically by the
lake; the manifest is written last and lists every partition with its checksum, so a reader that
goes by it never mixes two runs.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from spotify_mds.lake import Lake
from spotify_mds.pipelines.breweries.bronze import exists
from spotify_mds.pipelines.breweries.clean import ROW_FIELDS, Cleaned, slug

PREFIX = "silver/breweries"
MANIFEST = f"{PREFIX}/_manifest.json"
SCHEMA = pa.schema([(name, pa.float64() if name in ("longitude", "latitude") else pa.string()) for name in ROW_FIELDS])


def partition_key(row: dict[str, Any]) -> str:
    return f"{PREFIX}/country={slug(row['country'])}/state={slug(row['state_province'])}/breweries.parquet"


def quarantine_key(snapshot_date: str) -> str:
    return f"silver/breweries_quarantine/date={snapshot_date}/quarantine.ndjson"


def snapshot_key(snapshot_date: str) -> str:
    return f"silver/breweries_snapshots/date={snapshot_date}/breweries.ndjson"


def parquet_bytes(rows: list[dict[str, Any]]) -> bytes:
    table = pa.Table.from_pylist(sorted(rows, key=lambda row: row["brewery_id"]), schema=SCHEMA)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


@dataclass
class SilverResult:
    rows: int
    quarantined: int
    duplicates: int
    partitions: int
    rewritten: list[str]
    """Partition keys whose bytes changed (new or different)."""
    deleted: list[str]
    """Partition keys removed because no brewery is left there."""
    current: bool = True
    """False for a backfill (a date older than the current partitions'): only its dated files were written."""


def ndjson(items: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(item, ensure_ascii=False, sort_keys=True).encode() + b"\n" for item in items)


def write(lake: Lake, cleaned: Cleaned, snapshot_date: str) -> SilverResult:
    """Write the partitions that changed, drop the empty ones, then the manifest; the quarantine and
    the snapshot rows for the warehouse (module docstring)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in cleaned.rows:
        groups[partition_key(row)].append(row)
    rewritten: list[str] = []
    deleted: list[str] = []
    if _newer_current(lake, snapshot_date):  # a backfill: the current partitions stay the newer snapshot's
        _write_dated(lake, cleaned, snapshot_date)
        return SilverResult(len(cleaned.rows), len(cleaned.quarantined), cleaned.duplicates, len(groups), rewritten,
                            deleted, current=False)  # fmt: skip
    entries = {}
    for key in sorted(groups):
        data = parquet_bytes(groups[key])
        if lake.put(key, data):
            rewritten.append(key)
        entries[key] = {"rows": len(groups[key]), "sha256": hashlib.sha256(data).hexdigest()}
    deleted = [info.key for info in lake.list(f"{PREFIX}/") if info.key.startswith(f"{PREFIX}/country=") and info.key not in groups]
    for key in deleted:
        lake.delete(key)
    manifest = {"snapshot_date": snapshot_date, "rows": len(cleaned.rows), "partitions": entries}
    lake.put(MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    _write_dated(lake, cleaned, snapshot_date)
    return SilverResult(len(cleaned.rows), len(cleaned.quarantined), cleaned.duplicates, len(groups), rewritten, deleted)


def _newer_current(lake: Lake, snapshot_date: str) -> bool:
    """Whether the current partitions hold a snapshot newer than `snapshot_date`."""
    return exists(lake, MANIFEST) and manifest(lake)["snapshot_date"] > snapshot_date


def _write_dated(lake: Lake, cleaned: Cleaned, snapshot_date: str) -> None:
    """The quarantine and the snapshot's rows, kept per date."""
    if cleaned.quarantined:
        lake.put(quarantine_key(snapshot_date), ndjson(cleaned.quarantined))
    else:
        lake.delete(quarantine_key(snapshot_date))
    rows = [{**row, "snapshot_date": snapshot_date} for row in sorted(cleaned.rows, key=lambda r: r["brewery_id"])]
    lake.put(snapshot_key(snapshot_date), ndjson(rows))


def manifest(lake: Lake) -> dict[str, Any]:
    """Silver's manifest: the snapshot date, its rows, every partition with rows and sha256."""
    return json.loads(lake.get(MANIFEST))


def read(lake: Lake) -> list[dict[str, Any]]:
    """The current silver rows, partition by partition as the manifest lists them."""
    manifest = json.loads(lake.get(MANIFEST))
    rows: list[dict[str, Any]] = []
    for key in manifest["partitions"]:
        rows.extend(pq.read_table(io.BytesIO(lake.get(key)), partitioning=None).to_pylist())
    return rows


def read_snapshot(lake: Lake, snapshot_date: str) -> list[dict[str, Any]] | None:
    """A past snapshot's silver rows (what history compares), or None when it has none."""
    key = snapshot_key(snapshot_date)
    if not exists(lake, key):
        return None
    return [json.loads(line) for line in lake.get(key).splitlines() if line.strip()]


__all__ = ["MANIFEST", "PREFIX", "SCHEMA", "SilverResult", "manifest", "partition_key", "quarantine_key", "read", "read_snapshot", "snapshot_key", "write"]
