"""The web app: one HTML page and a few read-only JSON endpoints over the gold export.

    GET /                      the dashboard page (static HTML + JS + CSS from this package)
    GET /static/vendor/plotly.min.js   plotly.js from the installed `plotly` package (no CDN)
    GET /api/status            freshness: has data?, manifest's exported_at and newest_event_at
    GET /api/meta              date range, countries, and the panels (id, title, filters)
    GET /api/kpis?start=&end=&country=          headline numbers
    GET /api/panels/{id}?start=&end=&country=   one panel's Plotly figure, or "no data yet for <mart>"
                                                (not exported yet), or "no data for <filters>" (no rows)
    GET /breweries, /breweries/chart.png, /api/breweries   the breweries page (`breweries.py`)
    GET /health, /api/health   every pipeline's last runs, durations, quarantine, lag, freshness (`health`)
    GET /metrics               the app's requests and errors in Prometheus' format

Only GET exists, so the app cannot change anything. The page polls /api/status and redraws when
the manifest's `exported_at` changes, so it follows a pipeline that keeps exporting.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from spotify_mds.presentation.dashboard import breweries
from spotify_mds.metrics import DashboardMetrics
from spotify_mds.presentation.dashboard.health import health_routes
from spotify_mds.presentation.dashboard import ecommerce
from spotify_mds.presentation.dashboard.panels import PANELS, PANELS_BY_ID
from spotify_mds.presentation.dashboard.queries import GoldReader, InvalidFilter, MissingMart, no_data_message, parse_filters
from spotify_mds.lake import Lake

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
POLL_SECONDS = 12

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="16" fill="#1DB954"/>'
    '<path d="M8 12h16M9 17h14M11 22h10" stroke="#0B1220" stroke-width="2.6" stroke-linecap="round"/></svg>'
)

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:;"
        " connect-src 'self'; frame-ancestors 'none'"
    ),
}


def plotly_js() -> Path:
    """plotly.min.js as shipped inside the `plotly` Python package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise FileNotFoundError(path)
    return path


def _json(payload: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status_code, headers={"Cache-Control": "no-store"})


def create_app(lake: Lake, *, poll_seconds: float = POLL_SECONDS) -> Starlette:
    """The dashboard over `lake`'s gold export (read-only)."""
    reader = GoldReader(lake)
    metrics = DashboardMetrics()
    index_html = (STATIC / "index.html").read_text(encoding="utf-8").replace("__POLL_MS__", str(int(poll_seconds * 1000)))

    def index(request: Request) -> Response:
        return Response(index_html, media_type="text/html; charset=utf-8", headers=_SECURITY_HEADERS)

    def favicon(request: Request) -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    def vendor_plotly(request: Request) -> Response:
        return FileResponse(plotly_js(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    def status(request: Request) -> Response:
        manifest = reader.manifest()
        if not manifest:
            return _json({"has_data": False, "exported_at": None, "newest_event_at": None, "marts": {}})
        return _json({
            "has_data": True,
            "exported_at": manifest.get("exported_at"),
            "newest_event_at": manifest.get("newest_event_at"),
            "marts": {name: info.get("rows") for name, info in manifest.get("marts", {}).items()},
        })

    def meta(request: Request) -> Response:
        return _json({
            **reader.bounds(),
            "panels": [
                {"id": p.id, "title": p.title, "subtitle": p.subtitle, "filters": list(p.filters),
                 "mart": p.marts[0], "wide": p.wide}
                for p in PANELS
            ],
        })

    def kpis(request: Request) -> Response:
        filters = parse_filters(**_filter_args(request))
        return _json(reader.kpis(filters))

    def panel(request: Request) -> Response:
        found = PANELS_BY_ID.get(request.path_params["panel_id"])
        if found is None:
            return _json({"error": "no such panel"}, 404)
        filters = parse_filters(**_filter_args(request))
        try:
            figure = found.figure(reader, filters)
        except MissingMart as missing:
            return _json({"id": found.id, "status": "missing", "mart": missing.mart, "message": str(missing)})
        empty = not any(len(trace.get("x") or trace.get("z") or []) for trace in figure["data"])
        return _json({"id": found.id, "status": "empty" if empty else "ok", "figure": figure,
                      "message": no_data_message(filters) if empty else None})

    def metrics_page(request: Request) -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

    async def invalid_filter(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, InvalidFilter)
        return _json({"error": str(exc), "field": exc.field}, 400)

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/favicon.ico", favicon),
            Route("/static/vendor/plotly.min.js", vendor_plotly),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
            Route("/api/status", status),
            Route("/api/meta", meta),
            Route("/api/kpis", kpis),
            Route("/api/panels/{panel_id}", panel),
            *breweries.routes(lake),  # seed 004's page (dashboard/breweries.py)
            Route("/metrics", metrics_page),
            *health_routes(lake),
            *ecommerce.routes(lake, _SECURITY_HEADERS),  # the e-commerce page (seed 003)
        ],
        exception_handlers={InvalidFilter: invalid_filter},
        middleware=[
            Middleware(metrics.wrap),  # requests and errors by route, for /metrics
            Middleware(GZipMiddleware, minimum_size=2048),  # plotly.min.js: 4.6 MB → 1.4 MB
        ],
        lifespan=_closing(reader),
    )
    return app


def _closing(reader: GoldReader) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        reader.close()

    return lifespan


def _filter_args(request: Request) -> dict[str, str | None]:
    query = request.query_params
    return {"start": query.get("start"), "end": query.get("end"), "country": query.get("country")}


def serve(lake: Lake, host: str = "127.0.0.1", port: int = 8050, *, sock: Any = None) -> None:
    """Serve the dashboard until interrupted; on `sock` (a socket already bound and listening) if given.

    The CLI binds first and only then says where it serves, so a port in use is one clear error.
    """
    import uvicorn

    config = uvicorn.Config(create_app(lake), host=host, port=port, log_level="warning")
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)
