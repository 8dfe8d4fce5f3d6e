"""dags/breweries.py as a declaration (parsed with ast, no Airflow needed): daily, no catchup, light
imports, one task per step of the pipeline, each calling the pipeline's function for its step."""

from __future__ import annotations

import ast
from pathlib import Path

from spotify_mds.pipelines.breweries.run import STEPS

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "breweries.py"


def test_the_dag_declares_one_task_per_step_daily_without_catchup():
    tree = ast.parse(DAG_FILE.read_text())
    constants = {node.targets[0].id: node.value.value for node in tree.body
                 if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)}  # fmt: skip
    assert constants == {"DAG_ID": "breweries", "SCHEDULE": "@daily"}
    decorator = next(d for f in tree.body if isinstance(f, ast.FunctionDef) for d in f.decorator_list
                     if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "dag")  # fmt: skip
    keywords = {k.arg: k.value for k in decorator.keywords}
    assert keywords["catchup"].value is False and "retries" in ast.unparse(keywords["default_args"])
    top = {(n.module if isinstance(n, ast.ImportFrom) else n.names[0].name).split(".")[0]
           for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)}  # fmt: skip
    assert top <= {"__future__", "datetime", "airflow"}
    tasks = {f.name: ast.unparse(f) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
             and any(ast.unparse(d).split("(")[0] == "task" for d in f.decorator_list)}  # fmt: skip
    assert list(tasks) == list(STEPS)
    assert all(f"_run_step('{name}')" in body for name, body in tasks.items())  # ast.unparse's quotes
    assert "data_interval_end" in DAG_FILE.read_text()
