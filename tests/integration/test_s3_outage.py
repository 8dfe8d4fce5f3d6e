"""Kafka → bronze on an S3 endpoint (moto's server) that goes away for 25 s mid-stream.

The lander (a subprocess, settings from the environment: LAKE_URL=s3://..., MINIO_ENDPOINT=...)
talks to moto through a proxy the test switches off and on, so moto's in-memory buckets survive the
"outage". Checked: nothing lost, no offset committed while the lake was unreachable, the lander
resumed by itself, and it exits cleanly on SIGTERM.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

from kafka_support import (
    SwitchableProxy,
    bronze_event_ids,
    committed,
    end_offsets,
    event_ids,
    free_ports,
    lander_env,
    topic_event_ids,
    start_lander,
    wait,
)
from spotify_mds.pipelines.streams.produce import ensure_topic, produce, producer_config
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

pytestmark = pytest.mark.integration

BUCKET = "lake"
OUTAGE_S = 25


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server on a free port, a bucket, and a switchable proxy in front of it."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        pytest.skip(f"moto[server]/boto3 not installed: {exc}")
    (port,) = free_ports(1)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    proxy = SwitchableProxy(port)
    try:
        boto3.client(
            "s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="test", aws_secret_access_key="test",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        yield {"direct": f"http://127.0.0.1:{port}", "proxied": f"http://127.0.0.1:{proxy.port}", "proxy": proxy}
    finally:
        proxy.close()
        server.stop()


def s3_env(broker: str, topic: str, group: str, endpoint: str) -> dict[str, str]:
    return lander_env(
        broker,
        topic,
        group,
        f"s3://{BUCKET}/{topic}",
        MINIO_ENDPOINT=endpoint,
        MINIO_ACCESS_KEY="test",
        MINIO_SECRET_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        LAND_MAX_RECORDS="5000",
        LAND_IDLE_FLUSH_SECONDS="2",
        LAND_RETRY_MAX_SECONDS="4",
    )


def test_lake_outage_pauses_commits_and_the_lander_resumes_by_itself(broker, s3, tmp_path):
    from spotify_mds.lake import S3Lake

    topic, group = "s3-outage", "s3-landers"
    ensure_topic(broker, topic, 3)
    batches = list(simulate(SimConfig(seed=5, users=5000, days=2, max_events=150_000)))
    produced = [i for b in batches for i in event_ids(b.values)]
    stop_producing = threading.Event()
    producing = threading.Thread(
        target=produce,
        args=(batches, producer_config(broker), topic),
        kwargs={"rate": 3_000, "stop": stop_producing},
        daemon=True,
    )
    producing.start()
    log = tmp_path / "lander.log"
    lander = start_lander(s3_env(broker, topic, group, s3["proxied"]), log)
    direct = S3Lake(f"s3://{BUCKET}/{topic}", endpoint_url=s3["direct"], key="test", secret="test")
    samples: list[tuple[float, dict[int, int]]] = []  # (time, committed offset per partition)

    def sample() -> None:
        offsets = committed(broker, group, topic, 3)
        samples.append((time.monotonic(), {p: max(o, 0) for p, o in offsets.items()}))

    def total(offsets: dict[int, int]) -> int:
        return sum(offsets.values())

    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sample()
            time.sleep(0.5)
        assert total(samples[-1][1]) > 0, "the lander committed nothing before the outage"
        s3["proxy"].switch_off()
        off_at = time.monotonic()
        while time.monotonic() < off_at + OUTAGE_S:
            sample()
            time.sleep(0.5)
        # Nothing reaches moto while the proxy is off: what bronze holds now is all that was durable
        # at any moment of the outage.
        durable = set(bronze_event_ids(direct, topic))
        s3["proxy"].switch_on()
        on_at = time.monotonic()
        producing.join(120)
        # Catch up: the idle flush lands the tail; wait until everything produced is committed.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            sample()
            if total(samples[-1][1]) == len(produced):
                break
            time.sleep(0.5)
        lander.send_signal(signal.SIGTERM)
        assert wait(lander, 60) == 0, log.read_text()[-3000:]
    finally:
        stop_producing.set()
        producing.join(60)
        if lander.poll() is None:
            lander.kill()
            lander.wait()

    # The guarantee: no offset is ever committed beyond what is durably in the lake. During the
    # outage the lander may still commit files that were written just before it (a background
    # write finishes, or the loop was busy retrying another one), never one that was not written.
    at = topic_event_ids(broker, topic, 3)
    during = [offsets for t, offsets in samples if off_at <= t <= on_at]
    not_durable = sorted(
        {(p, o) for offsets in during for p, c in offsets.items() for o in range(c) if at[p, o] not in durable}
    )
    before = total(max((o for t, o in samples if t < off_at), key=total))
    print(
        f"\nS3 outage: committed before {before:,}, during the {OUTAGE_S}s outage "
        f"{sorted({total(o) for o in during})}, durable {len(durable):,}, final {total(samples[-1][1]):,}"
    )
    assert len(during) >= 10, "too few samples during the outage to tell"
    assert not not_durable, f"committed but not in the lake: {len(not_durable)} records, from {not_durable[0]}"
    # And the lander paused: over the outage's last 8 s (every write started before the outage had
    # failed or finished by then) nothing more was committed.
    settled = {total(offsets) for t, offsets in samples if on_at - 8 <= t <= on_at}
    assert len(settled) == 1, f"commits went on while the lake was down: {sorted(settled)}"
    assert total(samples[-1][1]) == len(produced) == sum(end_offsets(broker, topic, 3).values())
    text = " ".join(log.read_text().split())
    assert "storage outages 1" in text or "storage outages 2" in text, text[-2000:]

    counts = bronze_event_ids(direct, topic)
    duplicates = sum(counts.values()) - len(counts)
    print(f"S3 outage: {len(counts):,} distinct events in bronze, {duplicates} duplicate deliveries")
    assert set(counts) == set(produced)
    assert duplicates == 0


def test_s3_lake_skips_identical_bytes_and_puts_in_parallel(s3):
    from spotify_mds.errors import LakeError
    from spotify_mds.lake import S3Lake

    lake = S3Lake(f"s3://{BUCKET}/unit", endpoint_url=s3["proxied"], key="test", secret="test")
    items = [(f"bronze/t/date=2026-11-02/hour=0{i}/t+0+{i:020d}.ndjson", b'{"i": %d}\n' % i) for i in range(5)]
    assert lake.put_many(items) == [True] * 5
    assert lake.put_many(items) == [False] * 5  # a replay leaves identical objects alone
    assert [info.key for info in lake.list("bronze/")] == [key for key, _ in items]
    s3["proxy"].switch_off()
    try:
        with pytest.raises(LakeError, match="cannot write"):
            S3Lake(
                f"s3://{BUCKET}/unit", endpoint_url=s3["proxied"], key="test", secret="test", max_attempts=1
            ).put("bronze/x.ndjson", b"x\n")
    finally:
        s3["proxy"].switch_on()
