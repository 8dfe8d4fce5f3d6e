"""The breweries pipeline with its lake on an S3 endpoint (moto's server): settings alone change.

Two snapshots of a slice of the dataset (Belgium and Ireland): the layout lands in the bucket, DuckDB
loads from it, each layer logged; the second snapshot rewrites only the touched partition
(ETags).
"""

from __future__ import annotations

from datetime import date

import pytest

from spotify_mds.lake import lake_from
from spotify_mds.pipelines.breweries.run import run_from_settings
from spotify_mds.pipelines.breweries.standin import StandIn, read_dataset
from spotify_mds.settings import load_settings
from tests.s3_support import moto_s3

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STEPS = ("extract", "clean", "history", "load")


@pytest.fixture(scope="module")
def endpoint():
    with moto_s3("lake") as url:
        yield url


def test_the_pipeline_runs_on_an_s3_lake(endpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings = load_settings(data_dir=tmp_path, lake_url="s3://lake/mds", minio_endpoint=endpoint,
                             minio_access_key="test", minio_secret_key="test")  # fmt: skip
    records = [r for r in read_dataset() if r["country"] in ("Belgium", "Ireland")]
    with StandIn(records) as api:
        # dbt's gold and the chart are lake-agnostic (test_breweries_pipeline.py): the steps that read
        # and write the lake's layout, and the warehouse reading NDJSON from S3, are what runs here
        first = run_from_settings(settings, date(2026, 12, 1), source=api.url, steps=STEPS)
    lake = lake_from(settings)
    assert first.counts["gold/load"]["raw.breweries_rows_loaded"] == len(records)
    before = {info.key: info.version for info in lake.list("silver/breweries/")}
    assert "silver/breweries/country=belgium/state=region-wallonne/breweries.parquet" in before
    retyped = next(r for r in records if r["country"] == "Ireland")
    changed = [{**r, "brewery_type": "closed"} if r is retyped else r for r in records]
    with StandIn(changed) as api:
        second = run_from_settings(settings, date(2026, 12, 8), source=api.url, steps=STEPS)
    after = {info.key: info.version for info in lake.list("silver/breweries/") if "/country=" in info.key}
    rewritten = {key for key, version in after.items() if before.get(key) != version}
    assert len(rewritten) == 1 and rewritten.pop().startswith("silver/breweries/country=ireland/")
    assert second.counts["silver/history"]["retyped"] == 1
    assert second.counts["gold/load"] == {"raw.breweries_rows_loaded": len(records), "raw.brewery_changes_rows_loaded": 1,
                                          "files_loaded": 2}
    for layer in ("bronze", "silver", "gold"):
        assert lake.list(f"{layer}/logs/pipeline=breweries/")
    assert [info.key.rsplit("/", 1)[-1] for info in lake.list("bronze/breweries/date=2026-12-08/")][-1] == "page-0003.json"
