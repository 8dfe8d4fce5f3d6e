"""The breweries pipeline with WAREHOUSE=snowflake, through fakesnow's server: gold equals the CSV.

A slice of the dataset (Belgium and Ireland: 548 breweries, accented state names) keeps the HTTP
round trips few. fakesnow's limits are the project's (FACTS.md); the breweries models are
views and tables, which it runs, data tests included.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from datetime import date

import pytest

from spotify_mds.lake import lake_from
from spotify_mds.pipelines.breweries.run import run_from_settings
from spotify_mds.pipelines.breweries.stages import read_gold
from spotify_mds.pipelines.breweries.standin import StandIn, read_dataset, shipped_dataset
from spotify_mds.settings import load_settings
from warehouses import fakesnow_server

pytest.importorskip("snowflake.connector", reason="the `snowflake` extra is not installed")
pytest.importorskip("fakesnow", reason="fakesnow is not installed (the `dev` extra)")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
COUNTRIES = ("Belgium", "Ireland")


@pytest.fixture
def fakesnow_port():
    yield from fakesnow_server()


def test_gold_on_snowflake_equals_the_csv(tmp_path, fakesnow_port):
    settings = load_settings(
        data_dir=tmp_path, warehouse="snowflake", snowflake_account="fakesnow", snowflake_user="fake",
        snowflake_password="snow", snowflake_host="127.0.0.1", snowflake_port=fakesnow_port, snowflake_protocol="http",
    )  # fmt: skip
    with StandIn([r for r in read_dataset() if r["country"] in COUNTRIES]) as api:
        result = run_from_settings(settings, date(2026, 12, 1), source=api.url)
    text = gzip.decompress(shipped_dataset().read_bytes()).decode("utf-8")
    truth = Counter((r["brewery_type"], r["country"], r["state_province"])
                    for r in csv.DictReader(io.StringIO(text, newline="")) if r["country"] in COUNTRIES)  # fmt: skip
    gold = Counter()
    for row in read_gold(lake_from(settings)):
        gold[(row["brewery_type"], row["country"], row["state_province"])] += row["breweries"]
    assert gold == truth and result.counts["gold/load"]["raw.breweries_rows_loaded"] == sum(truth.values())
