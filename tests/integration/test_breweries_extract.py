"""The breweries extract against the stand-in of the live API, over real HTTP, with faults.

The stand-in serves the shipped Open Brewery DB dataset in the live API's shapes; each fault of the
issue has its test here: a 503 mid-paging, a short page, a slow page, a duplicate across pages, a
record with odd location text, and a run that stays short lands nothing.
"""

from __future__ import annotations

import json
import re
from datetime import date

import httpx
import pytest

from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.breweries import bronze, silver
from spotify_mds.pipelines.breweries.api import BreweriesApiError, BreweriesClient, ExtractIncomplete, fetch_all
from spotify_mds.pipelines.breweries.stages import build_silver, extract_bronze
from spotify_mds.pipelines.breweries.standin import StandIn, read_dataset

pytestmark = pytest.mark.integration

DAY = date(2026, 12, 1)
FAST = {"per_page": 50, "backoff": 0.01, "timeout": 2.0}


@pytest.fixture(scope="module")
def dataset():
    return read_dataset()


@pytest.fixture
def small(dataset):
    """The stand-in on the first 480 breweries: 10 pages of 50 (the last one short)."""
    with StandIn(dataset[:480]) as api:
        yield api


def test_the_stand_in_serves_the_live_api_shapes(dataset):
    with StandIn(dataset) as api, httpx.Client(base_url=api.url) as http:
        meta = http.get("/breweries/meta").json()
        assert meta == {"total": "11822", "page": "1", "per_page": "50"}  # numbers as strings, as served live
        assert len(http.get("/breweries").json()) == 50  # per_page's default
        assert len(http.get("/breweries", params={"per_page": 500}).json()) == 200  # capped at 200
        assert http.get("/breweries", params={"page": 60, "per_page": 200}).json() != []
        assert http.get("/breweries", params={"page": 61, "per_page": 200}).json() == []  # past the end
        first = http.get("/breweries", params={"per_page": 1}).json()[0]
        assert first["state"] == first["state_province"] and first["street"] == first["address_1"]
        assert http.get(f"/breweries/{first['id']}").json() == first
        assert http.get("/breweries/no-such-id").status_code == 404
        assert {r["country"] for r in http.get("/breweries", params={"by_country": "south_korea", "per_page": 200}).json()} == {"South Korea"}
        assert http.get("/breweries/meta", params={"by_type": "closed"}).json()["total"] == "637"
        both = http.get("/breweries", params={"by_ids": f"{dataset[0]['id']},{dataset[5]['id']}"}).json()
        assert [r["id"] for r in both] == [dataset[0]["id"], dataset[5]["id"]]
        assert any(r["latitude"] is None for r in http.get("/breweries", params={"per_page": 200}).json())
        assert len(http.get("/breweries/random", params={"size": 80}).json()) == 50
        near = http.get("/breweries", params={"by_dist": "53.35,-6.26", "per_page": 3}).json()  # Dublin
        assert {r["country"] for r in near} == {"Ireland"}
        names = [r["name"] for r in http.get("/breweries", params={"sort": "name:desc", "by_country": "ireland"}).json()]
        assert names == sorted(names, reverse=True) and len(names) == 50
        assert http.get("/breweries/search", params={"query": "dublin", "per_page": 5}).json()


def test_every_page_is_fetched_and_checked_against_meta(small):
    with BreweriesClient(small.url, **FAST) as client:
        extract = fetch_all(client)
    assert [len(p.records) for p in extract.pages] == [50] * 9 + [30]
    assert extract.total == extract.distinct_ids == 480 and extract.retries == 0
    assert small.requests[-1] == ("/breweries", {"page": "11", "per_page": "50"})  # the empty page ends paging


def test_a_503_mid_paging_is_retried(small, tmp_path):
    small.faults.unavailable[4] = 2
    landed = extract_bronze(LocalLake(tmp_path), small.url, DAY, **FAST)
    assert landed.records == 480 and landed.manifest["retries"] == 2
    assert sum(1 for path, params in small.requests if params.get("page") == "4") == 3


def test_a_short_page_is_fetched_again(small, tmp_path):
    small.faults.short[3] = 7
    landed = extract_bronze(LocalLake(tmp_path), small.url, DAY, **FAST)
    assert landed.manifest["refetched"] == [3] and landed.manifest["distinct_ids"] == 480
    pages = landed.manifest["pages"]
    assert pages[2]["records"] == 50  # bronze keeps the complete page, never the short one


def test_a_slow_page_times_out_and_is_retried(small, tmp_path):
    small.faults.slow[2] = 1.5
    landed = extract_bronze(LocalLake(tmp_path), small.url, DAY, **{**FAST, "timeout": 0.5})
    assert landed.records == 480 and landed.manifest["retries"] == 1


def test_a_duplicate_across_pages_is_kept_in_bronze_and_dropped_in_silver(small, tmp_path):
    small.faults.duplicate_at.add(5)
    lake = LocalLake(tmp_path)
    landed = extract_bronze(lake, small.url, DAY, **FAST)
    assert landed.records == 481 and landed.manifest["distinct_ids"] == 480
    page4, page5 = (json.loads(lake.get(bronze.page_key(DAY, n))) for n in (4, 5))
    assert page5[0] == page4[-1]  # exactly as served
    built = build_silver(lake, str(DAY))
    assert (built.result.rows, built.result.duplicates, built.result.quarantined) == (480, 1, 0)


