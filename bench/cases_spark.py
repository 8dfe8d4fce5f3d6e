"""Spark Structured Streaming landing the same Kafka topic as `spotify-mds land`: a peer, in the same run.

The job reads the topic with Spark's Kafka source and writes what it can of our bronze's shape: each
record's value as a line of text, in folders `date=YYYY-MM-DD/hour=HH` of the event's own timestamp,
through Spark's file sink with a checkpoint (its exactly-once sink: the offsets and the files it
committed are in the checkpoint and in `_spark_metadata`). No validation, no fsync, no quarantine,
and nothing committed to Kafka (Spark keeps offsets in its checkpoint). `local[2]`, trigger
`availableNow`: every record present at start, then the query ends.

Timed: from the query's definition to its end (`seconds`). The JVM's and session's start is timed
apart and reported in the case's metrics (`jvm_start_s`, `seconds_with_jvm`), as is the JVM's peak
memory, which is added to this process's peak (the JVM is a child process the harness cannot see).

Spark's Kafka source is not in pyspark's wheel, and Spark's own `--packages` (Ivy) cannot reach the
registry here: `kafka_jars()` fetches the four jars with Maven once (into ~/.m2) and passes their paths
in `spark.jars`. spark-sql-kafka is on Maven Central only up to 4.2.0; it works with pyspark 4.3.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import time
from pathlib import Path

from bench.cases_kafka import bootstrap, count_lines, filled_topic

KAFKA_JARS = (
    "org.apache.spark:spark-sql-kafka-0-10_2.13:4.2.0",
    "org.apache.spark:spark-token-provider-kafka-0-10_2.13:4.2.0",
    "org.apache.kafka:kafka-clients:3.9.2",
    "org.apache.commons:commons-pool2:2.13.1",
)
M2 = Path.home() / ".m2" / "repository"


def jar_path(coordinate: str) -> Path:
    """Where Maven keeps `group:artifact:version`'s jar in the local repository."""
    group, artifact, version = coordinate.split(":")
    return M2 / group.replace(".", "/") / artifact / version / f"{artifact}-{version}.jar"


def kafka_jars() -> list[Path]:
    """The Kafka source's jars, fetched with `mvn dependency:get` the first time (about 30 s)."""
    missing = [c for c in KAFKA_JARS if not jar_path(c).is_file()]
    if missing and not shutil.which("mvn"):
        raise RuntimeError("mvn not found: apt-get install maven (it fetches Spark's Kafka source jars)")
    for coordinate in missing:
        fetch = ["mvn", "-q", "-B", "dependency:get", "-Dtransitive=false", f"-Dartifact={coordinate}"]
        subprocess.run(fetch, check=True, capture_output=True, timeout=600)
    return [jar_path(c) for c in KAFKA_JARS]


def missing() -> str | None:
    """Why the Spark row cannot run here, or None (fetches the jars if needed)."""
    if not shutil.which("java"):
        return "java not found: Spark needs Java 17 (apt-get install openjdk-17-jre-headless)"
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark not installed: pip install pyspark==4.3.0"
    try:
        kafka_jars()
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        return f"Spark's Kafka jars: {type(exc).__name__}: {exc}".splitlines()[0]
    return None


def session():
    """A local[2] session with the Kafka source on its class path, as the e-commerce job starts one."""
    from spotify_mds.pipelines.ecommerce.spark_job import start_session

    jars = ",".join(str(p) for p in kafka_jars())
    conf = {"spark.jars": jars, "spark.driver.memory": "2g", "spark.sql.streaming.metricsEnabled": "false"}
    return start_session("local[2]", conf, app_name="bench-land-spark")


def query(spark, topic: str, out: Path):
    """Kafka → text lines in date=/hour= folders of the event time, checkpointed; started, not awaited."""
    from pyspark.sql import functions as F

    source = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", bootstrap())
              .option("subscribe", topic).option("startingOffsets", "earliest")
              .option("failOnDataLoss", "true").load())  # fmt: skip
    value = F.col("value").cast("string")
    at = F.get_json_object(value, "$.timestamp")  # "2026-11-02T00:00:37.374Z": UTC, fixed width
    lines = source.select(value.alias("value"), F.substring(at, 1, 10).alias("date"),
                          F.substring(at, 12, 2).alias("hour"))  # fmt: skip
    return (lines.writeStream.format("text").partitionBy("date", "hour")
            .option("checkpointLocation", str(out / "_checkpoint")).trigger(availableNow=True)
            .start(str(out / "bronze")))  # fmt: skip


def lines_written(folder: Path) -> int:
    """Records in the sink's data files (`part-*`: neither its `_spark_metadata` log nor `.part-*.crc`)."""
    return sum(count_lines(p) for p in folder.rglob("part-*"))


def jvm_peak_mb(spark) -> float:
    """The JVM's peak resident memory (VmHWM), read before it stops; 0 when it cannot be read."""
    try:
        pid = spark.sparkContext._gateway.proc.pid
        status = Path(f"/proc/{pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    except (AttributeError, OSError, StopIteration, ValueError):
        return 0.0


def land_spark(volume: int, workdir: Path) -> dict:
    """The whole topic landed by Spark; `seconds` excludes the JVM's start, metrics give it."""
    import resource

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    topic = filled_topic(volume, workdir)
    out = workdir / "kafka-land-spark"
    shutil.rmtree(out, ignore_errors=True)
    began = time.perf_counter()
    spark = session()
    jvm_start = time.perf_counter() - began
    begin = time.perf_counter()
    running = query(spark, topic, out)
    running.awaitTermination()
    seconds = time.perf_counter() - begin
    read = sum(p["numInputRows"] for p in running.recentProgress)
    jvm_mb = jvm_peak_mb(spark)
    spark.stop()
    written = lines_written(out / "bronze")
    if read != volume or written != volume:
        raise RuntimeError(f"Spark read {read:,} and wrote {written:,} records of {volume:,}")
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    metrics = {"jvm_start_s": round(jvm_start, 2), "seconds_with_jvm": round(seconds + jvm_start, 2)}
    return {"events": volume, "seconds": seconds, "peak_mb": jvm_mb + own_mb, "metrics": metrics}
