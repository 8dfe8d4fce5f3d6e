"""Each injected fault is caught where it must be, a refused table leaves the others loaded, and
re-running a date changes nothing — on a real local Spark, real GX, DuckDB and a real PostgreSQL.

Five days with `--faults`: day 0 duplicated rows (the Spark dedup rule), day 1 an order without its
customer (orders suite), day 2 orphan payments and day 3 a negative amount (payments suite), day 4
a malformed users.csv (ingestion, quarantined).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from _ecommerce import START, daily_mismatches, query, settings_for, spark_session, star_snapshot

from spotify_mds.lake import lake_from
from spotify_mds.pipelines.ecommerce import run
from spotify_mds.pipelines.ecommerce.generate import read_truths

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
DAYS = [START + timedelta(days=i) for i in range(5)]


@pytest.fixture(scope="module")
def spark():
    session = spark_session()
    yield session
    session.stop()


def loaded_dates(settings, table: str) -> set[str]:
    return {day.isoformat() for (day,) in query(settings, f"SELECT DISTINCT drop_date FROM ecommerce.{table}")}


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_each_fault_is_caught_and_the_other_tables_load(kind, tmp_path, spark):
    settings = settings_for(kind, tmp_path).model_copy(update={"metrics_textfile_dir": tmp_path / "metrics"})
    summary = run.run(settings, start=START, days=5, seed=5, orders_per_day=25, faults=True, spark=spark)
    truths = read_truths(run.include_dir(settings), DAYS)
    d = [day.isoformat() for day in DAYS]
    kinds = [truth["faults"]["kind"] for truth in truths]
    assert kinds == ["duplicates", "nulls", "orphans", "negative", "malformed"]

    # duplicates: every copy dropped by the Spark job, and that day's gold equals its truth.
    assert summary.duplicates == {**truths[0]["faults"]["rows"], "products": 0}
    assert daily_mismatches(settings, truths, days={d[0]}) == []

    # The refused (table, date)s are exactly the faulty ones, each for its own reason.
    refused = {table: [reason.split(":", 1)[0] for reason in reasons] for table, reasons in summary.failures.items()}
    assert refused == {"orders": [d[1]], "payments": [d[2], d[3]], "users": [d[4]]}
    assert "not_be_null(user_id)" in summary.failures["orders"][0]
    assert "order_exists" in summary.failures["payments"][0]
    assert "between(amount)" in summary.failures["payments"][1]
    assert "does not parse" in summary.failures["users"][0]
    assert isinstance(summary.error(), run.GateFailed)

    # A refused table stays out for that date; the others loaded.
    assert loaded_dates(settings, "fact_orders") == set(d) - {d[1]}
    assert loaded_dates(settings, "fact_payments") == set(d) - {d[2], d[3]}
    assert loaded_dates(settings, "dim_users") == set(d) - {d[4]}
    assert loaded_dates(settings, "fact_order_items") == set(d)
    assert loaded_dates(settings, "dim_products") == set(d)
    assert query(settings, "SELECT count(*) FROM ecommerce.fact_payments WHERE amount < 0 OR order_id LIKE 'o9%'") == [(0,)]
    assert query(settings, "SELECT count(*) FROM ecommerce.fact_orders WHERE user_id IS NULL") == [(0,)]

    # The evidence is in the lake: GX's results next to the data, the bad file quarantined, the run record.
    lake = lake_from(settings)
    result = json.loads(lake.get(f"quality/payments/date={d[2]}/validation.json"))
    assert result["success"] is False and result["run_id"] == summary.run_id
    assert json.loads(lake.get(f"quality/orders/date={d[2]}/validation.json"))["success"] is True
    assert lake.list(f"quarantine/ecommerce/users/date={d[4]}/")
    record = json.loads(lake.get(f"runs/pipeline=ecommerce/date={summary.run_id[:4]}-{summary.run_id[4:6]}-{summary.run_id[6:8]}/{summary.run_id}.json"))
    failed_steps = {step["step"] for step in record["steps"] if step["status"] == "failed"}
    assert record["status"] == "failed" and failed_steps == {"ingest_users", "validate_orders", "validate_payments"}
    assert {step["step"] for step in record["steps"] if step["status"] == "ok"} >= {"spark", "load", "dbt", "export"}
    # ... and in the run's metrics, for the run-failed and quality alerts
    exposition = (tmp_path / "metrics" / "spotify_mds_ecommerce.prom").read_text()
    assert 'spotify_mds_run_failed{pipeline="ecommerce"} 1.0' in exposition
    assert 'spotify_mds_stage_failed{layer="quality",pipeline="ecommerce",stage="validate_payments"} 1.0' in exposition

    # Re-running a date (generate, ingest, Spark, gates, load) changes nothing anywhere in the star schema.
    before = star_snapshot(settings)
    again = run.run(settings, start=DAYS[2], days=1, seed=5, orders_per_day=25, faults=True, spark=spark)
    assert again.failures == {"payments": summary.failures["payments"][:1]}
    assert star_snapshot(settings) == before
