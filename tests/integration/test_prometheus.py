"""A real Prometheus (Debian's `prometheus`) scraping a running lander, the lag exporter and a real
Pushgateway that a batch run pushed to; queried through its HTTP API. Then the lander is stopped
while events keep coming, and the lag alert fires.

The test starts its own Prometheus and Pushgateway on free ports with a temporary config (never the
Debian package's services), and stops them. The lag rule is the shipped one with test-sized
numbers: a floor of 50 records, a 15 s window and `for: 2s`, evaluated every second. Skipped on a
laptop without the binaries or Java; a failure under CI=true.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml
from factories import event

from kafka_support import free_ports, lander_env, start_lander, unavailable
from spotify_mds.pipelines.streams.produce import ensure_topic

pytestmark = pytest.mark.integration

RULES = Path(__file__).resolve().parents[2] / "monitoring" / "prometheus" / "alerts.yml"
TOPIC, GROUP, VALID, BAD = "observed", "observed-landers", 3000, 3


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        unavailable(f"{name} is not installed (apt-get install -y prometheus prometheus-pushgateway)")
    return found


def rules_for_a_test(folder: Path) -> Path:
    """The shipped rules with the lag alert sized for a test (its expression and shape unchanged)."""
    groups = yaml.safe_load(RULES.read_text())
    for group in groups["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "KafkaConsumerLagGrowing":
                assert "> 10000" in rule["expr"] and "[10m]" in rule["expr"]
                rule["expr"] = rule["expr"].replace("> 10000", "> 50").replace("[10m]", "[15s]")
                rule["for"] = "2s"
    path = folder / "alerts.yml"
    path.write_text(yaml.safe_dump(groups))
    return path


def start(args: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    with log.open("ab") as handle:  # the child keeps its own descriptor
        return subprocess.Popen(args, stdout=handle, stderr=subprocess.STDOUT, env=env)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return json.loads(answer.read())


class Prometheus:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def wait_ready(self, timeout: float = 60) -> None:
        """Until Prometheus answers /-/ready (its start takes seconds on a busy machine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:  # refused while it starts, 503 while it loads its TSDB
                pass
            time.sleep(0.25)
        pytest.fail(f"Prometheus at {self.url} not ready within {timeout}s")

    def query(self, promql: str) -> list[dict]:
        found = get(f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}")
        assert found["status"] == "success", found
        return found["data"]["result"]

    def value(self, promql: str) -> float | None:
        result = self.query(promql)
        return float(result[0]["value"][1]) if len(result) == 1 else None

    def wait_for(self, promql: str, expected: float, timeout: float = 30, at_least: bool = False) -> None:
        """Poll until the query's one value equals `expected` (or reaches it, with `at_least`)."""
        deadline, last = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            last = self.value(promql)
            if last == expected or (at_least and last is not None and last >= expected):
                return
            time.sleep(0.5)
        wanted = f"at least {expected}" if at_least else f"{expected}"
        pytest.fail(f"{promql} = {last}, expected {wanted} within {timeout}s")

    def firing(self, alertname: str) -> list[dict]:
        alerts = get(f"{self.url}/api/v1/alerts")["data"]["alerts"]
        return [a for a in alerts if a["labels"]["alertname"] == alertname and a["state"] == "firing"]


@pytest.fixture
def stack(broker, tmp_path):
    """Prometheus, a Pushgateway, a lander and the lag exporter on free ports; all stopped after."""
    prometheus_bin, gateway_bin = binary("prometheus"), binary("prometheus-pushgateway")
    prom_port, gateway_port, lander_port, lag_port, producer_port = free_ports(5)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(rules_for_a_test(tmp_path))],
        "scrape_configs": [
            {"job_name": "spotify-mds-lander", "static_configs": [{"targets": [f"127.0.0.1:{lander_port}"]}]},
            {"job_name": "spotify-mds-lag-exporter", "static_configs": [{"targets": [f"127.0.0.1:{lag_port}"]}]},
            {"job_name": "spotify-mds-producer", "static_configs": [{"targets": [f"127.0.0.1:{producer_port}"]}]},
            {"job_name": "pushgateway", "honor_labels": True,
             "static_configs": [{"targets": [f"127.0.0.1:{gateway_port}"]}]},
        ],
    }  # fmt: skip
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    ensure_topic(broker, TOPIC, 2)
    env = lander_env(broker, TOPIC, GROUP, str(tmp_path / "lake"), LAND_IDLE_FLUSH_SECONDS="1",
                     LAND_VALIDATE_WORKERS="0", LANDER_METRICS_PORT=str(lander_port), METRICS_HOST="127.0.0.1")  # fmt: skip
    procs = [
        start([prometheus_bin, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
               f"--web.listen-address=127.0.0.1:{prom_port}"], tmp_path / "prometheus.log"),  # fmt: skip
        start([gateway_bin, f"--web.listen-address=127.0.0.1:{gateway_port}"], tmp_path / "pushgateway.log"),
        start_lander(env, tmp_path / "lander.log"),
        start([sys.executable, "-m", "spotify_mds.cli", "lag-exporter", "--port", str(lag_port), "--host", "127.0.0.1"],
              tmp_path / "lag.log", env),
    ]
    prometheus = Prometheus(prom_port)
    try:
        prometheus.wait_ready()
        yield {"prometheus": prometheus, "gateway": f"http://127.0.0.1:{gateway_port}",
               "lander": procs[2], "logs": tmp_path, "procs": procs,
               "producer_env": {**env, "PRODUCER_METRICS_PORT": str(producer_port)}}  # fmt: skip
    finally:
        for proc in reversed(procs):
            stop(proc)


