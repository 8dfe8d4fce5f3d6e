"""Every metric name the project exports, collected from the registries themselves.

The Grafana dashboards and the alert rules are checked against this list (a query naming a metric
nobody exports is a panel that stays empty forever), so it is built by instantiating each
registry on sample figures, not written by hand.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


class _NoBroker:
    """A consumer twin answering the lag collector with one partition."""

    def __init__(self, config: dict) -> None:
        self.config = config

    def list_topics(self, timeout: float = 0) -> Any:
        return SimpleNamespace(topics={"t": SimpleNamespace(partitions={0: None})})

    def committed(self, tps: list, timeout: float = 0) -> list:
        return [SimpleNamespace(partition=tp.partition, offset=1) for tp in tps]

    def get_watermark_offsets(self, tp: Any, timeout: float = 0, cached: bool = False) -> tuple[int, int]:
        return 0, 2

    def close(self) -> None:
        pass


def _sample_names(registry: Any) -> set[str]:
    return {sample.name for family in registry.collect() for sample in family.samples}


def exported_names() -> set[str]:
    """The sample names (`_total`, `_bucket`… included) of every metric the project exports."""
    from spotify_mds.landing.files import LandStats
    from spotify_mds.metrics.batch import run_registry
    from spotify_mds.metrics.kafka_lag import KafkaLagMetrics
    from spotify_mds.metrics.services import DashboardMetrics, LanderMetrics, ProducerMetrics

    names: set[str] = set()
    lander = LanderMetrics("t", "g")
    stats = LandStats(records=2, landed=1, quarantined=1)
    stats.quarantine_reasons["malformed_json"] = 1
    lander.observe(SimpleNamespace(
        writer=stats, commits=1, commit_failures=0, rebalances=1, outages=0, buffered=0, buffered_bytes=0,
        assigned=[0], outage_s=0.0, lag_by_partition={0: 0},
    ))  # fmt: skip
    lander.commit(0.01)
    producer = ProducerMetrics("t")
    producer.sent.inc()
    producer.errors.inc(0)
    dashboard = DashboardMetrics()
    dashboard.requests.labels("/", "200").inc()
    dashboard.errors.labels("/").inc(0)
    dashboard.seconds.labels("/").observe(0.01)
    run = {
        "pipeline": "p", "status": "ok", "seconds": 1.0,
        "steps": [{"layer": "gold", "step": "quality", "status": "ok", "seconds": 1.0, "counts": {
            "rows": 1, "files": 1, "quality": {"freshness": "pass"},
            "freshness_age_seconds": 1.0, "freshness_sla_seconds": 2.0,
        }}],
    }  # fmt: skip
    lag = KafkaLagMetrics("b", "g", ["t"], consumer_factory=_NoBroker)
    for registry in (lander.registry, producer.registry, dashboard.registry, run_registry(run), lag.registry):
        names |= _sample_names(registry)
    return names
