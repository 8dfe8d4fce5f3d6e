"""The dashboard's health page: every pipeline's last runs, read back from the run records in the lake.

    GET /health       an HTML page (server-rendered, no script: it works where the charts do not)
    GET /api/health   the same as JSON

Per pipeline: the last run's outcome, when, how long, the failed step and its error, each step's
seconds, what was quarantined, the freshness the last quality step judged, and the lag when the run
recorded one (`lag` count). The records are `spotify_mds.runlog`'s, so every pipeline that writes
a RunLog shows up here without any code of its own. Values come from the lake and are escaped.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from spotify_mds.lake import Lake
from spotify_mds.runlog import recent_runs

logger = logging.getLogger(__name__)

RUNS_READ = 60
RUNS_SHOWN = 5


def _count(run: Mapping[str, Any], *names: str) -> float | None:
    """The sum of counts named `names` over the run's steps (None when no step counted them)."""
    values = [
        step["counts"][name]
        for step in run.get("steps", [])
        for name in names
        if isinstance((step.get("counts") or {}).get(name), int | float)
    ]
    return sum(values) if values else None


def summary(lake: Lake, *, limit: int = RUNS_READ) -> dict[str, Any]:
    """{"pipelines": {name: {"last": ..., "runs": [...]}}} from the newest `limit` run records."""
    try:
        runs = recent_runs(lake, limit=limit)
    except Exception as exc:  # noqa: BLE001 - the page says the lake is unreadable, it does not crash
        logger.warning("run records unreadable: %s", exc)
        return {"pipelines": {}, "error": f"run records unreadable: {exc}"}
    pipelines: dict[str, Any] = {}
    for run in runs:
        entry = pipelines.setdefault(run["pipeline"], {"runs": []})
        if len(entry["runs"]) >= RUNS_SHOWN:
            continue
        entry["runs"].append({
            "run_id": run["run_id"],
            "status": run["status"],
            "started_at": run["started_at"],
            "seconds": run.get("seconds"),
            "failed_step": run.get("failed_step"),
            "error": run.get("error"),
            "steps": {f"{s['layer']}/{s['step']}": s.get("seconds") for s in run.get("steps", [])},
            "quarantined": _count(run, "quarantined"),
            "freshness_age_seconds": _count(run, "freshness_age_seconds"),
            "freshness_sla_seconds": _count(run, "freshness_sla_seconds"),
            "lag": _count(run, "lag"),
        })  # fmt: skip
    for entry in pipelines.values():
        entry["last"] = entry["runs"][0]
    return {"pipelines": dict(sorted(pipelines.items()))}


def _hours(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 3600:.1f} h"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


def render(data: Mapping[str, Any]) -> str:
    """The health page's HTML (every value escaped)."""
    e = html.escape
    rows = []
    for name, entry in data["pipelines"].items():
        for run in entry["runs"]:
            status = run["status"]
            freshness = run["freshness_age_seconds"]
            sla = run["freshness_sla_seconds"]
            stale = freshness is not None and sla is not None and freshness > sla
            steps = ", ".join(f"{e(step)} {seconds:.1f}s" for step, seconds in run["steps"].items() if seconds is not None)
            rows.append(
                f'<tr class="{e(status)}"><td>{e(name)}</td><td>{e(str(run["started_at"]))}</td>'
                f'<td class="status">{e(status)}</td><td>{(run["seconds"] or 0):.1f}s</td><td>{steps}</td>'
                f'<td>{e(run["failed_step"] or "")} {e((run["error"] or "")[:300])}</td>'
                f'<td>{_number(run["quarantined"])}</td>'
                f'<td{" class=stale" if stale else ""}>{_hours(freshness)} / {_hours(sla)}</td>'
                f'<td>{_number(run["lag"])}</td></tr>'
            )
    problem = f'<p class="failed">{e(data["error"])}</p>' if data.get("error") else ""
    body = "\n".join(rows) or '<tr><td colspan="9">no run recorded yet</td></tr>'
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>spotify-mds · health</title>
<style>body{{font:14px system-ui,sans-serif;background:#0b1220;color:#e6edf3;margin:2em}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #243047;padding:.4em;text-align:left;vertical-align:top}}
.failed .status,.failed,.stale{{color:#ff6b6b}}.ok .status{{color:#1db954}}.running .status{{color:#f2cc60}}a{{color:#1db954}}</style>
</head><body><h1>Pipeline health</h1><p><a href="/">dashboard</a> · <a href="/api/health">JSON</a> · <a href="/metrics">metrics</a></p>
{problem}<table><thead><tr><th>pipeline</th><th>started</th><th>status</th><th>duration</th><th>steps</th>
<th>failed step / error</th><th>quarantined</th><th>freshness / SLA</th><th>lag</th></tr></thead><tbody>
{body}
</tbody></table></body></html>"""


def health_routes(lake: Lake) -> list[Route]:
    """The page's routes, for the dashboard app."""

    def page(request: Request) -> Response:
        return Response(render(summary(lake)), media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})  # fmt: skip

    def api(request: Request) -> Response:
        return JSONResponse(summary(lake), headers={"Cache-Control": "no-store"})

    return [Route("/health", page), Route("/api/health", api)]
