"""A generated month through the whole e-commerce pipeline — real local Spark, real Great
Expectations, DuckDB and a real PostgreSQL — and every gold figure equals the generator's truth.

Revenue, orders, paid orders, average order value, payments, failure and refund rates, new and
returning customers per day, the payment-method mix per day, and the top ten products over the
month, all set against `_truth.json` (written by the generator from its own arrays in cents,
before the files existed). One Spark session serves the module (the JVM takes seconds to start).
"""

from __future__ import annotations

import pytest
from _ecommerce import START, daily_mismatches, settings_for, spark_session, top_product_mismatches

from spotify_mds.lake import lake_from
from spotify_mds.pipelines.ecommerce import PIPELINE, run

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
DAYS = 30


@pytest.fixture(scope="module")
def spark():
    session = spark_session()
    yield session
    session.stop()


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_a_month_of_gold_equals_the_generators_truth(kind, tmp_path, spark):
    settings = settings_for(kind, tmp_path)
    summary = run.run(settings, start=START, days=DAYS, seed=11, orders_per_day=20, spark=spark)

    assert summary.failures == {} and summary.error() is None
    assert summary.passed == {table: DAYS for table in summary.passed} and len(summary.passed) == 5
    assert summary.duplicates == {table: 0 for table in summary.duplicates}
    truths = [t for t in _truths(settings)]
    assert sum(t["orders"] for t in truths) > 400  # a month with enough orders to mean something
    assert summary.processed["orders"] == sum(t["orders"] for t in truths)
    assert daily_mismatches(settings, truths) == []
    assert top_product_mismatches(settings, truths) == []
    # Every mart was exported to the lake for the dashboards.
    assert set(PIPELINE.marts) <= set(summary.marts)
    assert lake_from(settings).list("gold/ecommerce_daily_sales/")
    assert summary.marts["ecommerce_daily_sales"] == DAYS


def _truths(settings):
    from datetime import timedelta

    from spotify_mds.pipelines.ecommerce.generate import read_truths

    return read_truths(run.include_dir(settings), [START + timedelta(days=i) for i in range(DAYS)])
