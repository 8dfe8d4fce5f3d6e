"""The whole breweries run, each step recorded in the lake, and the edge from settings.

`run(...)`: bronze → silver → history → load → gold → chart, each step inside a `RunLog` step of
its layer, so `bronze/logs/`, `silver/logs/` and `gold/logs/` hold one record per step with its
counts, seconds and, when it failed, the error; `runs/pipeline=breweries/…` holds the run.

`run_from_settings(settings, ...)`: the CLI's and the DAG's way in: the lake, the warehouse, the
source (the live API, BREWERIES_API_URL, or the shipped dataset on an in-process stand-in when
offline) and the chart's local path come from the settings here, and nowhere below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from spotify_mds.lake import Lake
from spotify_mds.pipelines.breweries import stages
from spotify_mds.runlog import RunLog, Step

PIPELINE_NAME = "breweries"


@dataclass
class RunResult:
    run_id: str
    snapshot_date: str
    source: str
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per step (`bronze/extract`, `silver/clean`, …): what it counted."""
    seconds: dict[str, float] = field(default_factory=dict)
    chart_path: Path | None = None


@dataclass
class Context:
    """What the steps work on: plain values (the edge made them from settings)."""

    lake: Lake
    warehouse: Any
    source: str
    snapshot_date: date
    state_dir: Path
    chart_path: Path | None = None
    progress: Callable[[int, int], None] | None = None
    client_options: dict[str, Any] = field(default_factory=dict)

    @property
    def day(self) -> str:
        return str(self.snapshot_date)


def _extract(ctx: Context, record: Step) -> None:
    landed = stages.extract_bronze(ctx.lake, ctx.source, ctx.snapshot_date, progress=ctx.progress, **ctx.client_options)
    record.count(pages=landed.pages, records=landed.records, distinct_ids=landed.manifest["distinct_ids"],
                 meta_total=landed.manifest["meta"].get("total"), pages_written=landed.pages_written,
                 retries=landed.manifest["retries"], refetched_pages=landed.manifest["refetched"])  # fmt: skip


def _clean(ctx: Context, record: Step) -> None:
    built = stages.build_silver(ctx.lake, ctx.day)
    record.count(bronze_records=built.bronze_records, rows=built.result.rows, quarantined=built.result.quarantined,
                 duplicates=built.result.duplicates, partitions=built.result.partitions,
                 partitions_rewritten=len(built.result.rewritten), partitions_deleted=len(built.result.deleted),
                 current=built.result.current)  # fmt: skip


def _history(ctx: Context, record: Step) -> None:
    changes = stages.record_history(ctx.lake, ctx.day)
    record.count(previous_date=changes.previous_date, **changes.counts)


def _load(ctx: Context, record: Step) -> None:
    loaded = stages.load_warehouse(ctx.lake, ctx.warehouse)
    record.count(**{f"{table}_rows_loaded": stats.rows_loaded for table, stats in loaded.items()},
                 files_loaded=sum(stats.files_loaded for stats in loaded.values()))  # fmt: skip


def _transform(ctx: Context, record: Step) -> None:
    from spotify_mds.pipelines.breweries import silver

    marts = stages.build_gold(ctx.lake, ctx.warehouse, ctx.state_dir)
    stages.check_gold(stages.read_gold(ctx.lake), silver.manifest(ctx.lake)["rows"])
    record.count(**marts)


def _chart(ctx: Context, record: Step) -> None:
    png, shown = stages.draw_chart(ctx.lake, ctx.chart_path)
    record.count(bytes=len(png), snapshot_date=shown)


STEPS: dict[str, tuple[str, Callable[[Context, Step], None]]] = {
    "extract": ("bronze", _extract),
    "clean": ("silver", _clean),
    "history": ("silver", _history),
    "load": ("gold", _load),
    "transform": ("gold", _transform),
    "chart": ("gold", _chart),
}
"""The steps in order: name → (layer, function). The DAG runs each as a task."""


def run(ctx: Context, steps: tuple[str, ...] = tuple(STEPS), *, mode: str = "live", run_id: str | None = None,
        settings: Any = None) -> RunResult:  # fmt: skip
    """Run `steps` (all by default) in order, each recorded in the lake; the first failing step's
    error is raised after its record (module docstring). The run's metrics are pushed where
    `settings` say (PUSHGATEWAY_URL or METRICS_TEXTFILE_DIR; nowhere by default), failed or not."""
    params = {"date": ctx.day, "source": ctx.source, "mode": mode, "lake": ctx.lake.root, "steps": list(steps)}
    log = RunLog(ctx.lake, PIPELINE_NAME, run_id=run_id, params=params)
    try:
        with log:
            return _run_steps(ctx, steps, log)
    finally:
        if settings is not None:
            from spotify_mds.metrics import push_run

            push_run(log, settings)


def _run_steps(ctx: Context, steps: tuple[str, ...], log: RunLog) -> RunResult:
    result = RunResult(log.run_id, ctx.day, ctx.source, chart_path=ctx.chart_path)
    for name in steps:
        layer, function = STEPS[name]
        inputs = {"date": ctx.day, "source": ctx.source} if name == "extract" else {"date": ctx.day}
        with log.step(layer, name, **inputs) as record:
            function(ctx, record)
        result.counts[f"{layer}/{name}"] = dict(record.counts)
        result.seconds[f"{layer}/{name}"] = log.steps[-1]["seconds"]
    return result


@contextmanager
def source_for(settings: Any, *, offline: bool | None = None, source: str | None = None) -> Iterator[tuple[str, str]]:
    """(URL, mode) of the source: `source` if given; the in-process stand-in on the shipped data
    when offline (argument, else BREWERIES_OFFLINE); else BREWERIES_API_URL (the live API)."""
    if source:
        yield source, "given"
        return
    if offline if offline is not None else settings.breweries_offline:
        from spotify_mds.pipelines.breweries.standin import StandIn

        with StandIn() as standin:
            yield standin.url, "offline"
        return
    yield settings.breweries_api_url, "live"


def chart_path_from(settings: Any) -> Path:
    return Path(settings.data_dir) / "visualizations" / "breweries_per_type_location.png"


def run_from_settings(
    settings: Any,
    snapshot_date: date,
    *,
    steps: tuple[str, ...] = tuple(STEPS),
    offline: bool | None = None,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    client_options: dict[str, Any] | None = None,
    run_id: str | None = None,
) -> RunResult:
    """`steps` (the whole run by default) on the configured lake and warehouse (module docstring).
    The stand-in is started only when the extract runs offline."""
    from spotify_mds.lake import lake_from
    from spotify_mds.warehouse import warehouse_from

    def context(url: str) -> Context:
        return Context(lake_from(settings), warehouse_from(settings), url, snapshot_date,
                       state_dir=Path(settings.data_dir) / "dbt", chart_path=chart_path_from(settings),
                       progress=progress, client_options=dict(client_options or {}))  # fmt: skip

    if "extract" not in steps:
        return run(context(source or settings.breweries_api_url), steps, mode="no-extract", run_id=run_id,
                   settings=settings)  # fmt: skip
    with source_for(settings, offline=offline, source=source) as (url, mode):
        return run(context(url), steps, mode=mode, run_id=run_id, settings=settings)


__all__ = ["PIPELINE_NAME", "STEPS", "Context", "RunResult", "chart_path_from", "run", "run_from_settings", "source_for"]
