"""The producer against librdkafka's in-process mock cluster (client behaviour only; volume and
reconciliation tests run on a real broker in tests/integration)."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("confluent_kafka")

from confluent_kafka import Consumer  # noqa: E402

from spotify_mds.pipelines.streams.produce import produce, producer_config  # noqa: E402
from spotify_mds.pipelines.streams.simulate import Batch, SimConfig, simulate  # noqa: E402

TOPIC = "spotify.streams"
MOCK = {"test.mock.num.brokers": 1}


def mock_bootstrap() -> tuple[object, str]:
    """A mock cluster kept alive by a producer handle; returns (handle, bootstrap servers)."""
    from confluent_kafka import Producer

    holder = Producer({**MOCK, "bootstrap.servers": ""})
    return holder, holder.list_topics(timeout=5).orig_broker_name.split("/")[0]


def test_config_is_idempotent_compressed_and_batched():
    config = producer_config("b:9092", compression="zstd", linger_ms=5)
    assert config["enable.idempotence"] is True and config["acks"] == "all"
    assert config["compression.type"] == "zstd" and config["linger.ms"] == 5
    assert config["delivery.report.only.error"] is True
    with pytest.raises(ValueError, match="compression"):
        producer_config("b:9092", compression="brotli")


def test_every_simulated_event_is_delivered_keyed_by_user():
    holder, bootstrap = mock_bootstrap()
    batches = list(simulate(SimConfig(seed=2, users=50, max_events=3000)))
    progressed = []
    stats = produce(batches, producer_config(bootstrap), TOPIC, progress=progressed.append)
    assert (stats.produced, stats.delivered, stats.failed, stats.undelivered) == (3000, 3000, 0, 0)
    assert sum(progressed) == 3000
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "t", "auto.offset.reset": "earliest"})
    consumer.subscribe([TOPIC])
    seen = []
    while len(seen) < 3000:
        seen += [m for m in consumer.consume(1000, 5) if m.error() is None]
    consumer.close()
    by_value = {v: k for b in batches for k, v in zip(b.keys, b.values, strict=True)}
    assert all(by_value[m.value()] == m.key() for m in seen)
    assert all(m.key().decode() in m.value().decode() for m in seen[:50])  # key = user_id
    del holder


def test_undeliverable_records_are_counted_not_raised():
    # Nothing listens on port 1: every record times out and is reported as failed or undelivered.
    config = producer_config("127.0.0.1:1", extra={"message.timeout.ms": 500, "socket.connection.setup.timeout.ms": 1000})
    stats = produce([Batch(0, [b"u1"] * 20, [b"{}"] * 20)], config, TOPIC, flush_timeout=5)
    assert stats.produced == 20 and stats.failed + stats.undelivered == 20 and stats.delivered == 0
    assert stats.first_error is not None or stats.undelivered == 20


def test_rate_paces_in_real_time_and_stop_ends_early():
    holder, bootstrap = mock_bootstrap()
    import time

    started = time.monotonic()
    stats = produce([Batch(0, [b"u"] * 200, [b"{}"] * 200)], producer_config(bootstrap), TOPIC, rate=1000)
    assert stats.produced == 200 and time.monotonic() - started >= 0.15
    stop = threading.Event()
    stop.set()
    assert produce([Batch(0, [b"u"] * 10, [b"{}"] * 10)], producer_config(bootstrap), TOPIC, stop=stop).produced == 0
    del holder
