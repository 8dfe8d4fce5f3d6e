"""The health check against real servers: a Kafka broker, PostgreSQL, an S3 endpoint (moto).

Each server is started by the test itself, privately, on a free port:
- Kafka: `spotify_mds.operations.kafka_local` (the broker's jars from Maven Central, Java 17), or the broker at
  KAFKA_TEST_BOOTSTRAP when set;
- PostgreSQL: a throw-away cluster (`initdb` + `pg_ctl` as the `postgres` user; Debian's
  postgresql package), with a password, so a wrong one is seen as down;
- S3: moto's ThreadedMotoServer.
What cannot be started here skips with the reason, or fails when CI=true. The Airflow, Metabase and
dashboard probes are covered in tests/unit/test_health.py against a local HTTP server.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from spotify_mds.operations import health
from spotify_mds.settings import Settings

pytestmark = pytest.mark.integration


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _with(settings: Settings, updates: dict) -> Settings:
    """A copy with some settings changed, validated (secrets become SecretStr)."""
    return Settings(**{**settings.model_dump(), **updates})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _component(checks, name):
    return next(check for check in checks if check.component == name)


@pytest.fixture
def base(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", lake_url=str(tmp_path / "lake"), broker="embedded")


# -- Kafka ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kafka_bootstrap(tmp_path_factory):
    if os.environ.get("KAFKA_TEST_BOOTSTRAP"):
        yield os.environ["KAFKA_TEST_BOOTSTRAP"]
        return
    from spotify_mds.operations import kafka_local

    data_dir = tmp_path_factory.mktemp("kafka")
    try:
        broker = kafka_local.start(data_dir=data_dir, port=_free_port(), controller_port=_free_port(), timeout=90)
    except kafka_local.KafkaUnavailable as exc:
        _unavailable(f"no Kafka broker: {exc}")
    try:
        yield broker.bootstrap
    finally:
        kafka_local.stop(data_dir)


def test_kafka_up_and_down(base, kafka_bootstrap):
    up = _with(base, {"broker": "kafka", "kafka_bootstrap_servers": kafka_bootstrap})
    kafka = _component(health.check_all(up, {}, only=["kafka"], timeout=10), "kafka")
    assert kafka.status == "up", kafka.detail
    assert "broker" in kafka.detail or "APIs" in kafka.detail

    dead = f"127.0.0.1:{_free_port()}"
    down = _with(base, {"broker": "kafka", "kafka_bootstrap_servers": dead})
    checks = health.check_all(down, {}, timeout=2)
    assert _component(checks, "kafka").status == "down" and dead in _component(checks, "kafka").detail
    assert health.exit_status(checks) == 1 and "kafka" in health.summary_line(checks)


# -- PostgreSQL -----------------------------------------------------------------------------------
def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """(port, password) of a private PostgreSQL cluster, run as the `postgres` OS user."""
    bindir = _pg_bin()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (apt-get install -y postgresql)")
    runas: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None:
            _unavailable("running as root without runuser: cannot start PostgreSQL")
        runas = ["runuser", "-u", "postgres", "--"]
    # Not under pytest's temporary root: that one is private to root (0700), and the server runs as postgres.
    home = Path(tempfile.mkdtemp(prefix="spotify-mds-pg-"))
    data = home / "data"
    password = "health-check-secret"
    (home / "pw").write_text(password + "\n")
    if runas:
        shutil.chown(home, "postgres")
        shutil.chown(home / "pw", "postgres")
    port = _free_port()
    subprocess.run(
        [*runas, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
         f"--pwfile={home / 'pw'}", "--no-sync"],
        check=True, capture_output=True, timeout=120, cwd=home,
    )  # fmt: skip
    subprocess.run(
        [*runas, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "60",
         "-o", f"-p {port} -k {home} -c listen_addresses=127.0.0.1", "start"],
        check=True, capture_output=True, timeout=90, cwd=home,
    )  # fmt: skip
    try:
        yield port, password
    finally:
        subprocess.run([*runas, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def test_postgres_up_wrong_password_and_down(base, postgres):
    port, password = postgres
    common = {"warehouse": "postgres", "postgres_host": "127.0.0.1", "postgres_port": port, "postgres_db": "postgres",
              "postgres_user": "postgres"}  # whatever POSTGRES_USER the environment (CI) exports
    up = _with(base, {**common, "postgres_password": password})
    warehouse = _component(health.check_all(up, {}, timeout=5), "warehouse")
    assert warehouse.status == "up", warehouse.detail

    has_driver = any(_importable(name) for name in ("psycopg", "psycopg2"))
    wrong = _with(base, {**common, "postgres_password": "not-the-password"})
    warehouse = _component(health.check_all(wrong, {}, timeout=5), "warehouse")
    if has_driver:
        assert warehouse.status == "down" and "not-the-password" not in warehouse.detail
        assert "password authentication failed" in warehouse.detail
    else:
        assert warehouse.status == "up" and "port open" in warehouse.detail

    gone = _with(base, {**common, "postgres_port": _free_port()})
    checks = health.check_all(gone, {}, timeout=2)
    assert _component(checks, "warehouse").status == "down" and health.exit_status(checks) == 1


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


# -- S3 (moto) ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_endpoint():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        _unavailable("moto[server] is not installed")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _create_bucket(endpoint: str, bucket: str) -> None:
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/{bucket}", method="PUT")
    with urllib.request.urlopen(request, timeout=10) as response:  # moto accepts unsigned requests
        assert response.status == 200


def test_s3_lake_up_missing_bucket_and_down(base, s3_endpoint):
    _create_bucket(s3_endpoint, "spotify-health")
    s3 = {"lake_url": "", "minio_endpoint": s3_endpoint, "minio_access_key": "testing", "minio_secret_key": "testing"}
    up = _with(base, {**s3, "minio_bucket": "spotify-health"})
    lake = _component(health.check_all(up, {}, timeout=5), "lake")
    assert lake.status == "up", lake.detail
    assert lake.target == f"s3://spotify-health @ {s3_endpoint}"

    missing = _with(base, {**s3, "minio_bucket": "no-such-bucket"})
    lake = _component(health.check_all(missing, {}, timeout=5), "lake")
    assert lake.status == "down" and "no-such-bucket" in lake.detail

    dead = f"http://127.0.0.1:{_free_port()}"
    gone = _with(base, {**s3, "minio_endpoint": dead, "minio_bucket": "spotify-health"})
    checks = health.check_all(gone, {}, timeout=2)
    assert _component(checks, "lake").status == "down" and health.exit_status(checks) == 1
    assert "lake" in health.summary_line(checks)


def test_stack_postgres_init_script_creates_the_databases(base, postgres):
    """docker/postgres/10-create-databases.sh (run by the image on a fresh volume), against a real server.

    Run twice: a restart with a half-initialised volume must not fail. Then the health check logs in
    as the Airflow role to its database, as airflow-init will.
    """
    if shutil.which("psql") is None:
        _unavailable("psql is not installed (apt-get install -y postgresql-client)")
    port, password = postgres
    script = Path(__file__).resolve().parents[2] / "docker" / "postgres" / "10-create-databases.sh"
    env = {
        **os.environ,
        "PGHOST": "127.0.0.1", "PGPORT": str(port), "PGPASSWORD": password,
        "POSTGRES_USER": "postgres", "POSTGRES_DB": "postgres",
        "AIRFLOW_DB_USER": "airflow", "AIRFLOW_DB_PASSWORD": "airflow-pw", "AIRFLOW_DB_NAME": "airflow",
        "METABASE_DB_USER": "metabase", "METABASE_DB_PASSWORD": "metabase-pw", "METABASE_DB_NAME": "metabase",
    }  # fmt: skip
    for _ in range(2):
        done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    for role, secret in (("airflow", "airflow-pw"), ("metabase", "metabase-pw")):
        as_role = _with(
            base,
            {"warehouse": "postgres", "postgres_host": "127.0.0.1", "postgres_port": port,
             "postgres_user": role, "postgres_password": secret, "postgres_db": role},
        )  # fmt: skip
        warehouse = _component(health.check_all(as_role, {}, only=["warehouse"], timeout=5), "warehouse")
        assert warehouse.status == "up", warehouse.detail
