"""The Spotify extract end to end over HTTP against the fake Spotify server (tests/fakes/spotify_api.py):
extract → bronze → RAW → dbt (the Spotify pipeline's models) beside a small simulated load."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import date

import duckdb
import pytest
from fakes.spotify_api import AUTH_CODE, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeSpotify

from spotify_mds import runner
from spotify_mds.pipelines import named
from spotify_mds.pipelines.spotify_api import load_extracted_catalog
from spotify_mds.pipelines.spotify_api import run as spotify
from spotify_mds.pipelines.spotify_api.spotify import STATE_KEY
from spotify_mds.results import RunSummary
from spotify_mds.settings import Settings

pytestmark = [pytest.mark.integration]

EDITORIAL = ["global_top_tracks_daily", "global_top_tracks_weekly", "global_viral_tracks_daily"]


@pytest.fixture
def fake():
    with FakeSpotify() as server:
        yield server


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """No developer .env or SPOTIFY_*/warehouse variables leak in."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SPOTIFY_", "KAFKA_", "MINIO_", "SNOWFLAKE_", "WAREHOUSE", "BROKER", "LAKE_URL", "DUCKDB_PATH", "SIM_", "DATA_DIR")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def close_dbt_log():
    """dbt (1.11) swaps its log file handler without closing it on the next in-process invocation, which
    is a ResourceWarning (an error here) in whichever test runs dbt next: close it after each test."""
    yield
    for log in list(logging.Logger.manager.loggerDict.values()):
        for handler in list(getattr(log, "handlers", [])):
            if isinstance(handler, logging.FileHandler) and handler.baseFilename.endswith("dbt.log"):
                handler.close()


def settings_for(fake: FakeSpotify, tmp_path) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        spotify_client_id=CLIENT_ID,
        spotify_client_secret=CLIENT_SECRET,
        spotify_refresh_token=REFRESH_TOKEN,
        spotify_api_base_url=fake.api_base_url,
        spotify_accounts_base_url=fake.accounts_base_url,
    )