def test_a_run_that_stays_short_fails_loudly_and_lands_nothing(small, tmp_path):
    small.faults.short[2] = 10
    small.faults.unavailable[7] = 100  # and then the API goes down for good
    lake = LocalLake(tmp_path)
    with pytest.raises(BreweriesApiError, match="answered 503 after 3 attempts"):
        extract_bronze(lake, small.url, DAY, **{**FAST, "retries": 2})
    assert lake.list("bronze/") == []
    small.faults.unavailable.clear()
    small.faults.short[2] = 10
    with BreweriesClient(small.url, **FAST) as client:  # short on every try: the /meta check refuses it
        client_page = client.page
        client.page = lambda n, **f: (small.faults.short.__setitem__(2, 10) if n == 2 else None) or client_page(n, **f)
        with pytest.raises(ExtractIncomplete, match="fetched 470 distinct breweries in 10 pages but /meta says 480") as error:
            fetch_all(client)
    assert (error.value.expected, error.value.fetched) == (480, 470)


def test_rerunning_a_date_is_idempotent(small, tmp_path):
    lake = LocalLake(tmp_path)
    extract_bronze(lake, small.url, DAY, **FAST)
    before = {info.key: info.version for info in lake.list("bronze/")}
    again = extract_bronze(lake, small.url, DAY, **FAST)
    assert again.pages_written == 0 and {info.key: info.version for info in lake.list("bronze/")} == before


def test_odd_location_text_gets_safe_partitions_and_keeps_its_spelling(dataset, tmp_path):
    odd = [
        {**dataset[0], "id": "odd-slash", "country": "Belgium", "state_province": "Région wallonne / Bruxelles", "state": None},
        {**dataset[1], "id": "odd-empty", "country": "  Côte d'Ivoire ", "state_province": None, "state": None},
        {**dataset[2], "id": "odd-alias", "country": "Japan", "state_province": None, "state": "東京都"},
        {**dataset[3], "id": "odd-dots", "country": "../..", "state_province": "..", "state": ".."},
        {**dataset[4], "id": "odd-type", "brewery_type": "spaceship"},
        {**dataset[5], "id": "odd-coords", "latitude": "123.4"},
    ]
    lake = LocalLake(tmp_path)
    with StandIn(odd) as api:
        extract_bronze(lake, api.url, DAY, **FAST)
    built = build_silver(lake, str(DAY))
    keys = [info.key for info in lake.list("silver/breweries/") if "/country=" in info.key]
    assert all(re.fullmatch(r"silver/breweries/country=[a-z0-9-]+/state=[a-z0-9-]+/breweries\.parquet", key) for key in keys)
    assert "silver/breweries/country=belgium/state=region-wallonne-bruxelles/breweries.parquet" in keys
    assert "silver/breweries/country=cote-d-ivoire/state=unknown/breweries.parquet" in keys
    assert "silver/breweries/country=unknown/state=unknown/breweries.parquet" in keys  # `..` never becomes a folder
    rows = {row["brewery_id"]: row for row in silver.read(lake)}
    assert rows["odd-slash"]["state_province"] == "Région wallonne / Bruxelles"
    assert (rows["odd-empty"]["country"], rows["odd-empty"]["state_province"]) == ("Côte d'Ivoire", None)
    assert rows["odd-alias"]["state_province"] == "東京都"  # the deprecated alias fills the field
    quarantined = [json.loads(line) for line in lake.get(silver.quarantine_key(str(DAY))).splitlines()]
    reasons = {item["record"]["id"]: item["reason"] for item in quarantined}
    assert reasons == {"odd-type": "brewery_type 'spaceship' is not one of the known types",
                       "odd-coords": "latitude 123.4 is out of range [-90, 90]"}
    assert (built.result.rows, built.result.quarantined) == (4, 2)


def test_rerunning_a_date_on_changed_data_replaces_the_snapshot_whole(dataset, tmp_path):
    lake = LocalLake(tmp_path)
    with StandIn(dataset[:480]) as api:
        extract_bronze(lake, api.url, DAY, **FAST)
    build_silver(lake, str(DAY))
    ireland = [r for r in dataset[120:] if r["country"] == "Ireland"][:3]
    with StandIn(dataset[:120] + ireland) as api:  # the API lost most of it since the morning
        landed = extract_bronze(lake, api.url, DAY, **FAST)
    pages = [info.key.rsplit("/", 1)[-1] for info in lake.list(bronze.snapshot_prefix(DAY))]
    assert pages == ["_manifest.json", "page-0001.json", "page-0002.json", "page-0003.json"]  # stale pages gone
    assert landed.manifest["records"] == 123 and bronze.read_records(lake, DAY)[0][-1]["id"] == ireland[-1]["id"]
    built = build_silver(lake, str(DAY))
    assert built.result.rows == 123 and built.result.deleted  # partitions nobody is left in are removed
    assert {row["brewery_id"] for row in silver.read(lake)} == {r["id"] for r in dataset[:120] + ireland}
    assert all(lake.list(key.rsplit("/", 1)[0] + "/") for key in silver.manifest(lake)["partitions"])


def test_a_backfill_of_an_older_date_leaves_the_current_partitions_alone(dataset, tmp_path):
    lake = LocalLake(tmp_path)
    with StandIn(dataset[:300]) as api:
        extract_bronze(lake, api.url, date(2026, 12, 8), **FAST)
    build_silver(lake, "2026-12-08")
    current = {info.key: info.version for info in lake.list("silver/breweries/")}
    with StandIn(dataset[:200]) as api:
        extract_bronze(lake, api.url, DAY, **FAST)
    backfill = build_silver(lake, str(DAY))
    assert backfill.result.current is False and backfill.result.rewritten == []
    assert {info.key: info.version for info in lake.list("silver/breweries/")} == current
    assert silver.manifest(lake)["snapshot_date"] == "2026-12-08"
    assert len(silver.read_snapshot(lake, str(DAY))) == 200  # its dated rows are there for history and RAW
