"""The spotify_api_extract DAG file: its declaration (parsed with ast), and its structure when Airflow is installed."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "spotify_api_extract.py"


def test_the_dag_is_declared_daily_without_catchup_and_imports_nothing_heavy_at_top_level():
    tree = ast.parse(DAG_FILE.read_text())
    constants = {
        node.targets[0].id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant)
    }
    assert constants["DAG_ID"] == "spotify_api_extract" and constants["SCHEDULE"] == "@daily"
    decorator = next(
        d for f in tree.body if isinstance(f, ast.FunctionDef) for d in f.decorator_list
        if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "dag"
    )  # fmt: skip
    keywords = {k.arg: k.value for k in decorator.keywords}
    assert keywords["catchup"].value is False
    assert {"dag_id", "schedule", "start_date"} <= set(keywords)
    top_imports = {
        alias.name.split(".")[0] if isinstance(node, ast.Import) else node.module.split(".")[0]
        for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }  # fmt: skip
    assert top_imports <= {"__future__", "datetime", "airflow"}
    tasks = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and any(
        getattr(getattr(d, "func", d), "id", None) == "task" or getattr(d, "id", None) == "task" for d in f.decorator_list)}  # fmt: skip
    assert tasks == {"extract", "load_raw", "transform"}


@pytest.mark.skipif(importlib.util.find_spec("airflow") is None, reason="Airflow is not installed in this environment")
def test_the_dag_loads_in_airflow_with_its_three_tasks_in_order():
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.1
    except ImportError:
        from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags["spotify_api_extract"]  # get_dag() would consult the metadata database
    assert [t.task_id for t in dag.topological_sort()] == ["extract", "load_raw", "transform"]
    assert dag.catchup is False and dag.max_active_runs == 1
    assert [asset.uri for asset in dag.get_task("load_raw").outlets] == ["spotify_mds://raw/spotify_api_records"]
