"""Benchmark cases for the embedded pipeline's stages, each next to its baseline or ceiling.

Every case has the signature `case(volume, workdir) -> events handled` and calls `started()` once
its preparation is done. Prepared inputs (an NDJSON file of `volume` events, a landed lake, a
loaded warehouse) are cached in `workdir` and shared by the cases that read them.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.harness import started

TOPIC = "spotify.streams"
SEED_SAMPLE = 5_000
"""Row-by-row baselines run on this many rows (their rate does not depend on the volume)."""
DUCKDB_ROW_SAMPLE = 1_000
"""DuckDB's row-by-row INSERT takes about 3 ms a row (each one a transaction on the database file)."""
SEED_LOOP_SAMPLE = 200_000
"""Per-event seed-style loops (simulate, land) run on this many events: their rate does not depend on
the volume either, and at a million events their three runs each took about a minute."""


def sim_config(volume: int):
    from spotify_mds.pipelines.streams.simulate import SimConfig

    # A week of listening, with users scaled to the volume: the default demo's density at any size.
    users = max(1_000, volume // 150)
    return SimConfig(seed=1, users=users, days=7, max_events=volume)


def events_file(volume: int, workdir: Path) -> Path:
    path = workdir / f"events-{volume}.ndjson"
    if not path.exists():  # simulate_ours leaves its output here; a case run without it makes it
        from spotify_mds.pipelines.streams.simulate import write_ndjson

        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            write_ndjson(sim_config(volume), out)
        tmp.rename(path)
    return path


def landed_lake(volume: int, workdir: Path) -> Path:
    root = workdir / f"lake-{volume}"
    if not (root / "bronze").exists():
        from spotify_mds.lake import LocalLake
        from spotify_mds.landing.file_source import ndjson_batches
        from spotify_mds.pipelines.streams.landing import land_batches

        land_batches(ndjson_batches(events_file(volume, workdir)), LocalLake(root), TOPIC)
    return root


def sample_lines(volume: int, workdir: Path, size: int = SEED_SAMPLE) -> list[bytes]:
    """The first `size` events of the shared file (row-by-row baselines run on a sample)."""
    from spotify_mds.landing.file_source import ndjson_batches

    return next(ndjson_batches(events_file(volume, workdir), chunk_bytes=4 << 20)).values[: min(volume, size)]


def loaded_warehouse(volume: int, workdir: Path) -> Path:
    db = workdir / f"warehouse-{volume}.duckdb"
    if not db.exists():
        from spotify_mds.lake import LocalLake
        from bench.warehouses import duck_load

        duck_load(LocalLake(landed_lake(volume, workdir)), db, TOPIC)
    return db


# -- simulate -------------------------------------------------------------------------------------
def simulate_ours(volume: int, workdir: Path) -> dict:
    """`spotify-mds simulate --out FILE`: the events written as NDJSON, the file the land cases read."""
    from spotify_mds.pipelines.streams.simulate import write_ndjson

    config = sim_config(volume)
    out = workdir / "simulate-bench.ndjson"
    begin = time.perf_counter()
    with out.open("wb") as sink:
        events = write_ndjson(config, sink)
    seconds = time.perf_counter() - begin  # removing the output (repeats) is not the simulator's time
    _keep_as(out, workdir / f"events-{volume}.ndjson")
    out.unlink(missing_ok=True)
    return {"events": events, "seconds": seconds}


def simulate_write_ceiling(volume: int, workdir: Path) -> dict:
    """As many bytes as the simulator's file, written to a new file from 8 MiB already in memory: no
    model, no encoding, only what writing that file costs here (the page cache; on this VM its
    first touch of guest memory). Returns the events the file holds, so the rates compare."""
    path = events_file(volume, workdir)
    size = path.stat().st_size
    with path.open("rb") as source:
        block = source.read(8 << 20)
    out = workdir / "simulate-ceiling.bin"
    begin = time.perf_counter()
    with out.open("wb", buffering=0) as sink:
        left = size
        while left:
            left -= sink.write(memoryview(block)[: min(left, len(block))])
    seconds = time.perf_counter() - begin
    out.unlink()
    return {"events": volume, "seconds": seconds}  # the file holds `volume` events: the rates compare


def simulate_seed_style(volume: int, workdir: Path) -> int:
    """The seeds' producer loop: uniform random.choice per field and json.dumps per event."""
    import uuid

    songs = [(f"song-{i}", f"Song {i}", f"Artist {i % 50}") for i in range(500)]
    users = [str(uuid.uuid4()) for _ in range(1_000)]
    n = min(volume, SEED_LOOP_SAMPLE)
    started()
    now = datetime(2026, 11, 2, tzinfo=timezone.utc)
    for i in range(n):
        song = random.choice(songs)
        json.dumps(
            {
                "event_id": str(uuid.uuid4()),
                "user_id": random.choice(users),
                "song_id": song[0],
                "artist_name": song[2],
                "song_name": song[1],
                "event_type": random.choice(["play", "pause", "skip", "add_to_playlist"]),
                "device_type": random.choice(["mobile", "desktop", "web"]),
                "country": random.choice(["US", "UK", "BR", "DE"]),
                "timestamp": (now + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"),
            }
        ).encode()
    return n


# -- land -----------------------------------------------------------------------------------------
def land_ours(volume: int, workdir: Path) -> int:
    """`spotify-mds land --from-file`: the NDJSON file streamed in 32 MiB chunks (reading included)."""
    from spotify_mds.lake import LocalLake
    from spotify_mds.landing.file_source import ndjson_batches
    from spotify_mds.pipelines.streams.landing import land_batches
    from spotify_mds.settings import Settings

    path = events_file(volume, workdir)
    root = workdir / "lake-bench"
    shutil.rmtree(root, ignore_errors=True)
    workers = Settings(_env_file=None).land_validate_workers  # the CLI's default
    started()
    stats = land_batches(ndjson_batches(path), LocalLake(root), TOPIC, validate_workers=workers)
    _keep_as(root, workdir / f"lake-{volume}")
    return stats.landed + stats.quarantined


def _keep_as(output: Path, prepared: Path) -> None:
    """A timed run's output becomes the prepared input of the cases after it (landing or loading the
    same events again to prepare them took minutes at 10M events)."""
    if not prepared.exists():
        output.rename(prepared)


def land_seed_style(volume: int, workdir: Path) -> int:
    """The seeds' consumer: json.loads each record, batches of 1,000 written under the arrival time."""
    from spotify_mds.landing.file_source import ndjson_batches

    path = events_file(volume, workdir)
    root = workdir / "lake-seed"
    shutil.rmtree(root, ignore_errors=True)
    started()
    batch: list[dict] = []
    n, total = 0, min(volume, SEED_LOOP_SAMPLE)
    lines = (line for chunk in ndjson_batches(path, chunk_bytes=8 << 20) for line in chunk.values)
    for n, line in enumerate(itertools.islice(lines, total), 1):
        batch.append(json.loads(line))
        if len(batch) == 1_000 or n == total:
            now = datetime.now(timezone.utc)
            folder = root / f"bronze/date={now:%Y-%m-%d}/hour={now:%H}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{now:%Y%m%d%H%M%S%f}.json").write_text("\n".join(json.dumps(r) for r in batch))
            batch = []
    return n


# -- load -----------------------------------------------------------------------------------------
def load_ours(volume: int, workdir: Path) -> int:
    from spotify_mds.lake import LocalLake
    from bench.warehouses import duck_load

    lake = LocalLake(landed_lake(volume, workdir))
    db = workdir / "load-bench.duckdb"
    db.unlink(missing_ok=True)
    started()
    rows = duck_load(lake, db, TOPIC).rows_loaded
    _keep_as(db, workdir / f"warehouse-{volume}.duckdb")
    return rows


def load_duckdb_ceiling(volume: int, workdir: Path) -> int:
    """DuckDB's own read_json over the same files, no ledger, no lineage: the ceiling for loading."""
    import duckdb

    from spotify_mds.pipelines.streams.events import COLUMNS

    root = landed_lake(volume, workdir)
    types = {"timestamp": "TIMESTAMPTZ", "bigint": "BIGINT", "integer": "INTEGER", "varchar": "VARCHAR"}
    columns = "{" + ", ".join(f"'{k}': '{types[v]}'" for k, v in COLUMNS.items()) + "}"
    con = duckdb.connect(str(workdir / "ceiling.duckdb"))
    con.execute("DROP TABLE IF EXISTS t")
    started()
    con.execute(
        f"CREATE TABLE t AS SELECT * FROM read_json('{root}/bronze/**/*.ndjson', columns={columns},"
        " format='newline_delimited')"
    )
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return rows


def load_seed_row_by_row(volume: int, workdir: Path) -> int:
    """The seeds' loader: one INSERT per record (on a sample: its rate does not depend on volume)."""
    import duckdb

    lines = sample_lines(volume, workdir, DUCKDB_ROW_SAMPLE)
    con = duckdb.connect(str(workdir / "seed-load.duckdb"))
    con.execute("DROP TABLE IF EXISTS t")
    con.execute("CREATE TABLE t (event_id VARCHAR, user_id VARCHAR, song_id VARCHAR, artist_name VARCHAR,"
                " song_name VARCHAR, event_type VARCHAR, device_type VARCHAR, country VARCHAR, timestamp VARCHAR)")
    started()
    for line in lines:
        r = json.loads(line)
        con.execute(
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r["event_id"], r["user_id"], r["song_id"], r["artist_name"], r["song_name"], r["event_type"],
             r["device_type"], r["country"], r["timestamp"]],
        )  # fmt: skip
    con.close()
    return len(lines)


