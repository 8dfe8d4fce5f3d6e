"""A batch run's metrics: built from its `RunLog`, pushed to a Pushgateway or written to a textfile.

A batch job ends before any scrape could see it, so its figures are handed over when it ends
(Prometheus' advice for batch jobs): to a Pushgateway (PUSHGATEWAY_URL; grouping key `job`,
`pipeline`) or, without one, as `<METRICS_TEXTFILE_DIR>/spotify_mds_<pipeline>.prom` for
node_exporter's textfile collector. Every pipeline gets the same gauges with one call,
`push_run(run_log, settings)`, from what its RunLog recorded:

    spotify_mds_run_failed{pipeline}                         1 when the last run failed
    spotify_mds_run_last_finish_timestamp_seconds{pipeline}  when the last run ended (any outcome)
    spotify_mds_run_last_success_timestamp_seconds{pipeline} when a run last ended well (kept across failures)
    spotify_mds_run_duration_seconds{pipeline}
    spotify_mds_stage_seconds / _rows / _failed{pipeline, layer, stage}
    spotify_mds_stage_count{pipeline, layer, stage, count}   every numeric count of the step
    spotify_mds_quality_check_failing{pipeline, check}       from a step's `quality={check: status}` count
    spotify_mds_freshness_age_seconds / _sla_seconds{pipeline}  from `freshness_age_seconds` and
                                                              `freshness_sla_seconds` counts

Conventions for a step's counts, so any pipeline's figures land in the same series: `rows` (the
stage's rows out), `quality` (a mapping check → "pass" | "fail" | "skip" | "error"),
`freshness_age_seconds` and `freshness_sla_seconds`. A metric a run did not produce (a failed run
that never reached its quality step) keeps its last value: the push uses POST (same names
replaced, others kept), and the textfile keeps the previous file's other families.

Monitoring never decides a run's outcome: a push that fails is a warning in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from spotify_mds.extras import require

logger = logging.getLogger(__name__)

JOB = "spotify_mds_batch"
FAILING = ("fail", "error")
FRESHNESS = {
    "freshness_age_seconds": "Age of the newest data when the last run judged it.",
    "freshness_sla_seconds": "The most the newest data may lag (the freshness check's limit).",
}


def _record(run: Any) -> dict[str, Any]:
    """A run record (what `recent_runs` returns) from a RunLog or such a record."""
    if isinstance(run, Mapping):
        return dict(run)
    started = run.started_at.timestamp() if isinstance(run.started_at, datetime) else time.time()
    return {
        "pipeline": run.pipeline,
        "run_id": run.run_id,
        "status": run.status,
        "seconds": max(0.0, time.time() - started),
        "steps": list(run.steps),
        "error": run.error,
    }


@contextmanager
def recorded_run(lake: Any, pipeline: str, settings: Any = None, **params: Any) -> Iterator[Any]:
    """A `RunLog` for the block, its id on every log line; when the block ends the run record says
    ok, or failed with the step and the error (re-raised), and the metrics are pushed (`push_run`)."""
    from spotify_mds.logs import run_context
    from spotify_mds.runlog import RunLog

    run = RunLog(lake, pipeline, params=params)
    with run_context(run.run_id):
        try:
            yield run
        except BaseException as exc:
            run.close(exc)
            push_run(run, settings)
            raise
        run.close()
        push_run(run, settings)


def run_registry(run: Any, *, last_success: float | None = None, now: float | None = None) -> Any:
    """A fresh CollectorRegistry with the run's gauges (see the module docstring)."""
    prom = require("prometheus_client")
    record = _record(run)
    now = time.time() if now is None else now
    registry = prom.CollectorRegistry()
    pipeline = record["pipeline"]

    def gauge(name: str, text: str, labels: tuple[str, ...] = ()) -> Any:
        return prom.Gauge(name, text, ["pipeline", *labels], registry=registry)

    failed = record["status"] == "failed"
    gauge("spotify_mds_run_failed", "1 when the pipeline's last run failed.").labels(pipeline).set(int(failed))
    gauge("spotify_mds_run_last_finish_timestamp_seconds", "When the last run ended.").labels(pipeline).set(now)
    gauge("spotify_mds_run_duration_seconds", "Seconds the last run took.").labels(pipeline).set(
        float(record.get("seconds") or 0.0)
    )
    if record["status"] == "ok":
        last_success = now
    if last_success is not None:
        gauge("spotify_mds_run_last_success_timestamp_seconds", "When a run last ended well.").labels(
            pipeline
        ).set(last_success)
    step_labels = ("layer", "stage")
    seconds = gauge("spotify_mds_stage_seconds", "Seconds the stage took in the last run.", step_labels)
    rows = gauge("spotify_mds_stage_rows", "Rows the stage wrote in the last run.", step_labels)
    failing = gauge("spotify_mds_stage_failed", "1 when the stage failed in the last run.", step_labels)
    counts = gauge("spotify_mds_stage_count", "The stage's counts in the last run.", (*step_labels, "count"))
    checks = None
    freshness: dict[str, Any] = {}
    for step in record["steps"]:
        labels = (pipeline, step["layer"], step["step"])
        seconds.labels(*labels).set(float(step.get("seconds") or 0.0))
        failing.labels(*labels).set(int(step.get("status") == "failed"))
        for name, value in (step.get("counts") or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if name == "rows":
                rows.labels(*labels).set(value)
            elif name in FRESHNESS:
                if name not in freshness:
                    freshness[name] = gauge(f"spotify_mds_{name}", FRESHNESS[name])
                freshness[name].labels(pipeline).set(value)
            else:
                counts.labels(*labels, name).set(value)
        quality = (step.get("counts") or {}).get("quality")
        if isinstance(quality, Mapping):
            if checks is None:
                checks = gauge("spotify_mds_quality_check_failing", "1 when the check failed or errored.", ("check",))
            for check, status in quality.items():
                checks.labels(pipeline, str(check)).set(int(str(status) in FAILING))
    return registry


def push_run(run: Any, settings: Any = None, *, gateway: str | None = None, textfile_dir: str | Path | None = None,
             job: str = JOB, timeout_s: float = 5.0) -> str | None:  # fmt: skip
    """Hand a finished run's metrics to the Pushgateway or the textfile directory that `settings`
    (PUSHGATEWAY_URL, METRICS_TEXTFILE_DIR) or the arguments name; None when neither is set.

    Returns where they went. Never raises for the target being down: the run's outcome is not the
    monitoring's to decide (a warning is logged instead).
    """
    gateway = gateway or getattr(settings, "pushgateway_url", "") or ""
    textfile_dir = textfile_dir or getattr(settings, "metrics_textfile_dir", None) or None
    if not gateway and not textfile_dir:
        return None
    pipeline = _record(run)["pipeline"]
    try:
        if gateway:
            prom = require("prometheus_client")
            prom.pushadd_to_gateway(
                gateway, job=job, grouping_key={"pipeline": pipeline}, registry=run_registry(run), timeout=timeout_s
            )
            return gateway
        return str(_write_textfile(run, Path(textfile_dir)))
    except Exception as exc:  # noqa: BLE001 - see the docstring
        logger.warning("metrics of the %s run not pushed to %s: %s", pipeline, gateway or textfile_dir, exc)
        return None


def _write_textfile(run: Any, folder: Path, name: str | None = None) -> Path:
    prom = require("prometheus_client")
    parser = require("prometheus_client.parser")
    path = folder / f"spotify_mds_{name or _record(run)['pipeline']}.prom"
    previous = []
    if path.is_file():
        previous = list(parser.text_string_to_metric_families(path.read_text(encoding="utf-8")))
    last_success = next(
        (s.value for f in previous if f.name == "spotify_mds_run_last_success_timestamp_seconds" for s in f.samples),
        None,
    )
    registry = run_registry(run, last_success=last_success)
    names = {family.name for family in registry.collect()}
    kept = [family for family in previous if family.name not in names]
    if kept:
        registry.register(_Families(kept))
    folder.mkdir(parents=True, exist_ok=True)
    prom.write_to_textfile(str(path), registry)
    return path


class _Families:
    def __init__(self, families: list) -> None:
        self.families = families

    def describe(self) -> list:
        return []

    def collect(self) -> list:
        return self.families


def task_record(context: Mapping[str, Any], *, failed: bool = False) -> dict[str, Any]:
    """A run record (as `run_registry` takes) of one Airflow task from its callback's context: the
    DAG as the pipeline, the task as the only step, its seconds, and the numbers it returned."""
    ti = context.get("ti") or context.get("task_instance")
    start = getattr(ti, "start_date", None)
    seconds = max(0.0, time.time() - start.timestamp()) if isinstance(start, datetime) else 0.0
    counts: dict[str, Any] = {}
    if not failed and ti is not None and hasattr(ti, "xcom_pull"):
        try:
            index = getattr(ti, "map_index", -1)
            returned = ti.xcom_pull(task_ids=ti.task_id, map_indexes=index if index is not None and index >= 0 else None)
        except Exception as exc:  # noqa: BLE001 - the figures are a bonus, the timing is what counts
            logger.debug("no return value of %s: %s", getattr(ti, "task_id", "?"), exc)
            returned = None
        if isinstance(returned, Mapping):
            counts = {k: v for k, v in returned.items() if isinstance(v, int | float) and not isinstance(v, bool)}
            if "rows" not in counts and "rows_loaded" in counts:
                counts["rows"] = counts["rows_loaded"]
            if isinstance(returned.get("checks"), Mapping):
                counts["quality"] = dict(returned["checks"])
    task = getattr(ti, "task_id", "?")
    status = "failed" if failed else "ok"
    return {
        "pipeline": f"airflow:{getattr(ti, 'dag_id', '?')}",
        "status": status,
        "seconds": seconds,
        "steps": [{"layer": "airflow", "step": task, "status": status, "seconds": seconds, "counts": counts}],
        "error": None,
    }


def push_task(context: Mapping[str, Any], settings: Any = None, *, failed: bool = False) -> str | None:
    """An Airflow task's seconds, outcome and returned figures to the Pushgateway or textfile
    (`on_success_callback` / `on_failure_callback`), grouped by DAG and task so tasks never
    overwrite each other: `spotify_mds_stage_seconds{pipeline="airflow:<dag>", stage="<task>"}`…"""
    record = task_record(context, failed=failed)
    task = record["steps"][0]["step"]
    gateway = getattr(settings, "pushgateway_url", "") or ""
    if gateway:  # one group per task: a task's push must not replace another's figures
        try:
            prom = require("prometheus_client")
            prom.pushadd_to_gateway(gateway, job=f"{JOB}_task", grouping_key={"pipeline": record["pipeline"],
                                    "task": task}, registry=run_registry(record), timeout=5.0)  # fmt: skip
            return gateway
        except Exception as exc:  # noqa: BLE001 - see push_run
            logger.warning("metrics of task %s not pushed to %s: %s", task, gateway, exc)
            return None
    folder = getattr(settings, "metrics_textfile_dir", None)
    if not folder:
        return None
    try:  # one file per task, for the same reason
        return str(_write_textfile(record, Path(folder), name=f"{record['pipeline'].replace(':', '_')}_{task}"))
    except Exception as exc:  # noqa: BLE001 - see push_run
        logger.warning("metrics of task %s not written to %s: %s", task, folder, exc)
        return None


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Every DAG's `on_failure_callback`: POST the failure to ALERT_WEBHOOK_URL (`spotify_mds.notify`;
    nothing when it is empty) and push the task's metrics as failed. Never raises."""
    from spotify_mds.notify import task_failed
    from spotify_mds.settings import load_settings

    task_failed(context)
    try:
        push_task(context, load_settings(), failed=True)
    except Exception as exc:  # noqa: BLE001 - a callback must not turn one failure into two
        logger.warning("metrics of the failed task not recorded: %s", exc)


def on_task_success(context: Mapping[str, Any]) -> None:
    """Every DAG's `on_success_callback`: push the task's seconds and the figures it returned."""
    from spotify_mds.settings import load_settings

    try:
        push_task(context, load_settings())
    except Exception as exc:  # noqa: BLE001 - monitoring never decides a task's outcome
        logger.warning("metrics of the task not recorded: %s", exc)
