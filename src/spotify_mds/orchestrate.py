"""Orchestration: the stages cut to a scheduler's data interval, for the Airflow DAG (or any other).

A scheduler hands each run a data interval `[start, end)`; these functions turn it into work that is
safe to retry and cheap to pass between tasks (lake keys, never local paths):

- `interval_hours(start, end)`: the event-time hours the interval covers;
- `pending_batches(settings, start, end)`: the bronze files of those hours (plus a short look-back
  for files that landed late) that the warehouse has not loaded at their current version, grouped by
  hour as `{"hour": ISO, "keys": [...]}`, JSON-ready for XCom and for `.expand()`;
- `load_keys(settings, keys)`: load exactly those files; the loader's ledger makes a retry a no-op;
- `transform`, `quality`, `export`: the runner's stages, their results returned as small dicts.

Bronze is partitioned by event time and the lander may close an hour's file up to
`LAND_MAX_SPAN_SECONDS` (plus the idle flush) after the hour ends, so a run also looks back
`lookback_hours` for files it has not loaded yet. What counts as "loaded" is the loader's ledger.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from spotify_mds.lake import Lake, ObjectInfo, lake_from
from spotify_mds.results import LoadResult
from spotify_mds.warehouse import bronze_files, file_hour, in_range, warehouse_from
from spotify_mds.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_LOOKBACK_HOURS = 2


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def interval_hours(start: datetime, end: datetime) -> list[datetime]:
    """Every UTC hour that overlaps `[start, end)`, floored to the hour."""
    start, end = _utc(start), _utc(end)
    hour = start.replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour < end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def interval_files(lake: Lake, topic: str, start: datetime, end: datetime) -> list[ObjectInfo]:
    """The topic's bronze files whose event-time hour overlaps `[start, end)`."""
    hours = interval_hours(start, end)
    if not hours:
        return []
    since, until = hours[0], hours[-1] + timedelta(hours=1)
    return [info for info in bronze_files(lake, topic) if in_range(info.key, since, until)]


def loaded_versions(settings: Settings) -> dict[str, str]:
    """The warehouse's ledger of the events' files (file key → version); empty before any load."""
    from spotify_mds.runner import events_table

    return warehouse_from(settings).ledger(events_table(settings))


def pending_batches(
    settings: Settings,
    start: datetime,
    end: datetime,
    *,
    lookback_hours: int = DEFAULT_LOOKBACK_HOURS,
    only_new: bool = True,
    lake: Lake | None = None,
) -> list[dict[str, Any]]:
    """The interval's bronze files not loaded at their current version, one batch per event hour.

    Each batch is `{"hour": "2026-11-02T05:00:00+00:00", "keys": [...]}` (sorted), ready for XCom.
    An empty list means there is nothing new: the DAG stops there. `only_new=False` returns every
    file of `[start, end)` (no look-back) whether loaded or not: a forced run.
    """
    lake = lake or lake_from(settings)
    since = _utc(start) - timedelta(hours=lookback_hours if only_new else 0)
    files = interval_files(lake, settings.kafka_topic, since, end)
    known = loaded_versions(settings) if only_new else None
    if known is not None:
        files = [info for info in files if known.get(info.key) != info.version]
    by_hour: dict[str, list[str]] = {}
    for info in files:
        hour = file_hour(info.key)
        assert hour is not None  # interval_files keeps only keys with a date=/hour= folder
        by_hour.setdefault(hour.replace(tzinfo=timezone.utc).isoformat(), []).append(info.key)
    batches = [{"hour": hour, "keys": sorted(keys)} for hour, keys in sorted(by_hour.items())]
    logger.info("%d new bronze files in %d hours for [%s, %s)", len(files), len(batches), start, end)
    return batches


def load_keys(settings: Settings, keys: list[str], *, lake: Lake | None = None) -> LoadResult:
    """Load exactly these bronze files (new or changed ones; the ledger skips the rest).

    Safe to retry: each chunk of files is one transaction (delete their rows, insert, update the
    ledger), so a retry after a crash either redoes a rolled-back chunk or finds it in the ledger.
    """
    from spotify_mds import runner

    return runner.load(settings, keys=keys, lake=lake)


class InjectedFault(RuntimeError):
    """The test-only fault of `fail_once`: a task failing on purpose so a test sees Airflow retry it."""


def fail_once(task_id: str) -> None:
    """Fail `task_id` once, for tests of retries under a real scheduler; nothing unless asked.

    `SPOTIFY_MDS_FAIL_ONCE=<task_id>:<marker file>` makes the first attempt of that task (in any run)
    create the marker and raise; every later attempt finds the marker and goes on. The stack's
    end-to-end test (tests/e2e/test_stack_e2e.py) sets it; never set it in production.
    """
    import os
    from pathlib import Path

    wanted, _, marker = os.environ.get("SPOTIFY_MDS_FAIL_ONCE", "").partition(":")
    if wanted != task_id or not marker:
        return
    try:
        with open(Path(marker), "x") as handle:  # exclusive create: exactly one attempt fails
            handle.write(task_id)
    except FileExistsError:
        return
    raise InjectedFault(f"SPOTIFY_MDS_FAIL_ONCE: {task_id} fails this once (marker {marker})")


def transform(settings: Settings, dag_id: str | None = None) -> dict[str, float]:
    """dbt build (silver, gold and their tests) through the runner's stage, of the pipelines with
    data that declare `dag_id` among their DAGs (so a DAG never rebuilds another pipeline's
    models), or of every pipeline with data."""
    from spotify_mds import runner
    from spotify_mds.pipelines import registry

    # dbt resolves a relative --target-path against the dbt project, not the working directory: with
    # DATA_DIR=data its state would land inside the package. Make the data dir absolute first.
    absolute = settings.model_copy(update={"data_dir": settings.data_dir.resolve()})
    mine = None if dag_id is None else [pipeline for pipeline in registry() if dag_id in pipeline.dag_ids]
    return dict(runner.transform(absolute, mine).seconds)


def quality(settings: Settings, *, as_of: datetime | None = None) -> dict[str, Any]:
    """Run the data-quality checks, judging freshness at `as_of` (the data interval's end).

    Each check is isolated and reported, pass or fail, as data; a failing check does not stop the
    export (the dashboard shows what there is, the task log and XCom say what is wrong). Returns
    `{"skipped": reason}` when this build has no quality module, so a scheduler can log and go on.
    """
    import importlib

    try:
        importlib.import_module("spotify_mds.quality")
    except ImportError:
        return {"skipped": "spotify_mds.quality is not part of this build"}
    from spotify_mds import runner

    results = runner.quality(settings, as_of=as_of).checks
    failed = [r.check for r in results if r.status != "pass"]
    if failed:
        logger.warning("quality checks not passing: %s", ", ".join(failed))
    return {"checks": {r.check: r.status for r in results}, "failed": failed}


def export(settings: Settings) -> dict[str, int]:
    """Write the gold marts to the lake as Parquet; returns rows per mart."""
    from spotify_mds import runner

    return dict(runner.export(settings).marts)


__all__ = [
    "DEFAULT_LOOKBACK_HOURS",
    "LoadResult",
    "export",
    "interval_files",
    "interval_hours",
    "load_keys",
    "loaded_versions",
    "pending_batches",
    "quality",
    "transform",
]
