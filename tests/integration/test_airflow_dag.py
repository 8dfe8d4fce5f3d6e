"""The Airflow DAG against a real Airflow (installed from PyPI), on embedded components.

Airflow runs in subprocesses (`airflow db migrate`, `airflow dags test`, a probe that imports the DAG)
with SQLite and AIRFLOW_HOME in a temporary folder, so its configuration, logging and warnings stay
out of this process. The interpreter is this one, or AIRFLOW_PYTHON (a separate venv holding
`.[airflow]`). Without Airflow these tests skip, unless CI=true: then they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
DAG_ID = "spotify_pipeline"
HOUR = datetime(2026, 11, 2, 19, tzinfo=timezone.utc)  # the seeded event hour; its run's interval
USERS = 300
TASKS = {"find_new_bronze", "load", "dbt_build", "quality_checks", "export_gold"}
HEAVY = ("spotify_mds", "duckdb", "dbt", "pyarrow", "numpy", "pandas", "msgspec", "s3fs", "boto3", "confluent_kafka")
# The deadline alert names its callback by dotted path, which Airflow imports while parsing: that
# module is standard library only (tests/unit/test_notify.py keeps it so), as is the package's root.
LIGHT = {"spotify_mds", "spotify_mds.notify"}


def _python() -> str:
    python = os.environ.get("AIRFLOW_PYTHON") or sys.executable
    found = subprocess.run([python, "-c", "import airflow.sdk"], capture_output=True, text=True).returncode == 0
    if not found:
        reason = f"apache-airflow is not importable by {python}: pip install -e '.[dev,airflow]' (one command)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return python


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """(python, env) for an Airflow with a migrated SQLite metadata DB in a temporary AIRFLOW_HOME."""
    python = _python()
    home = tmp_path_factory.mktemp("airflow_home")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW_", "AIRFLOW__", "WAREHOUSE", "LAKE_", "MINIO_", "DUCKDB_", "DATA_DIR", "S3_"))
    }
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        PYTHONWARNINGS="ignore",
    )
    _run([python, "-m", "airflow", "db", "migrate"], env, home)
    return python, env


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 240) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args[:5])} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done.stdout + done.stderr


PROBE = textwrap.dedent(
    """
    import importlib.util, json, sys, time
    from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task  # what the DAG file imports
    before = set(sys.modules)
    started = time.perf_counter()
    spec = importlib.util.spec_from_file_location("spotify_pipeline_probe", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seconds = time.perf_counter() - started
    new = sorted(set(sys.modules) - before)
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1])
    dag = bag.dags["spotify_pipeline"]
    tasks = {
        t.task_id: {
            "upstream": sorted(t.upstream_task_ids),
            "mapped": "Mapped" in type(t).__name__,
            "retries": t.retries,
            "outlets": [getattr(o, "name", str(o)) for o in t.outlets],
            "type": type(t).__name__,
            "operator": getattr(t, "operator_class", type(t)).__name__ if hasattr(t, "operator_class") else type(t).__name__,
        }
        for t in dag.tasks
    }
    print(json.dumps({
        "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
        "seconds": seconds,
        "new_modules": new,
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "timetable": type(dag.timetable).__name__,
        "cron": getattr(dag.timetable, "_expression", None) or getattr(dag.timetable, "expression", None),
        "timezone": str(getattr(dag.timetable, "timezone", "")),
        "params": sorted(dag.params.keys()),
        "tasks": tasks,
    }))
    """
)


def test_dag_structure_and_light_import(airflow, tmp_path):
    python, env = airflow
    out = _run([python, "-c", PROBE, str(DAGS / "spotify_pipeline.py")], env, tmp_path)
    info = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith("{")))
    assert info["import_errors"] == {}
    assert set(info["tasks"]) == TASKS
    tasks = info["tasks"]
    assert tasks["find_new_bronze"]["upstream"] == []
    assert "ShortCircuit" in tasks["find_new_bronze"]["operator"]
    assert tasks["load"]["upstream"] == ["find_new_bronze"] and tasks["load"]["mapped"]
    assert tasks["dbt_build"]["upstream"] == ["load"]
    assert tasks["quality_checks"]["upstream"] == ["dbt_build"]
    assert tasks["export_gold"]["upstream"] == ["quality_checks"]
    assert all(task["retries"] >= 1 for task in tasks.values())
    assert tasks["load"]["outlets"] == ["spotify_mds/raw.listening_events"]
    assert tasks["export_gold"]["outlets"] == ["spotify_mds/gold"]
    assert info["catchup"] is False and info["max_active_runs"] == 1
    assert info["timetable"] == "CronDataIntervalTimetable" and info["cron"] == "0 * * * *"
    assert "UTC" in info["timezone"]
    assert info["params"] == ["force"]
    # Parsing stays cheap: none of the package's heavy modules load with the DAG file.
    heavy = [m for m in info["new_modules"] if m.split(".")[0] in HEAVY and m not in LIGHT]
    assert heavy == [], f"the DAG file imports heavy modules at parse time: {heavy}"
    assert info["seconds"] < 1.0, f"importing the DAG file took {info['seconds']:.2f} s"


# -- end to end: `airflow dags test` against the runner, for one seeded hour -----------------------
def _seed_bronze(lake_dir: Path) -> int:
    """Simulate the seeded hour into a lake folder; keep only that hour's files (sessions spill over)."""
    from spotify_mds.pipelines.streams.landing import land_batches
    from spotify_mds.lake import LocalLake
    from spotify_mds.pipelines.streams.simulate import SimConfig, simulate

    stats = land_batches(simulate(SimConfig(users=USERS, start=HOUR, days=1 / 24)), LocalLake(lake_dir), "spotify.streams")
    assert stats.landed > 0 and stats.quarantined == 0
    keep = f"date={HOUR:%Y-%m-%d}/hour={HOUR:%H}/"
    for path in (lake_dir / "bronze").rglob("*.ndjson"):
        if keep not in path.as_posix():
            path.unlink()
    return sum(len(p.read_bytes().splitlines()) for p in (lake_dir / "bronze").rglob("*.ndjson"))


