"""Metrics of the long-running services: the lander, the producer, the dashboard; `/metrics` for them.

Each service owns a `CollectorRegistry` (not prometheus-client's global one). The lander's counters
are not incremented a second time: `LanderMetrics` is a collector that reads, when Prometheus
scrapes, the figures the lander keeps anyway (`LandStats` updated per batch and per flush,
`LanderStatus` snapshotted once a second by the loop). Only the commit latency is observed as it
happens (one observation per commit, i.e. per flush, not per record). Reading plain ints written by
the lander's thread from the scrape thread is safe under the GIL; a scrape sees the figures as of
that instant.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from spotify_mds.extras import require

logger = logging.getLogger(__name__)

# Seconds: a commit is a round trip to the group coordinator (ms locally, longer under load).
COMMIT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# (name without the `_total` suffix, LandStats attribute, help)
_LANDER_COUNTERS = (
    ("spotify_mds_lander_records", "records", "Records consumed and handed to the writer."),
    ("spotify_mds_lander_landed_records", "landed", "Valid records durably written to bronze."),
    ("spotify_mds_lander_files", "files", "Bronze and quarantine files written (new bytes)."),
    ("spotify_mds_lander_written_bytes", "bytes", "Bytes of the files written (after compression)."),
    ("spotify_mds_lander_unchanged_files", "unchanged_files", "Files a replay found already written."),
    ("spotify_mds_lander_failed_writes", "failed_writes", "Flushes the lake refused (retried)."),
)
_STATUS_COUNTERS = (
    ("spotify_mds_lander_commits", "commits", "Offset commits after durable writes."),
    ("spotify_mds_lander_commit_failures", "commit_failures", "Offset commits that failed (retried)."),
    ("spotify_mds_lander_rebalances", "rebalances", "Partition assignments, revocations and losses."),
    ("spotify_mds_lander_storage_outages", "outages", "Storage outages (the lake refusing writes)."),
)


def _prometheus():
    return require("prometheus_client")


class LanderMetrics:
    """The lander's metrics over its `LandStats` and the latest `LanderStatus`.

    Give `observe` as (part of) `land_kafka`'s `on_status` and `commit` as its `on_commit`; `attach`
    the writer's stats so the counters are there from the first scrape.
    """

    def __init__(self, topic: str, group: str, registry: Any = None) -> None:
        prom = _prometheus()
        self.registry = registry if registry is not None else prom.CollectorRegistry()
        self.topic, self.group = topic, group
        self.stats: Any = None
        self.status: Any = None
        self._started = time.time()
        self._commit = prom.Histogram(
            "spotify_mds_lander_commit_seconds",
            "Seconds an offset commit took (one per durable flush).",
            ["topic", "group"],
            buckets=COMMIT_BUCKETS,
            registry=self.registry,
        ).labels(topic, group)
        self.registry.register(self)

    def attach(self, stats: Any) -> LanderMetrics:
        self.stats = stats
        return self

    def observe(self, status: Any) -> None:
        self.status = status
        self.stats = status.writer

    def commit(self, seconds: float) -> None:
        self._commit.observe(seconds)

    def describe(self) -> list:
        return []  # names are known only at collect time; registration must not call collect()

    def collect(self) -> Iterator[Any]:
        core = require("prometheus_client.core")
        labels, values = ["topic", "group"], [self.topic, self.group]
        stats, status = self.stats, self.status
        if stats is not None:
            for name, attribute, text in _LANDER_COUNTERS:
                family = core.CounterMetricFamily(name, text, labels=labels)
                family.add_metric(values, getattr(stats, attribute))
                yield family
            family = core.CounterMetricFamily(
                "spotify_mds_lander_quarantined_records",
                "Invalid records written to quarantine, by reason (landing.validation.reason_kind).",
                labels=[*labels, "reason"],
            )
            reasons = dict(getattr(stats, "quarantine_reasons", None) or {})
            for reason, count in sorted(reasons.items()):
                family.add_metric([*values, reason], count)
            unexplained = stats.quarantined - sum(reasons.values())
            if unexplained > 0 or not reasons:
                family.add_metric([*values, "other" if reasons else "any"], max(unexplained, 0))
            yield family
        if status is None:
            return
        for name, attribute, text in _STATUS_COUNTERS:
            family = core.CounterMetricFamily(name, text, labels=labels)
            family.add_metric(values, getattr(status, attribute))
            yield family
        lag = core.GaugeMetricFamily(
            "spotify_mds_lander_lag_records",
            "Records in an assigned partition not yet consumed (high watermark minus position).",
            labels=[*labels, "partition"],
        )
        for partition, records in sorted((getattr(status, "lag_by_partition", None) or {}).items()):
            lag.add_metric([*values, str(partition)], records)
        yield lag
        for name, value, text in (
            ("spotify_mds_lander_buffered_bytes", status.buffered_bytes, "Bytes held for records not yet durable."),
            ("spotify_mds_lander_buffered_records", status.buffered, "Records consumed, not yet durable."),
            ("spotify_mds_lander_assigned_partitions", len(status.assigned), "Partitions this lander owns."),
            ("spotify_mds_lander_storage_outage_seconds", status.outage_s, "How long the current outage has lasted."),
            ("spotify_mds_lander_start_time_seconds", self._started, "When this lander started (Unix time)."),
        ):
            gauge = core.GaugeMetricFamily(name, text, labels=labels)
            gauge.add_metric(values, value)
            yield gauge


class ProducerMetrics:
    """The producer's counters (incremented per batch and per failed delivery) and its latency.

    Delivery reports come back for failures only (`delivery.report.only.error`, what keeps the
    producer fast), so the delivery latency is librdkafka's own measure from its statistics
    callback, every `statistics.interval.ms`: time queued in the client (`int_latency`) plus the
    produce request's round trip (`rtt`), per percentile, in seconds.
    """

    def __init__(self, topic: str, registry: Any = None) -> None:
        prom = _prometheus()
        self.registry = registry if registry is not None else prom.CollectorRegistry()
        self.sent = prom.Counter(
            "spotify_mds_producer_sent_records", "Records handed to the Kafka client.", ["topic"],
            registry=self.registry,
        ).labels(topic)  # fmt: skip
        self.errors = prom.Counter(
            "spotify_mds_producer_delivery_errors", "Records the broker refused or that timed out.", ["topic"],
            registry=self.registry,
        ).labels(topic)  # fmt: skip
        latency = prom.Gauge(
            "spotify_mds_producer_delivery_latency_seconds",
            "Queue time plus produce round trip, from librdkafka's statistics, by percentile.",
            ["topic", "quantile"],
            registry=self.registry,
        )
        self._latency = {q: latency.labels(topic, q) for q in ("0.5", "0.95", "0.99")}

    def statistics(self, payload: str) -> None:
        """librdkafka's `stats_cb`: the JSON statistics, turned into the latency gauges."""
        import json

        try:
            brokers = json.loads(payload).get("brokers", {}).values()
        except ValueError:
            return
        for quantile, key in (("0.5", "p50"), ("0.95", "p95"), ("0.99", "p99")):
            worst = 0.0
            for broker in brokers:
                if broker.get("nodeid", -1) < 0:  # the bootstrap placeholder
                    continue
                micros = broker.get("int_latency", {}).get(key, 0) + broker.get("rtt", {}).get(key, 0)
                worst = max(worst, micros / 1e6)
            self._latency[quantile].set(worst)

    def client_config(self, interval_ms: int = 5_000) -> dict:
        """librdkafka settings that feed `statistics` (add them to the producer's config)."""
        return {"statistics.interval.ms": interval_ms, "stats_cb": self.statistics}


