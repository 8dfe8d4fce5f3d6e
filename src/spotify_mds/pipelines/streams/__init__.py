"""The streaming pipeline: simulated listening events through Kafka (or the embedded hand-off),
landed as bronze, loaded into `raw.listening_events`, modelled into the listening marts.

Here: the declaration, the event schema (`events`) and the landing of it (`landing`: the core
lander given the event validator). The simulator and the producer move in as the issue-16 parts land.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spotify_mds.pipelines import Pipeline

if TYPE_CHECKING:
    from spotify_mds.warehouse import RawTable

# The dbt folders it owns (tests/unit/test_pipelines.py checks that every folder named here exists).
DBT_FOLDERS = ("streams",)

PIPELINE = Pipeline(
    name="streams",
    selector=" ".join(f"path:models/{folder}" for folder in DBT_FOLDERS),
    raw_tables=("raw.listening_events",),
    # Named here, not read from the dbt project, so importing the schema (the lander's worker
    # processes do) needs no dbt project; tests/unit/test_pipelines.py keeps it equal to the folder.
    marts=(
        "active_users_by_period",
        "active_users_daily",
        "active_users_daily_by_country",
        "artists",
        "level_conversions_daily",
        "listening_hourly_by_country_device",
        "plays_daily_by_country",
        "plays_daily_by_device",
        "plays_hourly",
        "plays_hourly_by_country",
        "retention_weekly_by_cohort",
        "sessions_daily",
        "sessions_daily_by_country",
        "top_artists_daily",
        "top_tracks_daily",
        "top_tracks_daily_by_country",
        "tracks",
        "users",
    ),
    dag_ids=("spotify_pipeline",),
)


def raw_table(topic: str) -> RawTable:
    """The raw table the events load into, its columns the event schema's (`events.COLUMNS`)."""
    from spotify_mds.pipelines.streams.events import COLUMNS
    from spotify_mds.warehouse import RawTable

    return RawTable(name="raw.listening_events", ledger="raw.loaded_files", topic=topic, columns=COLUMNS)
