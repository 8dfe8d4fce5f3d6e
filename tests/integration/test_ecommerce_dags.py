"""The e-commerce DAGs (`data_generator`, `ecommerce_etl`) against a real Airflow, Spark and GX.

Airflow runs in subprocesses with SQLite and AIRFLOW_HOME in a temporary folder (as in
test_airflow_dag.py); without Airflow these tests skip, unless CI=true: then they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
DAY = "2026-11-03"
HEAVY = ("spotify_mds", "duckdb", "dbt", "pyarrow", "numpy", "pandas", "pyspark", "great_expectations")


def _python() -> str:
    python = os.environ.get("AIRFLOW_PYTHON") or sys.executable
    if subprocess.run([python, "-c", "import airflow.sdk"], capture_output=True).returncode != 0:
        reason = f"apache-airflow is not importable by {python}: pip install -e '.[dev,airflow]' (one command)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return python


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    python = _python()
    home = tmp_path_factory.mktemp("airflow_home")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AIRFLOW_", "AIRFLOW__", "WAREHOUSE", "LAKE_", "MINIO_", "DUCKDB_", "DATA_DIR", "S3_", "ECOMMERCE_"))}  # fmt: skip
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__DAGS_FOLDER=str(DAGS), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__UNIT_TEST_MODE="False", PYTHONWARNINGS="ignore", SPARK_LOCAL_IP="127.0.0.1",
               GX_ANALYTICS_ENABLED="false")  # fmt: skip
    _run([python, "-m", "airflow", "db", "migrate"], env, home)
    return python, env


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args[:5])} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done.stdout + done.stderr


PROBE = textwrap.dedent(
    """
    import json, sys
    from airflow.sdk import Asset, Param, PokeReturnValue, TaskGroup, dag, get_current_context, task
    import importlib.util
    before = set(sys.modules)
    for number, path in enumerate(sys.argv[1:3]):
        spec = importlib.util.spec_from_file_location(f"ecommerce_probe_{number}", path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    heavy = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in sys.argv[3].split(","))
    from airflow.dag_processing.dagbag import DagBag
    out = {"heavy": heavy}
    for path, dag_id in ((sys.argv[1], "data_generator"), (sys.argv[2], "ecommerce_etl")):
        bag = DagBag(dag_folder=path)
        dag = bag.dags[dag_id]
        out[dag_id] = {
            "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
            "params": sorted(dag.params.keys()),
            "catchup": dag.catchup,
            "tasks": {t.task_id: {"upstream": sorted(t.upstream_task_ids), "mapped": "Mapped" in type(t).__name__,
                                  "mode": getattr(t, "mode", None) or getattr(getattr(t, "partial_kwargs", {}), "get", lambda k: None)("mode"),
                                  "trigger_rule": str(t.trigger_rule), "operator": getattr(t, "operator_name", type(t).__name__)}
                      for t in dag.tasks},
        }
    print(json.dumps(out))
    """
)


def test_the_dags_declare_the_seeds_structure_and_parse_light(airflow, tmp_path):
    python, env = airflow
    out = _run([python, "-c", PROBE, str(DAGS / "ecommerce_data_generator.py"), str(DAGS / "ecommerce_etl.py"), ",".join(HEAVY)], env, tmp_path)
    info = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith("{")))
    assert info["heavy"] == [], f"the DAG files import heavy modules at parse time: {info['heavy']}"
    generator, etl = info["data_generator"], info["ecommerce_etl"]
    assert generator["import_errors"] == {} and etl["import_errors"] == {}
    assert generator["params"] == ["date", "days", "faults"] and etl["params"] == ["date", "force"]
    tasks = etl["tasks"]
    assert tasks["wait_for_drop"]["mode"] == "reschedule"
    assert tasks["upload"]["mapped"] and tasks["spark"]["mapped"] and tasks["validation.check"]["mapped"]
    assert "anything_new" in tasks["ingested_tables"]["upstream"]
    assert tasks["spark"]["upstream"] == ["ingested_tables", "wait_for_drop"]
    assert "spark" in tasks["validation.check"]["upstream"]
    assert tasks["load"]["upstream"] == ["validation.check", "wait_for_drop"] and tasks["load"]["trigger_rule"].lower().endswith("all_done")
    assert tasks["dbt_build_and_export"]["upstream"] == ["load"]


def _processed_files(data_dir: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in (data_dir / "lake" / "processed").rglob("*.parquet")}


@pytest.mark.e2e
@pytest.mark.slow
def test_generate_then_etl_loads_the_day_and_a_rerun_short_circuits(airflow, tmp_path):
    import duckdb

    python, env = airflow
    env = {**env, "DATA_DIR": str(tmp_path / "data"), "ECOMMERCE_ORDERS_PER_DAY": "15", "SPARK_DRIVER_MEMORY": "768m"}
    conf = json.dumps({"date": DAY})
    log = _run([python, "-m", "airflow", "dags", "test", "data_generator", DAY, "--conf", conf], env, tmp_path)
    assert "state=success" in log, log[-3000:]
    assert sorted(p.name for p in (tmp_path / "data" / "include" / DAY).glob("*.csv")) == [
        "order_items.csv", "orders.csv", "payments.csv", "products.csv", "users.csv"]  # fmt: skip

    log = _run([python, "-m", "airflow", "dags", "test", "ecommerce_etl", DAY, "--conf", conf], env, tmp_path)
    assert "state=success" in log, log[-3000:]
    truth = json.loads((tmp_path / "data" / "include" / DAY / "_truth.json").read_text())
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    try:
        orders = con.execute("SELECT count(*) FROM ecommerce.fact_orders WHERE drop_date = ?", [DAY]).fetchone()[0]
        cents = con.execute("SELECT revenue_cents FROM gold.ecommerce_daily_sales WHERE order_date = ?", [DAY]).fetchone()[0]
    finally:
        con.close()
    assert orders == truth["orders"] and cents == truth["revenue_cents"]
    assert (tmp_path / "data" / "lake" / "gold" / "ecommerce_daily_sales" / "ecommerce_daily_sales.parquet").is_file()

    # The same day again: every file unchanged and processed, so the run stops before Spark.
    before = _processed_files(tmp_path / "data")
    log = _run([python, "-m", "airflow", "dags", "test", "ecommerce_etl", DAY, "--conf", conf], env, tmp_path)
    assert "Skipping downstream tasks" in log, log[-3000:]
    assert _processed_files(tmp_path / "data") == before
