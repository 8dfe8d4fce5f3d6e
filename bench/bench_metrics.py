"""What the metrics cost: the Kafka lander and the embedded pipeline, metrics off and on, in one run.

    python -m bench.bench_metrics [--events 200000] [--rounds 3] [--pipeline-events 50000] [--bootstrap HOST:PORT]

Rounds alternate off, on, off, on… (a neighbour's job slows both alike) and each side keeps its
median. "On" is what a deployment runs: the lander with `LanderMetrics` (its collector, the commit
histogram, quarantine by reason) served on a port and scraped every 0.5 s, 30 times Prometheus'
usual rate; the pipeline (`spotify-mds run`) pushing its run's metrics to a textfile when it ends.
Run records (RunLog) are written in both: they are the run logs, not the metrics. Starts a
local broker (kafka_local) unless --bootstrap names one; without Java only the pipeline runs.
Prints a table; the figures go to BENCHMARKS.md, "Metrics overhead".
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

TOPIC = "bench.metrics"
PARTITIONS = 3


def land_once(bootstrap: str, n: int, out: Path, metrics_on: bool) -> float:
    """Seconds to land the topic's `n` records (the CLI's defaults), metrics off or on."""
    from spotify_mds.lake import LocalLake
    from spotify_mds.landing import LandingOptions
    from spotify_mds.landing.kafka_source import consumer_config, land_kafka
    from spotify_mds.metrics import LanderMetrics, serve_metrics
    from spotify_mds.pipelines.streams.landing import landing_record
    from spotify_mds.settings import Settings

    writer = LandingOptions.from_settings(Settings(_env_file=None)).writer(LocalLake(out), TOPIC, landing_record)
    group = f"bench-metrics-{uuid.uuid4().hex[:6]}"
    stop, done = threading.Event(), threading.Event()
    metrics = server = scraper = None
    if metrics_on:
        metrics = LanderMetrics(TOPIC, group).attach(writer.stats)
        server = serve_metrics([metrics.registry], 0, "127.0.0.1")
        url = f"http://127.0.0.1:{server.server_port}/metrics"

        def scrape() -> None:
            while not done.wait(0.5):
                urllib.request.urlopen(url, timeout=5).read()

        scraper = threading.Thread(target=scrape, daemon=True)
        scraper.start()

    def watch(status) -> None:
        if metrics is not None:
            metrics.observe(status)
        if status.writer.records >= n:
            stop.set()

    started = time.perf_counter()
    status = land_kafka(consumer_config(bootstrap, group), TOPIC, writer, stop=stop, on_status=watch,
                        status_every_s=0.05, on_commit=metrics.commit if metrics else None)  # fmt: skip
    elapsed = time.perf_counter() - started
    done.set()
    if scraper is not None:
        scraper.join()
        server.shutdown()
    writer.close()
    assert status.writer.landed == n, status
    return elapsed


def pipeline_once(n: int, work: Path, metrics_on: bool) -> float:
    from rich.console import Console

    from spotify_mds.runner import run_pipeline
    from spotify_mds.settings import Settings

    data = work / f"pipeline-{'on' if metrics_on else 'off'}"
    shutil.rmtree(data, ignore_errors=True)
    settings = Settings(_env_file=None, data_dir=data, metrics_textfile_dir=(data / "prom") if metrics_on else None)
    started = time.perf_counter()
    run_pipeline(settings, Console(quiet=True), users=500, days=3.0, max_events=n)
    elapsed = time.perf_counter() - started
    assert not metrics_on or (data / "prom" / "spotify_mds_streams.prom").is_file()
    return elapsed


def direct_costs() -> list[tuple[str, float, str]]:
    """The metrics' own work, timed alone (what on/off wall times cannot resolve on a busy machine)."""
    import prometheus_client

    from spotify_mds.lake import MemoryLake
    from spotify_mds.landing.files import LandStats
    from spotify_mds.landing.validation import reason_counts
    from spotify_mds.metrics import LanderMetrics, push_run
    from spotify_mds.runlog import RunLog

    stats = LandStats(records=10**6, landed=10**6)
    stats.quarantine_reasons.update({"malformed_json": 10, "missing_field": 3})
    metrics = LanderMetrics("t", "g").attach(stats)
    metrics.observe(type("S", (), {"writer": stats, "commits": 1, "commit_failures": 0, "rebalances": 1, "outages": 0,
                                   "buffered": 0, "buffered_bytes": 0, "assigned": [0, 1, 2], "outage_s": 0.0,
                                   "lag_by_partition": {0: 1, 1: 2, 2: 3}})())  # fmt: skip
    rows = []
    n = 2000
    started = time.perf_counter()
    for _ in range(n):
        prometheus_client.generate_latest(metrics.registry)
    rows.append(("one scrape of the lander's /metrics (collect + text)", (time.perf_counter() - started) / n, "per scrape"))
    started = time.perf_counter()
    for _ in range(n):
        metrics.commit(0.003)
    rows.append(("commit latency observed", (time.perf_counter() - started) / n, "per commit (one per flush)"))
    bad = [{"reason": "malformed JSON: x", "field": None}] * 1000
    started = time.perf_counter()
    for _ in range(20):
        reason_counts(bad)
    rows.append(("quarantine reason counted", (time.perf_counter() - started) / 20_000, "per quarantined record"))
    run = RunLog(MemoryLake(), "streams")
    for stage in ("land", "load", "transform", "quality", "export"):
        with run.step("gold", stage) as step:
            step.count(rows=1000, quality={"freshness": "pass"}, freshness_age_seconds=1.0)
    run.close()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        for _ in range(50):
            push_run(run, textfile_dir=folder)
        rows.append(("a run's metrics written (textfile, 5 stages)", (time.perf_counter() - started) / 50, "per run"))
    return rows


