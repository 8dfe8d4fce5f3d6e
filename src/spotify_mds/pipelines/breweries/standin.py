"""A stand-in for the Open Brewery DB API on the real dataset, served over real HTTP, with faults on demand.

It serves the shapes of the live API (see `data/` and the README's breweries section):
- `GET /v1/breweries?page=&per_page=`: a JSON array; `per_page` defaults to 50 and is capped at 200;
  a page past the end is `[]`. Filters `by_city`, `by_name` (substring, any case), `by_country`,
  `by_state`, `by_type` (whole value, any case, `_` for a space), `by_postal` (prefix), `by_ids`
  (comma-separated); order by `by_dist=lat,lng` or `sort=field[:asc|desc],…`;
- `GET /v1/breweries/meta` (same filters): `{"total", "page", "per_page"}` with the numbers as
  strings, as the live API has served them;
- `GET /v1/breweries/{id}` (404 `{"message": "Couldn't find Brewery"}`), `/random?size=` (≤ 50),
  `/search?query=`;
- each object carries the dataset's columns plus the deprecated aliases `state` (= state_province)
  and `street` (= address_1); empty values are `null`, coordinates numbers or `null`.

Faults (`Faults`, changed while it serves): a 503 on a page for its next N requests, a short page
(its last records cut) once, a slow page (seconds of delay) once, and a duplicate across pages (the
record before page N's first served again at its head, as offset paging does when a row is inserted
ahead of the reader). `requests` records what was asked, for tests.

The dataset ships with the package (`data/breweries.csv.gz`, MIT, its LICENSE beside it), so an
offline run needs no network: `spotify-mds breweries run --offline`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from spotify_mds.extras import require

COLUMNS = ("id", "name", "brewery_type", "address_1", "address_2", "address_3", "city", "state_province",
           "postal_code", "country", "longitude", "latitude", "phone", "website_url")  # fmt: skip
DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_RANDOM = 50, 200, 50


def shipped_dataset() -> Path:
    """The dataset that ships with the package (gzip'd CSV)."""
    return Path(str(resources.files("spotify_mds.pipelines.breweries") / "data" / "breweries.csv.gz"))


def read_dataset(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The breweries of a CSV (plain or .gz; the shipped one by default) as the API serves them."""
    path = Path(path) if path else shipped_dataset()
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    return [as_served(row) for row in csv.DictReader(io.StringIO(text, newline=""))]


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def as_served(row: dict[str, Any]) -> dict[str, Any]:
    """One CSV row as the API's JSON object: nulls for empties, numeric coordinates, the aliases."""
    record: dict[str, Any] = {name: (row.get(name) if row.get(name) not in ("",) else None) for name in COLUMNS}
    for name in ("longitude", "latitude"):
        if isinstance(record[name], str):
            record[name] = _number(record[name])
    record["state"] = record["state_province"]
    record["street"] = record["address_1"]
    return record


@dataclass
class Faults:
    """Faults to inject, keyed by page number (changed by tests while the server runs)."""

    unavailable: dict[int, int] = field(default_factory=dict)
    """page → how many more requests of it get 503."""
    short: dict[int, int] = field(default_factory=dict)
    """page → how many records to cut from its end, once."""
    slow: dict[int, float] = field(default_factory=dict)
    """page → seconds to wait before answering, once."""
    duplicate_at: set[int] = field(default_factory=set)
    """pages whose head repeats the record served just before them (every later page shifts by one)."""
    meta_unavailable: int = 0


def _norm(value: str) -> str:
    return value.replace("_", " ").strip().casefold()


def _matches(record: dict[str, Any], params: dict[str, str]) -> bool:
    def text(name: str) -> str:
        return (record.get(name) or "").casefold()

    checks = {
        "by_city": lambda v: _norm(v) in text("city"),
        "by_name": lambda v: _norm(v) in text("name"),
        "by_country": lambda v: _norm(v) == text("country"),
        "by_state": lambda v: _norm(v) == text("state_province"),
        "by_type": lambda v: _norm(v) == text("brewery_type"),
        "by_postal": lambda v: text("postal_code").startswith(v.strip().casefold()),
        "by_ids": lambda v: record.get("id") in {i.strip() for i in v.split(",")},
    }
    return all(check(params[name]) for name, check in checks.items() if params.get(name))


def _ordered(records: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
    """`by_dist=lat,lng` (nearest first; breweries without coordinates left out), else
    `sort=field[:asc|desc],…` (`type` for brewery_type; nulls last), else the dataset's order."""
    if params.get("by_dist"):
        try:
            lat, lng = (float(v) for v in params["by_dist"].split(","))
        except ValueError:
            return []
        located = [r for r in records if r.get("latitude") is not None and r.get("longitude") is not None]
        return sorted(located, key=lambda r: (r["latitude"] - lat) ** 2 + (r["longitude"] - lng) ** 2)
    for item in reversed([part for part in params.get("sort", "").split(",") if part.strip()]):
        name, _, direction = item.strip().partition(":")
        name = "brewery_type" if name == "type" else name
        if name not in COLUMNS:
            continue
        present = sorted((r for r in records if r.get(name) is not None), key=lambda r: r[name],
                         reverse=direction.lower() == "desc")  # fmt: skip
        records = present + [r for r in records if r.get(name) is None]
    return records


class StandIn:
    """The stand-in server: `with StandIn(records) as api: api.url` → `http://127.0.0.1:PORT/v1`."""

    def __init__(self, records: Iterable[dict[str, Any]] | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.records = list(records) if records is not None else read_dataset()
        self.faults = Faults()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.host, self.port = host, port or _free_port(host)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    # -- what it serves ---------------------------------------------------------------------------
    def _filtered(self, params: dict[str, str]) -> list[dict[str, Any]]:
        return _ordered([record for record in self.records if _matches(record, params)], params)

    def _served_order(self, records: list[dict[str, Any]], per_page: int) -> list[dict[str, Any]]:
        served = list(records)
        for page in sorted(self.faults.duplicate_at, reverse=True):
            at = (page - 1) * per_page
            if 0 < at <= len(served):
                served.insert(at, served[at - 1])
        return served

    def list_page(self, params: dict[str, str]) -> tuple[int, Any, float]:
        """(status, body, delay) for `/breweries`."""
        try:
            page = max(1, int(params.get("page") or 1))
            per_page = min(max(1, int(params.get("per_page") or DEFAULT_PER_PAGE)), MAX_PER_PAGE)
        except ValueError:
            return 400, {"message": "page and per_page must be numbers"}, 0.0
        with self._lock:
            if self.faults.unavailable.get(page, 0) > 0:
                self.faults.unavailable[page] -= 1
                return 503, {"message": "Service Unavailable"}, 0.0
            delay = self.faults.slow.pop(page, 0.0)
            cut = self.faults.short.pop(page, 0)
        served = self._served_order(self._filtered(params), per_page)
        body = served[(page - 1) * per_page : page * per_page]
        if cut:
            body = body[: max(0, len(body) - cut)]
        return 200, body, delay

    def meta(self, params: dict[str, str]) -> tuple[int, Any]:
        with self._lock:
            if self.faults.meta_unavailable > 0:
                self.faults.meta_unavailable -= 1
                return 503, {"message": "Service Unavailable"}
        total = len(self._filtered(params))
        return 200, {"total": str(total), "page": str(params.get("page") or 1),
                     "per_page": str(params.get("per_page") or DEFAULT_PER_PAGE)}  # fmt: skip

    def one(self, brewery_id: str) -> tuple[int, Any]:
        for record in self.records:
            if record["id"] == brewery_id:
                return 200, record
        return 404, {"message": "Couldn't find Brewery"}

    def random(self, params: dict[str, str]) -> tuple[int, Any]:
        size = min(max(1, int(params.get("size") or 1)), MAX_RANDOM)
        return 200, random.sample(self.records, min(size, len(self.records)))

    def search(self, params: dict[str, str]) -> tuple[int, Any]:
        query = _norm(params.get("query", ""))
        per_page = min(int(params.get("per_page") or DEFAULT_PER_PAGE), MAX_PER_PAGE)
        hits = [r for r in self.records if query and any(query in (r.get(k) or "").casefold() for k in ("name", "city", "state_province"))]
        return 200, hits[:per_page]

    # -- the HTTP server --------------------------------------------------------------------------
    def app(self) -> Any:
        purpose = "the breweries stand-in"
        Starlette = require("starlette.applications", purpose=purpose).Starlette
        Response = require("starlette.responses", purpose=purpose).Response
        Route = require("starlette.routing", purpose=purpose).Route

        def reply(status: int, body: Any) -> Response:
            return Response(json.dumps(body, ensure_ascii=False).encode(), status, media_type="application/json")

        async def breweries(request: Any) -> Response:
            params = dict(request.query_params)
            self.requests.append(("/breweries", params))
            status, body, delay = self.list_page(params)
            if delay:
                import asyncio

                await asyncio.sleep(delay)
            return reply(status, body)

        async def meta(request: Any) -> Response:
            params = dict(request.query_params)
            self.requests.append(("/breweries/meta", params))
            return reply(*self.meta(params))

        async def random_(request: Any) -> Response:
            return reply(*self.random(dict(request.query_params)))

        async def search(request: Any) -> Response:
            return reply(*self.search(dict(request.query_params)))

        async def one(request: Any) -> Response:
            return reply(*self.one(request.path_params["brewery_id"]))

        return Starlette(routes=[
            Route("/v1/breweries", breweries),
            Route("/v1/breweries/meta", meta),
            Route("/v1/breweries/random", random_),
            Route("/v1/breweries/search", search),
            Route("/v1/breweries/{brewery_id}", one),
        ])  # fmt: skip

    def start(self) -> StandIn:
        uvicorn = require("uvicorn", purpose="the breweries stand-in")
        config = uvicorn.Config(self.app(), host=self.host, port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # it runs in a thread of the caller
        self._thread = threading.Thread(target=self._server.run, name="breweries-standin", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the breweries stand-in did not start on {self.host}:{self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


__all__ = ["Faults", "StandIn", "as_served", "read_dataset", "shipped_dataset"]
