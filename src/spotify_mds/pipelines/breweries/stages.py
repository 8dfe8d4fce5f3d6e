"""The breweries pipeline's stages as plain functions: lake, warehouse and arguments in, results out.

    extract → bronze    `extract_bronze`   every page, checked complete, then the snapshot
    bronze → silver     `build_silver`     clean, quarantine, partitions that changed
    silver → history    `record_history`   the change record against the previous snapshot
    silver → warehouse  `load_warehouse`   ledgered load of snapshots and changes into RAW
    RAW → gold          `build_gold`       dbt build of `models/breweries`, export to `gold/`
    gold → chart        `draw_chart`       the seed's chart, in the lake and locally

Each checks its own layer's rules and fails alone (`QualityError` naming the layer and the rule):
bronze holds as many distinct ids as `/meta` says; every bronze record is in silver, in quarantine
or a repeat of an id (counts reconcile); gold counts every silver brewery once. The CLI, the DAG and
`run.run` call these; none reads settings.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from spotify_mds.errors import SpotifyMdsError
from spotify_mds.lake import Lake
from spotify_mds.pipelines.breweries import bronze, history, silver
from spotify_mds.pipelines.breweries.api import BreweriesClient, fetch_all
from spotify_mds.pipelines.breweries.clean import clean

MARTS = ("brewery_changes_per_country_type", "breweries_per_type_location")
AGGREGATE = "breweries_per_type_location"


class QualityError(SpotifyMdsError):
    """A layer's data-quality rule failed (its step fails; the layers before it stand)."""

    def __init__(self, message: str, *, layer: str, rule: str) -> None:
        super().__init__(message)
        self.layer, self.rule = layer, rule


def extract_bronze(
    lake: Lake,
    source: str,
    snapshot_date: date,
    *,
    progress: Callable[[int, int], None] | None = None,
    **client_options: Any,
) -> bronze.BronzeResult:
    """Fetch every page from `source` and land the snapshot (nothing lands unless complete)."""
    with BreweriesClient(source, **client_options) as client:
        extract = fetch_all(client, progress)
    result = bronze.land(lake, extract, snapshot_date)
    result.manifest["retries"] = extract.retries
    result.manifest["refetched"] = extract.refetched
    return result


@dataclass
class SilverStep:
    result: silver.SilverResult
    bronze_records: int
    rows: list[dict[str, Any]]


def build_silver(lake: Lake, snapshot_date: str) -> SilverStep:
    """Clean the bronze snapshot into silver; QualityError when the counts do not reconcile."""
    records, _ = bronze.read_records(lake, snapshot_date)
    cleaned = clean(records)
    accounted = len(cleaned.rows) + len(cleaned.quarantined) + cleaned.duplicates
    if accounted != len(records):
        raise QualityError(f"silver accounts for {accounted:,} of {len(records):,} bronze records", layer="silver",
                           rule="every bronze record in silver, in quarantine or a repeated id")  # fmt: skip
    ids = [row["brewery_id"] for row in cleaned.rows]
    if len(ids) != len(set(ids)):
        raise QualityError("silver holds a brewery id twice", layer="silver", rule="ids unique")
    return SilverStep(silver.write(lake, cleaned, snapshot_date), len(records), cleaned.rows)


def record_history(lake: Lake, snapshot_date: str, rows: list[dict[str, Any]] | None = None) -> history.HistoryResult:
    """The change record of this snapshot against the previous one (rows: silver's, read if not given)."""
    if rows is None:
        rows = silver.read_snapshot(lake, snapshot_date)
        if rows is None:
            raise SpotifyMdsError(f"no silver snapshot for {snapshot_date}: run the silver step first")
    return history.record(lake, rows, snapshot_date)


def load_warehouse(lake: Lake, warehouse: Any) -> dict[str, Any]:
    """Snapshots and changes into RAW through the warehouse's ledgered load."""
    from spotify_mds.pipelines.breweries import load_raw

    return load_raw.load(lake, warehouse)


def build_gold(lake: Lake, warehouse: Any, state_dir: Path) -> dict[str, int]:
    """`dbt build` of the breweries models, then the gold export (every pipeline with data, so the
    gold manifest keeps the others' marts); rows per breweries mart."""
    from spotify_mds import transform as dbt
    from spotify_mds.export import export_gold
    from spotify_mds.pipelines import registry, with_data
    from spotify_mds.pipelines.breweries import PIPELINE

    with warehouse.connection() as con:
        ready = with_data((PIPELINE,), warehouse.query_function(con))
    select = dbt.selection(ready)
    if select is None:
        raise SpotifyMdsError("raw.breweries holds no rows: run the load step first")
    dbt.build(env=warehouse.dbt_env, target=warehouse.name, state_dir=state_dir, select=select)
    with warehouse.connection(lake) as con:
        marts = [mart for p in with_data(registry(), warehouse.query_function(con)) for mart in p.marts]
        rows = export_gold(warehouse.gold_source(con), lake, marts=marts).rows
    return {mart: rows.get(mart, 0) for mart in MARTS}


def read_gold(lake: Lake, mart: str = AGGREGATE) -> list[dict[str, Any]]:
    """A breweries mart as exported to the lake."""
    import pyarrow.parquet as pq

    from spotify_mds.export import mart_key

    return pq.read_table(io.BytesIO(lake.get(mart_key(mart)))).to_pylist()


def check_gold(gold_rows: list[dict[str, Any]], silver_rows: int) -> None:
    counted = sum(int(row["breweries"]) for row in gold_rows)
    if counted != silver_rows:
        raise QualityError(f"gold counts {counted:,} breweries, silver holds {silver_rows:,}", layer="gold",
                           rule="every silver brewery counted once")  # fmt: skip


def draw_chart(lake: Lake, local_path: Path | None) -> tuple[bytes, str]:
    """The chart from the exported gold aggregate; (PNG bytes, snapshot date shown)."""
    from spotify_mds.pipelines.breweries import chart

    rows = read_gold(lake)
    snapshot_date = str(rows[0]["snapshot_date"]) if rows else "none"
    return chart.draw(lake, rows, snapshot_date, local_path), snapshot_date


__all__ = ["AGGREGATE", "MARTS", "QualityError", "SilverStep", "build_gold", "build_silver", "check_gold", "draw_chart",
           "extract_bronze", "load_warehouse", "read_gold", "record_history"]  # fmt: skip
