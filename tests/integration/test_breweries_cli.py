"""`spotify-mds breweries run` in process, against the stand-in over HTTP (a small slice of the dataset)."""

from __future__ import annotations

import json

import pytest

from spotify_mds.pipelines.breweries.standin import StandIn, read_dataset

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_one_command_runs_the_pipeline_and_prints_a_summary(mds, tmp_path):
    with StandIn(read_dataset()[:700]) as api:
        status, err = mds("breweries", "run", "--date", "2026-12-01", "--source", api.url)
    assert status == 0, err
    assert "paging the API" in err and "4/4" in err  # the progress bar: 4 pages of 200
    assert "records=700" in err and "breweries_per_type_location=" in err
    lake = tmp_path / "data" / "lake"
    assert (tmp_path / "data" / "visualizations" / "breweries_per_type_location.png").stat().st_size > 10_000
    manifest = json.loads((lake / "bronze/breweries/date=2026-12-01/_manifest.json").read_text())
    assert manifest["records"] == 700 and manifest["source"] == api.url and manifest["meta"]["total"] == "700"


def test_a_failing_api_is_one_line_and_lands_nothing(mds, tmp_path):
    with StandIn(read_dataset()[:10]) as api:
        status, err = mds("breweries", "run", "--date", "2026-12-01", "--source", api.url + "/no-such-path")
    assert status == 1
    assert err.strip().splitlines()[-1].startswith("BreweriesApiError: GET http://127.0.0.1:")
    assert "answered 404 after 1 attempts" in err
    assert not (tmp_path / "data" / "lake" / "bronze" / "breweries").exists()  # only the log of the failed step
    run = next((tmp_path / "data" / "lake" / "runs").rglob("*.json"))
    assert json.loads(run.read_text())["failed_step"] == "bronze/extract"


def test_what_changed_since_a_date(mds, tmp_path):
    from spotify_mds.lake import LocalLake
    from spotify_mds.pipelines.breweries import history

    lake = LocalLake(tmp_path / "data" / "lake")
    for day, rows in (("2026-12-01", [{"brewery_id": "a", "name": "A", "brewery_type": "micro", "country": "Ireland",
                                       "state_province": "Cork", "city": "Cork"}]),
                      ("2026-12-08", [{"brewery_id": "a", "name": "A", "brewery_type": "closed", "country": "Ireland",
                                       "state_province": "Cork", "city": "Cork"},
                                      {"brewery_id": "b", "name": "[b]Bold[/b]", "brewery_type": "nano", "country": "Ireland",
                                       "state_province": "Kerry", "city": "Tralee"}])):  # fmt: skip
        lake.put(f"silver/breweries_snapshots/date={day}/breweries.ndjson", b"".join(json.dumps(r).encode() + b"\n" for r in rows))
        history.record(lake, rows, day)
    status, err = mds("breweries", "changes", "--since", "2026-12-01", "--show", "5")
    assert status == 0, err
    assert "2026-12-08" in err and "[b]Bold[/b] (Ireland, nano)" in err and "retyped A (Ireland, closed) micro → closed" in err
    status, err = mds("breweries", "changes", "--since", "2026-12-08")
    assert status == 0 and "no change recorded after 2026-12-08" in err
