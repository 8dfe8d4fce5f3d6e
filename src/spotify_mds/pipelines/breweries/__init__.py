"""Open Brewery DB (seed 004): API → bronze JSON → silver Parquet by location → history → gold → chart.

`api`: the client (retries, back-off, completeness against `/meta`); `standin`: the API's stand-in
on the shipped dataset (offline runs, tests); `bronze`, `clean`, `silver`, `history`, `chart`: the
layers; `load_raw`: silver into RAW; `stages`: each step as a function; `run`: the whole run with
its records in the lake (`spotify_mds.runlog`) and the edge from settings. dbt builds gold from
`dbt/models/breweries`.
"""

from __future__ import annotations

from spotify_mds.pipelines import Pipeline

RAW_TABLE = "raw.breweries"

PIPELINE = Pipeline(
    name="breweries",
    selector="path:models/breweries",
    # The changes table may be empty (a first snapshot changes nothing): only the breweries must hold rows.
    raw_tables=(RAW_TABLE,),
    marts=("brewery_changes_per_country_type", "breweries_per_type_location"),
    dag_ids=("breweries",),
    panels=("breweries",),
)

__all__ = ["PIPELINE", "RAW_TABLE"]
