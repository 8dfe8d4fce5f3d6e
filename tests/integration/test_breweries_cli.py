"""`spotify-mds breweries` in process: a failing API is one line, `changes` answers from the lake.

The whole `breweries run --offline` runs in test_breweries_postgres.py (on PostgreSQL).
"""

from __future__ import annotations

import json

import pytest

from spotify_mds.pipelines.breweries.standin import StandIn, read_dataset

pytestmark = pytest.mark.integration


def test_a_failing_api_is_one_line_and_lands_nothing(mds, tmp_path):
    textfiles = tmp_path / "metrics"
    with StandIn(read_dataset()[:10]) as api:
        status, err = mds("breweries", "run", "--date", "2026-12-01", "--source", api.url + "/no-such-path",
                          METRICS_TEXTFILE_DIR=str(textfiles))  # fmt: skip
    assert status == 1
    assert err.strip().splitlines()[-1].startswith("BreweriesApiError: GET http://127.0.0.1:")
    assert "answered 404 after 1 attempts" in err
    assert not (tmp_path / "data" / "lake" / "bronze" / "breweries").exists()  # only the log of the failed step
    run = next((tmp_path / "data" / "lake" / "runs").rglob("*.json"))
    assert json.loads(run.read_text())["failed_step"] == "bronze/extract"
    # the failed run's metrics went where the settings say, for the run-failed alert
    exposition = "".join(path.read_text() for path in textfiles.glob("*.prom"))
    assert 'spotify_mds_run_failed{pipeline="breweries"} 1.0' in exposition
    assert 'spotify_mds_stage_failed{layer="bronze",pipeline="breweries",stage="extract"} 1.0' in exposition


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
