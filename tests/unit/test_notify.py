"""Airflow's failure and deadline-miss callbacks (spotify_mds.notify) POST to ALERT_WEBHOOK_URL: checked
against a local HTTP server; the DAG files wire them (default_args, the deadline alert)."""

from __future__ import annotations

import ast
import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from spotify_mds import notify

DAGS = Path(__file__).resolve().parents[2] / "dags"


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - the http.server protocol
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(monkeypatch):
    _Hook.received, _Hook.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/hooks/t0ken-in-the-path"
    monkeypatch.setenv("ALERT_WEBHOOK_URL", url)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def failed_task_context() -> dict:
    ti = SimpleNamespace(dag_id="spotify_pipeline", task_id="load", run_id="scheduled__2026-11-02T03:00:00+00:00",
                         try_number=3, log_url="http://airflow/log")  # fmt: skip
    return {"ti": ti, "exception": ValueError("warehouse refused the file"), "logical_date": "2026-11-02T03:00:00+00:00"}


def test_a_failed_task_posts_its_dag_task_run_and_error(webhook):
    notify.task_failed(failed_task_context())
    [(path, content_type, message)] = _Hook.received
    assert path == "/hooks/t0ken-in-the-path" and content_type == "application/json"
    assert message["event"] == "task_failed" and message["dag_id"] == "spotify_pipeline" and message["task_id"] == "load"
    assert message["try_number"] == 3 and message["error"] == "ValueError: warehouse refused the file"
    assert message["text"].startswith("spotify-mds: spotify_pipeline.load failed (run scheduled__2026-11-02")


def test_a_missed_deadline_posts_from_the_triggerers_event_loop(webhook):
    context = {"dag_run": {"dag_id": "spotify_pipeline", "run_id": "manual__1", "logical_date": "2026-11-02"}}
    asyncio.run(notify.deadline_missed(context=context, dag_id="spotify_pipeline"))
    [(_, _, message)] = _Hook.received
    assert message["event"] == "deadline_missed" and message["run_id"] == "manual__1"
    assert "missed its deadline" in message["text"]


def test_a_dag_failure_posts_too(webhook):
    notify.dag_failed({"dag_run": SimpleNamespace(dag_id="spotify_api_extract", run_id="r1", logical_date=None),
                       "reason": "task_failure"})  # fmt: skip
    [(_, _, message)] = _Hook.received
    assert message["event"] == "dag_failed" and message["dag_id"] == "spotify_api_extract" and message["error"] == "task_failure"


def test_nothing_is_sent_without_a_webhook(monkeypatch):
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "")
    assert notify.notify("task_failed", failed_task_context()) is False


def test_a_webhook_that_fails_is_a_warning_without_its_secret_url(webhook, caplog):
    _Hook.status = 500
    assert notify.notify("task_failed", failed_task_context()) is False
    assert "127.0.0.1" in caplog.text and "t0ken" not in caplog.text
    assert notify.post_webhook("http://127.0.0.1:9/x", {"a": 1}, timeout_s=1) is False  # nothing listens


def test_every_dag_wires_the_shared_callbacks_and_the_streams_dag_its_deadline_alert():
    """Checked on the source (Airflow is not needed): every DAG file's default_args name the failure
    and success callbacks, which call spotify_mds.metrics' shared ones and import spotify_mds only
    when they run; the streams DAG declares a deadline alert calling deadline_missed (off until
    DEADLINE_MINUTES is set)."""
    dag_files = sorted(path for path in DAGS.glob("*.py") if "@dag(" in path.read_text())
    assert {path.stem for path in dag_files} >= {"spotify_pipeline", "spotify_api_extract", "breweries",
                                                 "ecommerce_data_generator", "ecommerce_etl"}  # fmt: skip
    for path in dag_files:
        source = path.read_text()
        tree = ast.parse(source)
        top_imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not [line for line in top_imports if "spotify_mds" in line], path.name  # nothing at parse time
        functions = {n.name: ast.unparse(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert "on_task_failure(context)" in functions["_alert_on_failure"], path.name
        assert "on_task_success(context)" in functions["_record_task"], path.name
        assert '"on_failure_callback": _alert_on_failure' in source, path.name
        assert '"on_success_callback": _record_task' in source, path.name
    pipeline = (DAGS / "spotify_pipeline.py").read_text()
    assert 'AsyncCallback("spotify_mds.notify.deadline_missed"' in pipeline and "deadline=DeadlineAlert(" in pipeline
    assert "DEADLINE_MINUTES = 0" in pipeline  # opt-in: see the comment there (Airflow 3.3.2's dags test)
    assert asyncio.iscoroutinefunction(notify.deadline_missed)  # AsyncCallback's requirement


def test_the_shared_failure_callback_alerts_and_records_the_failed_task(webhook, monkeypatch, tmp_path):
    from spotify_mds.metrics import on_task_failure, on_task_success

    monkeypatch.setenv("METRICS_TEXTFILE_DIR", str(tmp_path))
    monkeypatch.setenv("PUSHGATEWAY_URL", "")
    context = failed_task_context()
    context["ti"].start_date = None
    on_task_failure(context)
    [(_, _, message)] = _Hook.received
    assert message["event"] == "task_failed" and message["task_id"] == "load"
    [written] = tmp_path.glob("*.prom")
    assert 'spotify_mds_stage_failed{layer="airflow",pipeline="airflow:spotify_pipeline",stage="load"} 1.0' in written.read_text()
    on_task_success(context)  # no xcom_pull on this task instance: timing only, and never a raise
    assert 'stage="load"} 0.0' in written.read_text() and len(_Hook.received) == 1


def test_the_shared_callbacks_never_raise(monkeypatch, caplog):
    """A push that cannot happen is a warning in the task's log, never a second failure."""
    from spotify_mds.metrics import on_task_failure, on_task_success

    monkeypatch.setenv("ALERT_WEBHOOK_URL", "")
    monkeypatch.setenv("PUSHGATEWAY_URL", "not a url")
    assert on_task_failure({}) is None  # an empty context: nothing to name, still no exception
    assert on_task_success({"ti": object()}) is None
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2 and all("not pushed to not a url" in w for w in warnings), warnings


def test_the_callback_module_imports_only_the_standard_library():
    """Airflow imports it while parsing the DAG file (the deadline alert's dotted path): it must stay light."""
    import subprocess
    import sys

    probe = "import sys; before = set(sys.modules); import spotify_mds.notify; print(sorted(set(sys.modules) - before))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    new = {name.split(".")[0] for name in ast.literal_eval(done.stdout.strip())}
    assert new - set(sys.stdlib_module_names) == {"spotify_mds"}, new - set(sys.stdlib_module_names)
