"""The dashboard's breweries page: the seed's chart and the gold aggregate, read from the lake.

    GET /breweries             the page: the chart, breweries per location, the latest changes
    GET /breweries/chart.png   the chart the pipeline drew (`gold/visualizations/…`), 404 before a run
    GET /api/breweries         the aggregate as JSON (`gold/breweries_per_type_location`)

Server-rendered HTML with every name escaped and no script, so the dashboard's content security
policy holds unchanged; like the rest of the dashboard it only reads the gold export.
"""

from __future__ import annotations

import html
import io
from collections import Counter
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from spotify_mds.export import mart_key
from spotify_mds.lake import Lake
from spotify_mds.pipelines.breweries.chart import LAKE_KEY, location

AGGREGATE, CHANGES = "breweries_per_type_location", "brewery_changes_per_country_type"
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": "default-src 'self'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'"}  # fmt: skip

_STYLE = """body{font-family:system-ui,sans-serif;background:#0b1220;color:#e6edf3;margin:2rem}
a{color:#1db954}table{border-collapse:collapse;margin:1rem 0}td,th{padding:.25rem .75rem;border-bottom:1px solid #243042;text-align:left}
td.n{text-align:right}img{max-width:100%;background:#fff;border-radius:6px}.muted{color:#8b98a9}"""


def _rows(lake: Lake, mart: str) -> list[dict[str, Any]] | None:
    import pyarrow.parquet as pq

    try:
        return pq.read_table(io.BytesIO(lake.get(mart_key(mart)))).to_pylist()
    except Exception:  # not exported yet: the page says so
        return None


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{v:,}</td>' if isinstance(v, int) else f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def page_html(lake: Lake) -> str:
    rows = _rows(lake, AGGREGATE)
    if not rows:
        content = '<p class="muted">No breweries exported yet: run <code>spotify-mds breweries run</code>.</p>'
    else:
        per_location = Counter()
        for row in rows:
            per_location[location(row)] += int(row["breweries"])
        per_type = Counter()
        for row in rows:
            per_type[row["brewery_type"]] += int(row["breweries"])
        snapshot = rows[0]["snapshot_date"]
        content = (
            f'<p class="muted">Snapshot {html.escape(str(snapshot))}: {sum(per_type.values()):,} breweries in '
            f"{len(per_location):,} locations.</p>"
            '<img id="breweries-chart" src="/breweries/chart.png" alt="Breweries per type by location">'
            "<h2>Breweries per type</h2>" + _table(("type", "breweries"), per_type.most_common())
            + "<h2>Top locations</h2>" + _table(("country / state", "breweries"), per_location.most_common(25))
        )  # fmt: skip
        changes = _rows(lake, CHANGES) or []
        if changes:
            newest = max(str(row["snapshot_date"]) for row in changes)
            latest = sorted(
                ((row["country"] or "unknown", row["brewery_type"], row["change"], int(row["breweries"]))
                 for row in changes if str(row["snapshot_date"]) == newest),
                key=lambda r: (-r[3], r[:3]),
            )  # fmt: skip
            content += f"<h2>Changes in the snapshot of {html.escape(newest)}</h2>" + _table(("country", "type", "change", "breweries"), latest)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Breweries · spotify-mds</title>'
        f"<style>{_STYLE}</style></head><body><h1>Breweries (Open Brewery DB)</h1>"
        f'<p><a href="/">← the listening dashboard</a></p>{content}</body></html>'
    )


def routes(lake: Lake) -> list[Route]:
    """The page's routes, added to the dashboard's app."""

    def page(request: Request) -> Response:
        return Response(page_html(lake), media_type="text/html; charset=utf-8", headers=_HEADERS)

    def chart(request: Request) -> Response:
        try:
            data = lake.get(LAKE_KEY)
        except Exception:
            return Response("no chart yet: run `spotify-mds breweries run`", 404, media_type="text/plain")
        return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})

    def aggregate(request: Request) -> Response:
        rows = _rows(lake, AGGREGATE)
        payload = {"has_data": rows is not None,
                   "rows": [{**row, "snapshot_date": str(row["snapshot_date"])} for row in rows or []]}  # fmt: skip
        return JSONResponse(payload, headers={"Cache-Control": "no-store"})

    return [Route("/breweries", page), Route("/breweries/chart.png", chart), Route("/api/breweries", aggregate)]


__all__ = ["page_html", "routes"]
