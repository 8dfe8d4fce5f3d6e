"""The broker restarts mid-stream (kafka_local.stop, then start on the same data dir and ports)
while a producer and a lander run: nothing is lost, and both carry on by themselves.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

from kafka_support import (
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
from spotify_mds.operations import kafka_local
from spotify_mds.pipelines.streams.produce import ensure_topic, produce, producer_config
from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

pytestmark = pytest.mark.integration


def test_broker_restart_mid_stream_loses_nothing(tmp_path):
    data = tmp_path / "kafka"
    ports = free_ports(2)
    bootstrap = start_broker(data, ports).bootstrap
    topic, group, lake = "restart", "restart-landers", tmp_path / "lake"
    stop_producing = threading.Event()
    lander = None
    try:
        ensure_topic(bootstrap, topic, 3)
        batches = list(simulate(SimConfig(seed=9, users=5000, days=2, max_events=100_000)))
        produced = [i for b in batches for i in event_ids(b.values)]
        results = []
        producing = threading.Thread(
            target=lambda: results.append(
                produce(batches, producer_config(bootstrap), topic, rate=4_000, stop=stop_producing, flush_timeout=300)
            ),
            daemon=True,
        )
        producing.start()
        log = tmp_path / "lander.log"
        lander = start_lander(
            lander_env(bootstrap, topic, group, str(lake), LAND_MAX_RECORDS="5000", LAND_IDLE_FLUSH_SECONDS="2"), log
        )
        time.sleep(8)
        assert kafka_local.stop(data)
        time.sleep(5)
        kafka_local.start(data, port=ports[0], controller_port=ports[1])
        restarted_at = time.monotonic()
        producing.join(180)
        assert results and results[0].produced == len(produced)
        assert results[0].failed == results[0].undelivered == 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if sum(max(o, 0) for o in committed(bootstrap, group, topic, 3).values()) == len(produced):
                break
            time.sleep(1)
        caught_up_s = time.monotonic() - restarted_at
        lander.send_signal(signal.SIGTERM)
        assert wait(lander, 60) == 0, log.read_text()[-3000:]

        counts = bronze_event_ids(lake, topic)
        duplicates = sum(counts.values()) - len(counts)
        print(f"\nbroker restart: caught up {caught_up_s:.0f}s after the restart; duplicate deliveries {duplicates}")
        assert set(counts) == set(produced)
        assert committed(bootstrap, group, topic, 3) == end_offsets(bootstrap, topic, 3)
    finally:
        stop_producing.set()
        if lander is not None and lander.poll() is None:
            lander.kill()
            lander.wait()
        kafka_local.stop(data)
