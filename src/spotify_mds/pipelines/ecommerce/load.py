"""The load: processed tables that passed their gate → the star schema in the warehouse.

    ecommerce.fact_orders       one row per order (its items' count and total, its order date)
    ecommerce.fact_order_items  one row per cart line (product, category, quantity, prices)
    ecommerce.fact_payments     one row per payment (method, instalments, amount, status)
    ecommerce.dim_users         one row per customer, on the day they signed up
    ecommerce.dim_products      the catalogue as dropped each day (gold reads the latest)
    ecommerce.dim_dates         one row per loaded day

Every table carries `drop_date`, the day of the drop its rows came from (for `dim_dates`, its
`date_key`). Loading a (table, date) replaces that partition in one transaction through the core
(`Warehouse.replace_partition`: DELETE the date, then a bulk copy — DuckDB scans the Arrow table in
place, PostgreSQL takes `COPY FROM STDIN`), so reloading a date replaces that date only and a rerun
changes nothing. The gold marts are dbt models on top (`dbt/models/ecommerce`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from spotify_mds.lake import Lake
from spotify_mds.pipelines.ecommerce.processed import read_processed
from spotify_mds.warehouse import Warehouse

SCHEMA = "ecommerce"
STAR: dict[str, str] = {
    "users": f"{SCHEMA}.dim_users",
    "products": f"{SCHEMA}.dim_products",
    "orders": f"{SCHEMA}.fact_orders",
    "order_items": f"{SCHEMA}.fact_order_items",
    "payments": f"{SCHEMA}.fact_payments",
}
DATES = f"{SCHEMA}.dim_dates"

COLUMNS: dict[str, dict[str, str]] = {
    "users": {"user_id": "varchar", "name": "varchar", "email": "varchar", "city": "varchar", "state": "varchar",
              "created_at": "timestamp", "drop_date": "date"},
    "products": {"product_id": "varchar", "product_name": "varchar", "category": "varchar", "price": "decimal",
                 "drop_date": "date"},
    "orders": {"order_id": "varchar", "user_id": "varchar", "status": "varchar", "ordered_at": "timestamp",
               "order_date": "date", "items_count": "integer", "order_total": "decimal", "drop_date": "date"},
    "order_items": {"order_id": "varchar", "item_seq": "integer", "product_id": "varchar", "category": "varchar",
                    "quantity": "integer", "unit_price": "decimal", "discount": "decimal", "line_total": "decimal",
                    "drop_date": "date"},
    "payments": {"payment_id": "varchar", "order_id": "varchar", "payment_sequential": "integer",
                 "payment_method": "varchar", "installments": "integer", "amount": "decimal", "status": "varchar",
                 "paid_at": "timestamp", "drop_date": "date"},
}  # fmt: skip
DATE_COLUMNS = {"date_key": "date", "year": "integer", "month": "integer", "day": "integer", "iso_week": "integer",
                "weekday": "integer", "is_weekend": "boolean"}  # fmt: skip
ARROW = {"varchar": pa.string(), "timestamp": pa.timestamp("us"), "date": pa.date32(), "integer": pa.int32(),
         "decimal": pa.decimal128(12, 2), "boolean": pa.bool_()}  # fmt: skip


@dataclass
class LoadResult:
    rows: dict[str, int] = field(default_factory=dict)
    """Rows copied per star table, over the dates loaded."""
    partitions: list[tuple[str, str]] = field(default_factory=list)
    """(table, date) replaced."""


def star_rows(table: str, data: pa.Table, day: date) -> pa.Table:
    """A processed partition shaped as its star table: its columns, typed, with `drop_date`."""
    n = data.num_rows
    if table == "orders" and n:
        import pyarrow.compute as pc

        data = data.append_column("order_date", pc.cast(pc.cast(data["ordered_at"], pa.timestamp("us")), pa.date32()))
    data = data.append_column("drop_date", pa.array([day] * n, pa.date32()))
    arrays = []
    for name, kind in COLUMNS[table].items():
        column = data[name] if name in data.column_names else pa.nulls(n, ARROW[kind])
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = column.cast(pa.timestamp(column.type.unit))
        arrays.append(column.cast(ARROW[kind]))
    return pa.Table.from_arrays(arrays, names=list(COLUMNS[table]))


def date_row(day: date) -> pa.Table:
    iso = day.isocalendar()
    values = {"date_key": [day], "year": [day.year], "month": [day.month], "day": [day.day], "iso_week": [iso.week],
              "weekday": [iso.weekday], "is_weekend": [iso.weekday >= 6]}  # fmt: skip
    return pa.table({name: pa.array(values[name], ARROW[kind]) for name, kind in DATE_COLUMNS.items()})


def create_star(warehouse: Warehouse, con: Any) -> None:
    for table, name in STAR.items():
        warehouse.ensure_table(con, name, COLUMNS[table])
    warehouse.ensure_table(con, DATES, DATE_COLUMNS)


def load(
    lake: Lake,
    warehouse: Warehouse,
    passed: Iterable[tuple[str, date]],
    *,
    prefix: str = "processed",
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Replace each passed (table, date) partition of the star schema, and each date's `dim_dates` row."""
    result = LoadResult()
    pairs = sorted(set(passed), key=lambda pair: (pair[1], pair[0]))
    with warehouse.connection() as con:
        create_star(warehouse, con)
        for table, day in pairs:
            rows = star_rows(table, read_processed(lake, prefix, table, day), day)
            copied = warehouse.replace_partition(con, STAR[table], "drop_date", day, rows)
            result.rows[STAR[table]] = result.rows.get(STAR[table], 0) + copied
            result.partitions.append((table, day.isoformat()))
            if progress is not None:
                progress(1)
        for day in sorted({day for _, day in pairs}):
            warehouse.replace_partition(con, DATES, "date_key", day, date_row(day))
            result.rows[DATES] = result.rows.get(DATES, 0) + 1
    return result


__all__ = ["COLUMNS", "DATES", "SCHEMA", "STAR", "LoadResult", "create_star", "date_row", "load", "star_rows"]
