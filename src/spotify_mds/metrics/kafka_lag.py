"""The consumer group's lag as the broker sees it: end offsets minus committed offsets, per partition.

The lander reports its own lag, but only while it runs: a lander that stopped (crashed, killed,
scaled to zero) reports nothing, exactly when lag matters most. This collector asks the broker on
each scrape, without joining the group, so it keeps counting while events arrive and no lander
commits them. Run it as its own small service (`spotify-mds lag-exporter`, the stack's
`lag-exporter`), like a kafka-exporter: the lag alert rules read `spotify_mds_kafka_group_lag_records`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

from spotify_mds.extras import require
from spotify_mds.kafka_client import LIBRDKAFKA_LOG

logger = logging.getLogger(__name__)


class KafkaLagMetrics:
    """A collector reading `group`'s committed offsets and `topics`' end offsets at scrape time."""

    def __init__(self, bootstrap: str, group: str, topics: list[str], *, timeout_s: float = 5.0,
                 registry: Any = None, consumer_factory: Any = None) -> None:  # fmt: skip
        prom = require("prometheus_client")
        self.registry = registry if registry is not None else prom.CollectorRegistry()
        self.group, self.topics, self.timeout_s = group, topics, timeout_s
        factory = consumer_factory or require("confluent_kafka").Consumer
        # Never subscribes: reads the group's offsets without joining it (no rebalance of the landers).
        self._consumer = factory({
            "bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False, "logger": LIBRDKAFKA_LOG,
        })  # fmt: skip
        self._lock = threading.Lock()  # scrapes may overlap; the client is not shared across threads
        self.registry.register(self)

    def describe(self) -> list:
        return []

    def offsets(self) -> dict[tuple[str, int], tuple[int, int, int]]:
        """{(topic, partition): (committed, low, end)}; committed is -1 when the group has none there."""
        TopicPartition = require("confluent_kafka").TopicPartition

        found: dict[tuple[str, int], tuple[int, int, int]] = {}
        with self._lock:
            metadata = self._consumer.list_topics(timeout=self.timeout_s)
            for topic in self.topics:
                if topic not in metadata.topics:
                    continue
                tps = [TopicPartition(topic, p) for p in sorted(metadata.topics[topic].partitions)]
                committed = {tp.partition: tp.offset for tp in self._consumer.committed(tps, timeout=self.timeout_s)}
                for tp in tps:
                    low, end = self._consumer.get_watermark_offsets(tp, timeout=self.timeout_s, cached=False)
                    found[topic, tp.partition] = (committed.get(tp.partition, -1), low, end)
        return found

    def collect(self) -> Iterator[Any]:
        core = require("prometheus_client.core")
        labels = ["topic", "group", "partition"]
        up = core.GaugeMetricFamily("spotify_mds_kafka_lag_exporter_up", "1 when the broker answered this scrape.",
                                    labels=["group"])  # fmt: skip
        try:
            offsets = self.offsets()
        except Exception as exc:  # noqa: BLE001 - a scrape reports the broker down, it never raises
            logger.warning("cannot read offsets of group %s: %s", self.group, exc)
            up.add_metric([self.group], 0)
            yield up
            return
        up.add_metric([self.group], 1)
        yield up
        lag = core.GaugeMetricFamily(
            "spotify_mds_kafka_group_lag_records",
            "Records produced but not committed by the group (end offset minus committed offset).",
            labels=labels,
        )
        end_family = core.GaugeMetricFamily("spotify_mds_kafka_end_offset", "The partition's end offset.", labels=labels)
        done_family = core.GaugeMetricFamily(
            "spotify_mds_kafka_committed_offset", "The group's committed offset (-1: none yet).", labels=labels
        )
        for (topic, partition), (done, low, end) in sorted(offsets.items()):
            values = [topic, self.group, str(partition)]
            # Nothing committed, or offsets retention deleted since: from the oldest record kept.
            lag.add_metric(values, max(0, end - max(done, low, 0)))
            end_family.add_metric(values, end)
            done_family.add_metric(values, done)
        yield lag
        yield end_family
        yield done_family

    def close(self) -> None:
        self._consumer.close()