# -- transform and export -------------------------------------------------------------------------
def export_gold(volume: int, workdir: Path) -> int:
    from spotify_mds.export import export_gold as export
    from spotify_mds.lake import LocalLake
    from spotify_mds.warehouse import duckdb as duck

    db = workdir / "transform-bench.duckdb"
    if not db.exists():
        from bench.cases_dbt import transform_dbt

        transform_dbt(volume, workdir)
    con = duck.connect(db)
    started()
    export(con, LocalLake(workdir / "export-bench"))
    con.close()
    return volume


# -- whole pipeline -------------------------------------------------------------------------------
def pipeline_embedded(volume: int, workdir: Path) -> dict:
    """`spotify-mds run`, reporting each phase's seconds (the runner's own timings) and peak memory."""
    from rich.console import Console

    from spotify_mds.runner import run_pipeline
    from spotify_mds.settings import Settings

    data = workdir / "pipeline"
    shutil.rmtree(data, ignore_errors=True)
    config = sim_config(volume)
    settings = Settings(_env_file=None, data_dir=data)
    simulated = {"seed": config.seed, "users": config.users, "days": config.days, "max_events": volume}
    with phase_peaks() as peaks:
        started()
        summary = run_pipeline(settings, Console(quiet=True), **simulated)
    phases = {name: {"seconds": s, "peak_mb": peaks.get(name)} for name, s in summary.seconds.items()}
    return {"events": summary.generated, "peak_mb": max(peaks.values()), "metrics": {"phases": phases}}


