"""A poison record on Kafka never stops the lander (issue 15): against a real broker (kafka_local).

A valid event with an unknown field nested 1,000 levels deep raised RecursionError in the lander, and
every restart crashed at the same offset, so the records after it never landed. Now it is
quarantined with its reason, a repeated key lands re-encoded, and everything after them lands.
"""

from __future__ import annotations

import json

import pytest

from kafka_support import bronze_event_ids, event_ids, lander_env, quarantine_rows, start_lander, wait
from spotify_mds.pipelines.streams.produce import ensure_topic
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_deeply_nested_record_is_quarantined_and_the_partition_moves_on(broker, tmp_path, workers):
    from confluent_kafka import Producer

    topic, group, lake = f"poison{workers}", f"poison-landers{workers}", tmp_path / "lake"
    ensure_topic(broker, topic, 1)
    good = [v for b in simulate(SimConfig(seed=5, users=50, max_events=600)) for v in b.values]
    deep = good[0][:-1] + b',"x":' + b"[" * 1_000 + b"]" * 1_000 + b"}"
    repeated = good[1][:-1] + b',"song_name":"again"}'
    producer = Producer({"bootstrap.servers": broker, "enable.idempotence": True})
    for i, value in enumerate(good):
        producer.produce(topic, value)
        if i == 100:
            producer.produce(topic, deep, b"deep")
        if i == 200:
            producer.produce(topic, repeated, b"repeated")
    assert producer.flush(30) == 0

    env = lander_env(broker, topic, group, str(lake), LAND_VALIDATE_WORKERS=workers)
    proc = start_lander(env, tmp_path / "lander.log", "--stop-when-idle", "3")
    assert wait(proc, 120) == 0, (tmp_path / "lander.log").read_text()[-3000:]

    counts = bronze_event_ids(lake, topic)
    assert set(counts) == set(event_ids(good)) and sum(counts.values()) == len(good) + 1  # good[1] twice
    rows = quarantine_rows(lake, topic)
    assert [(row["key"], row["offset"]) for row in rows] == [("deep", 101)]
    assert "nested deeper than 32 levels" in rows[0]["reason"]
    again = [json.loads(line) for line in _bronze_lines(lake) if b'"again"' in line]
    assert len(again) == 1 and again[0]["song_name"] == "again"


def _bronze_lines(lake) -> list[bytes]:
    return [line for path in lake.rglob("*.ndjson*") if "bronze" in path.parts for line in path.read_bytes().splitlines()]
