"""Reading the Spark job's processed partitions back (for the gates and the load), through the lake."""

from __future__ import annotations

import io
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from spotify_mds.lake import Lake


def processed_keys(lake: Lake, prefix: str, table: str, day: date) -> list[str]:
    """The Parquet files of a processed partition (Spark's `_SUCCESS` and `.crc` files left out)."""
    base = f"{prefix}/{table}/date={day.isoformat()}/"
    return [info.key for info in lake.list(base) if info.key.endswith(".parquet") and not info.key.rsplit("/", 1)[-1].startswith(".")]


def read_processed(lake: Lake, prefix: str, table: str, day: date) -> pa.Table:
    """One processed partition as Arrow (its `date` comes from the path, so it is not a column)."""
    parts = [pq.read_table(io.BytesIO(lake.get(key))) for key in processed_keys(lake, prefix, table, day)]
    if not parts:
        return pa.table({})
    return pa.concat_tables(parts, promote_options="default")


__all__ = ["processed_keys", "read_processed"]
