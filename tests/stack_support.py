"""Environments for the local process stack in tests: every secret the compose file requires, free
ports for every published port, and the PostgreSQL the tests use."""

from __future__ import annotations

import base64
import os
import re
import secrets
import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUIRED = re.compile(r"\$\{([A-Z_][A-Z0-9_]*):\?")
PORT_VARIABLES = ("KAFKA_EXTERNAL_PORT", "MINIO_API_PORT", "AIRFLOW_PORT", "DASHBOARD_PORT", "MINIO_CONSOLE_PORT",
                  "PROMETHEUS_PORT")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def required_secrets() -> set[str]:
    return set(REQUIRED.findall((REPO / "docker-compose.yml").read_text()))


def stack_environ(**overrides: str) -> dict[str, str]:
    """os.environ plus a random value for every required variable of the compose file, free ports,
    and POSTGRES_* as the caller's environment names them (CI: scripts/ci_postgres.sh)."""
    env = dict(os.environ)
    for name in required_secrets():
        env[name] = secrets.token_hex(16)
    env["AIRFLOW__CORE__FERNET_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    for name in PORT_VARIABLES:
        env[name] = str(free_port())
    env.setdefault("POSTGRES_HOST", "127.0.0.1")
    env.setdefault("POSTGRES_PORT", "5432")
    if "POSTGRES_USER" in os.environ:  # the test server's role doubles as Airflow's
        env["POSTGRES_PASSWORD"] = os.environ.get("POSTGRES_PASSWORD", "")
        env.setdefault("AIRFLOW_DB_USER", os.environ["POSTGRES_USER"])
        env["AIRFLOW_DB_PASSWORD"] = os.environ.get("POSTGRES_PASSWORD", "")
    env.update(overrides)
    return env
