"""Extracting the Spotify Web API into bronze: a thin HTTP client and the streams it reads.

The client (`SpotifyClient`) is ours, on httpx, not spotipy or tekore; docs/spotify_api.md says why
(in short: neither refreshes the token on a 401 and retries, neither bounds a `Retry-After` wait,
and spotipy logs the `Authorization` header at debug level). What it does:

- the refresh-token flow: an access token at the first call, a new one whenever the API answers 401;
- `Retry-After` on 429 (a wait longer than `max_retry_after` is an error, not a day-long sleep),
  exponential back-off on 5xx and connection errors, both bounded by `max_attempts`;
- pagination by following `next` URLs (offset + limit paging objects);
- 404 and 403 raise `EndpointNotServed`: the extract reports the stream and goes on.

Streams (`STREAMS`) are the seed's ten plus `recently_played`:
- *snapshot* streams are what the user's library or charts look like on a date. One file per
  (stream, snapshot date), one line per item with its 1-based rank, so re-running a day rewrites
  the same key with the same bytes (the lake skips identical puts: nothing changes downstream);
- `recently_played` is the only real play history. It is read incrementally with the `after`
  cursor (Unix ms); the cursor lives in the lake (`state/spotify_api/recently_played.json`) and is
  saved only after the page's files are written, so a crash re-reads a page, never skips one.
  Files are partitioned by `played_at` date and named by the cursor they were read from.

Every bronze line is an envelope around the item exactly as the API returned it:
`{"stream", "snapshot_date", "rank", "played_at", "item"}` (the last three as they apply).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from spotify_mds.errors import ConfigError, SpotifyMdsError
from spotify_mds.pipelines.spotify_api.auth import Credentials, SpotifyAuthError, refresh_access_token
from spotify_mds.extras import require
from spotify_mds.lake import Lake

httpx = require("httpx")

logger = logging.getLogger(__name__)

API_BASE_URL = "https://api.spotify.com/v1"
BRONZE_PREFIX = "bronze/spotify_api"
STATE_KEY = "state/spotify_api/recently_played.json"
RECENTLY_PLAYED = "recently_played"


class SpotifyApiError(SpotifyMdsError):
    """The Web API answered with an error the client does not retry (or retried in vain)."""

    def __init__(self, message: str, *, status: int | None = None, endpoint: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint


class EndpointNotServed(SpotifyApiError):
    """404 or 403: the endpoint is gone or closed to this app (e.g. Spotify's editorial playlists)."""


# -- the client -------------------------------------------------------------------------------------
class SpotifyClient:
    """GETs against the Web API with token refresh, bounded retries and pagination."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        api_base_url: str = API_BASE_URL,
        accounts_base_url: str = "https://accounts.spotify.com",
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 5,
        max_retry_after: float = 120.0,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.credentials = credentials
        self.api_base_url = api_base_url.rstrip("/")
        self.accounts_base_url = accounts_base_url
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._sleep = sleep
        self._http = httpx.Client(transport=transport, timeout=timeout, headers={"Accept": "application/json"})
        self._access_token: str | None = None
        self.refreshes = 0
        self.new_refresh_token: str | None = None
        """Set if Spotify rotated the refresh token; the caller should store it (we never log it)."""

    def __enter__(self) -> SpotifyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _refresh(self) -> None:
        """A new access token; the accounts service's 5xx and connection errors are retried like the API's."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                token = refresh_access_token(self._http, self.credentials, accounts_base_url=self.accounts_base_url)
                break
            except SpotifyAuthError as exc:
                refused = exc.status is not None and exc.status < 500  # a bad client or token: retrying won't help
                if refused or attempt == self.max_attempts:
                    raise
                self._pause(attempt, self._backoff(attempt), f"{self.accounts_base_url}/api/token", str(exc))
        self._access_token = token.access_token
        self.refreshes += 1
        if token.refresh_token and token.refresh_token != self.credentials.refresh_token:
            self.new_refresh_token = token.refresh_token
            logger.warning("Spotify issued a new refresh token; store it as SPOTIFY_REFRESH_TOKEN")

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.api_base_url}/{path.lstrip('/')}"

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)  # jitter: many clients must not retry in step

    def _pause(self, attempt: int, seconds: float, url: str, problem: str) -> None:
        if attempt < self.max_attempts:  # no point waiting after the last attempt
            logger.warning("GET %s: %s; attempt %d of %d again in %.1f s", url, problem, attempt + 1, self.max_attempts, seconds)
            self._sleep(seconds)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One GET, retried on 401 (after a token refresh), 429, 5xx and connection errors."""
        url = self.url(path)
        refreshed_for_401 = False
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            if self._access_token is None:
                self._refresh()
            try:
                response = self._http.get(url, params=params, headers={"Authorization": f"Bearer {self._access_token}"})
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                self._pause(attempt, self._backoff(attempt), url, last_problem)
                continue
            status = response.status_code
            if status == 200:
                try:
                    return response.json()
                except ValueError as exc:
                    raise SpotifyApiError(f"GET {url} answered 200 without JSON: {exc}", status=200, endpoint=url) from exc
            message = _error_message(response)
            if status == 401 and not refreshed_for_401:
                logger.info("GET %s: 401 (%s); refreshing the access token", url, message)
                self._access_token = None
                refreshed_for_401 = True
                continue
            if status == 429:
                wait = _retry_after(response)
                if wait > self.max_retry_after:
                    raise SpotifyApiError(
                        f"rate limited on {url}: Spotify asks to wait {wait:.0f} s, more than the {self.max_retry_after:.0f} s allowed",
                        status=429,
                        endpoint=url,
                    )
                last_problem = f"429 (Retry-After {wait:.0f} s)"
                self._pause(attempt, wait, url, last_problem)
                continue
            if status >= 500:
                last_problem = f"{status} {message}"
                self._pause(attempt, self._backoff(attempt), url, last_problem)
                continue
            if status in (403, 404):
                raise EndpointNotServed(f"{status} {message}", status=status, endpoint=url)
            raise SpotifyApiError(f"GET {url} answered {status} {message}", status=status, endpoint=url)
        raise SpotifyApiError(
            f"GET {url} still failing after {self.max_attempts} attempts (last: {last_problem})", endpoint=url
        )

    def paged_items(self, path: str, params: dict[str, Any] | None = None, *, max_items: int | None = None) -> Iterator[dict]:
        """Every item of a paging object, following its `next` URLs."""
        page = self.get(path, params)
        seen = 0
        while True:
            for item in page.get("items") or []:
                yield item
                seen += 1
                if max_items is not None and seen >= max_items:
                    return
            next_url = page.get("next")
            if not next_url:
                return
            page = self.get(next_url)


def _error_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except ValueError:
        return response.text[:200]
    if isinstance(error, dict):
        return str(error.get("message", ""))
    return str(error or "")


def _retry_after(response: httpx.Response) -> float:
    """Seconds from `Retry-After` (Spotify sends whole seconds); 1 s when it is absent or unreadable."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


