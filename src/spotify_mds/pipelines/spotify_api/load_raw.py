"""Loading the Spotify API's bronze files into RAW: the table it declares, the warehouse's ledgered load.

One raw table for all eleven streams, `raw.spotify_api_records` (stream, snapshot_date, rank,
played_at, item JSON, lineage), rather than a table per stream:
- every bronze line has the same envelope; only the `item` inside differs, and it is kept as
  received (JSON), so a stream Spotify adds or changes needs no DDL and no loader change;
- one ledger and one bulk copy per chunk of files: the same `Warehouse.load` as the events;
- dbt staging picks each stream out and types it (`models/spotify_api/staging`), the only place
  that knows the shape of a track or an artist object.

Ledger rules are the warehouse's (`spotify_mds.warehouse.base`): a file loaded at the same version
is skipped, a changed file replaces its rows, a file the warehouse refuses is set aside in
`raw.failed_files` while the others load; and, declared here (`drop_missing`), a file that left the
lake (a snapshot that became empty) takes its rows along.
"""

from __future__ import annotations

from spotify_mds.lake import Lake
from spotify_mds.warehouse import LoadStats, RawTable, Warehouse

TOPIC = "spotify_api"
RAW_TABLE = "raw.spotify_api_records"
LEDGER_TABLE = "raw.spotify_api_loaded_files"

TABLE = RawTable(
    name=RAW_TABLE,
    ledger=LEDGER_TABLE,
    topic=TOPIC,
    columns={"stream": "varchar", "snapshot_date": "date", "rank": "integer", "played_at": "timestamp", "item": "json"},
    drop_missing=True,
)


def load(lake: Lake, warehouse: Warehouse) -> LoadStats:
    """Load the Spotify bronze files the ledger lacks or holds at another version."""
    return warehouse.load(lake, TABLE)
