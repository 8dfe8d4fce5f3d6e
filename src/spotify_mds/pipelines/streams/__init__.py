"""The streaming pipeline: simulated listening events through Kafka (or the embedded hand-off),
landed as bronze, loaded into `raw.listening_events`, modelled into the listening marts.

Only the declaration lives here so far; the stage code (events, simulate, produce, land) moves in
as the issue-16 parts land.
"""

from __future__ import annotations

from spotify_mds.pipelines import Pipeline
from spotify_mds.transform import models_in
from spotify_mds.warehouse.base import RawTable

# The dbt folders it owns (tests/unit/test_pipelines.py checks that every folder named here exists).
DBT_FOLDERS = ("streams",)

PIPELINE = Pipeline(
    name="streams",
    selector=" ".join(f"path:models/{folder}" for folder in DBT_FOLDERS),
    raw_tables=("raw.listening_events",),
    marts=models_in("streams/marts"),
    dag_ids=("spotify_pipeline",),
)


def raw_table(topic: str) -> RawTable:
    """The raw table the events load into, its columns the event schema's (`events.COLUMNS`)."""
    from spotify_mds.events import COLUMNS

    return RawTable(name="raw.listening_events", ledger="raw.loaded_files", topic=topic, columns=COLUMNS)
