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
