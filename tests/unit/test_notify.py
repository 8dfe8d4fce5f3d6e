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


def test_the_dags_wire_the_failure_callback_and_the_deadline_alert():
    """Checked on the source (Airflow is not needed): default_args name the callbacks, which import
    spotify_mds only when they run; the streams DAG declares a deadline alert calling deadline_missed
    (off until DEADLINE_MINUTES is set)."""
    for name in ("spotify_pipeline.py", "spotify_api_extract.py"):
        source = (DAGS / name).read_text()
        tree = ast.parse(source)
        callback = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_alert_on_failure")
        assert "spotify_mds.notify" in ast.unparse(callback)
        assert '"on_failure_callback": _alert_on_failure' in source, name
    pipeline = (DAGS / "spotify_pipeline.py").read_text()
    assert 'AsyncCallback("spotify_mds.notify.deadline_missed"' in pipeline and "deadline=DeadlineAlert(" in pipeline
    assert "DEADLINE_MINUTES = 0" in pipeline  # opt-in: see the comment there (Airflow 3.3.2's dags test)
    assert asyncio.iscoroutinefunction(notify.deadline_missed)  # AsyncCallback's requirement


def test_the_callback_module_imports_only_the_standard_library():
    """Airflow imports it while parsing the DAG file (the deadline alert's dotted path): it must stay light."""
    import subprocess
    import sys

    probe = "import sys; before = set(sys.modules); import spotify_mds.notify; print(sorted(set(sys.modules) - before))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    new = {name.split(".")[0] for name in ast.literal_eval(done.stdout.strip())}
    assert new - set(sys.stdlib_module_names) == {"spotify_mds"}, new - set(sys.stdlib_module_names)
