"""The streams pipeline's landing: the core lander with the listening-event validator.

The landing core (`spotify_mds.landing`) knows no schema; here it is given `events.landing_record`,
which lands a valid `ListenEvent` as received and quarantines anything else with its reason.
"""

from __future__ import annotations

from spotify_mds.landing import file_source
from spotify_mds.landing.files import LandStats
from spotify_mds.landing.writer import BronzeWriter
from spotify_mds.pipelines.streams.events import landing_record

__all__ = ["bronze_writer", "land_batches", "land_file", "landing_record"]


def bronze_writer(lake, topic: str, **options) -> BronzeWriter:
    """A `BronzeWriter` validating listening events (`options`: see `BronzeWriter`)."""
    return BronzeWriter(lake, topic, landing_record, **options)


def land_batches(batches, lake, topic: str, **options) -> LandStats:
    """`landing.file_source.land_batches` of listening events (the embedded hand-off)."""
    return file_source.land_batches(batches, lake, topic, landing_record, **options)


def land_file(path, lake, topic: str, **options) -> LandStats:
    """`landing.file_source.land_file` of listening events (`land --from-file`)."""
    return file_source.land_file(path, lake, topic, landing_record, **options)
