"""The dashboard's e-commerce page over a gold export (no warehouse, no Spark)."""

from __future__ import annotations

import io
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
from starlette.testclient import TestClient

from spotify_mds.export import mart_key
from spotify_mds.lake import LocalLake
from spotify_mds.presentation.dashboard import create_app


def _put(lake, mart: str, rows: list[dict]) -> None:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    lake.put(mart_key(mart), buffer.getvalue())


def test_the_page_draws_the_shops_gold_and_says_what_is_missing(tmp_path):
    lake = LocalLake(tmp_path)
    _put(lake, "ecommerce_daily_sales", [
        {"order_date": date(2026, 11, d), "revenue": 100.0 * d, "average_order_value": 50.0, "payment_failure_rate": 0.05,
         "refund_rate": 0.02, "new_customers": 3, "returning_customers": d} for d in (2, 3)])  # fmt: skip
    _put(lake, "ecommerce_top_products", [
        {"product_rank": r, "product_id": f"p{r}", "product_name": f"item {r}", "category": "home", "revenue": 10.0 / r}
        for r in range(1, 13)])  # fmt: skip
    with TestClient(create_app(lake)) as client:
        page = client.get("/ecommerce")
        charts = {chart["id"]: chart for chart in client.get("/api/ecommerce/figures").json()}
    assert page.status_code == 200 and "/static/ecommerce.js" in page.text
    assert charts["revenue"]["status"] == "ok"
    assert charts["revenue"]["figure"]["data"][0]["y"] == [200.0, 300.0]
    assert charts["customers"]["figure"]["data"][1]["y"] == [2, 3]
    assert len(charts["products"]["figure"]["data"][0]["y"]) == 10
    assert charts["methods"] == {"id": "methods", "status": "missing", "message": "no data yet for ecommerce_payment_methods"}
