"""The breweries DAG in a real Airflow: its shape, and `airflow dags test` offline on the stand-in.

Airflow runs in subprocesses with SQLite and AIRFLOW_HOME in a temporary folder (as in
test_airflow_dag.py); BREWERIES_OFFLINE=true makes the extract task serve the shipped dataset from
the in-process stand-in. Checked: the data interval's end names the snapshot, each task wrote its
layer's log, and gold is in the lake.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from test_airflow_dag import DAGS, _python, _run, airflow  # noqa: F401 - the Airflow fixture

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]

PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags["breweries"]
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "order": [t.task_id for t in dag.topological_sort()],
                  "retries": {t.task_id: t.retries for t in dag.tasks},
                  "catchup": dag.catchup, "cron": getattr(dag.timetable, "_expression", None)}))
"""


def test_the_dag_runs_offline_one_task_per_step(airflow, tmp_path):  # noqa: F811
    python, env = airflow
    out = _run([python, "-c", PROBE, str(DAGS / "breweries.py")], env, tmp_path)
    info = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith("{")))
    assert info["errors"] == {}
    assert info["order"] == ["extract", "clean", "history", "load", "transform", "chart"]
    assert all(retries >= 2 for retries in info["retries"].values()) and info["catchup"] is False

    data = tmp_path / "data"
    logical = datetime(2026, 12, 3, tzinfo=timezone.utc)  # a manual run: its interval ends on that day
    log = _run([python, "-m", "airflow", "dags", "test", "breweries", logical.isoformat()],
               {**env, "DATA_DIR": str(data), "BREWERIES_OFFLINE": "true"}, tmp_path, timeout=400)  # fmt: skip
    assert "state=success" in log, log[-3000:]
    lake = data / "lake"
    dates = sorted(p.name for p in (lake / "bronze" / "breweries").iterdir())
    assert dates == [f"date={logical:%Y-%m-%d}"]
    assert (lake / "gold" / "breweries_per_type_location" / "breweries_per_type_location.parquet").is_file()
    assert (lake / "gold" / "visualizations" / "breweries_per_type_location.png").stat().st_size > 10_000
    for layer, steps in (("bronze", {"extract"}), ("silver", {"clean", "history"}), ("gold", {"load", "transform", "chart"})):
        records = [json.loads(p.read_text()) for p in (lake / layer / "logs" / "pipeline=breweries").rglob("*.json")]
        assert {r["step"] for r in records} == steps and all(r["status"] == "ok" for r in records)
    extract = next(json.loads(p.read_text()) for p in (lake / "bronze" / "logs").rglob("*-extract.json"))
    assert extract["counts"]["records"] == 11_822