def alternate(rounds: int, once) -> tuple[float, float, list[float], list[float]]:
    off: list[float] = []
    on: list[float] = []
    for i in range(rounds):
        off.append(once(i, False))
        on.append(once(i, True))
        print(f"round {i + 1}: off {off[-1]:.2f}s, on {on[-1]:.2f}s", file=sys.stderr)
    return statistics.median(off), statistics.median(on), off, on


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--pipeline-events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bootstrap", default="")
    parser.add_argument("--skip", default="", help="comma-separated: kafka,pipeline")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))

    from spotify_mds.operations import kafka_local
    from spotify_mds.pipelines.streams.produce import ensure_topic, produce, producer_config
    from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

    work = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    rows = []
    started_broker = False
    try:
        if "kafka" not in skip:
            bootstrap = args.bootstrap
            if not bootstrap:
                from bench.bench_kafka import free_port

                try:
                    kafka_local.java_executable()
                    bootstrap = kafka_local.start(work / "kafka", port=free_port(), controller_port=free_port()).bootstrap
                    started_broker = True
                except kafka_local.KafkaUnavailable as exc:
                    print(f"no broker ({exc}): the lander is not measured", file=sys.stderr)
            if bootstrap:
                ensure_topic(bootstrap, TOPIC, PARTITIONS)
                stats = produce(simulate(SimConfig(seed=3, users=20_000, days=3, max_events=args.events)),
                                producer_config(bootstrap), TOPIC)  # fmt: skip
                assert stats.produced == args.events and not stats.failed
                rows.append(("land (Kafka)", args.events, *alternate(
                    args.rounds, lambda i, on: land_once(bootstrap, args.events, work / f"land-{i}-{on}", on))))
        if "pipeline" not in skip:
            rows.append(("pipeline (embedded run)", args.pipeline_events, *alternate(
                args.rounds, lambda i, on: pipeline_once(args.pipeline_events, work, on))))
    finally:
        if started_broker:
            kafka_local.stop(work / "kafka")
        shutil.rmtree(work, ignore_errors=True)
    print("| the metrics' own work | seconds | how often |")
    print("|---|---:|---|")
    for what, seconds, often in direct_costs():
        print(f"| {what} | {seconds * 1e6:,.1f} µs | {often} |")
    print()
    print("| what | events | metrics off (median s) | metrics on (median s) | overhead | rounds off / on (s) |")
    print("|---|---:|---:|---:|---:|---|")
    for what, n, off, on, offs, ons in rows:
        print(f"| {what} | {n:,} | {off:.2f} | {on:.2f} | {(on / off - 1) * 100:+.1f} % | "
              f"{', '.join(f'{s:.2f}' for s in offs)} / {', '.join(f'{s:.2f}' for s in ons)} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
