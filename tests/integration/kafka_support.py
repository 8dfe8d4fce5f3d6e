"""Shared helpers for the Kafka integration tests (imported by test_kafka_*.py; not a test module).

A real Apache Kafka broker from `spotify_mds.operations.kafka_local` on free ports, the lander run as a
subprocess (`python -m spotify_mds.cli land ...`, settings through the environment, exactly as a user
or a scheduler runs it), and readers for what landed in bronze and what the group committed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import msgspec
import pytest

from spotify_mds.operations import kafka_local


def unavailable(reason: str) -> None:
    """Skip on a laptop without Java; fail in CI (CI=true), where the broker must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the local Kafka broker is unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def start_broker(data_dir: Path, ports: list[int] | None = None) -> kafka_local.BrokerInfo:
    try:
        import confluent_kafka  # noqa: F401
    except ImportError:
        unavailable("confluent_kafka is not installed (dev dependency)")
    try:
        kafka_local.java_executable()
        kafka_local.ensure_jars()
    except kafka_local.KafkaUnavailable as exc:
        unavailable(str(exc))
    port, controller_port = ports or free_ports(2)
    return kafka_local.start(data_dir, port=port, controller_port=controller_port)


class _EventId(msgspec.Struct):
    event_id: str


_ids = msgspec.json.Decoder(_EventId)


def event_ids(values) -> list[str]:
    return [_ids.decode(v).event_id for v in values]


def bronze_event_ids(lake, topic: str) -> Counter:
    """event_id → how many times bronze holds it (every object under bronze/<topic>/, as a reader sees them)."""
    lake = _lake(lake)
    counts: Counter = Counter()
    for info in lake.list(f"bronze/{topic}/"):
        counts.update(_ids.decode(line).event_id for line in lake.get(info.key).splitlines())
    return counts


def quarantine_rows(lake, topic: str) -> list[dict]:
    lake = _lake(lake)
    return [
        msgspec.json.decode(line)
        for info in lake.list(f"quarantine/{topic}/")
        for line in lake.get(info.key).splitlines()
    ]


def _lake(lake):
    from spotify_mds.lake import LocalLake

    return LocalLake(lake) if isinstance(lake, (str, Path)) else lake


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    """The group's committed offsets (-1001 when none), read without joining the group."""
    from confluent_kafka import Consumer, TopicPartition

    from confluent_kafka import KafkaException

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        for attempt in range(20):
            try:
                tps = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
                return {tp.partition: tp.offset for tp in tps}
            except KafkaException as exc:  # coordinator still loading, or moving: transient
                if attempt == 19 or not exc.args[0].retriable() and "coordinator" not in str(exc).lower():
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")
    finally:
        consumer.close()


def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[int, int]:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "end-offsets-reader"})
    try:
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)}
    finally:
        consumer.close()


def topic_event_ids(bootstrap: str, topic: str, partitions: int) -> dict[tuple[int, int], str]:
    """(partition, offset) → event_id of every record in the topic, read back without a group."""
    from confluent_kafka import Consumer, TopicPartition

    ends = end_offsets(bootstrap, topic, partitions)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "topic-reader", "enable.auto.commit": False})
    found: dict[tuple[int, int], str] = {}
    try:
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        deadline = time.monotonic() + 120
        while len(found) < sum(ends.values()) and time.monotonic() < deadline:
            for message in consumer.consume(10_000, 1.0):
                if message.error() is None:
                    found[message.partition(), message.offset()] = _ids.decode(message.value()).event_id
    finally:
        consumer.close()
    assert len(found) == sum(ends.values()), f"read {len(found):,} of {sum(ends.values()):,} records back"
    return found


def lander_env(bootstrap: str, topic: str, group: str, lake: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "LAND_", "LAKE_", "MINIO_", "AWS_"))}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=bootstrap,
        KAFKA_TOPIC=topic,
        KAFKA_GROUP_ID=group,
        KAFKA_SESSION_TIMEOUT_MS="10000",
        LAKE_URL=lake,
    )
    env.update(extra)
    return env


def start_lander(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    with log.open("ab") as handle:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "spotify_mds.cli", "land", *args], env=env, stdout=handle, stderr=subprocess.STDOUT
        )


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait(proc: subprocess.Popen, timeout: float, rss: list[float] | None = None) -> int:
    """Wait for a lander to exit, sampling its RSS; kill it and fail when it overruns."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if rss is not None:
            rss.append(rss_mb(proc.pid))
        if time.monotonic() > deadline:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            pytest.fail(f"lander did not finish within {timeout}s")
        time.sleep(0.2)
    return proc.returncode


class SwitchableProxy:
    """A TCP forwarder in front of a server (moto's S3) that can be switched off and on.

    Off: open connections are cut and new ones are closed at once, as a crashed or unreachable
    endpoint behaves; the server behind it keeps its state (moto's buckets live in memory).
    """

    def __init__(self, upstream_port: int) -> None:
        import threading

        self.upstream_port = upstream_port
        self.enabled = True
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self.enabled:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                # Switched off while this connection was being set up: it must not outlive the
                # switch (it did once, and a write went through "during the outage").
                if not self.enabled:
                    client.close()
                    upstream.close()
                    continue
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with self._lock:
                    self._sockets.discard(s)
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def switch_off(self) -> None:
        with self._lock:  # atomic with registering a new connection in _accept
            self.enabled = False
            live = list(self._sockets)
        for s in live:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def switch_on(self) -> None:
        self.enabled = True

    def close(self) -> None:
        self._closed = True
        self.switch_off()
        self._listener.close()


def group_assignment(bootstrap: str, group: str) -> dict[str, list[int]]:
    """member (its static instance id, else its member id) → partitions assigned, as the broker sees it
    ({} while the group's coordinator is not ready)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    from spotify_mds.kafka_client import LIBRDKAFKA_LOG

    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": LIBRDKAFKA_LOG})
    try:
        description = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
    except KafkaException:
        return {}
    return {
        member.group_instance_id or member.member_id: sorted(tp.partition for tp in member.assignment.topic_partitions)
        for member in description.members
    }
