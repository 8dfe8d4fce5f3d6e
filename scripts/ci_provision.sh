#!/usr/bin/env bash
# Provision what the integration tests talk to, for real. Idempotent; safe on a developer machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# Apache Kafka: a real single-node KRaft broker from Maven Central jars (there is no Docker here).
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven
fi
PYTHONPATH=src python3 -c 'from spotify_mds.kafka_local import ensure_jars, java_executable; java_executable(); print("kafka jars:", ensure_jars())'
