"""Watching the pipelines from the command line: `runs` (the run records in the lake) and
`lag-exporter` (the consumer group's lag for Prometheus, while no lander may be running)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from spotify_mds.commands import _settings, app, console


def runs_table(records: list[dict[str, Any]], *, steps: bool = False) -> Table:
    """Newest first: when, which pipeline, the outcome, how long, and for a failed run the step and why."""
    table = Table(title="recent runs (run records in the lake)", header_style="bold")
    for column in ("started (UTC)", "pipeline", "run id", "status", "seconds", "steps", "failed step", "error"):
        table.add_column(column, justify="right" if column == "seconds" else "left", overflow="fold")
    colours = {"ok": "green", "failed": "red", "running": "yellow"}
    for run in records:
        status = run.get("status", "?")
        names = [f"{s['layer']}/{s['step']}" + ("" if s.get("status") == "ok" else f" ({s.get('status')})")
                 for s in run.get("steps", [])]  # fmt: skip
        table.add_row(
            str(run.get("started_at", ""))[:19].replace("T", " "),
            run.get("pipeline", "?"),
            run.get("run_id", "?"),
            f"[{colours.get(status, 'white')}]{status}[/]",
            f"{run.get('seconds') or 0:,.1f}",
            ", ".join(names) if steps else str(len(names)),
            run.get("failed_step") or "",
            (run.get("error") or "")[:300],
        )
    return table


@app.command()
def runs(
    pipeline: Annotated[Optional[str], typer.Option(help="Only this pipeline's runs (streams, breweries, ...).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many runs, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="The run records as JSON (one array) on standard output.")] = False,
    steps: Annotated[bool, typer.Option("--steps", help="Name each run's steps instead of counting them.")] = False,
) -> None:
    """Recent runs and their outcome, from the run records in the lake (runs/…): the failed step and its error."""
    from spotify_mds.lake import lake_from
    from spotify_mds.runlog import recent_runs

    records = recent_runs(lake_from(_settings()), pipeline=pipeline, limit=limit)
    if as_json:
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not records:
        console.print(f"no run recorded yet{f' for {pipeline}' if pipeline else ''} (runs/ in the lake is empty)")
        return
    Console().print(runs_table(records, steps=steps))


@app.command("lag-exporter")
def lag_exporter(
    port: Annotated[int, typer.Option(help="Serve /metrics on this port.")] = 9308,
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (METRICS_HOST).")] = None,
    topic: Annotated[Optional[str], typer.Option(help="Kafka topic (KAFKA_TOPIC).")] = None,
    group: Annotated[Optional[str], typer.Option(help="Consumer group (KAFKA_GROUP_ID).")] = None,
) -> None:
    """Serve the consumer group's lag (end minus committed offsets) at /metrics until Ctrl-C or SIGTERM.

    It asks the broker on each scrape, without joining the group, so the lag keeps counting while
    no lander runs: what the lag alert needs.
    """
    import signal
    import threading

    from spotify_mds.metrics import serve_metrics
    from spotify_mds.metrics.kafka_lag import KafkaLagMetrics

    settings = _settings(kafka_topic=topic, kafka_group_id=group)
    metrics = KafkaLagMetrics(settings.kafka_bootstrap_servers, settings.kafka_group_id, [settings.kafka_topic])
    server = serve_metrics([metrics.registry], port, host or settings.metrics_host)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print(f"lag of group {settings.kafka_group_id} on {settings.kafka_topic}: "
                  f"http://{host or settings.metrics_host}:{server.server_port}/metrics", highlight=False)  # fmt: skip
    try:
        stop.wait()
    finally:
        server.shutdown()
        metrics.close()
