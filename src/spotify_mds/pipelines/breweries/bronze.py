"""Bronze: the API's pages exactly as served, one snapshot per run date, with a manifest.

Layout: `bronze/breweries/date=YYYY-MM-DD/page-NNNN.json` (the bytes of each page as served) and
`bronze/breweries/date=YYYY-MM-DD/_manifest.json` (source, API version, `/meta` as served, pages
with their records and sha256, the total records and distinct ids, the checksum of all pages).

Guarantees:
- nothing is written before every page was fetched and checked complete (`api.fetch_all`);
- the manifest is written last and names every page with its checksum: a snapshot without a
  manifest is incomplete (a crash mid-write) and no reader takes it; a reader checks each page's
  sha256 against it;
- re-running a date is idempotent: identical pages are left untouched (the lake skips equal bytes);
  when the API changed in between, the old manifest is removed first, the pages rewritten, pages
  the new snapshot no longer has deleted, and the new manifest written last.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from spotify_mds.errors import LakeError
from spotify_mds.lake import Lake
from spotify_mds.pipelines.breweries.api import Extract

PREFIX = "bronze/breweries"


def snapshot_prefix(snapshot_date: date | str) -> str:
    return f"{PREFIX}/date={snapshot_date}/"


def manifest_key(snapshot_date: date | str) -> str:
    return f"{snapshot_prefix(snapshot_date)}_manifest.json"


def page_key(snapshot_date: date | str, number: int) -> str:
    return f"{snapshot_prefix(snapshot_date)}page-{number:04d}.json"


@dataclass
class BronzeResult:
    snapshot_date: str
    pages: int
    records: int
    pages_written: int
    """Pages whose bytes were new (0 when a date is re-run on an unchanged API)."""
    manifest: dict[str, Any]


def land(lake: Lake, extract: Extract, snapshot_date: date) -> BronzeResult:
    """Write the snapshot's pages, then its manifest (module docstring)."""
    pages = [
        {"key": page_key(snapshot_date, page.number), "page": page.number, "records": len(page.records),
         "bytes": len(page.body), "sha256": hashlib.sha256(page.body).hexdigest()}
        for page in extract.pages
    ]  # fmt: skip
    manifest = {
        "snapshot_date": str(snapshot_date),
        "source": extract.source,
        "api_version": extract.api_version,
        "meta": extract.meta,
        "per_page": extract.per_page,
        "pages": pages,
        "records": extract.records,
        "distinct_ids": extract.distinct_ids,
        "sha256": hashlib.sha256("".join(p["sha256"] for p in pages).encode()).hexdigest(),
    }
    data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    key = manifest_key(snapshot_date)
    old = read_manifest(lake, snapshot_date)
    if old is not None and old.get("sha256") != manifest["sha256"]:
        lake.delete(key)  # the snapshot is being replaced: incomplete until the new manifest lands
    written = sum(lake.put(entry["key"], page.body) for entry, page in zip(pages, extract.pages))
    keep = {entry["key"] for entry in pages} | {key}
    for info in lake.list(snapshot_prefix(snapshot_date)):
        if info.key not in keep:
            lake.delete(info.key)
    lake.put(key, data)
    return BronzeResult(str(snapshot_date), len(pages), extract.records, written, manifest)


def exists(lake: Lake, key: str) -> bool:
    """Whether the lake holds `key` (listed through its folder: a folder lake lists folders only)."""
    return any(info.key == key for info in lake.list(key.rsplit("/", 1)[0] + "/"))


def read_manifest(lake: Lake, snapshot_date: date | str) -> dict[str, Any] | None:
    """The snapshot's manifest, or None when the date has no complete snapshot."""
    if not exists(lake, manifest_key(snapshot_date)):
        return None
    return json.loads(lake.get(manifest_key(snapshot_date)))


def snapshot_dates(lake: Lake) -> list[str]:
    """The dates holding a complete snapshot (a manifest), oldest first."""
    return sorted(
        info.key.split("/")[2].removeprefix("date=")
        for info in lake.list(f"{PREFIX}/")
        if info.key.endswith("/_manifest.json")
    )


def read_records(lake: Lake, snapshot_date: date | str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The snapshot's records in the order served (each with `_page`), checked against the manifest."""
    manifest = read_manifest(lake, snapshot_date)
    if manifest is None:
        raise LakeError(f"no complete bronze snapshot for {snapshot_date} (no {manifest_key(snapshot_date)})",
                        key=manifest_key(snapshot_date))  # fmt: skip
    records: list[dict[str, Any]] = []
    for entry in manifest["pages"]:
        body = lake.get(entry["key"])
        if hashlib.sha256(body).hexdigest() != entry["sha256"]:
            raise LakeError(f"{entry['key']} does not match its manifest's sha256", key=entry["key"])
        for record in json.loads(body):
            records.append({**record, "_page": entry["page"]})
    return records, manifest


__all__ = ["PREFIX", "BronzeResult", "land", "manifest_key", "page_key", "read_manifest", "read_records", "snapshot_dates"]
