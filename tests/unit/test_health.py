"""health: each probe's verdict and the report, against local stand-ins (no server to install)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from spotify_mds.operations import health
from spotify_mds.errors import ConfigError
from spotify_mds.settings import Settings


def _with(settings: Settings, updates: dict) -> Settings:
    """A copy with some settings changed, validated (secrets become SecretStr)."""
    return Settings(**{**settings.model_dump(), **updates})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", lake_url=str(tmp_path / "lake"), broker="embedded")


@pytest.fixture
def web():
    """A tiny HTTP server answering like Airflow's, Metabase's and the dashboard's health endpoints."""
    answers = {
        "/api/v2/monitor/health": (200, {"metadatabase": {"status": "healthy"}, "scheduler": {"status": "healthy"}}),
        "/api/health": (200, {"status": "ok"}),
        "/": (200, None),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            code, body = answers.get(self.path, (404, None))
            payload = json.dumps(body).encode() if body is not None else b"<html></html>"
            self.send_response(code)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", answers
    finally:
        server.shutdown()
        server.server_close()


def _by_name(checks):
    return {check.component: check for check in checks}


def test_embedded_defaults_are_up_and_optional_components_skipped(settings):
    checks = _by_name(health.check_all(settings, {}))
    assert checks["lake"].status == "up" and checks["lake"].required
    assert checks["warehouse"].status == "up" and "first load" in checks["warehouse"].detail
    assert checks["kafka"].status == "skipped"
    assert {checks[c].status for c in ("airflow", "metabase", "dashboard")} == {"skipped"}
    assert health.exit_status(list(checks.values())) == 0


def test_a_down_kafka_is_named_and_fails_when_required(settings):
    port = _free_port()  # nothing listens there
    kafka_settings = _with(settings, {"broker": "kafka", "kafka_bootstrap_servers": f"127.0.0.1:{port}"})
    checks = health.check_all(kafka_settings, {}, timeout=1)
    kafka = _by_name(checks)["kafka"]
    assert kafka.status == "down" and kafka.required and str(port) in kafka.detail
    assert health.exit_status(checks) == 1
    assert health.summary_line(checks) == "DOWN (required): kafka"


def test_http_components_up_and_down(settings, web):
    url, answers = web
    dead = f"http://127.0.0.1:{_free_port()}"
    checks = _by_name(health.check_all(settings, {"airflow": url, "metabase": url, "dashboard": dead}, timeout=1))
    assert checks["airflow"].status == "up" and "scheduler healthy" in checks["airflow"].detail
    assert checks["metabase"].status == "up"
    assert checks["dashboard"].status == "down" and "unreachable" in checks["dashboard"].detail
    assert not checks["dashboard"].required  # optional unless asked for
    answers["/api/v2/monitor/health"] = (200, {"metadatabase": {"status": "healthy"}, "scheduler": {"status": "unhealthy"}})
    answers["/api/health"] = (503, {"status": "starting"})
    checks = health.check_all(settings, {"airflow": url, "metabase": url}, require=["airflow"], timeout=1)
    named = _by_name(checks)
    assert named["airflow"].status == "down" and "scheduler" in named["airflow"].detail
    assert named["metabase"].status == "down" and "503" in named["metabase"].detail
    assert health.exit_status(checks) == 1
    assert health.summary_line(checks) == "DOWN (required): airflow; down (optional): metabase"


def test_only_limits_and_requires(settings):
    checks = health.check_all(settings, {}, only=["lake", "dashboard"])
    assert [c.component for c in checks] == ["lake", "dashboard"]
    assert all(c.required for c in checks)
    assert _by_name(checks)["dashboard"].detail == "DASHBOARD_URL not set"
    assert health.exit_status(checks) == 1
    with pytest.raises(ConfigError, match="kafak"):
        health.check_all(settings, {}, only=["kafak"])


def test_duckdb_file_is_opened_and_a_broken_one_is_down(settings):
    import duckdb

    settings.data_dir.mkdir(parents=True)
    con = duckdb.connect(str(settings.duckdb_file))
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.t (x INT)")
    con.close()
    assert _by_name(health.check_all(settings, {}))["warehouse"].detail.endswith("1 tables in raw/silver/gold")
    settings.duckdb_file.write_bytes(b"not a database" * 100)
    warehouse = _by_name(health.check_all(settings, {}))["warehouse"]
    assert warehouse.status == "down"


def test_postgres_down_port_is_named(settings):
    port = _free_port()
    pg = _with(settings, {"warehouse": "postgres", "postgres_host": "127.0.0.1", "postgres_port": port})
    warehouse = _by_name(health.check_all(pg, {}, timeout=1))["warehouse"]
    assert warehouse.status == "down" and warehouse.required
    assert f"127.0.0.1:{port}" in warehouse.target


def test_report_never_shows_secrets(settings, web):
    from rich.console import Console

    url, _ = web
    secret = _with(settings, {"warehouse": "postgres", "postgres_port": _free_port(), "postgres_password": "hunter2-secret"})
    console = Console(record=True, width=200)
    console.print(health.report(health.check_all(secret, {"airflow": url}, timeout=1)))
    text = console.export_text()
    assert "hunter2" not in text and "warehouse" in text and "down" in text
    assert "AttributeError" not in text  # down because nothing listens, not because of a bug


def test_cli_health_exits_non_zero_and_names_what_is_down(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from spotify_mds.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BROKER", "kafka")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{_free_port()}")
    for variable in ("AIRFLOW_API_URL", "METABASE_URL", "DASHBOARD_URL", "LAKE_URL", "MINIO_ENDPOINT", "WAREHOUSE"):
        monkeypatch.delenv(variable, raising=False)
    result = CliRunner().invoke(app, ["health", "--timeout", "1"])
    assert result.exit_code == 1
    assert "kafka" in result.output and "down" in result.output


# --- scripts/health_check.py run by a Python without the project (outside the venv) ------------------
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "health_check.py"


def _checkout(tmp_path: Path, venv_python: str | None) -> Path:
    """A checkout with the script and, optionally, a `.venv/bin/python` that is the real venv."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "scripts" / "health_check.py")
    if venv_python:
        python = root / ".venv" / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text(f'#!/bin/sh\nexec "{venv_python}" "$@"\n')
        python.chmod(0o755)
    return root


def _outside_the_venv(root: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # `-S`: no site-packages, as a system Python without typer, rich, pydantic... sees the package.
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.environ.get("PYTHONPATH", ""), "DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-S", "scripts/health_check.py", *args], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )


def test_health_check_outside_the_venv_says_how_to_run_it(tmp_path):
    done = _outside_the_venv(_checkout(tmp_path, None), tmp_path, "--only", "lake")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "run `make install`, then `.venv/bin/python scripts/health_check.py`" in lines[0]


def test_health_check_outside_the_venv_reruns_itself_with_the_venv(tmp_path):
    done = _outside_the_venv(_checkout(tmp_path, sys.executable), tmp_path, "--only", "lake", "--timeout", "2")
    assert done.returncode == 0, done.stderr
    assert "lake" in done.stdout and "Traceback" not in done.stderr