def send(bootstrap: str, values: list[bytes]) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i, value in enumerate(values):
        producer.produce(TOPIC, value, str(i % 7).encode())
    assert producer.flush(30) == 0


def test_prometheus_scrapes_the_lander_and_the_pushed_run_and_the_lag_alert_fires(broker, stack, tmp_path):
    from spotify_mds.lake import LocalLake
    from spotify_mds.metrics import push_run
    from spotify_mds.runlog import RunLog

    prometheus = stack["prometheus"]
    send(broker, [event(i) for i in range(VALID)] + [b"not json"] * BAD)
    labels = f'topic="{TOPIC}",group="{GROUP}"'
    try:
        prometheus.wait_for(f"spotify_mds_lander_landed_records_total{{{labels}}}", VALID, timeout=60)
        prometheus.wait_for(f'spotify_mds_lander_quarantined_records_total{{{labels},reason="malformed_json"}}', BAD)
    except BaseException:
        print((stack["logs"] / "lander.log").read_text()[-3000:])
        raise
    assert prometheus.value(f"spotify_mds_lander_records_total{{{labels}}}") == VALID + BAD
    assert prometheus.value(f"spotify_mds_lander_files_total{{{labels}}}") >= 2  # bronze and quarantine
    prometheus.wait_for(f"sum(spotify_mds_lander_lag_records{{{labels}}})", 0)
    # The offset commit follows the durable write, so a scrape can see every record landed and the
    # commit not yet made (CI did): wait for it rather than read it once.
    prometheus.wait_for(f"spotify_mds_lander_commit_seconds_count{{{labels}}}", 1, at_least=True)
    prometheus.wait_for(f'sum(spotify_mds_kafka_group_lag_records{{group="{GROUP}"}})', 0)

    # A batch run (any pipeline's RunLog) pushed to the real Pushgateway, scraped from there.
    run = RunLog(LocalLake(tmp_path / "runs-lake"), "breweries")
    with run.step("bronze", "extract") as step:
        step.count(rows=120)
    with run.step("gold", "quality") as step:
        step.count(quality={"freshness": "fail"}, freshness_age_seconds=200_000.0, freshness_sla_seconds=93_600.0)
    run.close()
    assert push_run(run, gateway=stack["gateway"]) == stack["gateway"]
    prometheus.wait_for('spotify_mds_stage_rows{job="spotify_mds_batch",pipeline="breweries",stage="extract"}', 120)
    assert prometheus.value('spotify_mds_run_failed{pipeline="breweries"}') == 0
    assert prometheus.value('spotify_mds_quality_check_failing{pipeline="breweries",check="freshness"}') == 1
    assert not prometheus.firing("KafkaConsumerLagGrowing")

    # The lander stops; events keep coming from `spotify-mds produce --rate` (its own /metrics
    # scraped too): the lag exporter sees the lag grow, the alert fires.
    stop(stack["lander"])
    from spotify_mds.runlog import recent_runs

    [landed] = recent_runs(LocalLake(tmp_path / "lake"), pipeline="streams_lander")  # its run record, once stopped
    counts = landed["steps"][0]["counts"]
    assert landed["status"] == "ok" and counts["rows"] == VALID and counts["quarantined"] == BAD and counts["lag"] == 0
    # Live events are never sent before their event time (`produce --rate` is a ceiling): enough
    # users that their 10-minute backlog and their pace keep the topic growing at the rate.
    producer = start([sys.executable, "-m", "spotify_mds.cli", "produce", "--rate", "200", "--users", "150000"],
                     stack["logs"] / "producer.log", stack["producer_env"])  # fmt: skip
    stack["procs"].append(producer)
    deadline = time.monotonic() + 60
    while not (fired := prometheus.firing("KafkaConsumerLagGrowing")) and time.monotonic() < deadline:
        time.sleep(1)
    sent = prometheus.value(f'spotify_mds_producer_sent_records_total{{topic="{TOPIC}"}}')
    errors = prometheus.value(f'spotify_mds_producer_delivery_errors_total{{topic="{TOPIC}"}}')
    stop(producer)
    lag = prometheus.value(f'sum(spotify_mds_kafka_group_lag_records{{group="{GROUP}"}})')
    assert fired, f"no lag alert; lag = {lag}"
    assert fired[0]["labels"]["topic"] == TOPIC and fired[0]["labels"]["group"] == GROUP
    assert prometheus.value('up{job="spotify-mds-lander"}') == 0
    assert prometheus.firing("FreshnessBeyondSLA") and prometheus.firing("QualityCheckFailing")
    assert sent and sent > 50  # the producer's /metrics, scraped while it sent
    assert errors == 0
