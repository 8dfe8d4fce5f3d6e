"""The quality gates: a Great Expectations (GX Core 1.x) suite per table, run on each processed date.

A table's date passes its gate or stays out of the warehouse: `load` takes only the (table, date)
pairs that passed, so a failed table never blocks the others (the seed: "a failure is isolated").
Each result is written to the lake next to the data, `quality/<table>/date=YYYY-MM-DD/validation.json`
(GX's own result document plus the run id), and a run's summary to `quality/_runs/<run_id>.json`.

GX runs in an ephemeral context (nothing on disk but the results we write), with one pandas data
source, one dataframe asset and validation definition per table, built once per run (importing GX
takes seconds) and run per table on the run's dates together, then per date only when that fails (GX costs a fixed
fraction of a second per run). Usage analytics are turned off
(GX_ANALYTICS_ENABLED=false) unless the caller set that variable: there is no route out here, and a
quality gate should not phone home.

What each suite holds, and the fault of `generate.faults` it catches:
- users: id present and unique, an e-mail that looks like one, a creation time;
- products: id present and unique, a known category, a positive price;
- orders: id present and unique, its customer present (`nulls`), a known status, a time, at least one
  item and a non-negative total;
- order_items: (order, line) unique, a known product (its category was found), quantity 1..100,
  non-negative prices, discounts and totals;
- payments: id present and unique, its order exists in the drop (`orphans`), amount ≥ 0 (`negative`),
  a known method and status, 1..24 instalments.
Exact duplicates (`duplicates`) were already dropped by the Spark job; the uniqueness expectations
catch any key that still repeats with different values.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from spotify_mds.lake import Lake
from spotify_mds.pipelines.ecommerce.processed import read_processed
from spotify_mds.pipelines.ecommerce.schema import CATEGORIES, ORDER_STATUSES, PAYMENT_METHODS, PAYMENT_STATUSES


@dataclass(frozen=True)
class Verdict:
    table: str
    day: date
    success: bool
    rows: int
    failed: tuple[str, ...] = ()
    """`expectation(column): unexpected count` of each failed expectation."""
    key: str = ""


def _gx() -> Any:
    import logging

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # GX logs its ephemeral docs folder at INFO on every context: noise in a pipeline's output.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # GX imports pyspark when it is installed, which warns about pandas 3 at import.
        warnings.simplefilter("ignore")
        import great_expectations as gx
    return gx


def expectations(gx: Any) -> dict[str, list[Any]]:
    e = gx.expectations
    not_null = lambda column: e.ExpectColumnValuesToNotBeNull(column=column)  # noqa: E731
    # Keys are unique within a drop (`drop_date`): a suite may run on several dates at once.
    unique = lambda *columns: e.ExpectCompoundColumnsToBeUnique(column_list=[*columns, "drop_date"])  # noqa: E731
    return {
        "users": [
            not_null("user_id"), unique("user_id"), not_null("email"),
            e.ExpectColumnValuesToMatchRegex(column="email", regex=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
            not_null("created_at"),
        ],
        "products": [
            not_null("product_id"), unique("product_id"), not_null("product_name"),
            e.ExpectColumnValuesToBeInSet(column="category", value_set=list(CATEGORIES)), not_null("category"),
            not_null("price"), e.ExpectColumnValuesToBeBetween(column="price", min_value=0.01, max_value=1_000_000),
        ],
        "orders": [
            not_null("order_id"), unique("order_id"), not_null("user_id"),
            not_null("status"), e.ExpectColumnValuesToBeInSet(column="status", value_set=list(ORDER_STATUSES)),
            not_null("ordered_at"), not_null("items_count"),
            e.ExpectColumnValuesToBeBetween(column="items_count", min_value=1, max_value=100),
            not_null("order_total"), e.ExpectColumnValuesToBeBetween(column="order_total", min_value=0),
        ],
        "order_items": [
            not_null("order_id"), not_null("product_id"), not_null("category"),
            unique("order_id", "item_seq"),
            not_null("quantity"), e.ExpectColumnValuesToBeBetween(column="quantity", min_value=1, max_value=100),
            not_null("unit_price"), e.ExpectColumnValuesToBeBetween(column="unit_price", min_value=0),
            e.ExpectColumnValuesToBeBetween(column="discount", min_value=0),
            not_null("line_total"), e.ExpectColumnValuesToBeBetween(column="line_total", min_value=0),
        ],
        "payments": [
            not_null("payment_id"), unique("payment_id"), not_null("order_id"),
            e.ExpectColumnValuesToBeInSet(column="order_exists", value_set=[True]),
            not_null("amount"), e.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
            e.ExpectColumnValuesToBeInSet(column="payment_method", value_set=list(PAYMENT_METHODS)),
            e.ExpectColumnValuesToBeInSet(column="status", value_set=list(PAYMENT_STATUSES)),
            e.ExpectColumnValuesToBeBetween(column="installments", min_value=1, max_value=24),
        ],
    }  # fmt: skip


def _frame(table: pa.Table) -> Any:
    """A pandas frame for GX: decimals as floats (the bounds are checked, not the sums)."""
    columns = [column.cast(pa.float64()) if pa.types.is_decimal(column.type) else column for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names).to_pandas()


class Gate:
    """The run's GX context and its validation definitions, one per table (see the module docstring)."""

    def __init__(self, run_id: str) -> None:
        gx = _gx()
        self.gx, self.run_id = gx, run_id
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("ecommerce_processed")
        self.definitions = {}
        for table, expected in expectations(gx).items():
            batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(f"{table}_partition")
            suite = self.context.suites.add(gx.ExpectationSuite(name=f"ecommerce_{table}", expectations=expected))
            self.definitions[table] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=f"ecommerce_{table}", data=batch, suite=suite))  # fmt: skip

    def _run(self, table: str, data: pa.Table) -> tuple[bool, tuple[str, ...], dict[str, Any]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GX's own deprecations, in a library we do not control
            result = self.definitions[table].run(batch_parameters={"dataframe": _frame(data)},
                                                 result_format={"result_format": "SUMMARY"})  # fmt: skip
        document = result.to_json_dict()
        failed = tuple(
            f"{r['expectation_config']['type']}({_columns(r['expectation_config']['kwargs'])}):"
            f" {r['result'].get('unexpected_count', '?')} unexpected"
            for r in document["results"] if not r["success"]
        )  # fmt: skip
        return bool(result.success), failed, document

    def validate_table(self, lake: Lake, table: str, days: Iterable[date], *, prefix: str = "processed",
                       quality_prefix: str = "quality") -> list[Verdict]:  # fmt: skip
        """Run `table`'s suite on its processed dates and keep each date's result in the lake.

        The dates are validated together first (one GX run instead of one per date: GX's fixed cost
        per run dominates small drops); only when that fails is each date validated alone, to find
        which ones to refuse. Either way every date gets its own result document.
        """
        days = sorted(days)
        parts = {day: read_processed(lake, prefix, table, day) for day in days}
        present = {day: data for day, data in parts.items() if data.num_rows}
        # A drop may hold no rows of a table (a day when nobody signed up): Spark writes no partition,
        # there is nothing to refuse, and the load empties that date.
        verdicts: dict[date, tuple[bool, tuple[str, ...], dict[str, Any]]] = {
            day: (True, (), {"success": True, "results": [], "note": "no rows in this drop"})
            for day in days if day not in present
        }  # fmt: skip
        if present:
            together = pa.concat_tables([_with_drop_date(data, day) for day, data in present.items()], promote_options="default")
            success, failed, document = self._run(table, together)
            if success:
                verdicts.update({day: (True, (), {**document, "validated_with": [d.isoformat() for d in present]}) for day in present})
            else:
                verdicts.update({day: self._run(table, _with_drop_date(data, day)) for day, data in present.items()})
        out = []
        for day in days:
            success, failed, document = verdicts[day]
            key = f"{quality_prefix}/{table}/date={day.isoformat()}/validation.json"
            document = {**document, "run_id": self.run_id, "table": table, "date": day.isoformat(), "rows": parts[day].num_rows}
            lake.put(key, json.dumps(document, sort_keys=True, default=str).encode())
            out.append(Verdict(table, day, success, parts[day].num_rows, failed, key))
        return out

    def validate_all(self, lake: Lake, pairs: Iterable[tuple[str, date]], **options: Any) -> list[Verdict]:
        by_table: dict[str, list[date]] = {}
        for table, day in pairs:
            by_table.setdefault(table, []).append(day)
        verdicts = [v for table, days in by_table.items() for v in self.validate_table(lake, table, days, **options)]
        summary = {"run_id": self.run_id, "verdicts": [
            {"table": v.table, "date": v.day.isoformat(), "success": v.success, "rows": v.rows, "failed": list(v.failed)}
            for v in verdicts]}  # fmt: skip
        lake.put(f"{options.get('quality_prefix', 'quality')}/_runs/{self.run_id}.json", json.dumps(summary, indent=1).encode())
        return verdicts


def _with_drop_date(data: pa.Table, day: date) -> pa.Table:
    return data.append_column("drop_date", pa.array([day.isoformat()] * data.num_rows, pa.string()))


def _columns(kwargs: dict[str, Any]) -> str:
    return str(kwargs.get("column") or ",".join(kwargs.get("column_list") or []))


__all__ = ["Gate", "Verdict", "expectations"]
