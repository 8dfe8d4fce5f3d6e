"""Loading the breweries' silver into RAW: the tables it declares, the warehouse's ledgered load.

Two tables, read from the NDJSON that silver and history write for the purpose (the warehouse's
bulk loaders read NDJSON; the partitioned Parquet stays the lake's columnar copy):
- `raw.breweries` ← `silver/breweries_snapshots/date=*/breweries.ndjson`: every snapshot's rows,
  so the warehouse keeps the history too; dbt staging reads the newest snapshot;
- `raw.brewery_changes` ← `silver/breweries_changes/date=*/changes.ndjson`: the change records.

The ledger's rules hold (`spotify_mds.warehouse.base`): an unchanged file is skipped, a re-run
date whose file changed replaces its rows, and a file that left the lake takes its rows along.
Coordinates are loaded as text and cast by dbt staging (the raw kinds have no float).
"""

from __future__ import annotations

from spotify_mds.lake import Lake
from spotify_mds.warehouse import LoadStats, RawTable, Warehouse

TEXT = ("brewery_id", "name", "brewery_type", "address_1", "address_2", "address_3", "city", "state_province",
        "postal_code", "country", "longitude", "latitude", "phone", "website_url")  # fmt: skip

BREWERIES = RawTable(
    name="raw.breweries",
    ledger="raw.breweries_loaded_files",
    topic="breweries",
    columns={"snapshot_date": "date", **dict.fromkeys(TEXT, "varchar")},
    drop_missing=True,
    prefix="silver/breweries_snapshots/",
)

CHANGES = RawTable(
    name="raw.brewery_changes",
    ledger="raw.brewery_changes_loaded_files",
    topic="brewery_changes",
    columns={"snapshot_date": "date", "previous_date": "date", "brewery_id": "varchar", "name": "varchar",
             "change": "varchar", "country": "varchar", "state_province": "varchar", "brewery_type": "varchar",
             "previous_value": "varchar", "value": "varchar"},  # fmt: skip
    drop_missing=True,
    prefix="silver/breweries_changes/",
)

TABLES = (BREWERIES, CHANGES)


def load(lake: Lake, warehouse: Warehouse) -> dict[str, LoadStats]:
    """Load both tables' files that the ledgers lack or hold at another version."""
    warehouse.create_schemas(TABLES)
    return {table.name: warehouse.load(lake, table) for table in TABLES}


__all__ = ["BREWERIES", "CHANGES", "TABLES", "load"]
