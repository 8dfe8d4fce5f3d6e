"""The breweries pipeline end to end on the stand-in serving the shipped dataset (DuckDB, local lake).

Two runs share one lake: day 1 on the dataset as shipped, day 2 on a changed copy (breweries
removed, added, moved and retyped). Checked: gold equals counts computed here from breweries.csv
with the csv module; day 2's change record is exactly the changes made; only the partitions they
touch are rewritten; day 1's snapshot is intact; the chart is a real picture, drawn again; every
layer's log records its step with counts.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from datetime import date

import pytest

from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.breweries import bronze, history, silver
from spotify_mds.pipelines.breweries.chart import LAKE_KEY
from spotify_mds.pipelines.breweries.run import Context, run
from spotify_mds.pipelines.breweries.stages import read_gold
from spotify_mds.pipelines.breweries.standin import StandIn, read_dataset, shipped_dataset
from spotify_mds.runlog import recent_runs, step_records
from spotify_mds.warehouse.duckdb import DuckDBWarehouse

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAY1, DAY2 = date(2026, 12, 1), date(2026, 12, 8)
SHARED_CSV = "/work/shared/data/openbrewerydb/breweries.csv"


def csv_rows() -> list[dict[str, str]]:
    """The dataset's rows read with the csv module alone (the shipped copy; the shared one when present)."""
    text = gzip.decompress(shipped_dataset().read_bytes()).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def fold(value) -> str:
    return " ".join((value or "").split()).casefold()


def changed(records):
    """Day 2's dataset and the changes made to it: {(id, change)}."""
    by_id = {r["id"]: dict(r) for r in records}
    ca = [r["id"] for r in records if r["state_province"] == "California" and r["brewery_type"] == "micro"]
    removed, moved, retyped = ca[:3], ca[3:5], ca[5:7]
    for brewery_id in removed:
        del by_id[brewery_id]
    for brewery_id in moved:
        by_id[brewery_id].update(state_province="Oregon", state="Oregon", city="Portland")
    for brewery_id in retyped:
        by_id[brewery_id]["brewery_type"] = "brewpub"
    added = []
    for n in range(2):
        brewery = {**records[0], "id": f"new-brewery-{n}", "name": f"New Brewery {n}", "country": "Isle of Man",
                   "state_province": "Douglas", "state": "Douglas", "brewery_type": "nano"}
        by_id[brewery["id"]] = brewery
        added.append(brewery["id"])
    expected = ({(i, "closed") for i in removed} | {(i, "moved") for i in moved}
                | {(i, "retyped") for i in retyped} | {(i, "opened") for i in added})
    return list(by_id.values()), expected, removed + moved + retyped + added


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("breweries")
    lake, warehouse = LocalLake(folder / "lake"), DuckDBWarehouse(folder / "warehouse.duckdb")
    records = read_dataset()
    options = {"state_dir": folder / "dbt", "chart_path": folder / "chart.png"}
    with StandIn(records) as api:
        first = run(Context(lake, warehouse, api.url, DAY1, **options))
    state = {
        "versions": {info.key: info.version for info in lake.list("")},
        "chart": (folder / "chart.png").read_bytes(),
        "lake_chart": lake.get(LAKE_KEY),
        "gold": read_gold(lake),
        "day1_manifest": bronze.read_manifest(lake, DAY1),
    }
    day2, expected, touched = changed(records)
    with StandIn(day2) as api:
        second = run(Context(lake, warehouse, api.url, DAY2, **options))
    return {"lake": lake, "folder": folder, "first": first, "second": second, "before": state,
            "expected": expected, "touched": touched, "records": records}


def test_gold_equals_counts_from_the_csv(runs):
    truth = Counter((r["brewery_type"], fold(r["country"]), fold(r["state_province"])) for r in csv_rows())
    gold = Counter()
    for row in runs["before"]["gold"]:
        gold[(row["brewery_type"], fold(row["country"]), fold(row["state_province"]))] += row["breweries"]
    assert gold == truth
    assert sum(truth.values()) == 11_822 and len(truth) == 618
    assert {str(row["snapshot_date"]) for row in runs["before"]["gold"]} == {str(DAY1)}


def test_the_shipped_dataset_is_the_shared_one():
    try:
        with open(SHARED_CSV, newline="", encoding="utf-8") as handle:
            shared = list(csv.DictReader(handle))
    except FileNotFoundError:
        pytest.skip("the shared copy of the dataset is not on this machine")
    assert shared == csv_rows()


