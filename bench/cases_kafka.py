"""Benchmark cases through a real Apache Kafka broker, and continuous mode's freshness.

The broker is started once by `bench.run` (spotify_mds.operations.kafka_local, when Java is present) and
passed to every case in BENCH_KAFKA_BOOTSTRAP. The topic a lander reads is filled during the case's
preparation, outside the timed part; each lander run reads it from the start in a new group.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

from bench.bench_kafka import PARTITIONS, bench_land_ours, bench_land_quix, bench_land_seed, bench_produce_seed
from bench.cases_pipeline import sim_config
from bench.harness import started

SEED_SAMPLE = 200_000
"""The seed-style producer and consumer, and quixstreams, run on this many events: their rate does not
depend on the volume."""


def bootstrap() -> str:
    address = os.environ.get("BENCH_KAFKA_BOOTSTRAP", "")
    if not address:
        raise RuntimeError("BENCH_KAFKA_BOOTSTRAP is not set: bench.run starts a broker when Java is present")
    return address


def held(topic: str) -> int:
    """How many records `topic` holds (it is created with PARTITIONS partitions if missing)."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    from spotify_mds.pipelines.streams.produce import ensure_topic

    created = ensure_topic(bootstrap(), topic, PARTITIONS)
    probe = Consumer({"bootstrap.servers": bootstrap(), "group.id": "bench-probe"})
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                return sum(probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                           for p in range(PARTITIONS))  # fmt: skip
            except KafkaException:  # a topic just created has no leader for a moment
                if not created or time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
    finally:
        probe.close()


def filled_topic(volume: int, workdir: Path) -> str:
    """A topic holding the `volume` events of the shared NDJSON file (filled once per broker: by the
    first timed run of produce_ours when it ran, else here)."""
    from spotify_mds.pipelines.streams.produce import produce, producer_config
    from spotify_mds.pipelines.streams.simulate import simulate

    topic = f"bench.filled.{volume}"
    count = held(topic)
    if count == 0:  # the shared file's events, generated again (same config, same bytes): no file in memory
        stats = produce(simulate(sim_config(volume)), producer_config(bootstrap()), topic)
        assert stats.produced == volume and stats.failed == stats.undelivered == 0, stats
    elif count != volume:
        raise RuntimeError(f"{topic} holds {count:,} records, expected {volume:,}: start from a fresh broker")
    return topic


# -- produce --------------------------------------------------------------------------------------
def produce_ours(volume: int, workdir: Path) -> int:
    """`spotify-mds produce --events N`: the simulator feeding an idempotent, lz4-compressed producer."""
    from spotify_mds.pipelines.streams.produce import ensure_topic, produce, producer_config
    from spotify_mds.pipelines.streams.simulate import simulate

    # The first run fills the topic the landing cases read (producing 10M events again to prepare
    # them took 36 s); later runs produce into a topic of their own, as empty as the first one's.
    topic = f"bench.filled.{volume}"
    if held(topic):
        topic = f"bench.produce.{uuid.uuid4().hex[:8]}"
        ensure_topic(bootstrap(), topic, PARTITIONS)
    config = sim_config(volume)
    started()
    stats = produce(simulate(config), producer_config(bootstrap()), topic)
    assert stats.failed == stats.undelivered == 0, stats
    return stats.produced


def produce_seed_style(volume: int, workdir: Path) -> int:
    from spotify_mds.pipelines.streams.produce import ensure_topic

    n = min(volume, SEED_SAMPLE)
    topic = f"bench.seed.{uuid.uuid4().hex[:8]}"
    ensure_topic(bootstrap(), topic, PARTITIONS)
    started()
    bench_produce_seed(bootstrap(), topic, n)
    return n


# -- land -----------------------------------------------------------------------------------------
def land_ours(volume: int, workdir: Path) -> int:
    topic = filled_topic(volume, workdir)
    out = workdir / "kafka-land-ours"
    shutil.rmtree(out, ignore_errors=True)
    started()
    bench_land_ours(bootstrap(), topic, volume, out)
    return volume


def land_seed_style(volume: int, workdir: Path) -> int:
    topic = filled_topic(volume, workdir)
    out = workdir / "kafka-land-seed"
    shutil.rmtree(out, ignore_errors=True)
    n = min(volume, SEED_SAMPLE)
    started()
    bench_land_seed(bootstrap(), topic, n, out)
    return n


def land_quixstreams(volume: int, workdir: Path) -> int:
    """quixstreams' file sink, from its own venv (it pins another confluent-kafka); see bench.run."""
    python = os.environ.get("BENCH_PEERS_PYTHON", "")
    topic = filled_topic(volume, workdir)
    out = workdir / "kafka-land-quix"
    shutil.rmtree(out, ignore_errors=True)
    n = min(volume, SEED_SAMPLE)  # a peer's per-event rate does not depend on the volume either
    started()
    rate = bench_land_quix(python, bootstrap(), topic, n, out)
    if rate is None:
        raise RuntimeError("quixstreams run failed (see above)")
    return {"events": n, "seconds": n / rate}  # timed in its process, from app.run() on, as ours is


