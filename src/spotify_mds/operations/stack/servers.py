"""The servers the compose file takes from images, found or started here: S3, PostgreSQL.

- **S3** on MinIO's published port: SeaweedFS's `weed` (Apache-2.0, a real S3 server on disk) when
  a binary is found (`WEED_BIN`, `weed` on PATH, or `~/.cache/spotify-mds/seaweedfs/weed`, where
  scripts/build_weed.sh puts it); otherwise moto's S3 server (in memory: the lake is gone when it
  stops). `stack status` says which one runs.
- **PostgreSQL**: the server POSTGRES_HOST:POSTGRES_PORT names when it accepts the login; otherwise
  this machine's Debian cluster through `pg_ctlcluster` (then `down` stops it again); otherwise an
  error naming what to install. The warehouse database and Airflow's are created when missing and
  the role may; when Airflow's cannot be had, Airflow runs on SQLite and status says why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from spotify_mds.errors import ComponentUnavailable


class StackUnavailable(ComponentUnavailable):
    """A service of the stack cannot start here; `missing` says what, `fix` how to get it."""

    def __init__(self, service: str, missing: str, fix: str = "") -> None:
        super().__init__(f"{service}: {missing}" + (f" — {fix}" if fix else ""))
        self.service = service
        self.missing = missing
        self.fix = fix


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# -- S3 ---------------------------------------------------------------------------------------------
def weed_binary(environ: Mapping[str, str]) -> str | None:
    candidates = [environ.get("WEED_BIN", ""), shutil.which("weed") or "",
                  str(Path(environ.get("SPOTIFY_MDS_CACHE") or Path.home() / ".cache" / "spotify-mds")
                      / "seaweedfs" / "weed")]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


def s3_command(environ: Mapping[str, str], data: Path, bind: str, port: int) -> tuple[str, list[str]]:
    """(`seaweedfs` or `moto`, argv) of the S3 server to run on bind:port."""
    weed = weed_binary(environ)
    if weed:
        # Every port explicit: by default each gRPC port is its HTTP port + 10000, which may be taken
        # or (for an HTTP port above 55535) no port at all.
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_grpc = _free_ports(7)
        data.mkdir(parents=True, exist_ok=True)
        return "seaweedfs", [
            weed, "server", f"-dir={data}", "-s3", f"-s3.port={port}", f"-s3.port.grpc={s3_grpc}",
            "-ip=127.0.0.1", f"-ip.bind={bind}", f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}", "-master.volumeSizeLimitMB=256", "-volume.max=16",
            "-master.telemetry=false",
        ]
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        raise StackUnavailable(
            "minio", "no S3 server: neither SeaweedFS `weed` (WEED_BIN, PATH, ~/.cache/spotify-mds/seaweedfs) "
            "nor moto's server is here",
            "build weed with scripts/build_weed.sh (Go, ~6 min) or `pip install 'moto[server]'`",
        ) from exc
    return "moto", [sys.executable, "-m", "moto.server", "-H", bind, "-p", str(port)]


def _free_ports(count: int) -> list[int]:
    """`count` distinct free ports, held open together while chosen so none is picked twice."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def s3_ready(url: str, timeout: float = 2.0) -> bool:
    """The endpoint answers S3 over HTTP (any HTTP status counts: it is up)."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/", timeout=timeout):  # noqa: S310
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def create_bucket(endpoint: str, access_key: str, secret_key: str, bucket: str, timeout: float = 60) -> None:
    """What minio-init's script does with `mc mb`, through the S3 API; retried while the server warms up."""
    from urllib.parse import urlsplit

    from pyarrow import fs

    parts = urlsplit(endpoint)
    s3 = fs.S3FileSystem(access_key=access_key or None, secret_key=secret_key or None,
                         endpoint_override=parts.netloc, scheme=parts.scheme or "http", region="us-east-1",
                         allow_bucket_creation=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if s3.get_file_info(bucket).type == fs.FileType.NotFound:
                s3.create_dir(bucket)
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise StackUnavailable("minio-init", f"cannot create bucket {bucket} at {endpoint}: {exc}") from exc
            time.sleep(1)


# -- PostgreSQL ---------------------------------------------------------------------------------------
def _connect(host: str, port: int, user: str, password: str, dbname: str):
    try:
        import psycopg

        return psycopg.connect(host=host, port=port, user=user, password=password, dbname=dbname,
                               connect_timeout=3, autocommit=True)
    except ImportError:
        import psycopg2

        connection = psycopg2.connect(host=host, port=port, user=user, password=password, dbname=dbname,
                                      connect_timeout=3)
        connection.autocommit = True
        return connection


def can_login(host: str, port: int, user: str, password: str, dbname: str) -> str | None:
    """None when the login works, else the server's reason."""
    try:
        _connect(host, port, user, password, dbname).close()
        return None
    except Exception as exc:  # psycopg's OperationalError and friends
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def start_cluster() -> str:
    """Start this machine's (Debian) PostgreSQL cluster; its `version/name`. StackUnavailable if none."""
    if not shutil.which("pg_ctlcluster") or not shutil.which("pg_lsclusters"):
        raise StackUnavailable("postgres", "no PostgreSQL server answers and pg_ctlcluster is not installed",
                               "`apt-get install -y postgresql`, or set POSTGRES_HOST/POSTGRES_PORT to a server")
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False)
    lines = [line.split() for line in listing.stdout.splitlines() if line.strip()]
    if not lines:
        raise StackUnavailable("postgres", "no PostgreSQL cluster exists", "`pg_createcluster 16 main`")
    version, name = lines[0][0], lines[0][1]
    result = subprocess.run(["pg_ctlcluster", version, name, "start"], capture_output=True, text=True, check=False)
    if result.returncode != 0 and "already running" not in result.stderr:
        raise StackUnavailable("postgres", f"pg_ctlcluster {version} {name} start failed: {result.stderr.strip()}",
                               "run it as root or the postgres user")
    return f"{version}/{name}"


def stop_cluster(cluster: str) -> None:
    version, name = cluster.split("/")
    subprocess.run(["pg_ctlcluster", version, name, "stop"], capture_output=True, check=False)


def ensure_database(host: str, port: int, admin: tuple[str, str], dbname: str,
                    owner: tuple[str, str] | None = None) -> str | None:
    """Make `dbname` (and its owner role) exist, connecting as `admin`; None when done, else why not."""
    user, password = owner or admin
    if can_login(host, port, user, password, dbname) is None:
        return None
    try:
        connection = _connect(host, port, admin[0], admin[1], "postgres")
    except Exception as exc:
        return f"cannot log in as {admin[0]} to create {dbname}: {str(exc).strip().splitlines()[0]}"
    try:
        with connection.cursor() as cursor:
            if owner and owner[0] != admin[0]:
                cursor.execute("select 1 from pg_roles where rolname = %s", (owner[0],))
                if cursor.fetchone() is None:
                    quoted = owner[1].replace("'", "''")  # DDL takes no bind parameters
                    cursor.execute(f'create role "{owner[0]}" login password \'{quoted}\'')
            cursor.execute(f'create database "{dbname}" owner "{user}"')
    except Exception as exc:
        return f"role {admin[0]} cannot create database {dbname}: {str(exc).strip().splitlines()[0]}"
    finally:
        connection.close()
    return can_login(host, port, user, password, dbname)