def test_the_second_run_records_exactly_the_changes(runs):
    lake = runs["lake"]
    recorded = {(c["brewery_id"], c["change"]) for c in history.read(lake, str(DAY2))}
    assert recorded == runs["expected"]
    assert runs["second"].counts["silver/history"] == {"previous_date": str(DAY1), "opened": 2, "closed": 3,
                                                       "retyped": 2, "moved": 2}
    moved = [c for c in history.read(lake, str(DAY2)) if c["change"] == "moved"]
    assert all(c["previous_value"] == "United States / California / " + c["previous_value"].rsplit(" / ", 1)[1]
               and c["value"] == "United States / Oregon / Portland" for c in moved)
    per_change = Counter()
    for row in read_gold(lake, "brewery_changes_per_country_type"):
        per_change[(str(row["snapshot_date"]), row["country"], row["change"])] += row["breweries"]
    assert per_change == {(str(DAY2), "United States", "closed"): 3, (str(DAY2), "United States", "moved"): 2,
                          (str(DAY2), "United States", "retyped"): 2, (str(DAY2), "Isle of Man", "opened"): 2}


def test_the_second_run_rewrites_only_the_touched_partitions(runs):
    lake, before = runs["lake"], runs["before"]["versions"]
    by_id = {r["id"]: r for r in runs["records"]}
    touched = {
        silver.partition_key({"country": "United States", "state_province": "California"}),
        silver.partition_key({"country": "United States", "state_province": "Oregon"}),
        silver.partition_key({"country": "Isle of Man", "state_province": "Douglas"}),
    }
    assert {by_id[i]["state_province"] for i in runs["touched"] if i in by_id} == {"California"}
    after = {info.key: info.version for info in lake.list("silver/breweries/") if "/country=" in info.key}
    rewritten = {key for key, version in after.items() if before.get(key) != version}
    assert rewritten == touched
    assert set(runs["second"].counts["silver/clean"].items()) >= {("partitions_rewritten", 3), ("partitions_deleted", 0)}


def test_the_first_snapshot_is_left_intact(runs):
    lake, before = runs["lake"], runs["before"]["versions"]
    for prefix in (bronze.snapshot_prefix(DAY1), f"silver/breweries_snapshots/date={DAY1}/"):
        now = {info.key: info.version for info in lake.list(prefix)}
        assert now and now == {key: v for key, v in before.items() if key.startswith(prefix)}
    assert bronze.read_manifest(lake, DAY1) == runs["before"]["day1_manifest"]
    records, _ = bronze.read_records(lake, DAY1)  # every page still matches its checksum
    assert len(records) == 11_822
    assert bronze.snapshot_dates(lake) == [str(DAY1), str(DAY2)]


def test_the_chart_is_a_picture_and_is_drawn_again(runs):
    from PIL import Image

    folder, lake = runs["folder"], runs["lake"]
    local = (folder / "chart.png").read_bytes()
    assert local == lake.get(LAKE_KEY)
    assert local != runs["before"]["chart"]  # drawn again from day 2's gold (its title names the date)
    image = Image.open(io.BytesIO(local)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 24)
    share = max(count for count, _ in colours)  # the background's pixels
    assert image.width >= 800 and image.height >= 400
    assert share / (image.width * image.height) < 0.9  # not blank: bars cover a good part of it
    assert len(colours) > 50


def test_each_layer_logs_its_steps_with_counts(runs):
    lake = runs["lake"]
    latest = recent_runs(lake, pipeline="breweries", limit=1)[0]
    assert latest["status"] == "ok" and latest["run_id"] == runs["second"].run_id
    steps = {(s["layer"], s["step"]): s for s in step_records(lake, latest)}
    assert list(steps) == [("bronze", "extract"), ("silver", "clean"), ("silver", "history"), ("gold", "load"),
                           ("gold", "transform"), ("gold", "chart")]
    assert steps[("bronze", "extract")]["counts"]["records"] == 11_821
    assert steps[("silver", "clean")]["counts"]["rows"] == 11_821
    assert steps[("gold", "transform")]["counts"]["breweries_per_type_location"] > 600
    for layer in ("bronze", "silver", "gold"):
        assert lake.list(f"{layer}/logs/pipeline=breweries/")
    assert all(s["status"] == "ok" and s["seconds"] >= 0 for s in steps.values())
