"""The streaming pipeline: simulated listening events through Kafka (or the embedded hand-off),
landed as bronze, loaded into `raw.listening_events`, modelled into the listening marts.

Here: the declaration, the event schema (`events`) and the landing of it (`landing`: the core
lander given the event validator). The simulator and the producer move in as the issue-16 parts land.
"""

from __future__ import annotations

from spotify_mds.pipelines import Pipeline
from spotify_mds.transform import models_in

# The dbt folders it owns (tests/unit/test_pipelines.py checks that every folder named here exists).
DBT_FOLDERS = ("streams",)

PIPELINE = Pipeline(
    name="streams",
    selector=" ".join(f"path:models/{folder}" for folder in DBT_FOLDERS),
    raw_tables=("raw.listening_events",),
    marts=models_in("streams/marts"),
    dag_ids=("spotify_pipeline",),
)
