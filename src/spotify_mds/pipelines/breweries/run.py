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
from spotify_mds.runlog import RunLog

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


def run(
    lake: Lake,
    warehouse: Any,
    source: str,
    snapshot_date: date,
    *,
    state_dir: Path,
    chart_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    client_options: dict[str, Any] | None = None,
    mode: str = "live",
) -> RunResult:
    """The whole run (module docstring); the first failing step's error is raised after its record."""
    day = str(snapshot_date)
    with RunLog(lake, PIPELINE_NAME, params={"date": day, "source": source, "mode": mode, "lake": lake.root}) as log:
        result = RunResult(log.run_id, day, source, chart_path=chart_path)

        @contextmanager
        def step(layer: str, name: str, **inputs: Any) -> Iterator[Any]:
            with log.step(layer, name, **inputs) as record:
                yield record
            result.counts[f"{layer}/{name}"] = dict(record.counts)
            result.seconds[f"{layer}/{name}"] = log.steps[-1]["seconds"]

        with step("bronze", "extract", source=source, date=day) as record:
            landed = stages.extract_bronze(lake, source, snapshot_date, progress=progress, **(client_options or {}))
            record.count(pages=landed.pages, records=landed.records, distinct_ids=landed.manifest["distinct_ids"],
                         meta_total=landed.manifest["meta"].get("total"), pages_written=landed.pages_written,
                         retries=landed.manifest["retries"], refetched_pages=landed.manifest["refetched"])  # fmt: skip
        with step("silver", "clean", date=day) as record:
            built = stages.build_silver(lake, day)
            record.count(bronze_records=built.bronze_records, rows=built.result.rows, quarantined=built.result.quarantined,
                         duplicates=built.result.duplicates, partitions=built.result.partitions,
                         partitions_rewritten=len(built.result.rewritten), partitions_deleted=len(built.result.deleted))  # fmt: skip
        with step("silver", "history", date=day) as record:
            changes = stages.record_history(lake, day, built.rows)
            record.count(previous_date=changes.previous_date, **changes.counts)
        with step("gold", "load", warehouse=warehouse.identity) as record:
            loaded = stages.load_warehouse(lake, warehouse)
            record.count(**{f"{table}_rows_loaded": stats.rows_loaded for table, stats in loaded.items()},
                         files_loaded=sum(stats.files_loaded for stats in loaded.values()))  # fmt: skip
        with step("gold", "transform", warehouse=warehouse.identity) as record:
            marts = stages.build_gold(lake, warehouse, state_dir)
            stages.check_gold(stages.read_gold(lake), built.result.rows)
            record.count(**marts)
        with step("gold", "chart", local_path=chart_path) as record:
            png, shown = stages.draw_chart(lake, chart_path)
            record.count(bytes=len(png), snapshot_date=shown)
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
    offline: bool | None = None,
    source: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    client_options: dict[str, Any] | None = None,
) -> RunResult:
    """The whole run on the configured lake and warehouse (module docstring)."""
    from spotify_mds.lake import lake_from
    from spotify_mds.warehouse import warehouse_from

    with source_for(settings, offline=offline, source=source) as (url, mode):
        return run(lake_from(settings), warehouse_from(settings), url, snapshot_date,
                   state_dir=Path(settings.data_dir) / "dbt", chart_path=chart_path_from(settings),
                   progress=progress, client_options=client_options, mode=mode)  # fmt: skip




__all__ = ["PIPELINE_NAME", "RunResult", "chart_path_from", "run", "run_from_settings", "source_for"]
