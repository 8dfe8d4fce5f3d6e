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
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import cases_spark
from bench.cases_kafka import kcat_missing
from bench.harness import Result, measure

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
    ("transform (dbt build)", "dbt-duckdb", "bench.cases_pipeline:transform_dbt", False, "transform", "",
     "models + tests, parsing included"),
    ("export", "gold → Parquet", "bench.cases_pipeline:export_gold", False, "export", "", ""),
    ("pipeline (embedded)", "spotify-mds run", "bench.cases_pipeline:pipeline_embedded", False, True, "",
     "simulate → land → load → transform → export"),
    ("pipeline (Kafka)", "produce + land + run", "bench.cases_kafka:pipeline_kafka", False, False, "kafka",
     "simulate → Kafka → land → load → transform → export"),
]  # fmt: skip

FRESHNESS = ("continuous mode", "spotify-mds run --follow", "bench.cases_kafka:follow_freshness")
PIPELINE = "bench.cases_pipeline:pipeline_embedded"
PHASES_NOTE = "a phase of spotify-mds run"


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


def phase_lines(results: list[Result]) -> list[str]:
    """Where the embedded pipeline's time goes, phase by phase, at each volume (medians)."""
    runs = [r for r in results if r.stage == "pipeline (embedded)" and r.metrics and "phases" in r.metrics[0]]
    if not runs:
        return []
    names = list(runs[0].metrics[0]["phases"])
    lines = ["| phase | " + " | ".join(f"{r.volume:,} events: seconds (share), peak MB" for r in runs) + " |",
             "|---|" + "---:|" * len(runs)]  # fmt: skip
    for name in names:
        cells = []
        for r in runs:
            seconds = statistics.median(m["phases"][name]["seconds"] for m in r.metrics)
            peak = max(m["phases"][name]["peak_mb"] or 0 for m in r.metrics)
            cells.append(f"{seconds:.1f} ({seconds / r.median_seconds:.0%}), {peak:,.0f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


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


def table(results: list[Result]) -> Table:
    out = Table(title="spotify-mds benchmarks", header_style="bold")
    for column in ("stage", "implementation", "volume", "events/s (median)", "spread", "peak MB", "note"):
        out.add_column(column, justify="right" if column in {"volume", "events/s (median)", "peak MB"} else "left")
    for r in results:
        out.add_row(r.stage, r.impl + (" (baseline)" if r.baseline else ""), f"{r.volume:,}", f"{r.rate:,.0f}",
                    r.spread, f"{max(r.peak_mb):,.0f}", r.note)  # fmt: skip
    return out


def freshness_lines(results: list[Result]) -> list[str]:
    """Continuous mode's figures: how long after its event time an event was in gold."""
    lines = []
    for r in results:
        if r.stage != FRESHNESS[0]:
            continue  # the pipeline's runs report their phases as metrics
        for m in r.metrics:
            if m.get("p50_s") is None:
                lines.append(f"continuous mode: no rows reached gold in {r.median_seconds:.0f} s")
                continue
            lines.append(
                f"continuous mode, {r.median_seconds:.0f} s in real time, micro-batch every {m['interval_s']:.0f} s: "
                f"event → gold freshness p50 {m['p50_s']:.1f} s, p95 {m['p95_s']:.1f} s "
                f"({m['loaded']:,} of {m['released']:,} events loaded, {m['cycles']} cycles, {m['errors']} failed)"
            )
    return lines


def markdown(results: list[Result], facts: dict, found: dict, seconds: float, skipped: dict[str, str]) -> str:
    fresh = freshness_lines(results)
    phases = phase_lines(results)
    results = [r for r in results if r.volume]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m bench.run`) between its markers; do not edit by hand. Each figure is the median",
        "of the runs shown with the spread of their rates (min–max), measured in the same run as its",
        "baseline, each case in a fresh process (peak MB is that process's maximum resident memory).",
        "",
        f"Run on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} minutes.",
        "",
        "| machine | |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in facts.items()],
        "",
        "| package | version |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in found.items()],
        "",
        "### Stages",
        "",
        "| stage | implementation | volume | seconds | events/s | spread | runs | peak MB | vs baseline | note |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in results:
        peers = [b for b in results if b.stage == r.stage and b.baseline and b is not r and b.volume == r.volume]
        versus = ", ".join(f"{r.rate / b.rate:.1f}× {b.impl}" for b in peers) if not r.baseline else ""
        lines.append(
            f"| {r.stage} | {r.impl}{' *(baseline)*' if r.baseline else ''} | {r.volume:,} | {r.median_seconds:.1f} | {r.rate:,.0f} | "
            f"{r.spread} | {len(r.seconds)} | {max(r.peak_mb):,.0f} | {versus} | {r.note} |"
        )
    if any(PHASES_NOTE in r.note for r in results):
        lines += ["", f"Rows noted *{PHASES_NOTE}* are not run again on their own: they are the phase of the",
                  "embedded pipeline's run at that volume that did this work (`spotify-mds run` times each",
                  "phase). Their peak MB is the process's resident memory during the phase, which includes",
                  "what earlier phases still hold (DuckDB's and Python's freed memory is not all returned)."]  # fmt: skip
    if skipped:
        lines += ["", "Skipped in this run: " + "; ".join(f"{k} cases ({v})" for k, v in skipped.items()) + "."]
    if phases:
        lines += ["", "### Where the pipeline's time goes", "",
                  "`spotify-mds run` on embedded components, phase by phase (medians of its runs above; the",
                  "share is of the whole run's median):", "", *phases]  # fmt: skip
    if fresh:
        lines += ["", "### Freshness in continuous mode", "",
                  "`spotify-mds run --follow` on embedded components: simulated events released in real time,",
                  "micro-batches of load → dbt build → export. For every event loaded, the time from its event",
                  "time to the end of the micro-batch that put it in gold:", "", *[f"- {line}" for line in fresh]]  # fmt: skip
    volumes = sorted({r.volume for r in results})
    if len(volumes) > 1:
        small, large = volumes[0], volumes[-1]
        lines += ["", "### Growth", "",
                  f"How each stage's time grows from {small:,} to {large:,} events ({large // small}× the data; "
                  "1.0 per × is linear).", "",
                  "| stage | implementation | seconds small | seconds large | time ratio | per × of data | peak MB small → large |",
                  "|---|---|---:|---:|---:|---:|---|"]  # fmt: skip
        for r in results:
            if r.volume != small:
                continue
            big = next((b for b in results if b.volume == large and b.stage == r.stage and b.impl == r.impl), None)
            if big is None:
                continue
            ratio = big.median_seconds / r.median_seconds
            lines.append(
                f"| {r.stage} | {r.impl} | {r.median_seconds:.1f} | {big.median_seconds:.1f} | {ratio:.1f} | "
                f"{ratio / (large / small):.2f} | {max(r.peak_mb):,.0f} → {max(big.peak_mb):,.0f} |"
            )
    lines += ["", "![events per second by stage](docs/bench.png)", "", "### Reproduce", "",
              "```bash", "make bench                                  # 1M and 10M events, under 20 min on 2 cores",
              "BENCH_VOLUMES=200000 BENCH_FOLLOW_SECONDS=60 make bench  # a quick look",
              "BENCH_KAFKA=0 make bench                    # without the broker (no Java)",
              "eval \"$(sudo bash scripts/ci_postgres.sh)\" && make bench  # with the PostgreSQL rows", "```",
              "",
              "Seed-style baselines run at the smaller volume only, on a sample where the note says so (their",
              "per-event cost does not depend on the volume). The Kafka cases use a throw-away local broker",
              "(`spotify_mds.operations.kafka_local`, 3 partitions); quixstreams runs from its own venv in `.cache/`.", ""]  # fmt: skip
    return "\n".join(lines)


START, END = "<!-- make bench: start -->", "<!-- make bench: end -->"


def write_section(path: Path, text: str) -> None:
    """Replace the generated section of BENCHMARKS.md, keeping the per-stage sections around it."""
    block = f"{START}\n{text.replace('# Benchmarks', '## Whole pipeline (make bench)', 1)}\n{END}"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        current = head + block + rest.split(END, 1)[1]
    else:
        title, _, body = current.partition("\n")
        current = f"{title}\n\n{block}\n{body}"
    path.write_text(current)


def plot(results: list[Result], path: Path) -> None:
    import matplotlib

    results = [r for r in results if r.volume]
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    volume = min(r.volume for r in results)
    shown = [r for r in results if r.volume == volume]
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(shown) + 1.5))
    labels = [f"{r.stage} · {r.impl}" for r in shown]
    colors = ["#b0b0b0" if r.baseline else "#1db954" for r in shown]
    ax.barh(labels, [r.rate for r in shown], color=colors)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel(f"events per second at {volume:,} events (log scale; grey = baseline or ceiling)")
    for y, r in enumerate(shown):
        ax.text(r.rate, y, f" {r.rate:,.0f}", va="center", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
