"""Metrics of the services (spotify_mds.metrics): the lander's counters read from what it keeps,
quarantine by reason, the producer's latency, the dashboard's requests; each in its own registry."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from factories import DROP, event

from spotify_mds.landing.validation import reason_kind
from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.streams.landing import bronze_writer

prometheus_client = pytest.importorskip("prometheus_client")  # the dev extra has it: never skipped in CI
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


def scraped(registry) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} as Prometheus would read the exposition."""
    text = prometheus_client.generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples[name, tuple(sorted(labels.items()))]


@pytest.mark.parametrize("max_inflight", [0, 2])
def test_the_lander_metrics_are_its_own_counts_with_quarantine_by_reason(tmp_path, max_inflight):
    from spotify_mds.metrics import LanderMetrics

    writer = bronze_writer(LocalLake(tmp_path), "t", max_records=40, max_inflight=max_inflight)
    values = [event(i) for i in range(100)] + [b"not json", b"{oops", event(200, user_id=DROP), None]
    writer.add_many(0, list(range(len(values))), values)
    writer.flush()
    writer.close()
    metrics = LanderMetrics("t", "g").attach(writer.stats)
    status = SimpleNamespace(writer=writer.stats, commits=3, commit_failures=1, rebalances=1, outages=0,
                             buffered=5, buffered_bytes=1500, assigned=[0, 1], outage_s=0.0,
                             lag_by_partition={0: 7, 1: 0})  # fmt: skip
    metrics.observe(status)
    metrics.commit(0.004)
    samples = scraped(metrics.registry)
    labels = {"topic": "t", "group": "g"}
    assert value(samples, "spotify_mds_lander_records_total", **labels) == 104
    assert value(samples, "spotify_mds_lander_landed_records_total", **labels) == 100
    assert value(samples, "spotify_mds_lander_quarantined_records_total", **labels, reason="malformed_json") == 2
    assert value(samples, "spotify_mds_lander_quarantined_records_total", **labels, reason="missing_field") == 1
    assert value(samples, "spotify_mds_lander_quarantined_records_total", **labels, reason="tombstone") == 1
    assert value(samples, "spotify_mds_lander_files_total", **labels) == writer.stats.files > 0
    assert value(samples, "spotify_mds_lander_written_bytes_total", **labels) == writer.stats.bytes > 0
    assert value(samples, "spotify_mds_lander_lag_records", **labels, partition="0") == 7
    assert value(samples, "spotify_mds_lander_buffered_bytes", **labels) == 1500
    assert value(samples, "spotify_mds_lander_commits_total", **labels) == 3
    assert value(samples, "spotify_mds_lander_commit_seconds_count", **labels) == 1
    assert value(samples, "spotify_mds_lander_commit_seconds_bucket", **labels, le="0.005") == 1


def test_two_landers_in_one_process_never_share_a_registry():
    from spotify_mds.landing.files import LandStats
    from spotify_mds.metrics import LanderMetrics

    first, second = LanderMetrics("t", "g").attach(LandStats(records=5)), LanderMetrics("t", "g").attach(LandStats())
    assert value(scraped(first.registry), "spotify_mds_lander_records_total", topic="t", group="g") == 5
    assert value(scraped(second.registry), "spotify_mds_lander_records_total", topic="t", group="g") == 0
    assert "spotify_mds_lander_records_total" not in prometheus_client.generate_latest().decode()


@pytest.mark.parametrize(
    ("reason", "field", "kind"),
    [
        ("record has no value (tombstone)", None, "tombstone"),
        ("record is 2000000 bytes, over the 1048576-byte limit", None, "too_large"),
        ("not UTF-8 (invalid start byte at byte 3): malformed JSON", None, "not_utf8"),
        ("malformed JSON: truncated", None, "malformed_json"),
        ("Object missing required field `user_id`", None, "missing_field"),
        ("Expected `str`, got `int` - at `$.country`", "country", "invalid_field"),
        ("nested deeper than 64 levels", "extra.a", "too_deep"),
        ("something new", None, "invalid"),
    ],
)
def test_a_quarantine_reason_becomes_one_of_a_few_labels(reason, field, kind):
    assert reason_kind(reason, field) == kind


