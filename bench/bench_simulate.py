"""Simulator throughput, side by side with a seed-style baseline, and peak memory.

    .venv/bin/python bench/bench_simulate.py            # about a minute
    .venv/bin/python bench/bench_simulate.py --quick    # smaller runs, no 10M-event memory run

Prints events/s (CPU time of this process, and wall time) for:
- baseline: the seeds' producer style, one event at a time: `random.choice` among a few songs, users,
  devices and countries, a uuid4, `datetime.now()`, `json.dumps`;
- `simulate()`: the full model, Batches of (key, value) bytes (what the lander consumes);
- `write_ndjson()`: the same stream written as NDJSON to /dev/null, on one core;
- `write_ndjson()` to a file (the `simulate --out FILE` path) with 1 and 2 workers: wall time, and CPU
  time of this process plus its helper processes;
and, in fresh processes, the peak resident memory of writing 10M events to a file (parent and helper).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pyarrow as pa

from spotify_mds.pipelines.streams.simulate import SimConfig, simulate, write_ndjson

pa.set_cpu_count(1)
pa.set_io_thread_count(1)


def _clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _rate(n: int, since: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = _clock()
    return n / (cpu - since[0]), n / (wall - since[1])


def baseline(n: int) -> tuple[float, float]:
    """One event per loop iteration, as the seeds' producer builds it."""
    songs = [(f"song_{i}", f"Song {i}", f"Artist {i % 7}") for i in range(10)]
    users = [str(uuid.uuid4()) for _ in range(20)]
    devices, countries = ["mobile", "desktop", "web"], ["US", "BR", "GB", "DE", "IN"]
    events = ["play", "pause", "skip", "add_to_playlist"]
    out = []
    started = _clock()
    for _ in range(n):
        song_id, song_name, artist = random.choice(songs)
        user = random.choice(users)
        event = {
            "event_id": str(uuid.uuid4()),
            "user_id": user,
            "session_id": f"{user[:8]}-{random.randint(1, 5)}",
            "song_id": song_id,
            "song_name": song_name,
            "artist_name": artist,
            "event_type": random.choice(events),
            "device_type": random.choice(devices),
            "country": random.choice(countries),
            "timestamp": datetime.now(timezone.utc).isoformat(),
        }
        out.append((user.encode(), json.dumps(event).encode()))
    return _rate(n, started)


def batches(config: SimConfig) -> tuple[int, float, float, float]:
    started = _clock()
    n = 0
    for batch in simulate(config):
        n += len(batch)
    cpu, wall = _rate(n, started)
    return n, cpu, wall, _first_batch_seconds(config)


def _first_batch_seconds(config: SimConfig) -> float:
    """Set-up cost (catalog, users, encoder tables) until the first batch, CPU seconds."""
    started = time.process_time()
    next(iter(simulate(config)))
    return time.process_time() - started


def ndjson(config: SimConfig) -> tuple[int, float, float]:
    with open(os.devnull, "wb") as sink:
        started = _clock()
        n = write_ndjson(config, sink)
    return (n, *_rate(n, started))


def _cpu_with_helpers() -> float:
    own, helpers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + helpers.ru_utime + helpers.ru_stime


def to_file(config: SimConfig, workers: int) -> tuple[int, float, float]:
    """write_ndjson into a fresh file: events, events/s by wall time, CPU seconds (helpers included)."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        with open(os.path.join(tmp, "events.ndjson"), "wb") as sink:
            cpu, wall = _cpu_with_helpers(), time.perf_counter()
            n = write_ndjson(config, sink, workers=workers)
            wall = time.perf_counter() - wall
            cpu = _cpu_with_helpers() - cpu
    return n, n / wall, cpu


def peak_memory(events: int, users: int, workers: int) -> None:
    """Child process: write `events` events to a file, print peak RSS (own, helper) in MiB and events/s."""
    n, wall_eps, cpu = to_file(SimConfig(seed=1, users=users, days=7, max_events=events), workers)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"events": n, "peak_mib": round(peak), "helper_peak_mib": round(helper),
                      "cpu_s": round(cpu, 2), "wall_eps": round(wall_eps)}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory-child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        peak_memory(*args.memory_child)
        return

    print(
        f"python {sys.version.split()[0]}, pyarrow {pa.__version__}, one thread; events/s by CPU time (wall)"
    )
    repeats = 1 if args.quick else 3
    print(f"best of {repeats} runs each (the machine is shared: the best run is the least disturbed)")
    base_cpu, base_wall = max(baseline(30_000 if args.quick else 200_000) for _ in range(repeats))
    print(f"{'seed-style baseline (random.choice + json.dumps)':52s} {base_cpu:>12,.0f} ({base_wall:,.0f})")
    config = SimConfig(seed=1, users=6000 if args.quick else 12_000)
    n, batch_cpu, wall, setup = max(batches(config) for _ in range(repeats))
    print(
        f"{f'simulate() -> Batches, {n:,} events':52s} {batch_cpu:>12,.0f} ({wall:,.0f})  first batch {setup:.2f} s CPU"
    )
    n, cpu, wall = max(ndjson(config) for _ in range(repeats))
    print(f"{f'write_ndjson() -> /dev/null, {n:,} events':52s} {cpu:>12,.0f} ({wall:,.0f})")
    print(
        f"speed-up over the baseline (CPU): {batch_cpu / base_cpu:.0f}x as Batches, {cpu / base_cpu:.0f}x as NDJSON"
    )
    # 1M events at the bench case's density (users = volume / 150), alternating 1 and 2 workers
    config = SimConfig(seed=1, users=6_666, days=7, max_events=300_000 if args.quick else 1_000_000)
    runs: dict[int, list[tuple[int, float, float]]] = {1: [], 2: []}
    for _ in range(repeats):
        for workers in (2, 1):
            runs[workers].append(to_file(config, workers))
    for workers, results in runs.items():
        n, wall, cpu = max(results, key=lambda r: r[1])
        label = f"write_ndjson() -> file, {workers} worker(s), {n:,} events"
        print(f"{label:52s} {wall:>12,.0f} wall/s, {cpu:.2f} s CPU")
    for workers in () if args.quick else (2, 1):
        child = subprocess.run(
            [sys.executable, __file__, "--memory-child", "10000000", "66666", str(workers)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(child.stdout)
        print(
            f"10M events to a file, {workers} worker(s), fresh process: {r['wall_eps']:,} events/s wall, "
            f"{r['cpu_s']} s CPU, peak RSS {r['peak_mib']} MiB (helper {r['helper_peak_mib']} MiB)"
        )


if __name__ == "__main__":
    main()
