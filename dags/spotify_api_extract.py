"""spotify_api_extract: the user's real Spotify listening into bronze, RAW, silver and gold, daily.

extract (the seed's ten streams + recently-played since the saved cursor; endpoints Spotify no
longer serves are reported, not failed) → load into RAW → dbt build of the Spotify pipeline's
models (`spotify_mds.pipelines.spotify_api`: its own, plus the comparison with the simulated stream
once those events are loaded too), never the streams pipeline's models.

A declaration only: the tasks call `spotify_mds.pipelines.spotify_api.run`, the same edge the CLI's
`spotify-mds extract spotify` uses; settings (SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET,
SPOTIFY_REFRESH_TOKEN, ...) come from the workers' environment or `.env`. The snapshot date is the
day the run's data interval ends (the day the snapshot is taken), never the wall clock.

Recently-played lists at most the last 50 plays: a listener who plays more than 50 tracks a day
should run it hourly: set `SCHEDULE` to "@hourly" (snapshots are keyed by day, so that is safe).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.sdk import Asset, dag, get_current_context, task

DAG_ID = "spotify_api_extract"
SCHEDULE = "@daily"
SPOTIFY_RAW = Asset("spotify_mds://raw/spotify_api_records")


def _alert_on_failure(context):
    """Alert ALERT_WEBHOOK_URL and push the task's metrics as failed (spotify_mds.metrics.on_task_failure)."""
    from spotify_mds.metrics import on_task_failure

    on_task_failure(context)


def _record_task(context):
    """Push the task's seconds and returned figures (spotify_mds.metrics.on_task_success)."""
    from spotify_mds.metrics import on_task_success

    on_task_success(context)


def _snapshot_day() -> str:
    context = get_current_context()
    moment = context.get("data_interval_end") or context["dag_run"].run_after
    return moment.date().isoformat()


@dag(
    dag_id=DAG_ID,
    schedule=SCHEDULE,
    start_date=datetime(2026, 11, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=15), "on_failure_callback": _alert_on_failure,
                  "on_success_callback": _record_task},
    tags=["spotify-mds", "spotify-api", "extract"],
    doc_md=__doc__,
)
def spotify_api_extract():
    @task
    def extract() -> dict:
        """Read every stream into bronze; fail only if a stream failed for a reason other than 'not served'."""
        from datetime import date

        from spotify_mds.pipelines.spotify_api import run
        from spotify_mds.pipelines.spotify_api.spotify import SpotifyApiError
        from spotify_mds.settings import load_settings

        report = run.extract_to_lake(load_settings(), date.fromisoformat(_snapshot_day()))
        print(report.summary())
        if report.failed:
            raise SpotifyApiError("; ".join(f"{r.stream}: {r.message}" for r in report.failed))
        return {
            "snapshot_date": report.snapshot_date.isoformat(),
            "records": report.records,
            "not_served": [r.stream for r in report.not_served],
        }

    @task(outlets=[SPOTIFY_RAW])
    def load_raw(extracted: dict) -> dict:
        from spotify_mds.pipelines.spotify_api import run
        from spotify_mds.settings import load_settings

        stats = run.load_to_raw(load_settings())
        return {"files_loaded": stats.files_loaded, "rows_loaded": stats.rows_loaded, **extracted}

    @task
    def transform(loaded: dict) -> dict:
        from spotify_mds.pipelines.spotify_api import run
        from spotify_mds.settings import load_settings

        result = run.transform(load_settings())
        return {"dbt": result.counts, **loaded}

    transform(load_raw(extract()))


spotify_api_extract()