# -- the streams ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Stream:
    name: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    kind: Literal["snapshot", "incremental"] = "snapshot"
    note: str = ""


# Spotify-owned editorial playlists the seed read its global charts from. Since 2024-11-27 the API
# answers 404 for them to apps created after that date (and to apps without extended access).
TOP_50_GLOBAL = "37i9dQZEVXbMDoHDwVN2tF"
TOP_SONGS_GLOBAL_WEEKLY = "37i9dQZEVXbNG2KDcFcKOF"
VIRAL_50_GLOBAL = "37i9dQZEVXbLiRSasKsNU9"
_EDITORIAL = "Spotify-owned editorial playlist: 404 for apps created after 2024-11-27"
_PAGE = (("limit", "50"),)

STREAMS: tuple[Stream, ...] = (
    Stream("global_top_tracks_daily", f"playlists/{TOP_50_GLOBAL}/tracks", _PAGE, note=_EDITORIAL),
    Stream("global_top_tracks_weekly", f"playlists/{TOP_SONGS_GLOBAL_WEEKLY}/tracks", _PAGE, note=_EDITORIAL),
    Stream("global_viral_tracks_daily", f"playlists/{VIRAL_50_GLOBAL}/tracks", _PAGE, note=_EDITORIAL),
    Stream("user_saved_tracks", "me/tracks", _PAGE),
    Stream("user_top_artists_lt", "me/top/artists", (*_PAGE, ("time_range", "long_term"))),
    Stream("user_top_artists_mt", "me/top/artists", (*_PAGE, ("time_range", "medium_term"))),
    Stream("user_top_artists_st", "me/top/artists", (*_PAGE, ("time_range", "short_term"))),
    Stream("user_top_tracks_lt", "me/top/tracks", (*_PAGE, ("time_range", "long_term"))),
    Stream("user_top_tracks_mt", "me/top/tracks", (*_PAGE, ("time_range", "medium_term"))),
    Stream("user_top_tracks_st", "me/top/tracks", (*_PAGE, ("time_range", "short_term"))),
    Stream(RECENTLY_PLAYED, "me/player/recently-played", kind="incremental"),
)
STREAM_NAMES = tuple(stream.name for stream in STREAMS)
RECENTLY_PLAYED_LIMIT = 50  # the endpoint's maximum


@dataclass
class StreamResult:
    stream: str
    status: Literal["ok", "not_served", "failed"]
    records: int = 0
    files_written: int = 0
    message: str = ""


