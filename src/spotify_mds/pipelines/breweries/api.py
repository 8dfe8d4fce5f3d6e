"""The Open Brewery DB client: every page of `/v1/breweries`, complete or an error.

Guarantees of `fetch_all`:
- each request is retried with exponential back-off on a 5xx, a 429, a timeout or a dropped
  connection (`retries` times); a 4xx is an error at once (a wrong URL does not get better);
- `/meta` is read defensively: the API has served its numbers as strings;
- paging runs until a page past the end comes back empty (the API's own end marker), so breweries
  added while paging are not cut off at the total read before;
- a page shorter than `per_page` before the last one (a hiccup of the server) is fetched again;
- the distinct ids fetched must equal `/meta`'s total (read again once if they differ, as the data
  may have moved while paging): otherwise `ExtractIncomplete`, and the caller lands nothing.

The pages are kept as the bytes served (bronze keeps them exactly), with their parsed records.
A record repeated across pages (offset paging while the data shifts) stays in the pages as served;
silver drops the repeat by id.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spotify_mds.errors import SpotifyMdsError
from spotify_mds.extras import require

logger = logging.getLogger(__name__)

LIVE_URL = "https://api.openbrewerydb.org/v1"
MAX_PER_PAGE = 200
"""The API caps `per_page` at 200."""


class BreweriesApiError(SpotifyMdsError):
    """The Open Brewery DB API failed after retries, or answered something unreadable."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url, self.status = url, status


class ExtractIncomplete(BreweriesApiError):
    """Fewer (or other) breweries were fetched than `/meta` says the API holds: nothing is landed."""

    def __init__(self, message: str, *, url: str = "", expected: int, fetched: int) -> None:
        super().__init__(message, url=url)
        self.expected, self.fetched = expected, fetched


@dataclass
class Page:
    number: int
    body: bytes
    """The bytes as served."""
    records: list[dict[str, Any]]


@dataclass
class Extract:
    source: str
    meta: dict[str, Any]
    """`/meta` as served (numbers possibly strings)."""
    total: int
    """`/meta`'s total, as a number."""
    per_page: int
    pages: list[Page]
    retries: int = 0
    """Requests that were retried (5xx, timeouts, short pages)."""
    api_version: str = "v1"
    seconds: float = 0.0
    refetched: list[int] = field(default_factory=list)
    """Pages fetched again because they came back short."""

    @property
    def records(self) -> int:
        return sum(len(page.records) for page in self.pages)

    @property
    def distinct_ids(self) -> int:
        return len({record.get("id") for page in self.pages for record in page.records})


def as_int(value: Any, name: str, url: str) -> int:
    """A number the API may serve as a string (`"11822"`); BreweriesApiError naming the field otherwise."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise BreweriesApiError(f"/meta field {name!r} is not a number: {value!r}", url=url) from None


class BreweriesClient:
    """A thin client on httpx (`transport` lets unit tests answer in memory)."""

    def __init__(
        self,
        base_url: str = LIVE_URL,
        *,
        per_page: int = MAX_PER_PAGE,
        timeout: float = 30.0,
        retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        transport: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        httpx = require("httpx", purpose="the breweries extract")
        self.base_url = base_url.rstrip("/")
        self.per_page = max(1, min(per_page, MAX_PER_PAGE))
        self.retries, self.backoff, self.max_backoff, self._sleep = retries, backoff, max_backoff, sleep
        self.retried = 0
        self._httpx = httpx
        self._http = httpx.Client(timeout=timeout, transport=transport, headers={"accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BreweriesClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, Any]) -> bytes:
        url = f"{self.base_url}{path}"
        httpx = self._httpx
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._http.get(url, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if last:
                    raise BreweriesApiError(f"GET {url} {params} failed after {attempt + 1} attempts: {exc!r}", url=url) from exc
                reason = type(exc).__name__
            else:
                status = response.status_code
                if status < 400:
                    return response.content
                if status != 429 and status < 500 or last:
                    raise BreweriesApiError(
                        f"GET {url} {params} answered {status} after {attempt + 1} attempts: {response.text[:200]}",
                        url=url, status=status,
                    )  # fmt: skip
                reason = f"HTTP {status}"
            self.retried += 1
            delay = min(self.backoff * 2**attempt, self.max_backoff)
            logger.warning("GET %s %s: %s; retrying in %.1f s", url, params, reason, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _json(self, path: str, params: dict[str, Any]) -> tuple[bytes, Any]:
        body = self._get(path, params)
        try:
            return body, json.loads(body)
        except ValueError as exc:
            raise BreweriesApiError(f"GET {self.base_url}{path} {params} is not JSON: {body[:120]!r}", url=path) from exc

    def meta(self, **filters: Any) -> tuple[dict[str, Any], int]:
        """`/breweries/meta` as served, and its total as a number."""
        _, meta = self._json("/breweries/meta", filters)
        if not isinstance(meta, dict) or "total" not in meta:
            raise BreweriesApiError(f"/meta has no total: {meta!r}", url=self.base_url)
        return meta, as_int(meta["total"], "total", self.base_url)

    def page(self, number: int, **filters: Any) -> Page:
        body, records = self._json("/breweries", {**filters, "page": number, "per_page": self.per_page})
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise BreweriesApiError(f"page {number} is not a JSON array of objects", url=self.base_url)
        return Page(number, body, records)


def fetch_all(client: BreweriesClient, progress: Callable[[int, int], None] | None = None, *, max_refetch: int = 3) -> Extract:
    """Every page, checked complete against `/meta` (module docstring); ExtractIncomplete otherwise.

    `progress(pages_done, pages_expected)` after each page.
    """
    started = time.perf_counter()
    meta, total = client.meta()
    expected_pages = max(1, math.ceil(total / client.per_page))
    pages: list[Page] = []
    number = 1
    while True:
        if number > 2 * expected_pages + 10:  # an API that ignores `page` would page forever
            raise BreweriesApiError(f"page {number} is still not empty though /meta says {total:,} breweries"
                                    f" ({expected_pages} pages): is `page` honoured?", url=client.base_url)  # fmt: skip
        page = client.page(number)
        if not page.records:  # a page past the end: the API's end marker (not kept)
            break
        pages.append(page)
        if progress is not None:
            progress(len(pages), max(expected_pages, len(pages)))
        number += 1
    refetched = []
    for index, page in enumerate(pages[:-1]):
        tries = 0
        while len(page.records) < client.per_page and tries < max_refetch:
            logger.warning("page %d came back short (%d of %d records); fetching it again", page.number, len(page.records), client.per_page)
            page = pages[index] = client.page(page.number)
            refetched.append(page.number)
            tries += 1
    extract = Extract(client.base_url, meta, total, client.per_page, pages, refetched=refetched)
    if extract.distinct_ids != total:
        meta, total = client.meta()  # the data may have changed while paging: judge by the latest total
        extract.meta, extract.total = meta, total
    extract.retries = client.retried + len(refetched)
    extract.seconds = round(time.perf_counter() - started, 3)
    if extract.distinct_ids != total:
        raise ExtractIncomplete(
            f"fetched {extract.distinct_ids:,} distinct breweries in {len(pages)} pages but /meta says {total:,}:"
            " nothing landed",
            url=client.base_url, expected=total, fetched=extract.distinct_ids,
        )  # fmt: skip
    return extract


__all__ = ["LIVE_URL", "MAX_PER_PAGE", "BreweriesApiError", "BreweriesClient", "Extract", "ExtractIncomplete", "Page", "fetch_all"]
