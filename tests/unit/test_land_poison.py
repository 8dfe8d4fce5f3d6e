"""One record never stops the lander: deep nesting, repeated keys, NUL... are quarantined or normalised."""

from __future__ import annotations

import json

import factories
import pytest

from spotify_mds.lake import MemoryLake
from spotify_mds.pipelines.streams.landing import bronze_writer, land_batches
from spotify_mds.pipelines.streams.simulate import Batch

TOPIC = "spotify.streams"


def event(i: int, **changes) -> bytes:
    return factories.event(i, factories.at(10, i % 60), **changes)


def poisoned(n: int) -> list[bytes]:
    values = [event(i) for i in range(n)]
    values[5] = event(5)[:-1] + b',"extra":' + b"[" * 1_000 + b"]" * 1_000 + b"}"  # RecursionError before
    values[6] = event(6)[:-1] + b',"song_name":"Again"}'  # repeated key
    values[7] = event(7, song_name="a\u0000b")
    return values


def landed_lines(lake: MemoryLake) -> list[bytes]:
    return [line for key, data in lake.objects.items() if key.startswith("bronze/") for line in data.splitlines()]


def quarantined(lake: MemoryLake) -> list[dict]:
    rows = [json.loads(line) for key, data in lake.objects.items() if key.startswith("quarantine/") for line in data.splitlines()]
    return sorted(rows, key=lambda row: row["offset"])


@pytest.mark.parametrize("workers", [0, 1])
def test_a_poison_record_is_quarantined_and_the_rest_lands(workers):
    lake = MemoryLake()
    stats = land_batches([Batch(0, [None] * 20, poisoned(20))], lake, TOPIC, validate_workers=workers)
    assert (stats.landed, stats.quarantined) == (18, 2)
    bad = quarantined(lake)
    assert [row["offset"] for row in bad] == [5, 7]
    assert "nested deeper than 32 levels" in bad[0]["reason"] and bad[1]["field"] == "song_name"
    lines = landed_lines(lake)
    assert len(lines) == 18 and all(line.count(b'"song_name"') == 1 for line in lines)
    assert json.loads(next(line for line in lines if b"-000000000006" in line))["song_name"] == "Again"


def test_add_one_by_one_survives_the_same_records():
    lake = MemoryLake()
    writer = bronze_writer(lake, TOPIC)
    for offset, value in enumerate(poisoned(10)):
        writer.add(0, offset, value)
    writer.flush()
    assert (writer.stats.landed, writer.stats.quarantined) == (8, 2)


def test_a_record_over_several_lines_with_a_huge_unknown_number_lands_on_one_line():
    """Compacting it through a generic decode raised `Integer value out of range` in the lander."""
    value = event(1)[:-1] + b',\r\n "x":\n' + b"9" * 400 + b"\r\n}"
    lake = MemoryLake()
    writer = bronze_writer(lake, TOPIC)
    writer.add(0, 0, value)
    writer.flush()
    (line,) = landed_lines(lake)
    assert line == value.replace(b"\r", b"").replace(b"\n", b"") and json.loads(line)["x"] == int("9" * 400)
