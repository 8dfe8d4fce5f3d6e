"""The breweries' silver rules and the client's retry logic, without any server (httpx MockTransport)."""

from __future__ import annotations

import httpx
import pytest

from spotify_mds.lake import MemoryLake
from spotify_mds.pipelines.breweries import history
from spotify_mds.pipelines.breweries.api import BreweriesApiError, BreweriesClient, ExtractIncomplete, fetch_all
from spotify_mds.pipelines.breweries.clean import canonical_spellings, clean, clean_one, phone, slug, url


@pytest.mark.parametrize(("value", "expected"), [
    ("Baden-Württemberg", "baden-wurttemberg"), ("Région wallonne / Bruxelles", "region-wallonne-bruxelles"),
    ("  New   York ", "new-york"), ("", "unknown"), (None, "unknown"), ("../..", "unknown"), ("Açores", "acores"),
    ("dolnośląskie", "dolnoslaskie"),
])  # fmt: skip
def test_partition_values_are_safe_folder_names(value, expected):
    assert slug(value) == expected


def test_a_value_with_no_latin_letter_gets_a_stable_hash():
    assert slug("東京都") == slug("東京都") != slug("大阪府") and slug("東京都").startswith("u-")


def test_phones_and_urls_are_normalised():
    assert phone("(405) 816-0490", "United States") == "+14058160490"
    assert phone("+49 9261 628000", "Germany") == "+499261628000"
    assert phone("0032 496 76 40 63", "Belgium") == "+32496764063"
    assert phone("  ", "Germany") is None
    assert url("Http://WWW.Example.com/Beer") == "http://www.example.com/Beer"
    assert url("example.com") == "http://example.com" and url("not a url") is None


def test_strings_are_trimmed_the_aliases_fill_in_and_coordinates_become_numbers():
    row, reason = clean_one({"id": " a ", "name": " Big   Beer ", "brewery_type": "MICRO", "state_province": None,
                             "state": "Oregon", "address_1": None, "street": "1 Main St", "country": "United States",
                             "latitude": "45.5", "longitude": -122.6})  # fmt: skip
    assert reason is None
    assert (row["brewery_id"], row["name"], row["brewery_type"]) == ("a", "Big Beer", "micro")
    assert (row["state_province"], row["address_1"], row["latitude"], row["longitude"]) == ("Oregon", "1 Main St", 45.5, -122.6)


@pytest.mark.parametrize(("change", "reason"), [
    ({"id": None}, "id is missing"), ({"name": " "}, "name is missing"),
    ({"brewery_type": "spaceship"}, "brewery_type 'spaceship' is not one of the known types"),
    ({"longitude": "200"}, "longitude 200.0 is out of range [-180, 180]"),
    ({"latitude": "north"}, "latitude is not a number: 'north'"),
])  # fmt: skip
def test_records_failing_a_rule_say_why(change, reason):
    assert clean_one({"id": "x", "name": "n", "brewery_type": "micro", **change}) == (None, reason)


def test_one_spelling_per_country_and_state_and_one_row_per_id():
    base = {"name": "n", "brewery_type": "micro", "country": "United States"}
    records = [{**base, "id": str(i), "state_province": "Missouri"} for i in range(3)]
    records += [{**base, "id": "9", "state_province": "MIssouri", "country": "united states"}, {**base, "id": "0", "state_province": "Missouri"}]
    cleaned = clean(records)
    assert cleaned.duplicates == 1 and len(cleaned.rows) == 4
    assert {(r["country"], r["state_province"]) for r in cleaned.rows} == {("United States", "Missouri")}
    rows = [{"country": "A", "state_province": "x"}, {"country": "A", "state_province": "X"}]
    canonical_spellings(rows)  # a tie goes to the spelling that sorts first
    assert {r["state_province"] for r in rows} == {"X"}


def test_the_change_record_names_each_kind_once_per_brewery():
    def row(i, kind="micro", state="Ohio", city="Akron"):
        return {"brewery_id": i, "name": i, "brewery_type": kind, "country": "US", "state_province": state, "city": city}

    before = [row("kept"), row("gone"), row("retyped"), row("moved"), row("both")]
    after = [row("kept"), row("new"), row("retyped", "brewpub"), row("moved", state="Iowa"), row("both", "nano", city="Kent")]
    changes = {(c["brewery_id"], c["change"]): c for c in history.diff(before, after, "2026-12-08", "2026-12-01")}
    assert set(changes) == {("new", "opened"), ("gone", "closed"), ("retyped", "retyped"), ("moved", "moved"),
                            ("both", "retyped"), ("both", "moved")}  # fmt: skip
    assert (changes[("moved", "moved")]["previous_value"], changes[("moved", "moved")]["value"]) == ("US / Ohio / Akron", "US / Iowa / Akron")


def test_the_first_snapshot_is_a_baseline_without_changes():
    result = history.record(MemoryLake(), [{"brewery_id": "a"}], "2026-12-01")
    assert result.baseline and result.counts == {"opened": 0, "closed": 0, "retyped": 0, "moved": 0}


def _api(pages: dict[int, list], *, total="3", failures=None):
    failures = failures if failures is not None else {}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/meta"):
            return httpx.Response(200, json={"total": total, "page": "1", "per_page": "50"})
        page = int(request.url.params["page"])
        if failures.get(page):
            failures[page] -= 1
            return httpx.Response(503)
        return httpx.Response(200, json=pages.get(page, []))

    return httpx.MockTransport(handler)


def test_back_off_doubles_and_a_4xx_is_not_retried():
    slept = []
    transport = _api({1: [{"id": "a"}, {"id": "b"}], 2: [{"id": "c"}]}, failures={2: 3})
    with BreweriesClient("http://api/v1", per_page=2, transport=transport, sleep=slept.append, backoff=0.5) as client:
        extract = fetch_all(client)
    assert slept == [0.5, 1.0, 2.0] and extract.retries == 3 and extract.distinct_ids == 3

    def not_found(request):
        return httpx.Response(404, json={"message": "Couldn't find Brewery"})

    with BreweriesClient("http://api/v1", transport=httpx.MockTransport(not_found), sleep=slept.append) as client:
        with pytest.raises(BreweriesApiError, match="answered 404 after 1 attempts") as error:
            client.meta()
    assert error.value.status == 404


def test_meta_is_read_defensively_and_a_shortfall_is_an_error():
    with BreweriesClient("http://api/v1", per_page=2, transport=_api({1: [{"id": "a"}, {"id": "b"}]}, total=" 3 ")) as client:
        with pytest.raises(ExtractIncomplete) as error:
            fetch_all(client)
    assert (error.value.expected, error.value.fetched) == (3, 2)
    with BreweriesClient("http://api/v1", transport=_api({}, total="many")) as client:
        with pytest.raises(BreweriesApiError, match="/meta field 'total' is not a number: 'many'"):
            client.meta()
    with BreweriesClient("http://api/v1", transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"<html>"))) as client:
        with pytest.raises(BreweriesApiError, match="is not JSON"):
            client.page(1)


def test_an_api_that_ignores_page_does_not_page_forever():
    same = httpx.MockTransport(lambda r: httpx.Response(200, json={"total": "2"} if r.url.path.endswith("/meta") else [{"id": "a"}]))
    with BreweriesClient("http://api/v1", per_page=1, transport=same) as client:
        with pytest.raises(BreweriesApiError, match="page 15 is still not empty though /meta says 2 breweries"):
            fetch_all(client)
