"""Kafka → bronze and simulator → Kafka, side by side, on one real broker with the same data.

    python bench/bench_kafka.py [--events 1000000] [--bootstrap HOST:PORT] [--peers-python PATH]

Without --bootstrap it starts a throw-away Apache Kafka broker (spotify_mds.operations.kafka_local) on free
ports and stops it at the end. Contenders:

producers (same N events):
- spotify-mds `produce()` on pre-generated simulator batches (idempotent, lz4, linger 20 ms);
- spotify-mds end to end: simulator + `produce()` (what `spotify-mds produce --events N` does);
- seed-style: per event `random.choice` fields + `uuid4` + `json.dumps` + `produce()`, default config.

landers (each its own consumer group, reading the same topic from the start, writing to a folder):
- spotify-mds `land_kafka()` + `BronzeWriter` (validation, event-time files, fsync, commit after write);
- seed-style: `poll()` per message, `json.loads`, auto-commit, one file per 1,000 records;
- quixstreams `LocalFileSink` (JSON lines), in its own venv (quixstreams pins an older
  confluent-kafka): `python -m venv bench/out/peers-venv && bench/out/peers-venv/bin/pip install quixstreams`.

Prints a Markdown table (for BENCHMARKS.md). Keep N modest on shared machines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOPIC = "bench.streams"
PARTITIONS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- producers --------------------------------------------------------------------------------------
def bench_produce_ours(bootstrap: str, batches: list, topic: str) -> float:
    from spotify_mds.pipelines.streams.produce import produce, producer_config

    n = sum(len(b) for b in batches)
    started = time.perf_counter()
    stats = produce(batches, producer_config(bootstrap), topic)
    assert stats.produced == n and stats.failed == stats.undelivered == 0
    return n / (time.perf_counter() - started)


def bench_produce_ours_end_to_end(bootstrap: str, config, topic: str, n: int) -> float:
    from spotify_mds.pipelines.streams.produce import produce, producer_config
    from spotify_mds.pipelines.streams.simulate import simulate

    started = time.perf_counter()
    stats = produce(simulate(config), producer_config(bootstrap), topic)
    assert stats.produced == n and stats.failed == stats.undelivered == 0
    return n / (time.perf_counter() - started)


def bench_produce_seed(bootstrap: str, topic: str, n: int) -> float:
    """The seeds' producer: every field drawn with random.choice, json.dumps, produce() per event."""
    from confluent_kafka import Producer

    users = [f"user_{i}" for i in range(2000)]
    songs = [(f"song_{i}", f"Song {i}", f"Artist {i % 300}") for i in range(5000)]
    producer = Producer({"bootstrap.servers": bootstrap})
    started = time.perf_counter()
    for i in range(n):
        song = random.choice(songs)
        event = {
            "event_id": str(uuid.uuid4()),
            "user_id": random.choice(users),
            "session_id": f"s{i // 12}",
            "song_id": song[0],
            "song_name": song[1],
            "artist_name": song[2],
            "event_type": random.choice(["play", "pause", "skip", "add_to_playlist"]),
            "device_type": random.choice(["mobile", "desktop", "web"]),
            "country": random.choice(["US", "BR", "GB", "DE"]),
            "timestamp": datetime.now(timezone.utc).isoformat(),
        }
        while True:
            try:
                producer.produce(topic, json.dumps(event).encode(), event["user_id"].encode())
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    assert producer.flush(120) == 0
    return n / (time.perf_counter() - started)


# -- landers ----------------------------------------------------------------------------------------
def bench_land_ours(bootstrap: str, topic: str, n: int, out: Path, compression: str = "none") -> float:
    from spotify_mds.lake import LocalLake
    from spotify_mds.landing import LandingOptions
    from spotify_mds.landing.kafka_source import consumer_config, land_kafka
    from spotify_mds.pipelines.streams.landing import landing_record

    from spotify_mds.settings import Settings

    defaults = Settings(_env_file=None)  # the CLI's defaults: background writes, validation workers
    options = LandingOptions.from_settings(defaults)
    writer = options.writer(LocalLake(out), topic, landing_record, compression=compression)
    stop = threading.Event()

    def watch(status) -> None:
        if status.writer.records >= n:
            stop.set()

    started = time.perf_counter()
    status = land_kafka(
        consumer_config(bootstrap, f"bench-ours-{compression}-{uuid.uuid4().hex[:6]}"),
        topic,
        writer,
        stop=stop,
        on_status=watch,
        status_every_s=0.05,
    )
    elapsed = time.perf_counter() - started
    writer.close()
    assert status.writer.landed == n, status
    return n / elapsed


def bench_land_seed(bootstrap: str, topic: str, n: int, out: Path) -> float:
    """The seeds' consumer: poll() per message, json.loads, auto-commit, a file per 1,000 records."""
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-seed-{uuid.uuid4().hex[:6]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": True,
        }
    )
    consumer.subscribe([topic])
    out.mkdir(parents=True, exist_ok=True)
    batch: list[dict] = []
    seen = files = 0
    started = time.perf_counter()
    try:
        while seen < n:
            msg = consumer.poll(1.0)
            if msg is None or msg.error():
                continue
            batch.append(json.loads(msg.value()))
            seen += 1
            if len(batch) >= 1000 or seen == n:
                # Arrival-time name as in the seed (plus a counter, so this run loses nothing to overwrites).
                name = f"streams_{datetime.now():%Y%m%d_%H%M%S}_{files}.json"
                (out / name).write_text("\n".join(json.dumps(r) for r in batch))
                files += 1
                batch = []
    finally:
        consumer.close()
    return n / (time.perf_counter() - started)


