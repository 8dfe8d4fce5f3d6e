"""spotify_pipeline: bronze → raw → silver/gold → quality → gold Parquet, one data interval at a time.

Every hour (UTC) a run takes its data interval `[start, end)`:

1. `find_new_bronze` (short-circuit): the interval's bronze files (event-time hours, plus a short
   look-back for files the lander closed late) that the warehouse has not loaded at their current
   version, as lake keys grouped by hour. None: the run stops here, everything downstream is skipped.
2. `load` (mapped with `.expand()`, one task per event hour): bulk-loads exactly those files; the
   loader's ledger makes a retry a no-op. Emits the `spotify_mds/raw.listening_events` asset.
3. `dbt_build`: silver and gold models with their tests.
4. `quality_checks`: freshness, volume and reconciliation judged at the interval's end; reported, never blocking.
5. `export_gold`: the gold marts to `gold/<mart>/<mart>.parquet` in the lake (the dashboards read
   that). Emits the `spotify_mds/gold` asset, so a downstream DAG (a Metabase refresh, a report)
   can be scheduled on it.

Backfill: `airflow backfill create --dag-id spotify_pipeline --from-date 2026-11-02 --to-date 2026-11-03`.
Trigger with `{"force": true}` to run every stage for the interval even when nothing is new.

Settings (lake, warehouse, credentials) are read when a task runs, never while the file is parsed:
from the worker's environment (the compose file passes `.env`), overridden by the Airflow Variable
`spotify_mds_settings` (a JSON object of setting names, e.g. `{"warehouse": "postgres"}`) and by the
Airflow connection `spotify_mds_warehouse` (PostgreSQL host, port, login, password, schema = db),
so secrets can live in Airflow's secrets backend.

This file is a declaration: only imports and constants at the top level. The package's modules
(duckdb, dbt, pyarrow, numpy...) are imported inside the tasks.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import Asset, AsyncCallback, CronDataIntervalTimetable, DeadlineAlert, DeadlineReference, Param, dag, task

DAG_ID = "spotify_pipeline"
# Hourly, with a real data interval. SPOTIFY_PIPELINE_SCHEDULE (a cron expression, read when the file
# is parsed: the scheduler needs it) sets another, e.g. "* * * * *" in the stack's end-to-end test.
SCHEDULE = CronDataIntervalTimetable(os.environ.get("SPOTIFY_PIPELINE_SCHEDULE") or "0 * * * *", timezone="UTC")
# Seconds before a failed task's first retry (then exponential); the end-to-end test shortens it.
RETRY_DELAY_SECONDS = float(os.environ.get("SPOTIFY_PIPELINE_RETRY_DELAY_SECONDS") or 60)
START = datetime(2026, 11, 2, tzinfo=timezone.utc)  # the simulator's default start
LOOKBACK_HOURS = 2  # bronze hours a run re-checks for late files (≥ LAND_MAX_SPAN_SECONDS + idle flush)
# DuckDB allows one writer per file: load one hour at a time within a run, one run at a time.
# With PostgreSQL or Snowflake both can be raised.
LOAD_PARALLELISM = 1
MAX_ACTIVE_RUNS = 1
SETTINGS_VARIABLE = "spotify_mds_settings"
WAREHOUSE_CONNECTION = "spotify_mds_warehouse"

RAW_EVENTS = Asset(name="spotify_mds/raw.listening_events", uri="spotify-mds://warehouse/raw/listening_events")
GOLD = Asset(name="spotify_mds/gold", uri="spotify-mds://lake/gold")

# A run still going this long after it was queued misses its deadline (Airflow 3's successor of SLAs):
# spotify_mds.notify.deadline_missed POSTs to ALERT_WEBHOOK_URL. Off (0) by default: with a deadline
# alert, Airflow 3.3.2's `airflow dags test` fails after the run ("'dict' object has no attribute
# 'hex'" looking up the deadline_alert row); set it to e.g. 45 under a real scheduler.
DEADLINE_MINUTES = 0


def _alert_on_failure(context):
    """Alert ALERT_WEBHOOK_URL and push the task's metrics as failed (spotify_mds.metrics.on_task_failure)."""
    from spotify_mds.metrics import on_task_failure

    on_task_failure(context)


