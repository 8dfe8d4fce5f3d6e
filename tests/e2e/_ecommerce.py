"""Shared by the e-commerce end-to-end tests: one Spark session per module, the warehouses' settings,
and the gold figures set against the generator's ground truth."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from spotify_mds.pipelines.ecommerce.generate import top_products
from spotify_mds.settings import load_settings
from spotify_mds.warehouse import warehouse_from

START = date(2026, 11, 2)
STAR_TABLES = ("dim_users", "dim_products", "dim_dates", "fact_orders", "fact_order_items", "fact_payments")


def spark_session():
    """A real local Spark (pyspark from PyPI, Java 17): a skip on a laptop without them, a failure in CI."""
    try:
        from spotify_mds.pipelines.ecommerce.spark_job import start_session

        return start_session("local[2]", {"spark.driver.memory": "768m"})
    except Exception as exc:  # no pyspark, no Java
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Spark does not start ({exc}); CI needs pyspark and Java 17")
        pytest.skip(f"Spark does not start: {exc}")


def settings_for(kind: str, tmp_path) -> Any:
    if kind == "duckdb":
        return load_settings(data_dir=tmp_path, warehouse="duckdb", lake_url=str(tmp_path / "lake"))
    from warehouses import fresh_postgres

    settings = load_settings(data_dir=tmp_path, warehouse="postgres", lake_url=str(tmp_path / "lake"))
    fresh_postgres(settings)
    warehouse_from(settings).apply(["DROP SCHEMA IF EXISTS ecommerce CASCADE"])
    return settings


def query(settings, sql: str) -> list[tuple]:
    return warehouse_from(settings).query(sql)


def star_snapshot(settings) -> dict[str, list[tuple]]:
    """Every star table's rows, sorted (what a rerun must leave as it was)."""
    return {table: sorted(map(tuple, query(settings, f"SELECT * FROM ecommerce.{table}")), key=repr) for table in STAR_TABLES}


def daily_mismatches(settings, truths: list[dict], days: set[str] | None = None) -> list[str]:
    """Each day's gold (daily sales and method mix) that differs from its truth, as readable lines."""
    sales = {row[0].isoformat(): row for row in query(settings, """
        SELECT order_date, orders, paid_orders, revenue_cents, average_order_value, payments, failed_payments,
               refunded_payments, payment_failure_rate, refund_rate, new_customers, returning_customers
        FROM gold.ecommerce_daily_sales""")}  # fmt: skip
    methods: dict[str, dict[str, tuple]] = {}
    for day, method, payments, cents in query(settings, "SELECT order_date, payment_method, payments, approved_cents FROM gold.ecommerce_payment_methods"):
        methods.setdefault(day.isoformat(), {})[method] = (payments, cents)
    wrong = []
    for truth in truths:
        day = truth["date"]
        if days is not None and day not in days:
            continue
        row = sales.get(day)
        if row is None:
            wrong.append(f"{day}: no gold row")
            continue
        _, orders, paid, cents, aov, payments, failed, refunded, failure_rate, refund_rate, new, returning = row
        expected = {
            "orders": (orders, truth["orders"]), "paid_orders": (paid, truth["paid_orders"]),
            "revenue_cents": (cents, truth["revenue_cents"]), "payments": (payments, truth["payments"]),
            "failed_payments": (failed, truth["failed_payments"]), "refunded_payments": (refunded, truth["refunded_payments"]),
            "new_customers": (new, truth["new_customers"]), "returning_customers": (returning, truth["returning_customers"]),
        }  # fmt: skip
        wrong += [f"{day} {name}: gold {got} != truth {want}" for name, (got, want) in expected.items() if got != want]
        # Ratios computed here from the truth's counts, not taken from any stage of the pipeline.
        aov_truth = truth["revenue_cents"] / 100 / truth["paid_orders"]
        for name, got, want in (("aov", aov, aov_truth),
                                ("failure_rate", failure_rate, truth["failed_payments"] / truth["payments"]),
                                ("refund_rate", refund_rate, truth["refunded_payments"] / truth["payments"])):  # fmt: skip
            if got is None or abs(float(got) - want) > 1e-9 * max(1.0, abs(want)):
                wrong.append(f"{day} {name}: gold {got} != truth {want}")
        mix = {m: (v["payments"], v["approved_cents"]) for m, v in truth["methods"].items() if v["payments"]}
        if methods.get(day, {}) != mix:
            wrong.append(f"{day} method mix: gold {methods.get(day)} != truth {mix}")
    return wrong


def top_product_mismatches(settings, truths: list[dict], n: int = 10) -> list[str]:
    gold = query(settings, f"SELECT product_rank, product_id, units, revenue_cents FROM gold.ecommerce_top_products WHERE product_rank <= {n} ORDER BY product_rank")
    want = [(rank, product, units, cents) for rank, (product, units, cents) in enumerate(top_products(truths, n), 1)]
    got = [tuple(int(v) if not isinstance(v, str) else v for v in row) for row in gold]
    return [] if got == want else [f"top products: gold {got} != truth {want}"]
