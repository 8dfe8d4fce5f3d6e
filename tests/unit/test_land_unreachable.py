"""`produce` and `land` with no broker: one line saying Kafka is unreachable, after a bounded wait.

A port nobody listens on; no Kafka needed (the client library only).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip("confluent_kafka")


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on exit: nobody listens there


@pytest.mark.parametrize("command", [["land"], ["land", "--stop-when-idle", "1"], ["produce", "--events", "10"]])
def test_an_unreachable_broker_is_one_line_and_a_non_zero_exit(tmp_path, command):
    port = unused_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LAND_", "LAKE_", "BROKER"))}
    env.update(
        BROKER="kafka",
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}",
        KAFKA_CONNECT_TIMEOUT_SECONDS="2",
        DATA_DIR=str(tmp_path / "data"),
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "spotify_mds.cli", *command], env=env, capture_output=True, text=True, timeout=60
    )
    assert time.monotonic() - started < 30  # the bounded wait plus start-up, not for ever
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]  # no librdkafka log lines on the console
    assert lines[0].startswith(f"KafkaUnavailable: Kafka at 127.0.0.1:{port} is not reachable (no answer within 2s")
    assert result.stdout == ""
