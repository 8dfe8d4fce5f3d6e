"""Kafka → bronze against a real Apache Kafka broker (kafka_local): exactly once through kill -9,
bad records in quarantine, two landers sharing a group, and the `produce` command.

One broker for the module (about 10 s to start); every test has its own topic and group.
`KAFKA_CRASH_EVENTS` sets the crash test's volume (default 1,000,000).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from kafka_support import (
    bronze_event_ids,
    committed,
    end_offsets,
    event_ids,
    lander_env,
    quarantine_rows,
    rss_mb,
    start_lander,
    wait,
)
from spotify_mds.pipelines.streams.produce import ensure_topic, produce, producer_config
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

pytestmark = pytest.mark.integration

CRASH_EVENTS = int(os.environ.get("KAFKA_CRASH_EVENTS", "1000000"))
RSS_BOUND_MB = 400  # see README, "Landing from Kafka": the stated bound for default settings


def produce_simulated(bootstrap: str, topic: str, n: int, partitions: int = 3, seed: int = 7) -> list[str]:
    """Produce n simulated events; return their event_ids (the ground truth)."""
    ensure_topic(bootstrap, topic, partitions)
    ids: list[str] = []

    def batches():
        for batch in simulate(SimConfig(seed=seed, users=2000, days=60, max_events=n)):
            ids.extend(event_ids(batch.values))
            yield batch

    stats = produce(batches(), producer_config(bootstrap), topic)
    assert stats.produced == n and stats.failed == 0 and stats.undelivered == 0
    return ids


def test_kill_9_at_random_moments_loses_nothing_and_doubles_nothing(broker, tmp_path):
    topic, group, lake = "crash", "crash-landers", tmp_path / "lake"
    started = time.monotonic()
    produced = produce_simulated(broker, topic, CRASH_EVENTS)
    produce_s = time.monotonic() - started
    env = lander_env(broker, topic, group, str(lake), KAFKA_GROUP_INSTANCE_ID="crash-lander-1")
    log = tmp_path / "lander.log"
    rng = random.Random(20261122)
    rss: list[float] = []
    kills = 0
    landing_started = time.monotonic()
    while kills < 6:
        proc = start_lander(env, log, "--stop-when-idle", "5")
        deadline = time.monotonic() + rng.uniform(1.5, 6.0)
        while time.monotonic() < deadline and proc.poll() is None:
            rss.append(rss_mb(proc.pid))
            time.sleep(0.1)
        if proc.poll() is not None:
            break  # it finished before this kill: everything is landed already
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    final = start_lander(env, log, "--stop-when-idle", "5")
    assert wait(final, 600, rss) == 0, log.read_text()[-3000:]
    landing_s = time.monotonic() - landing_started

    counts = bronze_event_ids(lake, topic)
    duplicates = sum(counts.values()) - len(counts)
    print(
        f"\ncrash test: {CRASH_EVENTS:,} events produced in {produce_s:.0f}s, landed through {kills} kill -9s "
        f"in {landing_s:.0f}s; duplicate deliveries in bronze: {duplicates}; max lander RSS {max(rss):.0f} MB"
    )
    assert kills >= 5, "the lander finished before five kills: raise KAFKA_CRASH_EVENTS"
    assert set(counts) == set(produced), "bronze must hold exactly the events produced"
    # Every cut here was deterministic (count/bytes/span) and each replay rewrote the same keys.
    assert duplicates == 0
    assert quarantine_rows(lake, topic) == []
    assert committed(broker, group, topic, 3) == end_offsets(broker, topic, 3)
    assert max(rss) < RSS_BOUND_MB


BAD_RECORDS: list[tuple[bytes | None, str]] = [
    (b'{"event_id": "00000000-0000-4000-8000-', "malformed JSON"),
    (b"not json at all", "malformed JSON"),
    (b"[1, 2, 3]", "Expected `object`"),
    (b"\xff\xfe\x00\x01garbage", "not UTF-8"),
    (None, "tombstone"),
]


def bad_corpus(good: bytes) -> list[tuple[bytes | None, str]]:
    """Records derived from a good one, each wrong in one way, with the reason the lander must give."""
    event = json.loads(good)

    def variant(**changes) -> bytes:
        return json.dumps({**event, **changes}).encode()

    missing = {k: v for k, v in event.items() if k != "user_id"}
    return BAD_RECORDS + [
        (variant(ms_played="long"), "ms_played"),
        (variant(event_type="rewind"), "event_type"),
        (json.dumps(missing).encode(), "user_id"),
        (variant(timestamp="1970-01-01T00:00:00Z"), "timestamp"),
        (variant(timestamp="2026-13-45T99:00:00Z"), "timestamp"),
        (variant(country="Brazil"), "country"),
        (variant(song_name="x" * 20_000), "over the"),
        (variant(event_id="not-a-uuid"), "event_id"),
    ]


def test_bad_records_land_in_quarantine_with_reasons_and_counts_reconcile(broker, tmp_path):
    from confluent_kafka import Producer

    topic, group, lake = "corpus", "corpus-landers", tmp_path / "lake"
    ensure_topic(broker, topic, 3)
    good = [v for b in simulate(SimConfig(seed=3, users=50, max_events=2000)) for v in b.values]
    corpus = bad_corpus(good[0])
    producer = Producer({"bootstrap.servers": broker, "enable.idempotence": True})
    # Bad records sit between good ones on every partition (keys spread them).
    for i, value in enumerate(good):
        producer.produce(topic, value, f"u{i}".encode())
        if i % 100 == 50 and i // 100 < len(corpus) * 3:
            bad, _reason = corpus[(i // 100) % len(corpus)]
            producer.produce(topic, bad, f"bad{i}".encode())
    assert producer.flush(30) == 0
    n_bad = len([i for i in range(len(good)) if i % 100 == 50 and i // 100 < len(corpus) * 3])

    proc = start_lander(lander_env(broker, topic, group, str(lake)), tmp_path / "lander.log", "--stop-when-idle", "3")
    assert wait(proc, 120) == 0, (tmp_path / "lander.log").read_text()[-3000:]

    counts = bronze_event_ids(lake, topic)
    assert set(counts) == set(event_ids(good)) and sum(counts.values()) == len(good)
    rows = quarantine_rows(lake, topic)
    assert len(rows) == n_bad
    for row in rows:
        original = int(row["key"].removeprefix("bad"))
        bad, reason = corpus[(original // 100) % len(corpus)]
        assert reason in row["reason"] or reason == row["field"], row
        if bad is None:
            assert row["value"] is None
        elif "value_base64" in row:
            assert bad.startswith(b"\xff")
        else:
            assert row["value"].encode() == bad
    total = sum(end_offsets(broker, topic, 3).values())
    assert total == len(good) + n_bad == sum(counts.values()) + len(rows)
    summary = (tmp_path / "lander.log").read_text()
    assert f"landed {len(good):,}, quarantined {n_bad:,}" in " ".join(summary.split())


def test_two_landers_in_one_group_share_the_partitions(broker, tmp_path):
    topic, group, lake = "shared", "shared-landers", tmp_path / "lake"
    produced = produce_simulated(broker, topic, 300_000, partitions=6, seed=11)
    env = lander_env(broker, topic, group, str(lake), LAND_MAX_RECORDS="10000")
    first = start_lander(env, tmp_path / "a.log", "--stop-when-idle", "5")
    time.sleep(2.0)  # the second joins while the first is landing: a rebalance mid-stream
    second = start_lander(env, tmp_path / "b.log", "--stop-when-idle", "5")
    assert wait(first, 300) == 0, (tmp_path / "a.log").read_text()[-3000:]
    assert wait(second, 300) == 0, (tmp_path / "b.log").read_text()[-3000:]

    counts = bronze_event_ids(lake, topic)
    duplicates = sum(counts.values()) - len(counts)
    logs = " ".join(((tmp_path / "a.log").read_text() + (tmp_path / "b.log").read_text()).split())
    print(f"\ntwo landers: duplicate deliveries in bronze: {duplicates}\n{logs}")
    assert set(counts) == set(produced)
    assert duplicates == 0  # revoked buffers are dropped; the new owner cuts the same files
    assert committed(broker, group, topic, 6) == end_offsets(broker, topic, 6)
    # Both did real work.
    assert "records in" in logs and logs.count("landed 0,") == 0


def test_produce_command_creates_the_topic_and_reports_deliveries(broker, tmp_path):
    env = lander_env(broker, "cli-topic", "unused", str(tmp_path / "lake"))
    result = subprocess.run(
        [sys.executable, "-m", "spotify_mds.cli", "produce", "--events", "5000", "--users", "100", "--partitions", "4"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stderr.split())
    assert "created topic cli-topic with 4 partitions" in out and "produced 5,000 events" in out
    assert "failed 0, undelivered 0" in out
    assert sum(end_offsets(broker, "cli-topic", 4).values()) == 5000


def test_produce_command_fails_when_nothing_can_be_delivered(tmp_path):
    """No broker at all: the topic cannot be created, one line, exit 1 (needs no Java)."""
    env = lander_env("127.0.0.1:1", "nowhere", "unused", str(tmp_path / "lake"))
    result = subprocess.run(
        [sys.executable, "-m", "spotify_mds.cli", "produce", "--events", "10"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    # KafkaUnavailable is a ComponentUnavailable; librdkafka's own lines no longer reach the console.
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("KafkaUnavailable: Kafka at 127.0.0.1:1 is not reachable")
