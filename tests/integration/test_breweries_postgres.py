"""The breweries pipeline with WAREHOUSE=postgres on a real PostgreSQL: the same gold as the CSV says.

Reads POSTGRES_HOST/PORT/USER/PASSWORD/DB; skips when the server is unreachable, unless CI=true.
Day 1 is the one command, `spotify-mds breweries run --offline` (the shipped dataset on the
in-process stand-in); day 2 serves the same less five breweries.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from datetime import date

import pytest
from warehouses import fresh_postgres

from spotify_mds.lake import lake_from
from spotify_mds.pipelines.breweries.run import run_from_settings
from spotify_mds.pipelines.breweries.stages import read_gold
from spotify_mds.pipelines.breweries.standin import StandIn, read_dataset, shipped_dataset
from spotify_mds.settings import load_settings
from spotify_mds.warehouse import warehouse_from

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def settings(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", warehouse="postgres")
    fresh_postgres(settings)
    return settings


def fold(value) -> str:
    return " ".join((value or "").split()).casefold()


def test_gold_on_postgres_equals_the_csv_and_counts_the_changes(settings, mds, tmp_path):
    env = {"WAREHOUSE": "postgres", "DATA_DIR": str(settings.data_dir), "POSTGRES_HOST": settings.postgres_host,
           "POSTGRES_PORT": str(settings.postgres_port), "POSTGRES_USER": settings.postgres_user,
           "POSTGRES_PASSWORD": settings.postgres_password.get_secret_value(), "POSTGRES_DB": settings.postgres_db}  # fmt: skip
    status, err = mds("breweries", "run", "--offline", "--date", "2026-12-01", **env)
    assert status == 0, err
    assert "paging the API" in err and "60/60" in err  # the progress bar: 60 pages of 200
    assert "raw.breweries_rows_loaded=11,822" in err and "breweries_per_type_location=618" in err
    assert (settings.data_dir / "visualizations" / "breweries_per_type_location.png").stat().st_size > 10_000
    text = gzip.decompress(shipped_dataset().read_bytes()).decode("utf-8")
    truth = Counter((r["brewery_type"], fold(r["country"]), fold(r["state_province"]))
                    for r in csv.DictReader(io.StringIO(text, newline="")))  # fmt: skip
    lake = lake_from(settings)
    gold = Counter()
    for row in read_gold(lake):
        gold[(row["brewery_type"], fold(row["country"]), fold(row["state_province"]))] += row["breweries"]
    assert gold == truth

    records = read_dataset()
    gone = [r for r in records if r["country"] == "Germany"][:5]
    with StandIn([r for r in records if r not in gone]) as api:
        second = run_from_settings(settings, date(2026, 12, 8), source=api.url)
    assert second.counts["gold/load"]["raw.brewery_changes_rows_loaded"] == 5
    changes = Counter()
    for row in read_gold(lake, "brewery_changes_per_country_type"):
        changes[(str(row["snapshot_date"]), row["country"], row["change"])] += row["breweries"]
    assert changes == {("2026-12-08", "Germany", "closed"): 5}
    rows = warehouse_from(settings).query("SELECT count(*), count(DISTINCT snapshot_date) FROM raw.breweries")
    assert rows == [(11_822 + 11_817, 2)]  # RAW keeps both snapshots; gold reads the newest
    assert sum(r["breweries"] for r in read_gold(lake)) == 11_817
