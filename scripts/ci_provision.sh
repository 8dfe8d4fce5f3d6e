#!/usr/bin/env bash
# Provision what the integration tests talk to, for real. Idempotent; safe on a developer machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# Apache Kafka: a real single-node KRaft broker from Maven Central jars (there is no Docker here).
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven
fi
PYTHONPATH=src python3 -c 'from spotify_mds.operations.kafka_local import ensure_jars, java_executable; java_executable(); print("kafka jars:", ensure_jars())'

# Kafka → bronze tests (tests/integration/test_kafka_*.py, test_s3_outage.py) need nothing more: the
# broker above, confluent-kafka, s3fs/boto3 and moto[server] come with `pip install -e '.[dev]'`.
# KAFKA_CRASH_EVENTS (default 1000000) sets the kill -9 crash test's volume (~80 s at 1M on 2 cores).

# Peers for bench/bench_kafka.py only (not CI): quixstreams pins an older confluent-kafka, so it gets
# its own venv. Opt in with BENCH_PEERS=1.
if [ "${BENCH_PEERS:-0}" = "1" ] && [ ! -x bench/out/peers-venv/bin/python ]; then
    python3 -m venv bench/out/peers-venv
    bench/out/peers-venv/bin/pip install --quiet quixstreams
fi
# make bench's Kafka landing ceiling (kcat) and Spark peer (its Kafka source jars, into ~/.m2), also
# opt-in: BENCH_PEERS=1. pyspark itself comes with the ecommerce extra.
if [ "${BENCH_PEERS:-0}" = "1" ]; then
    command -v kcat >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends kcat; }
    PYTHONPATH=src:. python3 -c 'from bench.cases_spark import kafka_jars; print("spark kafka jars:", *kafka_jars())'
fi

# Headless Chromium for the dashboard's browser tests (Playwright's own browser download fails here),
# and Debian's docker-compose to validate the compose file without a Docker engine.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium chromium-driver)
command -v docker-compose >/dev/null || missing+=(docker-compose)
# Prometheus (with promtool) and the Pushgateway: tests/unit/test_alert_rules.py runs promtool, and
# tests/integration/test_prometheus.py starts its own Prometheus and Pushgateway on free ports with a
# temporary config. The Debian packages' own services are not used (and do not start without systemd).
command -v promtool >/dev/null || missing+=(prometheus)
command -v prometheus-pushgateway >/dev/null || missing+=(prometheus-pushgateway)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# SeaweedFS's `weed` (a real S3 server) for `spotify-mds stack`: without it the stack and its tests use
# moto's S3 server. Building it costs ~6 minutes of CI, so it is opt-in: STACK_WEED=1.
if [ "${STACK_WEED:-0}" = "1" ]; then
    bash scripts/build_weed.sh
fi
