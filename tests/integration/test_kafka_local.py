"""Integration test: a real Kafka broker (Maven Central jars) via spotify_mds.operations.kafka_local.

Start -> create topic -> produce/consume 10k -> stop -> restart on the same data
dir -> the messages are still there -> stop. Skips when Java 17+ / Maven /
confluent_kafka are missing, except under CI=true where that is a failure.
About 10-15 s once the jars are cached (first run adds the Maven download).
"""

from __future__ import annotations

import os
import socket
import time

import pytest

from spotify_mds.operations import kafka_local

pytestmark = pytest.mark.integration

N_MESSAGES = 10_000
TOPIC = "it-plays"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the local Kafka broker is unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def kafka_jars():
    """Java 17+, the broker jars (downloaded once into the user cache) and confluent_kafka."""
    try:
        import confluent_kafka  # noqa: F401
    except ImportError:
        _unavailable("confluent_kafka is not installed (dev dependency)")
    try:
        kafka_local.java_executable()
        return kafka_local.ensure_jars()
    except kafka_local.KafkaUnavailable as exc:
        _unavailable(str(exc))


def _free_ports(n: int) -> list[int]:
    """Ports free right now on 127.0.0.1 (instead of fixed ones, so parallel runs don't clash)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _produce(bootstrap: str, n: int) -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 10})
    for i in range(n):
        producer.produce(TOPIC, key=str(i).encode(), value=f"play-{i}".encode())
        producer.poll(0)
    assert producer.flush(30) == 0, "messages left undelivered"


def _consume_keys(bootstrap: str, group: str, n: int, timeout: float = 30) -> set[int]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([TOPIC])
    keys: set[int] = set()
    deadline = time.monotonic() + timeout
    try:
        while len(keys) < n and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=1000, timeout=1):
                assert msg.error() is None, msg.error()
                keys.add(int(msg.key()))
    finally:
        consumer.close()
    return keys


def _partition_count(bootstrap: str) -> int:
    from confluent_kafka.admin import AdminClient

    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(TOPIC, timeout=10)
    return len(md.topics[TOPIC].partitions)


def test_broker_start_produce_consume_restart_stop(kafka_jars, tmp_path, capsys):
    from confluent_kafka.admin import AdminClient, NewTopic

    data = tmp_path / "kafka"
    port, controller_port = _free_ports(2)
    try:
        info = kafka_local.start(data, port=port, controller_port=controller_port)
        assert info.bootstrap == f"127.0.0.1:{port}"
        # Idempotent: a second start finds the running broker.
        assert kafka_local.start(data, port=port, controller_port=controller_port).pid == info.pid
        st = kafka_local.status(data)
        assert st["running"] and st["pid"] == info.pid and st["bootstrap"] == info.bootstrap

        admin = AdminClient({"bootstrap.servers": info.bootstrap})
        for fut in admin.create_topics([NewTopic(TOPIC, num_partitions=3, replication_factor=1)]).values():
            fut.result(timeout=30)
        _produce(info.bootstrap, N_MESSAGES)
        assert _consume_keys(info.bootstrap, "it-before", N_MESSAGES) == set(range(N_MESSAGES))

        assert kafka_local.stop(data) is True
        assert not kafka_local.status(data)["running"]
        assert not (data / kafka_local.PID_FILE).exists()
        assert kafka_local.stop(data) is False  # idempotent

        # Same data dir: the topic and all messages survive the restart.
        info2 = kafka_local.start(data, port=port, controller_port=controller_port)
        assert info2.pid != info.pid
        assert _partition_count(info2.bootstrap) == 3
        assert _consume_keys(info2.bootstrap, "it-after", N_MESSAGES) == set(range(N_MESSAGES))

        capsys.readouterr()
        assert kafka_local.main(["status", "--data-dir", str(data)]) == 0
        assert f"bootstrap=127.0.0.1:{port}" in capsys.readouterr().out
    finally:
        kafka_local.stop(data)

    assert kafka_local.main(["status", "--data-dir", str(data)]) == 3
    assert "not running" in capsys.readouterr().out


def test_cli_error_is_one_line(tmp_path, capsys):
    """A busy port is reported before Java is even looked for: runs without Java/Maven."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        rc = kafka_local.main(["start", "--data-dir", str(tmp_path / "k"), "--port", str(port)])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.startswith("KafkaUnavailable: ") and "already in use" in err
    assert len(err.splitlines()) == 1