def kcat_missing() -> str | None:
    """Why the kcat row cannot run here, or None."""
    return None if shutil.which("kcat") else "kcat not found: apt-get install kcat"


def count_lines(path: Path) -> int:
    """Newlines in a file, read a MiB at a time (a ceiling's output is checked, not trusted)."""
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def land_kcat(volume: int, workdir: Path) -> dict:
    """kcat (C, librdkafka) copying every partition's values to one file, no validation, no fsync: the
    ceiling of reading this topic on this machine. Timed from its start until it exits at the end of
    every partition (-e); the lines it wrote are counted afterwards, outside the time."""
    if reason := kcat_missing():
        raise RuntimeError(reason)
    topic = filled_topic(volume, workdir)
    out = workdir / "kafka-land-kcat.ndjson"
    command = ["kcat", "-C", "-b", bootstrap(), "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n"]
    begin = time.perf_counter()
    with open(out, "wb") as sink:
        subprocess.run(command, stdout=sink, check=True, timeout=1800)
    seconds = time.perf_counter() - begin
    lines = count_lines(out)
    out.unlink()  # 3 GB at 10M events
    if lines != volume:
        raise RuntimeError(f"kcat wrote {lines:,} records of {volume:,}")
    return {"events": volume, "seconds": seconds}


# -- whole pipeline through Kafka -----------------------------------------------------------------
def pipeline_kafka(volume: int, workdir: Path) -> int:
    """simulate → produce → Kafka → land → load → transform → export: the wall time of one run."""
    from spotify_mds import runner
    from spotify_mds.lake import LocalLake
    from spotify_mds.landing import LandingOptions
    from spotify_mds.landing.kafka_source import consumer_config, land_kafka
    from spotify_mds.pipelines.streams.landing import landing_record
    from spotify_mds.pipelines.streams.produce import ensure_topic, produce, producer_config
    from spotify_mds.settings import Settings
    from spotify_mds.pipelines.streams.simulate import simulate

    data = workdir / "pipeline-kafka"
    shutil.rmtree(data, ignore_errors=True)
    topic = f"bench.e2e.{uuid.uuid4().hex[:8]}"
    settings = Settings(_env_file=None, data_dir=data, kafka_topic=topic)
    ensure_topic(bootstrap(), topic, PARTITIONS)
    config = sim_config(volume)
    started()
    produced = produce(simulate(config), producer_config(bootstrap()), topic).produced
    stop = threading.Event()
    writer = LandingOptions.from_settings(settings).writer(LocalLake(settings.data_dir / "lake"), topic, landing_record)
    land_kafka(consumer_config(bootstrap(), f"bench-e2e-{topic}"), topic, writer, stop=stop,
               on_status=lambda s: s.writer.records >= produced and stop.set(), status_every_s=0.05)  # fmt: skip
    writer.close()
    summary = runner.RunSummary()
    summary.add(runner.load(settings))
    summary.add(runner.transform(settings))
    summary.add(runner.export(settings))
    assert summary.loaded == produced, (summary.loaded, produced)
    return produced


# -- continuous mode ------------------------------------------------------------------------------
FOLLOW_USERS = 1_000_000
"""Users join over the simulated year, so at any moment few are active: this gives some 25 events a
second in real time (Europe's morning), enough rows in every micro-batch to measure."""


def follow_freshness(volume: int, workdir: Path) -> dict:
    """`spotify-mds run --follow` for BENCH_FOLLOW_SECONDS: event time → in gold, p50 and p95."""
    from rich.console import Console

    from spotify_mds.follow import follow_pipeline
    from spotify_mds.settings import Settings

    seconds = float(os.environ.get("BENCH_FOLLOW_SECONDS", "90"))
    interval = float(os.environ.get("BENCH_FOLLOW_INTERVAL", "10"))
    data = workdir / "follow"
    shutil.rmtree(data, ignore_errors=True)
    settings = Settings(_env_file=None, data_dir=data, user_count=FOLLOW_USERS, land_idle_flush_seconds=2.0)
    stop = threading.Event()
    threading.Timer(seconds, stop.set).start()
    started()
    stats = follow_pipeline(settings, Console(quiet=True), interval=interval, stop=stop)
    return {"events": stats.released, "metrics": {
        "p50_s": stats.percentile(0.5), "p95_s": stats.percentile(0.95), "cycles": stats.cycles,
        "loaded": stats.loaded, "released": stats.released, "interval_s": interval, "errors": len(stats.errors)}}  # fmt: skip
