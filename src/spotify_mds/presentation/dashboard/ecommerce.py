"""The e-commerce page of the dashboard: the shop's gold marts as five charts.

    GET /ecommerce                the page (static HTML; its script draws what the API returns)
    GET /api/ecommerce/figures    the Plotly figures, from the gold export in the lake

Like the rest of the dashboard it reads only `gold/<mart>/<mart>.parquet` (never the warehouse), and a
mart not exported yet is said as such instead of an empty chart.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from spotify_mds.export import mart_key
from spotify_mds.lake import Lake

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>spotify-mds · e-commerce</title>
<link rel="icon" href="/favicon.ico"><script src="/static/vendor/plotly.min.js"></script>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem;background:#0b1220;color:#e5e7eb}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1rem}
.card{background:#111a2e;border-radius:10px;padding:.5rem;min-height:340px}a{color:#1db954}</style></head>
<body><h1>E-commerce <small>(seed 003)</small></h1><p><a href="/">← listening dashboard</a></p>
<div id="ecommerce" class="grid"></div><script src="/static/ecommerce.js"></script></body></html>"""


def _mart(lake: Lake, mart: str) -> list[dict[str, Any]] | None:
    try:
        return pq.read_table(io.BytesIO(lake.get(mart_key(mart)))).to_pylist()
    except Exception:  # not exported yet
        return None


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "paper_bgcolor": "#111a2e", "plot_bgcolor": "#111a2e",
            "font": {"color": "#e5e7eb"}, "margin": {"t": 48, "r": 16, "b": 48, "l": 56}, **extra}  # fmt: skip


def figures(lake: Lake) -> list[dict[str, Any]]:
    """Each chart as {id, status, figure | message}."""
    out: list[dict[str, Any]] = []

    def add(chart: str, mart: str, build) -> None:
        rows = _mart(lake, mart)
        if rows is None:
            out.append({"id": chart, "status": "missing", "message": f"no data yet for {mart}"})
        else:
            out.append({"id": chart, "status": "ok" if rows else "empty", "figure": build(rows)})

    def revenue(rows):
        rows = sorted(rows, key=lambda r: r["order_date"])
        days = [str(r["order_date"]) for r in rows]
        return {"data": [
            {"type": "bar", "name": "revenue", "x": days, "y": [r["revenue"] for r in rows]},
            {"type": "scatter", "name": "average order value", "x": days, "y": [r["average_order_value"] for r in rows], "yaxis": "y2"},
        ], "layout": _layout("Revenue and average order value per day", yaxis2={"overlaying": "y", "side": "right"})}  # fmt: skip

    def rates(rows):
        rows = sorted(rows, key=lambda r: r["order_date"])
        days = [str(r["order_date"]) for r in rows]
        return {"data": [{"type": "scatter", "name": name.replace("_", " "), "x": days, "y": [r[name] for r in rows]}
                         for name in ("payment_failure_rate", "refund_rate")],
                "layout": _layout("Payment failure and refund rates", yaxis={"tickformat": ".0%"})}  # fmt: skip

    def customers(rows):
        rows = sorted(rows, key=lambda r: r["order_date"])
        days = [str(r["order_date"]) for r in rows]
        return {"data": [{"type": "bar", "name": kind.split("_")[0], "x": days, "y": [r[kind] for r in rows]}
                         for kind in ("new_customers", "returning_customers")],
                "layout": _layout("New and returning customers", barmode="stack")}  # fmt: skip

    def methods(rows):
        names = sorted({r["payment_method"] for r in rows})
        days = sorted({str(r["order_date"]) for r in rows})
        share = {(str(r["order_date"]), r["payment_method"]): r["revenue_share"] for r in rows}
        return {"data": [{"type": "bar", "name": m, "x": days, "y": [share.get((d, m)) or 0 for d in days]} for m in names],
                "layout": _layout("Payment-method mix (share of revenue)", barmode="stack", yaxis={"tickformat": ".0%"})}  # fmt: skip

    def products(rows):
        top = sorted(rows, key=lambda r: r["product_rank"])[:10][::-1]
        return {"data": [{"type": "bar", "orientation": "h", "x": [r["revenue"] for r in top],
                          "y": [f"{r['product_name'] or r['product_id']} ({r['category']})" for r in top]}],
                "layout": _layout("Top 10 products by revenue", margin={"l": 220, "t": 48, "r": 16, "b": 40})}  # fmt: skip

    add("revenue", "ecommerce_daily_sales", revenue)
    add("rates", "ecommerce_daily_sales", rates)
    add("customers", "ecommerce_daily_sales", customers)
    add("methods", "ecommerce_payment_methods", methods)
    add("products", "ecommerce_top_products", products)
    return out


def routes(lake: Lake, headers: dict[str, str]) -> list[Route]:
    def page(request: Request) -> Response:
        return Response(PAGE, media_type="text/html; charset=utf-8", headers=headers)

    def api(request: Request) -> Response:
        return JSONResponse(figures(lake), headers={"Cache-Control": "no-store"})

    return [Route("/ecommerce", page), Route("/api/ecommerce/figures", api)]


__all__ = ["figures", "routes"]