def _gold(lake_dir: Path) -> dict[str, list[dict]]:
    import pyarrow.parquet as pq

    return {
        path.stem: pq.read_table(path).to_pylist()
        for path in sorted((lake_dir / "gold").glob("*/*.parquet"))
    }


def _raw_counts(data_dir: Path) -> tuple[int, int, int]:
    import duckdb

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        rows, distinct = con.execute("SELECT count(*), count(DISTINCT event_id) FROM raw.listening_events").fetchone()
        files = con.execute("SELECT count(*) FROM raw.loaded_files").fetchone()[0]
        return rows, distinct, files
    finally:
        con.close()


@pytest.mark.e2e
@pytest.mark.slow
def test_dags_test_matches_runner_and_reruns_duplicate_nothing(airflow, tmp_path):
    python, env = airflow
    seed = tmp_path / "seed"
    events = _seed_bronze(seed / "lake")
    by_runner, by_dag = tmp_path / "runner", tmp_path / "dag"
    for target in (by_runner, by_dag):
        shutil.copytree(seed, target)

    # Route 1: the in-process runner's stages, through the CLI.
    cli = str(Path(python).parent / "spotify-mds")
    runner_env = {**env, "DATA_DIR": str(by_runner)}
    for stage in ("load", "transform", "export"):
        _run([cli, stage], runner_env, tmp_path)

    # Route 2: the DAG. A manual run at HOUR+1h gets the data interval [HOUR, HOUR+1h).
    dag_env = {**env, "DATA_DIR": str(by_dag)}
    logical = (HOUR + timedelta(hours=1)).isoformat()
    log = _run([python, "-m", "airflow", "dags", "test", DAG_ID, logical], dag_env, tmp_path)
    assert "state=success" in log, log[-3000:]
    gold = _gold(by_dag / "lake")
    assert set(gold) >= {"plays_hourly", "active_users_daily", "top_tracks_daily"}
    assert gold == _gold(by_runner / "lake")
    first = _raw_counts(by_dag)
    assert first[0] == first[1] == events

    # Re-running the load for the same interval (a retry, forced past the short-circuit) loads nothing
    # twice, and gold comes out the same.
    log = _run([python, "-m", "airflow", "dags", "test", DAG_ID, logical, "--conf", '{"force": true}'], dag_env, tmp_path)
    assert "state=success" in log and "'files_loaded': 0" in log, log[-3000:]
    assert _raw_counts(by_dag) == first
    assert _gold(by_dag / "lake") == gold

    # Nothing new: the short-circuit stops the run before the load.
    log = _run([python, "-m", "airflow", "dags", "test", DAG_ID, logical], dag_env, tmp_path)
    assert "0 new bronze files" in log and "Skipping downstream tasks" in log, log[-3000:]
    assert _raw_counts(by_dag) == first
