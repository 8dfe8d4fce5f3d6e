"""A fake Spotify Web API and accounts service: a small threaded HTTP server on 127.0.0.1.

It answers the endpoints the extract reads with the documented response shapes (paging objects
with items/next/total/limit/offset, the cursor-based paging of recently-played, full track and
artist objects), and it can misbehave on demand: the editorial playlists answer 404 (as they do to
new apps since 2024-11-27), `rate_limit()` makes the next requests answer 429 with `Retry-After`,
`fail()` makes them answer 5xx, and `expire_tokens()` makes every issued access token answer 401.

    with FakeSpotify() as fake:
        fake.api_base_url, fake.accounts_base_url   # point the client here
        fake.add_plays(10)                          # the user listens to more music
        fake.requests                               # what the client asked for, in order
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret"
REFRESH_TOKEN = "fake-refresh-token"
AUTH_CODE = "fake-authorization-code"
EDITORIAL_PLAYLISTS = ("37i9dQZEVXbMDoHDwVN2tF", "37i9dQZEVXbNG2KDcFcKOF", "37i9dQZEVXbLiRSasKsNU9")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_GENRES = ("indie pop", "brazilian funk", "techno", "jazz", "mpb", "k-pop", "metal", "lo-fi")


def spotify_id(kind: str, n: int) -> str:
    """A stable 22-character base-62 id, like Spotify's."""
    number = int.from_bytes(hashlib.sha256(f"{kind}:{n}".encode()).digest()[:17])
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(chars)


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class FakeState:
    artists: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    saved: list[dict[str, Any]] = field(default_factory=list)
    plays: list[dict[str, Any]] = field(default_factory=list)  # newest first, as the API lists them
    valid_tokens: set[str] = field(default_factory=set)
    issued: int = 0
    rate_limited: int = 0
    retry_after: int = 1
    failing: int = 0
    failing_status: int = 503
    expire_in: int = 0
    requests: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path?query, status)