def _peak_mb(reset: bool = False) -> float:
    """This process's peak resident memory (VmHWM) in MB; `reset` starts a new peak from the current size."""
    status = Path("/proc/self/status").read_text()
    peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024
    if reset:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: reset the peak to the current resident size
    return peak


@contextmanager
def phase_peaks():
    """{phase: peak MB} for the runner's timed phases (`runner._timed`), and the process's peak so far."""
    from spotify_mds import runner

    peaks: dict[str, float] = {}
    original = runner._timed

    @contextmanager
    def timed(summary, stage: str):
        peaks["process"] = max(peaks.get("process", 0.0), _peak_mb(reset=True))
        with original(summary, stage):
            yield
        peaks[stage] = _peak_mb()

    runner._timed = timed
    try:
        yield peaks
    finally:
        runner._timed = original


# -- load into PostgreSQL (when POSTGRES_* name a server) -----------------------------------------
def _postgres_ready() -> str:
    from spotify_mds.runner import postgres_conninfo
    from spotify_mds.settings import Settings

    if not os.environ.get("POSTGRES_HOST"):
        raise RuntimeError("POSTGRES_HOST is not set: bench.run runs the PostgreSQL cases only with a server")
    conninfo = postgres_conninfo(Settings(_env_file=None, warehouse="postgres"))
    from bench.bench_load import reset_postgres

    reset_postgres(conninfo)
    return conninfo


def load_postgres_ours(volume: int, workdir: Path) -> int:
    """The PostgreSQL loader: DuckDB turns NDJSON into CSV, psycopg streams it into COPY."""
    from spotify_mds.lake import LocalLake
    from bench.warehouses import pg_load

    lake = LocalLake(landed_lake(volume, workdir))
    conninfo = _postgres_ready()
    started()
    return pg_load(lake, conninfo, TOPIC).rows_loaded


def load_postgres_seed_row_by_row(volume: int, workdir: Path) -> int:
    """The seeds' loader against PostgreSQL: one INSERT per event, on a sample."""
    from bench.bench_load import insert_per_row

    lines = sample_lines(volume, workdir)
    conninfo = _postgres_ready()
    started()
    return insert_per_row(lines, conninfo, many=False)