PEER_QUIX = """
import sys, time
from quixstreams import Application
from quixstreams.sinks.community.file.local import LocalFileSink
bootstrap, topic, n, out, group = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
app = Application(broker_address=bootstrap, consumer_group=group, auto_offset_reset="earliest", loglevel="WARNING")
sdf = app.dataframe(app.topic(topic, value_deserializer="json"))
sdf.sink(LocalFileSink(directory=out, format="json"))
started = time.perf_counter()
app.run(count=n, collect=False)
print(n / (time.perf_counter() - started))
"""


def bench_land_quix(python: str, bootstrap: str, topic: str, n: int, out: Path) -> float | None:
    if not Path(python).exists():
        print(f"quixstreams: no peers venv at {python}; skipped", file=sys.stderr)
        return None
    out.mkdir(parents=True, exist_ok=True)
    # LocalFileSink accepts only [A-Za-z0-9 ._] in its directory: give it a relative name.
    result = subprocess.run(
        [python, "-W", "ignore", "-c", PEER_QUIX, bootstrap, topic, str(n), "quix_out", f"bench-quix-{uuid.uuid4().hex[:6]}"],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=out,
    )
    if result.returncode != 0:
        print(f"quixstreams failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    return float(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", default="")
    parser.add_argument("--peers-python", default=str(HERE / "out" / "peers-venv" / "bin" / "python"))
    parser.add_argument("--rounds", type=int, default=2, help="landing rounds; each contender keeps its best")
    parser.add_argument("--skip", default="", help="comma-separated: seed-produce,quix,seed-land,zstd")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))

    sys.path.insert(0, str(HERE.parent / "src"))
    from spotify_mds.operations import kafka_local
    from spotify_mds.pipelines.streams.produce import ensure_topic
    from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

    work = Path(tempfile.mkdtemp(prefix="bench-kafka-"))
    data_dir = work / "kafka"
    bootstrap = args.bootstrap
    if not bootstrap:
        bootstrap = kafka_local.start(data_dir, port=free_port(), controller_port=free_port()).bootstrap
    rows: list[tuple[str, str, float | None]] = []
    try:
        n = args.events
        config = SimConfig(seed=1, users=50_000, days=3, max_events=n)
        started = time.perf_counter()
        batches = list(simulate(config))
        sim_rate = n / (time.perf_counter() - started)
        rows.append(("simulate", "simulator alone (reference, no Kafka)", sim_rate))

        ensure_topic(bootstrap, TOPIC, PARTITIONS)
        rows.append(("produce", "spotify-mds produce() (pre-generated batches)", bench_produce_ours(bootstrap, batches, TOPIC)))
        del batches
        ensure_topic(bootstrap, TOPIC + ".e2e", PARTITIONS)
        rows.append(("produce", "spotify-mds simulator + produce() end to end", bench_produce_ours_end_to_end(bootstrap, config, TOPIC + ".e2e", n)))
        if "seed-produce" not in skip:
            ensure_topic(bootstrap, TOPIC + ".seed", PARTITIONS)
            rows.append(("produce", "seed-style producer (random.choice + json.dumps per event)", bench_produce_seed(bootstrap, TOPIC + ".seed", n)))

        # Landers run in rounds (A B C D, A B C D, ...) and each keeps its best round: on a shared
        # machine one round can be slowed by a neighbour's job.
        landers = [("spotify-mds land_kafka() → bronze (validated, fsync'd, commit after write)", lambda i: bench_land_ours(bootstrap, TOPIC, n, work / f"ours{i}"))]
        if "zstd" not in skip:
            landers.append(("spotify-mds land_kafka() → bronze, zstd", lambda i: bench_land_ours(bootstrap, TOPIC, n, work / f"ours-zstd{i}", "zstd")))
        if "seed-land" not in skip:
            landers.append(("seed-style consumer (poll + json.loads per message, auto-commit)", lambda i: bench_land_seed(bootstrap, TOPIC, n, work / f"seed{i}")))
        if "quix" not in skip:
            landers.append(("quixstreams 3 LocalFileSink (JSON lines)", lambda i: bench_land_quix(args.peers_python, bootstrap, TOPIC, n, work / f"quix{i}")))
        best: dict[str, list[float]] = {name: [] for name, _ in landers}
        for i in range(args.rounds):
            for name, run in landers:
                rate = run(i)
                if rate:
                    best[name].append(rate)
                print(f"round {i + 1}: {name}: {rate or 0:,.0f}/s", file=sys.stderr)
        for name, rates in best.items():
            rows.append(("land", name, max(rates) if rates else None))
    finally:
        if not args.bootstrap:
            kafka_local.stop(data_dir)
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{n:,} events, {PARTITIONS} partitions, {os.cpu_count()} cores, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    print(f"landing: best of {args.rounds} interleaved rounds\n")
    print("| stage | contender | events/s |\n|---|---|---:|")
    for stage, name, rate in rows:
        print(f"| {stage} | {name} | {f'{rate:,.0f}' if rate else 'n/a'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