def test_the_producer_counts_per_batch_and_reads_latency_from_librdkafka_statistics():
    import json

    from spotify_mds.metrics import ProducerMetrics

    metrics = ProducerMetrics("t")
    metrics.sent.inc(5000)
    metrics.errors.inc()
    statistics = {"brokers": {
        "bootstrap": {"nodeid": -1, "rtt": {"p99": 9_000_000}, "int_latency": {"p99": 0}},
        "b1": {"nodeid": 1, "rtt": {"p50": 1000, "p95": 3000, "p99": 5000},
               "int_latency": {"p50": 2000, "p95": 4000, "p99": 15000}},
    }}  # fmt: skip
    metrics.statistics(json.dumps(statistics))
    metrics.statistics("not json")  # ignored
    samples = scraped(metrics.registry)
    assert value(samples, "spotify_mds_producer_sent_records_total", topic="t") == 5000
    assert value(samples, "spotify_mds_producer_delivery_errors_total", topic="t") == 1
    assert value(samples, "spotify_mds_producer_delivery_latency_seconds", topic="t", quantile="0.99") == pytest.approx(0.02)
    assert value(samples, "spotify_mds_producer_delivery_latency_seconds", topic="t", quantile="0.5") == pytest.approx(0.003)
    assert metrics.client_config()["stats_cb"] == metrics.statistics


def test_the_dashboard_counts_requests_and_errors_by_route_template(tmp_path):
    from starlette.testclient import TestClient

    from spotify_mds.presentation.dashboard.app import create_app

    client = TestClient(create_app(LocalLake(tmp_path)))
    assert client.get("/api/status").status_code == 200
    assert client.get("/api/panels/nope").status_code == 404
    assert client.get("/api/panels/other").status_code == 404
    page = client.get("/metrics")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(page.text)
        for s in f.samples
    }
    assert value(samples, "spotify_mds_dashboard_requests_total", route="/api/status", status="200") == 1
    assert value(samples, "spotify_mds_dashboard_requests_total", route="/api/panels/{panel_id}", status="404") == 2


def test_a_failing_route_counts_as_an_error():
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from spotify_mds.metrics import DashboardMetrics

    def broken(request):
        raise RuntimeError("boom")

    metrics = DashboardMetrics()
    app = Starlette(routes=[Route("/broken", broken)], middleware=[Middleware(metrics.wrap)])
    assert TestClient(app, raise_server_exceptions=False).get("/broken").status_code == 500
    samples = scraped(metrics.registry)
    assert value(samples, "spotify_mds_dashboard_errors_total", route="/broken") == 1
    assert value(samples, "spotify_mds_dashboard_requests_total", route="/broken", status="500") == 1


def test_serve_metrics_answers_on_its_port():
    import urllib.request

    from spotify_mds.metrics import ProducerMetrics, serve_metrics

    metrics = ProducerMetrics("t")
    metrics.sent.inc(3)
    server = serve_metrics([metrics.registry], 0, "127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    finally:
        server.shutdown()
    assert 'spotify_mds_producer_sent_records_total{topic="t"} 3.0' in text


def test_the_group_lag_is_end_minus_committed_from_the_first_kept_record():
    from spotify_mds.metrics.kafka_lag import KafkaLagMetrics

    class Broker:
        def __init__(self, config):
            self.config = config

        def list_topics(self, timeout=0):
            return SimpleNamespace(topics={"t": SimpleNamespace(partitions={0: None, 1: None, 2: None})})

        def committed(self, tps, timeout=0):
            return [SimpleNamespace(partition=tp.partition, offset={0: 40, 1: -1001, 2: 5}[tp.partition]) for tp in tps]

        def get_watermark_offsets(self, tp, timeout=0, cached=False):
            return {0: (0, 100), 1: (10, 30), 2: (20, 25)}[tp.partition]

        def close(self):
            pass

    metrics = KafkaLagMetrics("b", "g", ["t", "absent"], consumer_factory=Broker)
    assert "group.instance.id" not in metrics._consumer.config  # it never joins the group
    samples = scraped(metrics.registry)
    lag = {p: value(samples, "spotify_mds_kafka_group_lag_records", topic="t", group="g", partition=p) for p in "012"}
    assert lag == {"0": 60, "1": 20, "2": 5}
    assert value(samples, "spotify_mds_kafka_lag_exporter_up", group="g") == 1


def test_the_lag_exporter_reports_a_broker_down_instead_of_failing_the_scrape():
    from spotify_mds.metrics.kafka_lag import KafkaLagMetrics

    class Down:
        def __init__(self, config):
            pass

        def list_topics(self, timeout=0):
            raise RuntimeError("no broker")

    samples = scraped(KafkaLagMetrics("b", "g", ["t"], consumer_factory=Down).registry)
    assert value(samples, "spotify_mds_kafka_lag_exporter_up", group="g") == 0