@dataclass
class ExtractReport:
    snapshot_date: date
    results: list[StreamResult] = field(default_factory=list)

    @property
    def not_served(self) -> list[StreamResult]:
        return [r for r in self.results if r.status == "not_served"]

    @property
    def failed(self) -> list[StreamResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def records(self) -> int:
        return sum(r.records for r in self.results)

    def summary(self) -> str:
        """One line per stream, for logs and the DAG."""
        return "\n".join(
            f"{r.stream}: {r.status}, {r.records} records, {r.files_written} files written"
            + (f" ({r.message})" if r.message else "")
            for r in self.results
        )


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def snapshot_key(stream: str, snapshot_date: date) -> str:
    return f"{BRONZE_PREFIX}/{stream}/date={snapshot_date.isoformat()}/{stream}.ndjson"


def recently_played_key(played_date: str, after: int) -> str:
    return f"{BRONZE_PREFIX}/{RECENTLY_PLAYED}/date={played_date}/{RECENTLY_PLAYED}+{after:013d}.ndjson"


def extract_snapshot(client: SpotifyClient, lake: Lake, stream: Stream, snapshot_date: date) -> StreamResult:
    """Every item of the stream today, one file keyed by (stream, date), one line per rank."""
    items = list(client.paged_items(stream.path, dict(stream.params)))
    key = snapshot_key(stream.name, snapshot_date)
    if not items:
        lake.delete(key)  # an empty library today: yesterday's file of the same date must not linger
        return StreamResult(stream.name, "ok", 0, 0, "no items")
    body = b"\n".join(
        _line({"stream": stream.name, "snapshot_date": snapshot_date.isoformat(), "rank": rank, "item": item})
        for rank, item in enumerate(items, start=1)
    )
    written = lake.put(key, body + b"\n")
    return StreamResult(stream.name, "ok", len(items), int(written))


def read_cursor(lake: Lake) -> int | None:
    """The `after` cursor (Unix ms of the newest play read so far), or None before the first run."""
    # List the folder, not the key: a folder lake lists what is under a prefix, never a file itself,
    # and a read error must not pass for "no state yet" (that would re-read the history from scratch).
    if STATE_KEY not in {info.key for info in lake.list(STATE_KEY.rsplit("/", 1)[0] + "/")}:
        return None
    state = json.loads(lake.get(STATE_KEY))
    return int(state["after"]) if state.get("after") is not None else None


def write_cursor(lake: Lake, after: int) -> None:
    lake.put(STATE_KEY, json.dumps({"stream": RECENTLY_PLAYED, "after": str(after)}).encode())


def _played_ms(played_at: str) -> int:
    return int(datetime.fromisoformat(played_at.replace("Z", "+00:00")).timestamp() * 1000)


def extract_recently_played(client: SpotifyClient, lake: Lake, stream: Stream, *, max_pages: int = 100) -> StreamResult:
    """Plays newer than the saved cursor; files first, then the cursor, page by page."""
    after = read_cursor(lake)
    result = StreamResult(stream.name, "ok")
    for _ in range(max_pages):
        params: dict[str, Any] = {"limit": RECENTLY_PLAYED_LIMIT}
        if after is not None:
            params["after"] = after
        page = client.get(stream.path, params)
        items = page.get("items") or []
        if not items:
            break
        by_date: dict[str, list[bytes]] = {}
        for item in sorted(items, key=lambda i: i["played_at"]):
            by_date.setdefault(item["played_at"][:10], []).append(
                _line({"stream": stream.name, "played_at": item["played_at"], "item": item})
            )
        for played_date, lines in sorted(by_date.items()):
            result.files_written += lake.put(recently_played_key(played_date, after or 0), b"\n".join(lines) + b"\n")
        result.records += len(items)
        cursor = (page.get("cursors") or {}).get("after")
        newest = max(int(cursor) if cursor else 0, *(_played_ms(i["played_at"]) for i in items))
        if after is not None and newest <= after:
            break  # the API gave nothing newer: stop rather than loop
        after = newest
        write_cursor(lake, after)
        if len(items) < RECENTLY_PLAYED_LIMIT:
            break
    if result.records == 0:
        result.message = "no new plays"
    return result


def extract(
    client: SpotifyClient,
    lake: Lake,
    *,
    snapshot_date: date,
    streams: Sequence[str] | None = None,
) -> ExtractReport:
    """Read the chosen streams (all by default) into bronze. An endpoint that is gone is reported,
    not raised; any other failure is reported too, after the remaining streams ran."""
    unknown = sorted(set(streams or ()) - set(STREAM_NAMES))
    if unknown:
        raise ConfigError(f"unknown Spotify stream(s) {', '.join(unknown)}; choose from {', '.join(STREAM_NAMES)}")
    report = ExtractReport(snapshot_date)
    for stream in STREAMS:
        if streams and stream.name not in streams:
            continue
        try:
            if stream.kind == "incremental":
                result = extract_recently_played(client, lake, stream)
            else:
                result = extract_snapshot(client, lake, stream, snapshot_date)
        except EndpointNotServed as exc:
            result = StreamResult(stream.name, "not_served", message=f"{exc}{'; ' + stream.note if stream.note else ''}")
            logger.info("stream %s is not served: %s", stream.name, result.message)  # in the report too
        except SpotifyApiError as exc:
            result = StreamResult(stream.name, "failed", message=str(exc))
            logger.warning("stream %s failed: %s", stream.name, exc)
        report.results.append(result)
    return report
