"""breweries: Open Brewery DB (seed 004) into bronze, silver, history, RAW, gold and the chart, daily.

One task per step of `spotify_mds.pipelines.breweries.run.STEPS`, in order:
extract (bronze) → clean (silver) → history (silver) → load (RAW) → transform (gold) → chart (gold).
A declaration only: each task calls `run.run_from_settings` for its one step, the same functions the
CLI's `spotify-mds breweries run` calls for all six; settings come from the workers' environment or
`.env` (BREWERIES_API_URL, BREWERIES_OFFLINE, LAKE_URL, WAREHOUSE, ...). Every task writes its
step's record under `<layer>/logs/pipeline=breweries/` with the DAG run's id.

The snapshot date is the day the run's data interval ends (the day the snapshot is taken), never
the wall clock: a re-run or a backfill of a day rewrites that day's snapshot, idempotently.
A Mage user finds the seed's blocks here: data loader = `extract`, transformers = `clean` (+
`history`) and `transform`, data exporter = `chart` (README, "Breweries").
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import Asset, dag, get_current_context, task

DAG_ID = "breweries"
SCHEDULE = "@daily"
BREWERIES_GOLD = Asset("spotify_mds://gold/breweries_per_type_location")


def _alert_on_failure(context):
    """Alert ALERT_WEBHOOK_URL and push the task's metrics as failed (spotify_mds.metrics.on_task_failure)."""
    from spotify_mds.metrics import on_task_failure

    on_task_failure(context)


def _record_task(context):
    """Push the task's seconds and returned figures (spotify_mds.metrics.on_task_success)."""
    from spotify_mds.metrics import on_task_success

    on_task_success(context)

def _run_step(step: str) -> dict:
    """Run one step for this DAG run's snapshot date; its counts (to XCom)."""
    import re
    from datetime import date

    from spotify_mds.pipelines.breweries import run
    from spotify_mds.settings import load_settings

    context = get_current_context()
    moment = context.get("data_interval_end") or context["dag_run"].run_after
    run_id = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"airflow-{context['dag_run'].run_id}-{step}")
    result = run.run_from_settings(load_settings(), date.fromisoformat(moment.date().isoformat()), steps=(step,), run_id=run_id)
    return {"snapshot_date": result.snapshot_date, **next(iter(result.counts.values()))}


@dag(
    dag_id=DAG_ID,
    schedule=SCHEDULE,
    start_date=datetime(2026, 11, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10),
                  "on_failure_callback": _alert_on_failure, "on_success_callback": _record_task},
    tags=["spotify-mds", "breweries", "seed-004"],
    doc_md=__doc__,
)
def breweries():
    @task(retries=3, retry_exponential_backoff=True)
    def extract() -> dict:
        """bronze: every page, checked against /meta; nothing lands unless complete."""
        return _run_step("extract")

    @task
    def clean(extracted: dict) -> dict:
        """silver: typed, clean, deduplicated; partitions rewritten only when changed; quarantine."""
        return _run_step("clean")

    @task
    def history(cleaned: dict) -> dict:
        """silver: the change record against the previous snapshot."""
        return _run_step("history")

    @task
    def load(changes: dict) -> dict:
        """RAW: the ledgered load of snapshots and changes."""
        return _run_step("load")

    @task(outlets=[BREWERIES_GOLD])
    def transform(loaded: dict) -> dict:
        """gold: dbt build of models/breweries, exported to the lake."""
        return _run_step("transform")

    @task
    def chart(built: dict) -> dict:
        """gold: the seed's chart, in the lake and locally."""
        return _run_step("chart")

    chart(transform(load(history(clean(extract())))))


breweries()