class DashboardMetrics:
    """Requests and errors of the dashboard's web app, as ASGI middleware (`wrap`)."""

    def __init__(self, registry: Any = None) -> None:
        prom = _prometheus()
        self.registry = registry if registry is not None else prom.CollectorRegistry()
        self.requests = prom.Counter(
            "spotify_mds_dashboard_requests", "HTTP requests by route and status.", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.errors = prom.Counter(
            "spotify_mds_dashboard_errors", "Requests answered 5xx or that raised, by route.", ["route"],
            registry=self.registry,
        )  # fmt: skip
        self.seconds = prom.Histogram(
            "spotify_mds_dashboard_request_seconds", "Seconds to answer a request, by route.", ["route"],
            buckets=REQUEST_BUCKETS, registry=self.registry,
        )  # fmt: skip

    def wrap(self, app: Any) -> Any:
        """ASGI middleware counting every HTTP request by its route's template (bounded labels)."""

        async def middleware(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            started, status = time.perf_counter(), [500]

            async def sending(message):
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            try:
                await app(scope, receive, sending)
            finally:
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                self.requests.labels(route, str(status[0])).inc()
                if status[0] >= 500:
                    self.errors.labels(route).inc()
                self.seconds.labels(route).observe(time.perf_counter() - started)

        return middleware

    def exposition(self) -> tuple[bytes, str]:
        prom = _prometheus()
        return prom.generate_latest(self.registry), prom.CONTENT_TYPE_LATEST


def serve_metrics(registries: Iterable[Any], port: int, host: str = "0.0.0.0") -> Any:
    """Serve `registries` at http://host:port/metrics in a daemon thread; returns the server
    (`shutdown()` stops it). Port 0 picks a free one (`server.server_port`)."""
    prom = _prometheus()
    registries = list(registries)
    if len(registries) == 1:
        registry = registries[0]
    else:
        registry = prom.CollectorRegistry()
        for each in registries:
            registry.register(_Merged(each))
    server, thread = prom.start_http_server(port, addr=host, registry=registry)
    logger.info("metrics at http://%s:%d/metrics", host, server.server_port)
    return MetricsServer(server, thread)


class MetricsServer:
    """The `/metrics` server's handle: its port, and `shutdown()` (stops it and closes its socket)."""

    def __init__(self, server: Any, thread: Any) -> None:
        self._server, self._thread = server, thread
        self.server_port: int = server.server_port

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Merged:
    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[Any]:
        return self.registry.collect()
