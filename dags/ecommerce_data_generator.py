"""data_generator: the shop's daily drop — users, products, orders, order items, payments as CSV in
`include/<date>/` (seed 003's first DAG).

The day is the run's data interval (the day it covers), or the `date` param when triggered from the
UI; `days` writes several days from there, `faults` injects one fault a day (see
`spotify_mds.pipelines.ecommerce.generate.faults`). The shop is seeded (ECOMMERCE_SEED) and replayed
from ECOMMERCE_START, so a day's files are the same bytes whenever they are written. The DAG updates
the `ECOMMERCE_DROPS` asset that `ecommerce_etl` follows.

A declaration only: the task calls `spotify_mds.pipelines.ecommerce.run.generate_days`, the same edge
the CLI's `spotify-mds ecommerce generate` uses.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import Asset, Param, dag, get_current_context, task

DAG_ID = "data_generator"
ECOMMERCE_DROPS = Asset("spotify_mds://include/ecommerce")


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


@dag(
    dag_id=DAG_ID,
    schedule="@daily",
    start_date=datetime(2026, 11, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5),
                  "on_failure_callback": _alert_on_failure, "on_success_callback": _record_task},
    params={
        "date": Param("", type="string", description="The day to generate (YYYY-MM-DD); empty: the run's data interval."),
        "days": Param(1, type="integer", minimum=1, maximum=366),
        "faults": Param(False, type="boolean", description="Inject a fault per day."),
    },
    tags=["spotify-mds", "ecommerce", "generate"],
    doc_md=__doc__,
)
def data_generator():
    @task(outlets=[ECOMMERCE_DROPS])
    def generate_drop() -> dict:
        from datetime import date

        from spotify_mds.pipelines.ecommerce import run
        from spotify_mds.settings import load_settings

        params = get_current_context()["params"]
        made = run.generate_days(load_settings(), date.fromisoformat(_day()), int(params["days"]), faults=bool(params["faults"]))
        return {"days": [day.isoformat() for day in made.days], "rows": made.rows}

    generate_drop()


data_generator()
