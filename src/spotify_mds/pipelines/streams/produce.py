"""Producing: the simulator's batches into a Kafka topic, keyed by `user_id`.

- The producer is idempotent (`enable.idempotence`: acks=all, in-order, no duplicates from its own
  retries), compresses (lz4 by default) and batches (`linger.ms`, large `batch.size`), so one Python
  thread keeps librdkafka's sender busy.
- Delivery reports come back only for failures (`delivery.report.only.error`): each one is counted,
  and whatever is still queued when `flush()` gives up is counted as undelivered. The caller (the
  CLI) exits non-zero when either count is not zero.
- `rate` paces the records in real time (continuous streams); without it records go as fast as the
  broker takes them.

`ensure_topic()` creates the topic with N partitions through the AdminClient (or leaves an existing
one alone). Library functions take a plain librdkafka config; settings are read by the CLI.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spotify_mds.errors import ComponentUnavailable, SpotifyMdsError
from spotify_mds.extras import require
from spotify_mds.kafka_client import LIBRDKAFKA_LOG, check_reachable
from spotify_mds.pacing import at_rate, paced

logger = logging.getLogger(__name__)

COMPRESSIONS = ("none", "gzip", "snappy", "lz4", "zstd")


class ProduceError(SpotifyMdsError):
    """Records were not delivered (`failed` reported by the broker, `undelivered` still queued)."""

    def __init__(self, message: str, *, failed: int = 0, undelivered: int = 0) -> None:
        super().__init__(message)
        self.failed = failed
        self.undelivered = undelivered


@dataclass
class ProduceStats:
    produced: int = 0
    """Records handed to the client."""
    failed: int = 0
    """Records whose delivery the broker refused or that timed out (delivery reports)."""
    undelivered: int = 0
    """Records still queued when the final flush timed out."""
    seconds: float = 0.0
    first_error: str | None = None

    @property
    def delivered(self) -> int:
        return self.produced - self.failed - self.undelivered

    @property
    def rate(self) -> float:
        return self.produced / self.seconds if self.seconds else 0.0


def producer_config(
    bootstrap_servers: str,
    *,
    compression: str = "lz4",
    linger_ms: float = 20,
    batch_bytes: int = 1_000_000,
    extra: dict | None = None,
) -> dict:
    """librdkafka settings for a fast, idempotent producer; `extra` overrides any of them."""
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {COMPRESSIONS}, not {compression!r}")
    config = {
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,  # implies acks=all, max.in.flight<=5, retries without duplicates
        "acks": "all",
        "compression.type": compression,
        "linger.ms": linger_ms,
        "batch.size": batch_bytes,
        "batch.num.messages": 100_000,
        "queue.buffering.max.messages": 1_000_000,
        "queue.buffering.max.kbytes": 512 * 1024,
        "delivery.report.only.error": True,
        # Partition by key exactly as the Java client does, so other producers of the topic agree.
        "partitioner": "murmur2_random",
        "logger": LIBRDKAFKA_LOG,  # librdkafka's own lines at DEBUG, not a flood on stderr
    }
    config.update(extra or {})
    return config


def ensure_topic(
    bootstrap_servers: str, topic: str, partitions: int = 3, *, replication_factor: int = 1, timeout: float = 10
) -> bool:
    """Create `topic` with `partitions` partitions unless it exists; return True if it was created.

    An existing topic is left as it is (its partition count is logged when it differs). Raises
    KafkaUnavailable when no broker answered within `timeout` seconds.
    """
    KafkaError = require("confluent_kafka").KafkaError
    KafkaException = require("confluent_kafka").KafkaException
    AdminClient = require("confluent_kafka.admin").AdminClient
    NewTopic = require("confluent_kafka.admin").NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap_servers, "logger": LIBRDKAFKA_LOG})
    # All topics (check_reachable), not one by name: that makes a broker with
    # auto.create.topics.enable create it on the spot, with its default partition count.
    existing = check_reachable(admin, bootstrap_servers, timeout).topics.get(topic)
    if existing is not None and existing.error is None:
        if len(existing.partitions) != partitions:
            logger.warning("topic %s exists with %d partitions (asked %d)", topic, len(existing.partitions), partitions)
        return False
    future = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=replication_factor)])[
        topic
    ]
    try:
        future.result(timeout=timeout)
    except KafkaException as exc:
        if exc.args and exc.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
            return False
        raise ComponentUnavailable(f"cannot create topic {topic}: {exc}") from exc
    logger.info("created topic %s with %d partitions", topic, partitions)
    return True


def produce(
    batches: Iterable,
    config: dict,
    topic: str,
    *,
    rate: float | None = None,
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
    flush_timeout: float = 120,
    metrics=None,
) -> ProduceStats:
    """Send every record of `batches` (objects with `.keys` and `.values`) to `topic`.

    Returns the counts; never raises for delivery failures (they are counted): the caller decides.
    `stop` ends the stream early (Ctrl-C in the CLI); what was produced is still flushed.
    `metrics` (a `spotify_mds.metrics.ProducerMetrics`) counts per batch and per failed delivery.
    """
    KafkaException = require("confluent_kafka").KafkaException
    Producer = require("confluent_kafka").Producer

    stats = ProduceStats()
    if rate is not None and rate <= 0:
        raise ValueError("rate must be positive")

    def on_error_delivery(error, message) -> None:  # only failures: delivery.report.only.error
        if error is not None:
            stats.failed += 1
            if metrics is not None:
                metrics.errors.inc()
            if stats.first_error is None:
                stats.first_error = str(error)
                logger.error("delivery failed for a record of %s: %s", message.topic(), error)

    def on_client_error(error) -> None:
        logger.warning("Kafka client: %s", error)

    producer = Producer({**config, "on_delivery": on_error_delivery, "error_cb": on_client_error})
    started = time.monotonic()
    if rate:
        batches = paced(batches, at_rate(rate), stop=stop)
    try:
        for batch in batches:
            if stop is not None and stop.is_set():
                return stats
            n = len(batch.values)
            _send(producer, topic, batch.keys, batch.values, 0, n)
            stats.produced += n
            if metrics is not None:
                metrics.sent.inc(n)
            if progress is not None:
                progress(n)
            if rate:
                producer.poll(0)  # serve delivery reports between paced slices
    except KafkaException as exc:
        raise ComponentUnavailable(f"Kafka producer failed: {exc}") from exc
    finally:
        remaining = producer.flush(flush_timeout)
        stats.undelivered = remaining
        stats.seconds = time.monotonic() - started
        if remaining:
            logger.error("%d records still undelivered after a %ss flush", remaining, flush_timeout)
    return stats


def _send(producer, topic: str, keys: list, values: list, start: int, end: int) -> None:
    """produce() records [start, end); when librdkafka's queue is full, serve it and try again."""
    produce_one = producer.produce
    for j in range(start, end):
        try:
            produce_one(topic, values[j], keys[j])
        except BufferError:
            while True:
                producer.poll(0.05)
                try:
                    produce_one(topic, values[j], keys[j])
                    break
                except BufferError:
                    continue
        if not j & 0x3FFF:
            producer.poll(0)