def _record_task(context):
    """Push the task's seconds and returned figures (spotify_mds.metrics.on_task_success)."""
    from spotify_mds.metrics import on_task_success

    on_task_success(context)


DEFAULT_ARGS = {
    "owner": "spotify-mds",
    "on_failure_callback": _alert_on_failure,
    "on_success_callback": _record_task,
    "retries": 2,
    "retry_delay": timedelta(seconds=RETRY_DELAY_SECONDS),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(minutes=30),
}


def _settings():
    """The pipeline's settings for this task: environment, then the Airflow Variable and connection."""
    import json
    import logging

    from airflow.sdk import Connection, Variable
    from airflow.sdk.exceptions import AirflowNotFoundException

    from spotify_mds.settings import load_settings

    overrides: dict[str, object] = {}
    raw = Variable.get(SETTINGS_VARIABLE, default=None)
    if raw:
        overrides.update(json.loads(raw))
    try:
        conn = Connection.get(WAREHOUSE_CONNECTION)
    except AirflowNotFoundException:  # not defined: the environment decides
        conn = None
    if conn is not None:
        pairs = {
            "postgres_host": conn.host,
            "postgres_port": conn.port,
            "postgres_user": conn.login,
            "postgres_password": conn.password,
            "postgres_db": conn.schema,
        }
        overrides.update({key: value for key, value in pairs.items() if value})
    settings = load_settings(**overrides)
    logging.getLogger(__name__).info(
        "lake %s, warehouse %s, topic %s", settings.lake_root, settings.warehouse, settings.kafka_topic
    )
    return settings


@dag(
    dag_id=DAG_ID,
    schedule=SCHEDULE,
    start_date=START,
    catchup=False,
    max_active_runs=MAX_ACTIVE_RUNS,
    default_args=DEFAULT_ARGS,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(minutes=DEADLINE_MINUTES),
        callback=AsyncCallback("spotify_mds.notify.deadline_missed", kwargs={"dag_id": DAG_ID}),
    )
    if DEADLINE_MINUTES
    else None,
    params={"force": Param(False, type="boolean", description="Run every stage even when no bronze file is new.")},
    tags=["spotify-mds"],
    doc_md=__doc__,
)
def spotify_pipeline():
    @task.short_circuit
    def find_new_bronze(data_interval_start=None, data_interval_end=None, params=None) -> list[dict]:
        """Lake keys of the interval's unloaded bronze files, one batch per event hour; [] stops the run."""
        from spotify_mds.orchestrate import pending_batches

        if data_interval_start is None or data_interval_end is None:
            raise ValueError("this run has no data interval: trigger it with a logical date")
        force = bool((params or {}).get("force"))
        return pending_batches(
            _settings(), data_interval_start, data_interval_end, lookback_hours=LOOKBACK_HOURS, only_new=not force
        )

    @task(outlets=[RAW_EVENTS], max_active_tis_per_dagrun=LOAD_PARALLELISM)
    def load(batch: dict) -> dict:
        """Bulk-load one event hour's files (new or changed; the ledger skips the rest)."""
        from spotify_mds.orchestrate import load_keys

        return {"hour": batch["hour"], **load_keys(_settings(), batch["keys"]).as_dict()}

    @task
    def dbt_build() -> dict:
        """dbt build: silver and gold models, then their tests (this DAG's pipelines only)."""
        from spotify_mds.orchestrate import fail_once, transform

        fail_once("dbt_build")  # a test-only fault (SPOTIFY_MDS_FAIL_ONCE); nothing when unset
        return transform(_settings(), dag_id=DAG_ID)

    @task
    def quality_checks(data_interval_end=None) -> dict:
        import logging

        from spotify_mds.orchestrate import quality

        result = quality(_settings(), as_of=data_interval_end)
        if "skipped" in result:
            logging.getLogger(__name__).warning("quality checks skipped: %s", result["skipped"])
        return result

    @task(outlets=[GOLD])
    def export_gold() -> dict:
        """The gold marts to the lake as Parquet (rows per mart)."""
        from spotify_mds.orchestrate import export

        return export(_settings())

    batches = find_new_bronze()
    loaded = load.expand(batch=batches)
    loaded >> dbt_build() >> quality_checks() >> export_gold()


spotify_pipeline()
