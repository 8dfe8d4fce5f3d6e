"""The Spark job as a script under `spark-submit` (how a cluster runs it), on a real local Spark."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.ecommerce import spark_job
from spotify_mds.pipelines.ecommerce.generate import ShopConfig, generate
from spotify_mds.pipelines.ecommerce.ingest import ingest_day
from spotify_mds.pipelines.ecommerce.processed import read_processed

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DAY = date(2026, 11, 2)


def test_spark_submit_runs_the_job_file_unchanged(tmp_path):
    submit = shutil.which("spark-submit", path=str(Path(sys.executable).parent)) or shutil.which("spark-submit")
    if submit is None or shutil.which("java") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("spark-submit (pyspark) and java are needed in CI")
        pytest.skip("no spark-submit or java")
    made = generate(tmp_path / "include", DAY, 1, ShopConfig(seed=9, orders_per_day=20), faults=("duplicates",))
    lake = LocalLake(tmp_path / "lake")
    assert all(r.status == "ok" for r in ingest_day(lake, tmp_path / "include" / DAY.isoformat(), DAY))
    src = Path(spark_job.__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
           "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}  # fmt: skip
    done = subprocess.run(
        [submit, "--master", "local[1]", "--driver-memory", "512m", spark_job.__file__,
         "--raw", lake.url("raw"), "--processed", lake.url("processed"), "--date", DAY.isoformat(), "--table", "orders"],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "duplicates dropped" in done.stdout
    orders = read_processed(lake, "processed", "orders", DAY)
    assert orders.num_rows == made.truths[0]["orders"]  # the duplicated rows were dropped
    assert set(orders.column_names) >= {"order_id", "items_count", "order_total"}
    assert not (tmp_path / "lake" / "processed" / "payments").exists()  # --table orders writes orders only
