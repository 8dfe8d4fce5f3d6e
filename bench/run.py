"""`make bench`: every stage and the whole pipeline at two volumes, each next to its baseline.

Writes BENCHMARKS.md (machine, versions, figures, growth) and docs/bench.png, and prints the table.
Environment: BENCH_VOLUMES (default "1000000,10000000"), BENCH_REPEATS (default 3 at the smallest
volume, 1 above it), BENCH_WORKDIR (default .cache/bench).

Above the smallest volume, loading, dbt and export are not run again on their own: their figures are
the phases of the embedded pipeline's run at that volume (`spotify-mds run` times each phase; the
case records each phase's peak memory), which did that very work on the same events.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

from rich.console import Console

from bench import cases_spark
from bench.cases_kafka import kcat_missing
from bench.harness import Result, measure
from bench.report import FRESHNESS_STAGE, PHASES_NOTE, freshness_lines, markdown, plot, table, write_section

ROOT = Path(__file__).resolve().parents[1]

# (stage, implementation, target, is_baseline, at_large_volume, needs, note); at_large_volume is
# True (run again), False (smallest volume only) or the name of the embedded pipeline's phase that
# gives the figure; needs names what the case requires beyond Python ("kafka": a local broker,
# "postgres": POSTGRES_* set, "quix": the peers' venv, "kcat": the kcat command, "spark": pyspark,
# Java and Spark's Kafka jars; the last three read the broker's topic too); a case whose need is
# missing is listed as skipped, with the reason.
PLAN: list[tuple[str, str, str, bool, bool | str, str, str]] = [
    ("simulate", "spotify-mds simulate", "bench.cases_pipeline:simulate_ours", False, True, "",
     "NDJSON written to a file (simulate --out)"),
    ("simulate", "the same bytes written from memory (ceiling)", "bench.cases_pipeline:simulate_write_ceiling", True,
     True, "", "a file of the simulator's size written in 8 MiB blocks: no model, no encoding"),
    ("simulate", "seed-style loop", "bench.cases_pipeline:simulate_seed_style", True, False, "",
     "per-event random.choice + json.dumps; 200k sample"),
    ("produce (Kafka)", "spotify-mds produce", "bench.cases_kafka:produce_ours", False, True, "kafka",
     "simulator + idempotent lz4 producer, 3 partitions"),
    ("produce (Kafka)", "seed-style producer", "bench.cases_kafka:produce_seed_style", True, False, "kafka",
     "random.choice + json.dumps per event; 200k sample"),
    ("land (embedded)", "spotify-mds BronzeWriter", "bench.cases_pipeline:land_ours", False, True, "",
     "NDJSON file streamed, every record validated, event-time files"),
    ("land (embedded)", "seed-style consumer", "bench.cases_pipeline:land_seed_style", True, False, "",
     "json.loads per record, arrival-time files, no validation; 200k sample"),
    ("land (Kafka)", "spotify-mds land", "bench.cases_kafka:land_ours", False, True, "kafka",
     "validated, fsync'd, offsets committed after the write"),
    ("land (Kafka)", "seed-style consumer", "bench.cases_kafka:land_seed_style", True, False, "kafka",
     "poll + json.loads per message, auto-commit; 200k sample"),
    ("land (Kafka)", "quixstreams LocalFileSink", "bench.cases_kafka:land_quixstreams", True, False, "quix",
     "JSON lines, no validation; 200k sample"),
    ("land (Kafka)", "kcat to a file (ceiling)", "bench.cases_kafka:land_kcat", True, True, "kcat",
     "C/librdkafka, all partitions to one file: no validation, no fsync, no commit"),
    ("land (Kafka)", "Spark Structured Streaming (peer)", "bench.cases_spark:land_spark", True, False, "spark",
     ("local[2], availableNow, text sink by event date/hour, checkpointed; JVM start excluded (in "
      "results.json); smallest volume only: 10M takes minutes")),
    ("load (DuckDB)", "spotify-mds load", "bench.cases_pipeline:load_ours", False, "load", "", "ledger + lineage"),
    ("load (DuckDB)", "DuckDB read_json (ceiling)", "bench.cases_pipeline:load_duckdb_ceiling", True, True, "",
     "no ledger, no lineage"),
    ("load (DuckDB)", "seed-style row-by-row INSERT", "bench.cases_pipeline:load_seed_row_by_row", True, False, "",
     "on a 1k-row sample"),
    ("load (PostgreSQL)", "spotify-mds load", "bench.cases_pipeline:load_postgres_ours", False, False, "postgres",
     "DuckDB → CSV → COPY, ledger + lineage"),
    ("load (PostgreSQL)", "seed-style row-by-row INSERT", "bench.cases_pipeline:load_postgres_seed_row_by_row",
     True, False, "postgres", "one INSERT per event; 5k sample"),
    ("transform (dbt build)", "dbt-duckdb", "bench.cases_dbt:transform_dbt", False, "transform", "",
     "models + tests, parsing included"),
    ("transform (dbt build)", "compiled SQL in DuckDB (ceiling)", "bench.cases_dbt:transform_compiled_sql", True, True,
     "", "the same models' SQL as dbt compiled it, in order on one connection: no dbt, no tests"),
    ("export", "gold → Parquet", "bench.cases_pipeline:export_gold", False, "export", "", ""),
    ("pipeline (embedded)", "spotify-mds run", "bench.cases_pipeline:pipeline_embedded", False, True, "",
     "simulate → land → load → transform → export"),
    ("pipeline (Kafka)", "produce + land + run", "bench.cases_kafka:pipeline_kafka", False, False, "kafka",
     "simulate → Kafka → land → load → transform → export"),
]  # fmt: skip

FRESHNESS = (FRESHNESS_STAGE, "spotify-mds run --follow", "bench.cases_kafka:follow_freshness")
PIPELINE = "bench.cases_pipeline:pipeline_embedded"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = "unknown"
    try:
        kb = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")))
        memory = f"{kb / 1024**2:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": memory, "python": platform.python_version(),
            "os": platform.platform()}  # fmt: skip


def versions() -> dict[str, str]:
    found = {}
    for package in ("spotify-mds", "duckdb", "dbt-core", "dbt-duckdb", "pyarrow", "numpy", "msgspec",
                    "confluent-kafka", "psycopg"):  # fmt: skip
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return found


def run(volumes: list[int], repeats: int, workdir: Path, console: Console, available: dict[str, str]) -> list[Result]:
    """Every case of PLAN at every volume (baselines only at the smallest), then continuous mode."""
    results = []
    for index, volume in enumerate(volumes):
        measured: dict[str, Result] = {}
        for stage, impl, target, baseline, at_large, needs, note in PLAN:
            if (needs and needs not in available) or (index > 0 and at_large is not True):
                continue
            runs = repeats if index == 0 else 1
            console.print(f"[dim]{datetime.now():%H:%M:%S}[/] {stage}: {impl} × {volume:,} ({runs} runs)")
            result = measure(stage, impl, target, volume, workdir, repeats=runs, baseline=baseline, note=note)
            measured[target] = result
        for stage, impl, target, _baseline, at_large, _needs, note in PLAN:  # in PLAN's order
            if target in measured:
                results.append(measured[target])
            elif index > 0 and isinstance(at_large, str) and PIPELINE in measured:
                results.append(from_phase(measured[PIPELINE], at_large, stage, impl, note))
    if os.environ.get("BENCH_FOLLOW_SECONDS", "90") != "0":
        stage, impl, target = FRESHNESS
        console.print(f"[dim]{datetime.now():%H:%M:%S}[/] {stage}: {impl} (real time)")
        results.append(measure(stage, impl, target, 0, workdir, repeats=1, timeout=1800))
    return results


def from_phase(pipeline: Result, phase: str, stage: str, impl: str, note: str) -> Result:
    """A stage's figures read from the embedded pipeline's runs: the time and peak memory of its phase."""
    phases = [m["phases"][phase] for m in pipeline.metrics]
    return Result(stage, impl, pipeline.volume, pipeline.events, seconds=[p["seconds"] for p in phases],
                  peak_mb=[p["peak_mb"] for p in phases], note=f"{note}; {PHASES_NOTE}".lstrip("; "))  # fmt: skip


def prerequisites(workdir: Path, console: Console) -> tuple[dict[str, str], dict[str, str], list]:
    """What the optional cases need: (available, skipped with reasons, things to clean up)."""
    available: dict[str, str] = {}
    skipped: dict[str, str] = {}
    cleanup: list = []
    if os.environ.get("BENCH_KAFKA", "1") == "0":
        skipped["kafka"] = "BENCH_KAFKA=0"
    else:
        from bench.bench_kafka import free_port
        from spotify_mds.operations import kafka_local

        data_dir = workdir / "kafka"
        shutil.rmtree(data_dir, ignore_errors=True)
        try:
            broker = kafka_local.start(data_dir, port=free_port(), controller_port=free_port())
        except Exception as exc:  # no Java, no jars: the Kafka rows say why they are missing
            skipped["kafka"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        else:
            available["kafka"] = os.environ["BENCH_KAFKA_BOOTSTRAP"] = broker.bootstrap
            cleanup.append(lambda: kafka_local.stop(data_dir))
    if os.environ.get("POSTGRES_HOST"):
        available["postgres"] = os.environ["POSTGRES_HOST"]
    else:
        skipped["postgres"] = "POSTGRES_HOST not set (see README: PostgreSQL)"
    peers = peers_python(workdir, console) if "kafka" in available else None
    if peers:
        available["quix"] = os.environ["BENCH_PEERS_PYTHON"] = peers
    else:
        skipped["quix"] = skipped.get("kafka") or "quixstreams could not be installed in its own venv"
    for need, missing in {"kcat": kcat_missing, "spark": cases_spark.missing}.items():  # on the same broker
        reason = skipped.get("kafka") or missing()
        if reason:
            skipped[need] = reason
        else:
            available[need] = need
    return available, skipped, cleanup


QUIXSTREAMS = "quixstreams==3.28.1"


def peers_python(workdir: Path, console: Console) -> str | None:
    """A venv of its own for quixstreams, which pins another confluent-kafka than ours."""
    venv = ROOT / ".cache" / "bench-peers-venv"  # outside the workdir, which a run deletes
    python = venv / "bin" / "python"
    if not (venv / f"{QUIXSTREAMS}.ok").exists():
        console.print(f"[dim]installing {QUIXSTREAMS} in {venv} (once)[/]")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", QUIXSTREAMS], check=True,
                           capture_output=True, timeout=600)  # fmt: skip
        except (subprocess.SubprocessError, OSError) as exc:
            console.print(f"[yellow]quixstreams not installed ({type(exc).__name__}); its row is skipped[/]")
            return None
        (venv / f"{QUIXSTREAMS}.ok").touch()
    return str(python)


def main() -> int:
    console = Console()
    volumes = [int(v) for v in os.environ.get("BENCH_VOLUMES", "1000000,10000000").split(",")]
    repeats = int(os.environ.get("BENCH_REPEATS", "3"))
    workdir = Path(os.environ.get("BENCH_WORKDIR", ROOT / ".cache" / "bench"))
    began = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    available, skipped, cleanup = prerequisites(workdir, console)
    for need, reason in skipped.items():
        console.print(f"[yellow]skipping the {need} cases: {reason}[/]")
    try:
        results = run(volumes, repeats, workdir, console, available)
    finally:
        for step in cleanup:
            step()
    console.print(table([r for r in results if r.volume]))
    for line in freshness_lines(results):
        console.print(line)
    facts, found = machine(), versions()
    text = markdown(results, facts, found, time.perf_counter() - began, skipped)
    write_section(ROOT / "BENCHMARKS.md", text)
    (workdir / "results.json").write_text(json.dumps([r.as_dict() for r in results], indent=1))
    plot(results, ROOT / "docs" / "bench.png")
    if os.environ.get("BENCH_KEEP") != "1":
        shutil.rmtree(workdir, ignore_errors=True)
    console.print("wrote BENCHMARKS.md and docs/bench.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