def env_for(fake: FakeSpotify, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY_")}
    return {
        **env,
        "DATA_DIR": str(tmp_path / "data"),
        "SPOTIFY_CLIENT_ID": CLIENT_ID,
        "SPOTIFY_CLIENT_SECRET": CLIENT_SECRET,
        "SPOTIFY_REFRESH_TOKEN": REFRESH_TOKEN,
        "SPOTIFY_API_BASE_URL": fake.api_base_url,
        "SPOTIFY_ACCOUNTS_BASE_URL": fake.accounts_base_url,
        "COLUMNS": "250",
    }


def cli(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from spotify_mds.cli import main; main()", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def play_lines(lake) -> list[dict]:
    return [
        json.loads(line)
        for info in lake.list("bronze/spotify_api/recently_played/")
        for line in lake.get(info.key).splitlines()
    ]


@pytest.mark.e2e
@pytest.mark.slow
def test_extract_load_and_model_real_listening_beside_the_simulated_stream(fake, clean_env, close_dbt_log, tmp_path):
    settings = settings_for(fake, tmp_path)
    lake = runner.lake_from(settings)

    # the simulated pipeline's raw table, small
    summary = RunSummary()
    summary.add(runner.land_embedded(settings, runner.sim_config(settings, max_events=5000)))
    summary.add(runner.load(settings))
    assert summary.loaded == 5000
    # its silver, built by its own pipeline: the Spotify build reads it and never rebuilds it
    summary.add(runner.transform(settings, pipelines=named(["streams"])))
    assert summary.pipelines == ["streams"]

    # day 1: a rate limit on the first request; the editorial playlists are gone
    fake.rate_limit(1, retry_after=1)
    day1 = spotify.extract_to_lake(settings, date(2026, 11, 20))
    assert [r.stream for r in day1.not_served] == EDITORIAL and day1.failed == []
    records = {r.stream: r.records for r in day1.results}
    assert records["user_saved_tracks"] == 120  # three pages of 50
    assert records["user_top_tracks_st"] == 75 and records["user_top_artists_lt"] == 30
    assert records["recently_played"] == 50  # the API's window: the last 50 of the 60 plays
    first_request = next(r for r in fake.requests if r[0] == "GET")
    assert first_request[2] == 429 and fake.requests[fake.requests.index(first_request) + 1][1] == first_request[1]
    assert sum(1 for r in fake.requests if "/me/tracks" in r[1]) == 3
    assert spotify.load_to_raw(settings).rows_loaded == 50 + 120 + 3 * 30 + 3 * 75
    cursor = json.loads(lake.get(STATE_KEY))["after"]

    # day 2, a new process: the access token expired, the user listened to 70 more tracks
    fake.expire_tokens()
    fake.add_plays(70)
    mark = len(fake.requests)
    day2 = spotify.extract_to_lake(settings, date(2026, 11, 21))
    assert {r.stream: r.records for r in day2.results}["recently_played"] == 70  # only the new plays, in two pages
    after_restart = fake.requests[mark:]
    assert after_restart[0] == ("POST", "/api/token", 200)  # a new process starts with a fresh token
    played = [path for _, path, _ in after_restart if "recently-played" in path]
    assert f"after={cursor}" in played[0]
    assert len(play_lines(lake)) == 120 and len({p["played_at"] for p in play_lines(lake)}) == 120
    assert spotify.load_to_raw(settings).files_loaded > 0

    # the access token expires mid-run (on the 5th API call): 401 → refresh → the same request again
    fake.expire_tokens(after_requests=5)
    mark = len(fake.requests)
    versions = {info.key: info.version for info in lake.list("bronze/")}
    again = spotify.extract_to_lake(settings, date(2026, 11, 21))
    rerun = fake.requests[mark:]
    expired = next(i for i, (_, _, status) in enumerate(rerun) if status == 401)
    assert rerun[expired + 1] == ("POST", "/api/token", 200)
    assert rerun[expired + 2] == ("GET", rerun[expired][1], 200)
    assert again.failed == []

    # re-running the day changes nothing: same keys, same bytes, nothing to load
    assert {r.stream: r.records for r in again.results}["recently_played"] == 0
    assert sum(r.files_written for r in again.results) == 0
    assert {info.key: info.version for info in lake.list("bronze/")} == versions
    assert spotify.load_to_raw(settings).files_loaded == 0

    # dbt: the Spotify models and their tests, and nothing of the streams pipeline: 5 staging,
    # 2 intermediate, 3 marts of its own, 4 comparing with the simulated stream (which they read)
    result = spotify.transform(settings)
    assert result.succeeded and result.counts.get("success", 0) == 14 and not result.failures

    con = duckdb.connect(str(settings.duckdb_file))
    try:
        one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
        assert one("SELECT count(*), count(DISTINCT played_at) FROM gold.spotify_api_plays") == (120, 120)
        assert one("SELECT count(*) FROM gold.spotify_api_top_tracks") == (2 * 3 * 75,)
        assert one("SELECT count(*) FROM gold.spotify_api_top_tracks WHERE previous_rank IS NOT NULL") == (3 * 75,)
        assert one("SELECT count(*) FROM silver.stg_spotify_api__chart_tracks") == (0,)
        shares = one(
            "SELECT count(*), round(sum(real_play_share), 9), round(sum(simulated_play_share), 9), sum(real_plays)"
            " FROM gold.spotify_api_hourly_listening_shares"
        )
        assert shares == (24, 1.0, 1.0, 120)
        sources = dict(
            con.execute(
                "SELECT is_from_spotify_api, count(*) FROM gold.spotify_api_tracks GROUP BY 1"
            ).fetchall()
        )
        assert sources[True] == 120 and sources[False] > 0  # the fake's catalog, and the simulated tracks
        assert one("SELECT count(*) FROM gold.spotify_api_top_artist_overlap") == (2 * 3 * 30,)
    finally:
        con.close()

    # the simulator can take its catalog from what was extracted
    catalog = load_extracted_catalog(lake)
    assert catalog is not None and len(catalog) == 120
    assert all(len(row) == 5 and row[4] > 0 for row in catalog)


def test_the_cli_extracts_loads_and_reports_what_spotify_no_longer_serves(fake, clean_env, tmp_path):
    done = cli("extract", "spotify", "--date", "2026-11-20", env=env_for(fake, tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for stream in EDITORIAL:
        assert f"not_served {stream}" in done.stderr
    assert "3 endpoint(s) no longer served" in done.stderr
    assert "loaded 485 rows from 8 Spotify files into RAW" in done.stderr
    assert REFRESH_TOKEN not in done.stderr + done.stdout and CLIENT_SECRET not in done.stderr + done.stdout


def test_the_cli_fails_with_one_line_when_a_stream_keeps_failing(fake, clean_env, tmp_path):
    fake.fail(count=1000, status=502)
    env = env_for(fake, tmp_path)
    done = cli("extract", "spotify", "--stream", "user_saved_tracks", "--no-load", env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("SpotifyApiError: 1 stream(s) failed: user_saved_tracks")
    assert "502" in done.stderr


def test_spotify_token_prints_the_authorize_url_and_exchanges_the_pasted_redirect(fake, clean_env, tmp_path):
    env = env_for(fake, tmp_path)
    del env["SPOTIFY_REFRESH_TOKEN"]
    redirect = f"http://127.0.0.1:8888/callback?code={AUTH_CODE}&state=x"
    done = subprocess.run(
        [sys.executable, "-c", "from spotify_mds.cli import main; main()", "extract", "spotify-token"],
        env=env, cwd=tmp_path, input=redirect + "\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{fake.accounts_base_url}/authorize?client_id={CLIENT_ID}" in done.stderr
    assert "scope=user-read-recently-played+user-top-read+user-library-read" in done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"SPOTIFY_REFRESH_TOKEN={REFRESH_TOKEN}"


@pytest.mark.slow
def test_before_any_extract_the_spotify_models_build_empty_so_the_project_build_keeps_passing(clean_env, close_dbt_log, tmp_path):
    from spotify_mds.pipelines.streams import raw_table
    from spotify_mds.warehouse.duckdb import DuckDBWarehouse
    from spotify_mds.transform import run_dbt

    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    # the simulated pipeline's empty raw table; no Spotify table at all
    DuckDBWarehouse(settings.duckdb_file).create_schemas([raw_table(settings.kafka_topic)])
    result = run_dbt(
        ["build", "--indirect-selection", "cautious"],  # leave out tests that reach unselected models
        env=runner.dbt_env(settings),
        target="duckdb",
        state_dir=settings.data_dir / "dbt",
        select="+spotify_api_hourly_listening_shares +spotify_api_plays",
    )
    assert result.succeeded, result.failures
    con = duckdb.connect(str(settings.duckdb_file))
    try:
        assert con.execute("SELECT count(*), sum(real_plays) FROM gold.spotify_api_hourly_listening_shares").fetchone() == (24, 0)
        assert con.execute("SELECT count(*) FROM gold.spotify_api_plays").fetchone() == (0,)
    finally:
        con.close()
