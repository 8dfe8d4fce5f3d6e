"""The DAG file is a declaration, checked without Airflow: only imports and constants at the top level."""

from __future__ import annotations

import ast
from pathlib import Path

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "spotify_pipeline.py"
ALLOWED_TOP_LEVEL_IMPORTS = {"__future__", "datetime", "airflow.sdk", "os"}
# The only outside reads allowed at parse time: the DAG's own scheduling knobs (the scheduler needs
# them before any task runs), never a setting or a secret of the pipeline.
PARSE_TIME_KNOBS = {"SPOTIFY_PIPELINE_SCHEDULE", "SPOTIFY_PIPELINE_RETRY_DELAY_SECONDS"}


def _tree() -> ast.Module:
    return ast.parse(DAG_FILE.read_text(), filename=str(DAG_FILE))


def test_top_level_imports_are_only_airflow_sdk_and_stdlib():
    modules = set()
    for node in _tree().body:
        if isinstance(node, ast.ImportFrom):
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    assert modules <= ALLOWED_TOP_LEVEL_IMPORTS, modules - ALLOWED_TOP_LEVEL_IMPORTS


def test_top_level_holds_only_declarations():
    """Docstring, imports, constants, functions, and the one call that registers the DAG."""
    calls = []
    for node in _tree().body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            # Constants: literals, or Airflow declarations (Asset, timetable), never reads of the outside
            # world except os.environ.get of a PARSE_TIME_KNOBS name.
            knobs = [
                call for call in ast.walk(node)
                if isinstance(call, ast.Call) and ast.unparse(call.func) == "os.environ.get"
                and isinstance(call.args[0], ast.Constant) and call.args[0].value in PARSE_TIME_KNOBS
            ]
            for knob in knobs:
                knob.func = ast.Name("knob")  # checked: not a read of a setting
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "knob":
                    continue
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                    assert call.func.id in {"Asset", "CronDataIntervalTimetable", "datetime", "timedelta", "float"}, ast.unparse(node)
                if isinstance(call, ast.Attribute):
                    assert call.attr not in {"environ", "getenv", "get"}, ast.unparse(node)
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            calls.append(ast.unparse(node))
            continue
        raise AssertionError(f"unexpected top-level statement: {ast.unparse(node)[:80]}")
    assert calls == ["spotify_pipeline()"]


def test_package_is_imported_inside_tasks_only():
    """spotify_mds (duckdb, dbt, pyarrow...) is imported inside functions, so parsing stays cheap."""
    tree = _tree()
    inside = {
        node.module
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.ImportFrom)
    }
    assert "spotify_mds.orchestrate" in inside
    top = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert not any(module.startswith("spotify_mds") for module in top)


def test_secrets_are_not_read_at_parse_time():
    """Variables and connections are looked up in `_settings()`, which only tasks call."""
    source = DAG_FILE.read_text()
    tree = _tree()
    settings_fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_settings")
    assert "Variable.get" in ast.unparse(settings_fn) and "Connection.get" in ast.unparse(settings_fn)
    assert source.count("Variable.get") == 1 and source.count("Connection.get") == 1
