"""The breweries commands: `breweries run` (seed 004's whole pipeline) and `breweries serve` (the stand-in)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Optional

import typer

from spotify_mds.commands import _stage_settings, app, console

breweries_app = typer.Typer(help="Open Brewery DB (seed 004): API → bronze → silver → history → gold → chart.",
                            no_args_is_help=True)  # fmt: skip
app.add_typer(breweries_app, name="breweries")


@breweries_app.command("run")
def run(
    day: Annotated[Optional[datetime], typer.Option("--date", formats=["%Y-%m-%d"], help="Snapshot date (UTC; default today).")] = None,
    offline: Annotated[Optional[bool], typer.Option("--offline/--live", help="Serve the shipped dataset from an in-process stand-in (default: BREWERIES_OFFLINE).")] = None,
    source: Annotated[Optional[str], typer.Option("--source", help="API base URL (default: BREWERIES_API_URL, the live API).")] = None,
) -> None:
    """Run the whole breweries pipeline on the configured lake and warehouse; a summary at the end."""
    from rich.table import Table

    from spotify_mds.console import progress_bar
    from spotify_mds.pipelines.breweries.run import run_from_settings

    settings = _stage_settings()
    snapshot_date = (day or datetime.now(timezone.utc)).date()
    with progress_bar(console) as bar:
        task = bar.add_task("paging the API", total=None)

        def progress(done: int, expected: int) -> None:
            bar.update(task, completed=done, total=expected)

        result = run_from_settings(settings, snapshot_date, offline=offline, source=source, progress=progress)
    table = Table(title=f"breweries run {result.run_id} (snapshot {result.snapshot_date})", header_style="bold")
    for column in ("step", "seconds", "counts"):
        table.add_column(column)
    for step, counts in result.counts.items():
        shown = ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in counts.items())
        table.add_row(step, f"{result.seconds[step]:.1f}", shown)
    console.print(table)
    console.print(f"source: {result.source}", highlight=False, soft_wrap=True)
    console.print(f"chart: {result.chart_path} (and gold/visualizations/ in the lake)", highlight=False, soft_wrap=True)


@breweries_app.command("changes")
def changes(
    since: Annotated[datetime, typer.Option("--since", formats=["%Y-%m-%d"], help="Snapshots after this date (UTC).")],
    country: Annotated[Optional[str], typer.Option(help="Only this country (as spelled in silver).")] = None,
    show: Annotated[int, typer.Option("--show", help="Also list up to this many breweries that changed.")] = 0,
) -> None:
    """What changed since a date: breweries opened, closed, retyped and moved, per snapshot (from the lake)."""
    from collections import Counter

    from rich.table import Table

    from spotify_mds.lake import lake_from
    from spotify_mds.pipelines.breweries import history

    day = since.date().isoformat()
    found = [c for c in history.read_all(lake_from(_stage_settings()))
             if c["snapshot_date"] > day and (country is None or c["country"] == country)]  # fmt: skip
    counts = Counter((c["snapshot_date"], c["change"]) for c in found)
    table = Table(title=f"breweries changed since {day}" + (f" in {country}" if country else ""), header_style="bold")
    for column in ("snapshot", *history.KINDS):
        table.add_column(column, justify="right")
    for snapshot in sorted({c["snapshot_date"] for c in found}):
        table.add_row(snapshot, *(f"{counts[(snapshot, kind)]:,}" for kind in history.KINDS))
    console.print(table if found else f"no change recorded after {day}")
    for c in found[:show]:
        detail = f"{c['previous_value']} → {c['value']}" if c["previous_value"] else ""
        console.print(f"{c['snapshot_date']} {c['change']:>7} {c['name']} ({c['country']}, {c['brewery_type']}) {detail}",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip


@breweries_app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free one).")] = 8060,
) -> None:
    """Serve the shipped dataset as the Open Brewery DB API would, until Ctrl-C (for BREWERIES_API_URL)."""
    import time

    from spotify_mds.pipelines.breweries.standin import StandIn

    with StandIn(port=port) as standin:
        console.print(f"serving {len(standin.records):,} breweries at {standin.url} (Ctrl-C stops)", highlight=False)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
