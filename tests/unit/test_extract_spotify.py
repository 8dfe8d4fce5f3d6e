"""The Spotify client and extract against httpx's in-memory transport (no server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from spotify_mds.errors import ConfigError
from spotify_mds.pipelines.spotify_api import auth, load_extracted_catalog
from spotify_mds.pipelines.spotify_api.spotify import (
    STATE_KEY,
    STREAM_NAMES,
    EndpointNotServed,
    SpotifyApiError,
    SpotifyClient,
    extract,
    read_cursor,
    snapshot_key,
)
from spotify_mds.lake import MemoryLake
from spotify_mds.settings import Settings

API = "https://api.test/v1"
ACCOUNTS = "https://accounts.test"
CREDENTIALS = auth.Credentials("cid", "secret", "refresh")


def track(n: int) -> dict:
    return {
        "id": f"t{n}",
        "name": f"Track {n}",
        "type": "track",
        "duration_ms": 200_000 + n,
        "artists": [{"id": f"a{n % 3}", "name": f"Artist {n % 3}"}],
        "album": {"id": "al", "name": "Album"},
    }


class Api:
    """A scripted Web API: `routes` maps a path to a list of responses, consumed in order."""

    def __init__(self, routes: dict[str, list[httpx.Response]] | None = None) -> None:
        self.routes = routes or {}
        self.calls: list[httpx.Request] = []
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if request.url.path == "/api/token":
            self.tokens += 1
            form = parse_qs(request.content.decode())
            assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["refresh"]
            return httpx.Response(200, json={"access_token": f"at{self.tokens}", "expires_in": 3600})
        queue = self.routes.get(request.url.path)
        if not queue:
            return httpx.Response(404, json={"error": {"status": 404, "message": "Resource not found"}})
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def gets(self, path: str) -> list[httpx.Request]:
        return [r for r in self.calls if r.url.path == path]


def client(api: Api, sleeps: list[float], **options) -> SpotifyClient:
    return SpotifyClient(
        CREDENTIALS,
        api_base_url=API,
        accounts_base_url=ACCOUNTS,
        transport=httpx.MockTransport(api),
        sleep=sleeps.append,
        **options,
    )


def page(items: list, *, next_url: str | None = None, total: int | None = None) -> httpx.Response:
    body = {"href": "x", "items": items, "limit": 50, "offset": 0, "next": next_url, "previous": None, "total": total or len(items)}
    return httpx.Response(200, json=body)


# -- the client --------------------------------------------------------------------------------------
def test_a_429_waits_as_long_as_retry_after_says_then_succeeds():
    api = Api({"/v1/me/tracks": [httpx.Response(429, headers={"Retry-After": "7"}), page([{"track": track(1)}])]})
    sleeps: list[float] = []
    with client(api, sleeps) as spotify:
        assert [i["track"]["id"] for i in spotify.paged_items("me/tracks")] == ["t1"]
    assert sleeps == [7.0]


def test_a_retry_after_beyond_the_bound_is_an_error_not_a_day_long_sleep():
    api = Api({"/v1/me/tracks": [httpx.Response(429, headers={"Retry-After": "86400"})]})
    sleeps: list[float] = []
    with client(api, sleeps, max_retry_after=60) as spotify, pytest.raises(SpotifyApiError, match="86400 s"):
        spotify.get("me/tracks")
    assert sleeps == []


def test_server_errors_back_off_exponentially_and_give_up_after_max_attempts():
    api = Api({"/v1/me/tracks": [httpx.Response(503, json={"error": {"status": 503, "message": "down"}})]})
    sleeps: list[float] = []
    with client(api, sleeps, max_attempts=4, backoff_seconds=1, max_backoff_seconds=3) as spotify:
        with pytest.raises(SpotifyApiError, match="after 4 attempts.*503 down"):
            spotify.get("me/tracks")
    assert len(api.gets("/v1/me/tracks")) == 4
    assert len(sleeps) == 3 and all(0 < s <= 3 for s in sleeps)  # none after the last attempt
    assert sleeps[1] > sleeps[0] / 2  # grows (with jitter), capped at max_backoff_seconds


def test_an_expired_access_token_is_refreshed_once_and_the_request_retried():
    api = Api({"/v1/me/tracks": [httpx.Response(401, json={"error": {"status": 401, "message": "The access token expired"}}), page([])]})
    with client(api, []) as spotify:
        assert spotify.get("me/tracks")["items"] == []
        assert spotify.refreshes == 2
    first, second = api.gets("/v1/me/tracks")
    assert first.headers["Authorization"] == "Bearer at1" and second.headers["Authorization"] == "Bearer at2"


def test_a_token_rejected_even_after_refresh_is_an_error():
    api = Api({"/v1/me/tracks": [httpx.Response(401, json={"error": {"status": 401, "message": "Invalid access token"}})]})
    with client(api, []) as spotify, pytest.raises(SpotifyApiError, match="401 Invalid access token") as caught:
        spotify.get("me/tracks")
    assert caught.value.status == 401


def test_pagination_follows_next_urls():
    api = Api(
        {
            "/v1/me/tracks": [
                page([{"track": track(1)}], next_url=f"{API}/me/tracks?offset=1&limit=1", total=2),
                page([{"track": track(2)}], total=2),
            ]
        }
    )
    with client(api, []) as spotify:
        assert [i["track"]["id"] for i in spotify.paged_items("me/tracks", {"limit": 1})] == ["t1", "t2"]
    assert [r.url.params.get("offset") for r in api.gets("/v1/me/tracks")] == [None, "1"]


def test_a_404_is_endpoint_not_served():
    with client(Api(), []) as spotify, pytest.raises(EndpointNotServed, match="404 Resource not found"):
        spotify.get("playlists/37i9dQZEVXbMDoHDwVN2tF/tracks")


def test_an_unusable_refresh_token_names_the_settings_to_check():
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Invalid refresh token"})

    spotify = SpotifyClient(CREDENTIALS, api_base_url=API, accounts_base_url=ACCOUNTS, transport=httpx.MockTransport(refuse))
    with spotify, pytest.raises(auth.SpotifyAuthError, match="invalid_grant: Invalid refresh token.*SPOTIFY_CLIENT_ID"):
        spotify.get("me/tracks")


def test_an_accounts_service_hiccup_is_retried():
    answers = [httpx.Response(503, text="busy"), httpx.Response(200, json={"access_token": "at", "expires_in": 3600})]

    def accounts_then_api(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/token":
            return answers.pop(0)
        return page([])

    sleeps: list[float] = []
    spotify = SpotifyClient(
        CREDENTIALS, api_base_url=API, accounts_base_url=ACCOUNTS, transport=httpx.MockTransport(accounts_then_api), sleep=sleeps.append
    )
    with spotify:
        assert spotify.get("me/tracks")["items"] == []
    assert len(sleeps) == 1 and answers == []


def test_credentials_and_tokens_never_show_in_a_repr():
    assert "secret" not in repr(CREDENTIALS) and "refresh" not in repr(CREDENTIALS)
    assert "tok" not in repr(auth.Token("tok", 3600, "tok2"))
    settings = Settings(_env_file=None, spotify_client_secret="s3cr3t", spotify_refresh_token="r3fr3sh")
    assert "s3cr3t" not in repr(settings) and "r3fr3sh" not in repr(settings)


# -- auth helpers -----------------------------------------------------------------------------------
def test_missing_credentials_are_named_in_one_line():
    with pytest.raises(ConfigError) as caught:
        auth.require_credentials("cid", "", "")
    message = str(caught.value)
    assert "\n" not in message
    assert "SPOTIFY_CLIENT_SECRET, SPOTIFY_REFRESH_TOKEN" in message and "SPOTIFY_CLIENT_ID" not in message
    assert "spotify-token" in message


def test_the_cli_without_credentials_exits_non_zero_with_one_line_naming_them(mds, tmp_path):
    status, err = mds("extract", "spotify", "--no-load", DATA_DIR=str(tmp_path / "data"))
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ConfigError: ") and "SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET, SPOTIFY_REFRESH_TOKEN" in lines[0]
    assert not (tmp_path / "data").exists()  # nothing half-done


def test_authorize_url_asks_for_the_three_scopes():
    url = auth.authorize_url("cid", "http://127.0.0.1:8888/callback", accounts_base_url=ACCOUNTS)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ACCOUNTS}/authorize"
    assert query["scope"] == ["user-read-recently-played user-top-read user-library-read"]
    assert query["response_type"] == ["code"] and query["redirect_uri"] == ["http://127.0.0.1:8888/callback"]


@pytest.mark.parametrize(
    "pasted",
    ["AQDcode-123", "  AQDcode-123\n", "http://127.0.0.1:8888/callback?code=AQDcode-123&state=x", "code=AQDcode-123"],
)
def test_the_code_is_taken_from_the_code_or_the_whole_redirect_url(pasted):
    assert auth.code_from_input(pasted) == "AQDcode-123"


def test_a_denied_authorization_is_a_clear_error():
    with pytest.raises(ConfigError, match="no authorization code"):
        auth.code_from_input("http://127.0.0.1:8888/callback?error=access_denied")


# -- the extract ------------------------------------------------------------------------------------
def recently_played(items: list[tuple[int, str]], *, after: str | None = None) -> httpx.Response:
    body = {
        "href": "x",
        "limit": 50,
        "next": None,
        "cursors": {"after": after, "before": "1"} if after else None,
        "items": [{"track": track(n), "played_at": at, "context": None} for n, at in items],
    }
    return httpx.Response(200, json=body)


def library_api() -> Api:
    return Api(
        {
            "/v1/me/tracks": [page([{"added_at": "2026-01-01T00:00:00Z", "track": track(n)} for n in range(3)])],
            "/v1/me/top/tracks": [page([track(n) for n in range(4)])],
            "/v1/me/top/artists": [page([{"id": "a1", "name": "Artist 1", "type": "artist"}])],
            "/v1/me/player/recently-played": [recently_played([(9, "2026-11-20T23:59:00.000Z"), (8, "2026-11-21T00:01:00.500Z")], after="1795219260500")],
        }
    )


def test_retired_endpoints_are_reported_and_the_rest_extracted():
    lake = MemoryLake()
    with client(library_api(), []) as spotify:
        report = extract(spotify, lake, snapshot_date=date(2026, 11, 21))
    assert [r.stream for r in report.not_served] == ["global_top_tracks_daily", "global_top_tracks_weekly", "global_viral_tracks_daily"]
    assert all("404" in r.message and "2024-11-27" in r.message for r in report.not_served)
    assert report.failed == []
    by_stream = {r.stream: r for r in report.results}
    assert list(by_stream) == list(STREAM_NAMES)
    assert by_stream["user_saved_tracks"].records == 3 and by_stream["user_top_tracks_st"].records == 4
    lines = lake.get(snapshot_key("user_top_tracks_st", date(2026, 11, 21))).splitlines()
    assert [json.loads(line)["rank"] for line in lines] == [1, 2, 3, 4]
    assert json.loads(lines[0]) == {"stream": "user_top_tracks_st", "snapshot_date": "2026-11-21", "rank": 1, "item": track(0)}
    # plays are partitioned by the day they were played
    assert sorted(k for k in lake.objects if "recently_played/" in k) == [
        "bronze/spotify_api/recently_played/date=2026-11-20/recently_played+0000000000000.ndjson",
        "bronze/spotify_api/recently_played/date=2026-11-21/recently_played+0000000000000.ndjson",
    ]
    assert read_cursor(lake) == 1795219260500


def test_a_stream_that_keeps_failing_is_reported_after_the_others_ran():
    api = library_api()
    api.routes["/v1/me/tracks"] = [httpx.Response(500, json={"error": {"status": 500, "message": "boom"}})]
    with client(api, [], max_attempts=2) as spotify:
        report = extract(spotify, MemoryLake(), snapshot_date=date(2026, 11, 21))
    assert [r.stream for r in report.failed] == ["user_saved_tracks"]
    assert {r.status for r in report.results if r.stream.startswith("user_top")} == {"ok"}


def test_rerunning_a_day_rewrites_nothing():
    lake = MemoryLake()
    with client(library_api(), []) as spotify:
        extract(spotify, lake, snapshot_date=date(2026, 11, 21), streams=["user_top_tracks_st", "user_saved_tracks"])
        before = {info.key: info.version for info in lake.list("")}
        report = extract(spotify, lake, snapshot_date=date(2026, 11, 21), streams=["user_top_tracks_st", "user_saved_tracks"])
    assert {info.key: info.version for info in lake.list("")} == before
    assert [r.files_written for r in report.results] == [0, 0]


def test_recently_played_resumes_from_the_saved_cursor_after_a_restart():
    lake = MemoryLake()
    first = Api({"/v1/me/player/recently-played": [recently_played([(1, "2026-11-20T10:00:00.000Z")], after="1795168800000")]})
    with client(first, []) as spotify:
        extract(spotify, lake, snapshot_date=date(2026, 11, 20), streams=["recently_played"])
    assert first.gets("/v1/me/player/recently-played")[0].url.params.get("after") is None
    # a new process, a new client: the cursor comes from the lake
    second = Api(
        {
            "/v1/me/player/recently-played": [
                recently_played([(2, "2026-11-20T11:00:00.000Z")], after="1795172400000"),
                recently_played([]),
            ]
        }
    )
    with client(second, []) as spotify:
        report = extract(spotify, lake, snapshot_date=date(2026, 11, 20), streams=["recently_played"])
    assert second.gets("/v1/me/player/recently-played")[0].url.params["after"] == "1795168800000"
    assert report.results[0].records == 1
    assert json.loads(lake.get(STATE_KEY))["after"] == "1795172400000"
    assert "recently_played+1795168800000.ndjson" in " ".join(lake.objects)


def test_an_unknown_stream_is_a_config_error():
    with client(Api(), []) as spotify, pytest.raises(ConfigError, match="unknown Spotify stream.*user_top_songs"):
        extract(spotify, MemoryLake(), snapshot_date=date(2026, 11, 20), streams=["user_top_songs"])


# -- the catalog for the simulator ------------------------------------------------------------------
def test_no_extract_means_no_catalog():
    assert load_extracted_catalog(MemoryLake()) is None


def test_the_catalog_holds_each_extracted_track_once_with_its_first_artist():
    lake = MemoryLake()
    with client(library_api(), []) as spotify:
        extract(spotify, lake, snapshot_date=date(2026, 11, 21))
    lake.put(
        "bronze/spotify_api/user_saved_tracks/date=2026-11-22/user_saved_tracks.ndjson",
        json.dumps({"stream": "user_saved_tracks", "rank": 1, "item": {"track": {"id": "ep1", "type": "episode"}}}).encode(),
    )
    catalog = load_extracted_catalog(lake)
    assert catalog is not None
    assert [row[0] for row in catalog] == ["t0", "t1", "t2", "t3", "t8", "t9"]  # top + saved + played, no artists, no episodes
    assert catalog[1] == ("t1", "Track 1", "a1", "Artist 1", 200_001)


def test_the_spotify_settings_come_from_the_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("SPOTIFY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "id-from-env")
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "secret-from-env")
    monkeypatch.setenv("SPOTIFY_REFRESH_TOKEN", "refresh-from-env")
    monkeypatch.setenv("SPOTIFY_API_BASE_URL", "http://127.0.0.1:9/v1")
    settings = Settings(_env_file=None)
    assert settings.spotify_client_id == "id-from-env"
    assert settings.spotify_client_secret.get_secret_value() == "secret-from-env"
    assert settings.spotify_refresh_token.get_secret_value() == "refresh-from-env"
    assert settings.spotify_api_base_url == "http://127.0.0.1:9/v1"
    assert settings.spotify_accounts_base_url == "https://accounts.spotify.com"
    assert settings.spotify_redirect_uri == "http://127.0.0.1:8888/callback"


def test_without_the_spotify_extra_the_cli_says_what_to_install(tmp_path):
    code = "import sys; sys.modules['httpx'] = None; from spotify_mds.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "extract", "spotify"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == "ComponentUnavailable: the Spotify extract needs httpx: pip install 'spotify-mds[spotify]'"
