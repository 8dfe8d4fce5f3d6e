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
    start_broker,
    start_lander,
    wait,
)
from spotify_mds import kafka_local
from spotify_mds.produce import ensure_topic, produce, producer_config
from spotify_mds.simulate import SimConfig, simulate

pytestmark = pytest.mark.integration

BUCKET = "lake"
OUTAGE_S = 25


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    data = tmp_path_factory.mktemp("kafka")
    info = start_broker(data)
    try:
        yield info.bootstrap
    finally:
        kafka_local.stop(data)


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
    samples: list[tuple[float, int]] = []  # (time, total committed offset)

    def sample() -> None:
        offsets = committed(broker, group, topic, 3)
        samples.append((time.monotonic(), sum(max(o, 0) for o in offsets.values())))

    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sample()
            time.sleep(0.5)
        assert samples[-1][1] > 0, "the lander committed nothing before the outage"
        s3["proxy"].switch_off()
        off_at = time.monotonic()
        while time.monotonic() < off_at + OUTAGE_S:
            sample()
            time.sleep(0.5)
        s3["proxy"].switch_on()
        on_at = time.monotonic()
        producing.join(120)
        # Catch up: the idle flush lands the tail; wait until everything produced is committed.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            sample()
            if samples[-1][1] == len(produced):
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

    # A write that completed just before the switch may still be committed within the grace period;
    # from then until the lake is back every sample must read the same total. (Comparing with the
    # last sample *before* off + grace was racy: a legitimate commit between that sample and
    # off + grace showed up as a second value.)
    grace = 3.0
    before = max(total for t, total in samples if t < off_at)
    during = [total for t, total in samples if off_at + grace <= t <= on_at]
    print(f"\nS3 outage: committed before {before:,}, during the {OUTAGE_S}s outage {sorted(set(during))}, final {samples[-1][1]:,}")
    assert len(during) >= 10, "too few samples during the outage to tell"
    assert len(set(during)) == 1, "offsets were committed while the lake was unreachable"
    assert during[0] >= before
    assert samples[-1][1] == len(produced) == sum(end_offsets(broker, topic, 3).values())
    text = " ".join(log.read_text().split())
    assert "storage outages 1" in text or "storage outages 2" in text, text[-2000:]

    lake = S3Lake(f"s3://{BUCKET}/{topic}", endpoint_url=s3["direct"], key="test", secret="test")
    counts = bronze_event_ids(lake, topic)
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