class FakeSpotify:
    def __init__(
        self,
        *,
        artists: int = 30,
        tracks: int = 120,
        saved: int = 120,
        plays: int = 60,
        first_play: datetime = datetime(2026, 11, 18, 6, 0, tzinfo=timezone.utc),
        editorial_retired: bool = True,
    ) -> None:
        self.editorial_retired = editorial_retired
        self.state = FakeState()
        self._lock = threading.Lock()
        state = self.state
        for i in range(artists):
            artist_id = spotify_id("artist", i)
            state.artists.append(
                {
                    "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
                    "followers": {"href": None, "total": 1000 * (artists - i)},
                    "genres": [_GENRES[i % len(_GENRES)], _GENRES[(i + 3) % len(_GENRES)]],
                    "href": f"https://api.spotify.com/v1/artists/{artist_id}",
                    "id": artist_id,
                    "images": [],
                    "name": f"Artist {i:02d}",
                    "popularity": 100 - i % 100,
                    "type": "artist",
                    "uri": f"spotify:artist:{artist_id}",
                }
            )
        for i in range(tracks):
            artist = state.artists[i % artists]
            simple_artist = {k: artist[k] for k in ("external_urls", "href", "id", "name", "type", "uri")}
            track_id, album_id = spotify_id("track", i), spotify_id("album", i // 10)
            state.tracks.append(
                {
                    "album": {
                        "album_type": "album",
                        "artists": [simple_artist],
                        "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
                        "href": f"https://api.spotify.com/v1/albums/{album_id}",
                        "id": album_id,
                        "images": [],
                        "name": f"Album {i // 10:02d}",
                        "release_date": f"20{10 + i % 15}-0{1 + i % 9}-15",
                        "release_date_precision": "day",
                        "total_tracks": 10,
                        "type": "album",
                        "uri": f"spotify:album:{album_id}",
                    },
                    "artists": [simple_artist],
                    "disc_number": 1,
                    "duration_ms": 150_000 + (i * 7919) % 150_000,
                    "explicit": i % 5 == 0,
                    "external_ids": {"isrc": f"QZFAKE{i:06d}"},
                    "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
                    "href": f"https://api.spotify.com/v1/tracks/{track_id}",
                    "id": track_id,
                    "is_local": False,
                    "name": f"Track {i:03d}",
                    "popularity": 90 - i % 90,
                    "track_number": 1 + i % 10,
                    "type": "track",
                    "uri": f"spotify:track:{track_id}",
                }
            )
        added = datetime(2026, 1, 1, tzinfo=timezone.utc)
        state.saved = [
            {"added_at": (added + timedelta(days=i)).strftime("%Y-%m-%dT%H:%M:%SZ"), "track": state.tracks[i % tracks]}
            for i in reversed(range(saved))
        ]
        self._next_play = first_play
        self._play_count = 0
        self.add_plays(plays)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- control ------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def accounts_base_url(self) -> str:
        return self.base_url

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self.state.requests)

    def add_plays(self, count: int, *, gap: timedelta = timedelta(minutes=7, seconds=13)) -> list[dict[str, Any]]:
        """The user listens to `count` more tracks, one every `gap`, after the newest play."""
        new = []
        with self._lock:
            for _ in range(count):
                n = self._play_count
                track = self.state.tracks[(n * 37) % len(self.state.tracks)]
                new.append(
                    {
                        "track": track,
                        "played_at": _iso_ms(self._next_play + timedelta(milliseconds=n * 7 % 1000)),
                        "context": {
                            "type": "playlist",
                            "href": "https://api.spotify.com/v1/playlists/fake",
                            "external_urls": {"spotify": "https://open.spotify.com/playlist/fake"},
                            "uri": "spotify:playlist:fake",
                        },
                    }
                )
                self._next_play += gap
                self._play_count += 1
            self.state.plays[:0] = reversed(new)
        return new

    def rate_limit(self, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` API requests answer 429 with `Retry-After: retry_after`."""
        with self._lock:
            self.state.rate_limited, self.state.retry_after = count, retry_after

    def fail(self, count: int = 1, status: int = 503) -> None:
        """The next `count` API requests answer `status` (a 5xx)."""
        with self._lock:
            self.state.failing, self.state.failing_status = count, status

    def expire_tokens(self, *, after_requests: int = 0) -> None:
        """Every access token issued so far answers 401, from now on or after `after_requests` more API calls."""
        with self._lock:
            if after_requests:
                self.state.expire_in = after_requests
            else:
                self.state.valid_tokens.clear()

    def start(self) -> FakeSpotify:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-spotify", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeSpotify:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- responses ----------------------------------------------------------------------------------
    def _paging(self, path: str, items: list[Any], query: dict[str, str], extra: dict[str, str] | None = None) -> tuple[int, dict]:
        limit = int(query.get("limit", "20"))
        offset = int(query.get("offset", "0"))
        if not 1 <= limit <= 50 or offset < 0:
            return 400, {"error": {"status": 400, "message": "Invalid limit"}}
        params = dict(extra or {})

        def link(at: int) -> str:
            return f"{self.api_base_url}{path}?{urlencode({**params, 'offset': at, 'limit': limit})}"

        page = items[offset : offset + limit]
        return 200, {
            "href": link(offset),
            "items": page,
            "limit": limit,
            "next": link(offset + limit) if offset + limit < len(items) else None,
            "offset": offset,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "total": len(items),
        }

    def _recently_played(self, path: str, query: dict[str, str]) -> tuple[int, dict]:
        limit = int(query.get("limit", "20"))
        if not 1 <= limit <= 50:
            return 400, {"error": {"status": 400, "message": "Invalid limit"}}
        if "after" in query and "before" in query:
            return 400, {"error": {"status": 400, "message": "Only one of after and before may be given"}}
        plays = self.state.plays  # newest first
        if "after" in query:
            after = int(query["after"])
            newer = [p for p in plays if _ms(_parse(p["played_at"])) > after]
            page = newer[-limit:]  # the `limit` plays right after the cursor, newest first
        elif "before" in query:
            before = int(query["before"])
            page = [p for p in plays if _ms(_parse(p["played_at"])) < before][:limit]
        else:
            page = plays[:limit]
        cursors = None
        next_url = None
        if page:
            cursors = {"after": str(_ms(_parse(page[0]["played_at"]))), "before": str(_ms(_parse(page[-1]["played_at"])))}
            next_url = f"{self.api_base_url}{path}?{urlencode({'before': cursors['before'], 'limit': limit})}"
        return 200, {
            "href": f"{self.api_base_url}{path}?{urlencode(query)}",
            "items": page,
            "limit": limit,
            "next": next_url,
            "cursors": cursors,
        }

    def _route(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes) -> tuple[int, dict, dict]:
        state = self.state
        if method == "POST" and path == "/api/token":
            return self._token(headers, body)
        if not path.startswith("/v1/"):
            return 404, {"error": {"status": 404, "message": "Service not found"}}, {}
        if state.expire_in > 0:
            state.expire_in -= 1
            if state.expire_in == 0:
                state.valid_tokens.clear()
        auth = headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth.removeprefix("Bearer ") not in state.valid_tokens:
            message = "The access token expired" if auth.startswith("Bearer at-") else "Invalid access token"
            return 401, {"error": {"status": 401, "message": message}}, {}
        if state.rate_limited > 0:
            state.rate_limited -= 1
            return 429, {"error": {"status": 429, "message": "API rate limit exceeded"}}, {"Retry-After": str(state.retry_after)}
        if state.failing > 0:
            state.failing -= 1
            return state.failing_status, {"error": {"status": state.failing_status, "message": "Service unavailable"}}, {}
        api = path.removeprefix("/v1")
        if api == "/me/tracks":
            return (*self._paging(api, state.saved, query), {})
        if api in ("/me/top/tracks", "/me/top/artists"):
            time_range = query.get("time_range", "medium_term")
            if time_range not in ("short_term", "medium_term", "long_term"):
                return 400, {"error": {"status": 400, "message": "Invalid time range"}}, {}
            pool = state.tracks if api.endswith("tracks") else state.artists
            shift = {"short_term": 3, "medium_term": 1, "long_term": 0}[time_range]
            ranked = pool[shift:] + pool[:shift]  # each range its own order
            return (*self._paging(api, ranked[:50 if api.endswith("artists") else 75], query, {"time_range": time_range}), {})
        if api == "/me/player/recently-played":
            return (*self._recently_played(api, query), {})
        if api.startswith("/playlists/") and api.endswith("/tracks"):
            playlist_id = api.split("/")[2]
            if playlist_id in EDITORIAL_PLAYLISTS and not self.editorial_retired:
                items = [
                    {"added_at": "2026-11-17T00:00:00Z", "added_by": {"id": "spotify"}, "is_local": False, "track": t}
                    for t in state.tracks[:50]
                ]
                return (*self._paging(api, items, query), {})
            return 404, {"error": {"status": 404, "message": "Resource not found"}}, {}
        return 404, {"error": {"status": 404, "message": "Service not found"}}, {}

    def _token(self, headers: Any, body: bytes) -> tuple[int, dict, dict]:
        state = self.state
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 400, {"error": "invalid_client", "error_description": "Invalid client"}, {}
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "refresh_token" and form.get("refresh_token") == REFRESH_TOKEN:
            extra = {}
        elif grant == "authorization_code" and form.get("code") == AUTH_CODE and form.get("redirect_uri"):
            extra = {"refresh_token": REFRESH_TOKEN}
        else:
            return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token or code"}, {}
        state.issued += 1
        token = f"at-{state.issued}"
        state.valid_tokens.add(token)
        scope = "user-read-recently-played user-top-read user-library-read"
        return 200, {"access_token": token, "token_type": "Bearer", "scope": scope, "expires_in": 3600, **extra}, {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake._lock:
                    status, payload, extra = fake._route(method, parts.path, query, self.headers, body)
                    fake.state.requests.append((method, parts.path + (f"?{parts.query}" if parts.query else ""), status))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._serve("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._serve("POST")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (quiet tests)
                pass

        return Handler


def _parse(played_at: str) -> datetime:
    return datetime.fromisoformat(played_at.replace("Z", "+00:00"))


if __name__ == "__main__":  # try the extract without a Spotify account: python tests/fakes/spotify_api.py
    import time

    with FakeSpotify() as server:
        print(f"SPOTIFY_API_BASE_URL={server.api_base_url}")
        print(f"SPOTIFY_ACCOUNTS_BASE_URL={server.accounts_base_url}")
        print(f"SPOTIFY_CLIENT_ID={CLIENT_ID}\nSPOTIFY_CLIENT_SECRET={CLIENT_SECRET}\nSPOTIFY_REFRESH_TOKEN={REFRESH_TOKEN}", flush=True)
        try:
            while True:
                time.sleep(60)
                server.add_plays(5)  # the listener keeps listening
        except KeyboardInterrupt:
            pass
