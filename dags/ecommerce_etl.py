"""ecommerce_etl: a day's drop → raw Parquet → Spark → Great Expectations → the star schema → gold
(seed 003's second DAG).

    wait_for_drop (sensor, reschedule: no worker slot held while waiting)
      → list_csv_files → upload.expand(table)       one mapped task per CSV: CSV → raw Parquet
      → anything_new (short-circuit: every file unchanged and already processed → stop here)
      → spark.expand(table)                         one Spark run per table (reads the others to enrich)
      → validation (task group): check.expand(table)  a GX gate per table; a failure fails that task only
      → load (all_done: the tables that passed load, the others stay out) → dbt_build_and_export

The day is the `date` param (pick it in the UI to reprocess a day, `force` to redo it even when
nothing changed) or the run's data interval. Settings (WAREHOUSE, LAKE_URL, SPARK_MASTER, …) come
from the workers' environment; point SPARK_MASTER at a cluster and the same tasks submit there.
Tasks call `spotify_mds.pipelines.ecommerce.run`, the edge the CLI uses.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import Param, PokeReturnValue, TaskGroup, dag, get_current_context, task

DAG_ID = "ecommerce_etl"
SENSOR_TIMEOUT = 6 * 3600


def _alert_on_failure(context):
    """Alert ALERT_WEBHOOK_URL and push the task's metrics as failed (spotify_mds.metrics.on_task_failure)."""
    from spotify_mds.metrics import on_task_failure

    on_task_failure(context)


def _record_task(context):
    """Push the task's seconds and returned figures (spotify_mds.metrics.on_task_success)."""
    from spotify_mds.metrics import on_task_success

    on_task_success(context)

def _day() -> str:
    context = get_current_context()
    chosen = context["params"].get("date")
    if chosen:
        return str(chosen)
    moment = context.get("data_interval_start") or context["dag_run"].run_after
    return moment.date().isoformat()


def _settings():
    from spotify_mds.settings import load_settings

    return load_settings()


@dag(
    dag_id=DAG_ID,
    schedule="@daily",
    start_date=datetime(2026, 11, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0, "retry_delay": timedelta(minutes=5),
                  "on_failure_callback": _alert_on_failure, "on_success_callback": _record_task},
    params={
        "date": Param("", type="string", description="The day to process (YYYY-MM-DD); empty: the run's data interval."),
        "force": Param(False, type="boolean", description="Process the day even when nothing in it changed."),
    },
    tags=["spotify-mds", "ecommerce", "etl"],
    doc_md=__doc__,
)
def ecommerce_etl():
    @task.sensor(poke_interval=60, timeout=SENSOR_TIMEOUT, mode="reschedule")
    def wait_for_drop() -> PokeReturnValue:
        """Done when the day's folder holds every table's CSV."""
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run
        from spotify_mds.pipelines.ecommerce.schema import TABLES

        day = _day()
        found = run.drop_files(_settings(), date.fromisoformat(day))
        return PokeReturnValue(is_done=len(found) == len(TABLES), xcom_value=day)

    @task
    def list_csv_files(day: str) -> list[str]:
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run

        return run.drop_files(_settings(), date.fromisoformat(day))

    @task
    def upload(table: str, day: str) -> dict:
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run

        return run.ingest_one(_settings(), table, date.fromisoformat(day))

    @task.short_circuit
    def anything_new(uploads: list[dict], day: str) -> bool:
        """Go on when a file changed, was never processed, or `force` says so; stop early otherwise."""
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run

        if get_current_context()["params"].get("force"):
            return True
        settings = _settings()
        return any(u["status"] == "ok" or not run.is_processed(settings, u["table"], date.fromisoformat(day))
                   for u in uploads if u["status"] != "failed")  # fmt: skip

    @task
    def ingested_tables(uploads: list[dict]) -> list[str]:
        return [u["table"] for u in uploads if u["status"] != "failed"]

    @task
    def spark(table: str, day: str, tables: list[str]) -> dict:
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run

        return run.spark_one(_settings(), table, date.fromisoformat(day), tables)

    @task
    def check(table: str, day: str) -> dict:
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run

        return run.validate_one(_settings(), table, date.fromisoformat(day), get_current_context()["run_id"])

    @task(trigger_rule="all_done")
    def load(day: str) -> dict:
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run

        return run.load_passed(_settings(), date.fromisoformat(day))

    @task
    def dbt_build_and_export(loaded: dict) -> dict:
        from spotify_mds.pipelines.ecommerce import run

        settings = _settings()
        return {"dbt": run.transform(settings).counts, "marts": run.export(settings), "loaded": loaded}

    day = wait_for_drop()
    uploads = upload.partial(day=day).expand(table=list_csv_files(day))
    gate = anything_new(uploads, day)
    tables = ingested_tables(uploads)
    gate >> tables
    processed = spark.partial(day=day, tables=tables).expand(table=tables)
    with TaskGroup("validation"):
        checks = check.partial(day=day).expand(table=tables)
    processed >> checks
    loaded = load(day)
    checks >> loaded
    dbt_build_and_export(loaded)


ecommerce_etl()
