"""Bronze and quarantine keys: named by position under the event-time hour, never by the clock."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from spotify_mds.landing.keys import (
    FILE_PARTITIONS,
    bronze_key,
    position_name,
    quarantine_key,
    source_partition,
    stream_partition,
)
from spotify_mds.pipelines.streams.simulate import SimConfig

HOUR = int(datetime(2026, 11, 2, 10, tzinfo=timezone.utc).timestamp()) // 3600


@pytest.mark.parametrize(("compression", "suffix"), [("none", ""), ("gzip", ".gz"), ("zstd", ".zst")])
def test_a_bronze_key_names_the_hour_and_the_first_records_position(compression, suffix):
    key = bronze_key("spotify.streams", HOUR, 3, 42, compression)
    assert key == (
        "bronze/spotify.streams/date=2026-11-02/hour=10/spotify.streams+3+00000000000000000042.ndjson"
        + suffix
    )


def test_a_quarantine_key_is_never_compressed_and_has_an_unknown_hour_without_valid_records():
    assert (
        quarantine_key("t", HOUR, 0, 7)
        == "quarantine/t/date=2026-11-02/hour=10/t+0+00000000000000000007.ndjson"
    )
    assert (
        quarantine_key("t", None, 0, 7)
        == "quarantine/t/date=unknown/hour=unknown/t+0+00000000000000000007.ndjson"
    )


def test_position_names_sort_in_offset_order():
    offsets = [0, 9, 10, 99, 100, 123_456_789, 2**40]
    assert sorted(position_name("t", 1, o) for o in offsets) == [position_name("t", 1, o) for o in offsets]


def test_non_kafka_sources_land_as_partitions_no_kafka_partition_can_be():
    a, b = source_partition(b"one file"), source_partition(b"another file")
    assert a == source_partition(b"one file") and a != b
    assert all(FILE_PARTITIONS <= p < FILE_PARTITIONS + 2**48 for p in (a, b))
    assert FILE_PARTITIONS > 2**31 - 1  # Kafka's partition numbers are int32


def test_a_simulated_stream_lands_as_the_partition_of_its_config():
    assert stream_partition(SimConfig(seed=1)) == stream_partition(SimConfig(seed=1))
    assert stream_partition(SimConfig(seed=1)) != stream_partition(SimConfig(seed=2))
