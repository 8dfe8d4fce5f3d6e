"""Health of the stack: is each component up, answering, and usable? One table, one exit status.

`check_all(settings, urls)` probes, each with a short timeout:

- **kafka** (required when BROKER=kafka): every bootstrap address takes a TCP connection and answers
  a Kafka ApiVersions request; with confluent_kafka installed, cluster metadata (brokers, topic);
- **lake** (required): a folder exists and is writable, or the S3 bucket can be listed (pyarrow's
  S3 client, no extra dependency);
- **warehouse** (required): the DuckDB file opens (a missing file is fine: the first load makes
  it), PostgreSQL accepts a login (psycopg or psycopg2 if installed, else a TCP connect), Snowflake
  answers `SELECT 1`;
- **airflow**, **metabase**, **dashboard** (when their URL is configured): their health endpoints.

Nothing here reads the environment: the edges (`spotify-mds health`, `scripts/health_check.py`)
build the settings and the URLs and pass them in. Secrets never appear in the report.
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from spotify_mds.errors import ConfigError
from spotify_mds.settings import Settings

logger = logging.getLogger(__name__)

COMPONENTS = ("kafka", "lake", "warehouse", "airflow", "metabase", "dashboard")
URL_VARIABLES = {"airflow": "AIRFLOW_API_URL", "metabase": "METABASE_URL", "dashboard": "DASHBOARD_URL"}


@dataclass(frozen=True)
class Check:
    component: str
    target: str
    """What was probed (address, bucket, URL), never a credential."""
    status: str
    """`up`, `down` or `skipped` (not configured or not asked for)."""
    detail: str
    required: bool
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.required and self.status == "down"


class Down(Exception):
    """A probe's verdict: the component is down, for the reason given."""


# -- probes: each returns a detail string or raises Down ------------------------------------------
def _host_port(address: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(address if "://" in address else f"//{address}")
    return parts.hostname or "localhost", parts.port or default_port


def _kafka_api_versions(host: str, port: int, timeout: float) -> int:
    """Send ApiVersions v0 and return how many APIs the broker lists (raises Down otherwise)."""
    client = b"spotify-mds-health"
    correlation = 42
    request = struct.pack(">hhih", 18, 0, correlation, len(client)) + client
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(request)) + request)
            size = struct.unpack(">i", _recv_exactly(sock, 4))[0]
            body = _recv_exactly(sock, size)
    except OSError as exc:
        raise Down(f"{host}:{port} unreachable: {exc}") from exc
    got, error, count = struct.unpack(">ihi", body[:10])
    if got != correlation or error != 0:
        raise Down(f"{host}:{port} answered ApiVersions with error {error}")
    return count


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def probe_kafka(bootstrap: str, topic: str, timeout: float) -> str:
    addresses = [_host_port(address.strip(), 9092) for address in bootstrap.split(",") if address.strip()]
    if not addresses:
        raise Down("no bootstrap servers configured")
    reachable = []
    errors = []
    for host, port in addresses:
        try:
            reachable.append((host, port, _kafka_api_versions(host, port, timeout)))
        except Down as exc:
            errors.append(str(exc))
    if not reachable:
        raise Down("; ".join(errors))
    try:
        from confluent_kafka.admin import AdminClient
    except ImportError:
        host, port, apis = reachable[0]
        return f"{len(reachable)}/{len(addresses)} bootstrap up, {apis} APIs (install confluent-kafka for metadata)"
    try:
        metadata = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout * 1000)}).list_topics(
            timeout=timeout
        )
    except Exception as exc:  # confluent_kafka raises KafkaException with a KafkaError inside
        raise Down(f"metadata request failed: {exc}") from exc
    has_topic = "topic present" if topic in metadata.topics else f"topic {topic} not created yet"
    return f"{len(metadata.brokers)} broker(s), {len(metadata.topics)} topic(s), {has_topic}"


def probe_lake(settings: Settings, timeout: float) -> str:
    root = settings.lake_root
    if not root.startswith("s3://"):
        path = Path(root)
        if not path.exists():
            parent = next((p for p in path.parents if p.exists()), None)
            if parent is None or not _writable(parent):
                raise Down(f"{root} does not exist and cannot be created")
            return "folder not created yet (the first landing makes it)"
        if not path.is_dir():
            raise Down(f"{root} is not a folder")
        if not _writable(path):
            raise Down(f"{root} is not writable")
        return "folder, writable"
    from pyarrow import fs

    bucket_and_prefix = root.removeprefix("s3://").rstrip("/")
    endpoint = settings.minio_endpoint
    options: dict = {
        "access_key": settings.minio_access_key.get_secret_value() or None,
        "secret_key": settings.minio_secret_key.get_secret_value() or None,
        "connect_timeout": timeout,
        "request_timeout": timeout,
        "retry_strategy": fs.AwsStandardS3RetryStrategy(max_attempts=1),
    }
    if endpoint:
        parts = urlsplit(endpoint)
        options.update(endpoint_override=parts.netloc or parts.path, scheme=parts.scheme or "https")
        options.setdefault("region", "us-east-1")
    try:
        s3 = fs.S3FileSystem(**{k: v for k, v in options.items() if v is not None})
        infos = s3.get_file_info(fs.FileSelector(bucket_and_prefix, allow_not_found=False, recursive=False))
    except (OSError, ValueError) as exc:
        raise Down(f"cannot list {root}: {str(exc).splitlines()[0]}") from exc
    return f"bucket listed, {len(infos)} top-level entr{'y' if len(infos) == 1 else 'ies'}"


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)


def probe_warehouse(settings: Settings, timeout: float) -> str:
    """The configured warehouse's own probe (`Warehouse.probe`), built by the one factory."""
    from spotify_mds.errors import ComponentUnavailable
    from spotify_mds.warehouse import warehouse_from

    try:
        return warehouse_from(settings).probe(timeout)
    except ComponentUnavailable as exc:
        raise Down(str(exc)) from exc


def _get_json(url: str, timeout: float) -> tuple[int, object]:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "spotify-mds-health"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raise Down(f"HTTP {exc.code} from {url}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Down(f"{url} unreachable: {reason}") from exc
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def probe_airflow(url: str, timeout: float) -> str:
    _, body = _get_json(url.rstrip("/") + "/api/v2/monitor/health", timeout)
    if not isinstance(body, dict):
        raise Down("no health JSON at /api/v2/monitor/health")
    states = {name: (part or {}).get("status") for name, part in body.items() if isinstance(part, dict)}
    if states.get("metadatabase") != "healthy":
        raise Down(f"metadata database {states.get('metadatabase')}")
    unhealthy = sorted(name for name, state in states.items() if state not in {"healthy", None})
    if "scheduler" in unhealthy:
        raise Down("scheduler unhealthy (no recent heartbeat)")
    return ", ".join(f"{name} {state}" for name, state in sorted(states.items()) if state)


def probe_metabase(url: str, timeout: float) -> str:
    _, body = _get_json(url.rstrip("/") + "/api/health", timeout)
    status = body.get("status") if isinstance(body, dict) else None
    if status != "ok":
        raise Down(f"Metabase status {status!r}")
    return "status ok"


def probe_dashboard(url: str, timeout: float) -> str:
    status, _ = _get_json(url.rstrip("/") + "/", timeout)
    return f"HTTP {status}"


# -- the whole check --------------------------------------------------------------------------------
def _timed(component: str, target: str, required: bool, probe: Callable[[], str]) -> Check:
    started = time.perf_counter()
    try:
        detail, status = probe(), "up"
    except Down as exc:
        detail, status = str(exc), "down"
    except Exception as exc:  # an unexpected error is a finding about the component, not a crash
        logger.debug("%s probe failed", component, exc_info=True)
        detail, status = f"{type(exc).__name__}: {exc}", "down"
    return Check(component, target, status, detail, required, time.perf_counter() - started)


def _target(settings: Settings, component: str, urls: Mapping[str, str]) -> str:
    if component == "kafka":
        return settings.kafka_bootstrap_servers
    if component == "lake":
        return settings.lake_root + (f" @ {settings.minio_endpoint}" if settings.minio_endpoint else "")
    if component == "warehouse":
        from spotify_mds.warehouse import warehouse_from

        return str(warehouse_from(settings))
    return urls.get(component, "")


def check_all(
    settings: Settings,
    urls: Mapping[str, str] | None = None,
    *,
    only: Iterable[str] | None = None,
    require: Iterable[str] = (),
    timeout: float = 3.0,
) -> list[Check]:
    """Probe each component; `only` limits (and requires) the ones probed; `require` adds to the required.

    Required by default: the lake, the warehouse, and Kafka when BROKER=kafka. A component whose
    URL is not configured is `skipped`, unless required, then `down`.
    """
    urls = {name: url for name, url in (urls or {}).items() if url}
    only = None if only is None else list(only)
    require = list(require)
    unknown = (set(only or ()) | set(require)) - set(COMPONENTS)
    if unknown:
        raise ConfigError(f"unknown component(s) {', '.join(sorted(unknown))}; choose from {', '.join(COMPONENTS)}")
    wanted = [c for c in COMPONENTS if only is None or c in only]
    required = set(require) | (set(only) if only is not None else {"lake", "warehouse"})
    if only is None and settings.broker == "kafka":
        required.add("kafka")
    probes: dict[str, Callable[[], str]] = {
        "kafka": lambda: probe_kafka(settings.kafka_bootstrap_servers, settings.kafka_topic, timeout),
        "lake": lambda: probe_lake(settings, timeout),
        "warehouse": lambda: probe_warehouse(settings, timeout),
        "airflow": lambda: probe_airflow(urls["airflow"], timeout),
        "metabase": lambda: probe_metabase(urls["metabase"], timeout),
        "dashboard": lambda: probe_dashboard(urls["dashboard"], timeout),
    }
    checks = []
    for component in wanted:
        is_required = component in required
        target = _target(settings, component, urls)
        if component in URL_VARIABLES and component not in urls:
            status = "down" if is_required else "skipped"
            checks.append(Check(component, "", status, f"{URL_VARIABLES[component]} not set", is_required))
        elif component == "kafka" and settings.broker != "kafka" and not is_required:
            checks.append(Check(component, target, "skipped", "BROKER=embedded (no broker needed)", False))
        else:
            checks.append(_timed(component, target, is_required, probes[component]))
    return checks


def urls_from(environ: Mapping[str, str]) -> dict[str, str]:
    """The optional components' URLs from an environment mapping (the edges pass os.environ + .env)."""
    return {component: environ.get(variable, "") for component, variable in URL_VARIABLES.items()}


def report(checks: list[Check]):
    """A rich table of the checks."""
    from rich.table import Table

    table = Table(title="spotify-mds health", header_style="bold")
    for column in ("component", "status", "required", "target", "detail", "seconds"):
        table.add_column(column, justify="right" if column == "seconds" else "left", overflow="fold")
    colours = {"up": "green", "down": "red", "skipped": "dim"}
    for check in checks:
        table.add_row(
            check.component,
            f"[{colours[check.status]}]{check.status}[/]",
            "yes" if check.required else "no",
            check.target,
            check.detail,
            f"{check.seconds:.2f}",
        )
    return table


def summary_line(checks: list[Check]) -> str:
    failed = [c.component for c in checks if c.failed]
    other_down = [c.component for c in checks if c.status == "down" and not c.required]
    if failed:
        line = f"DOWN (required): {', '.join(failed)}"
    else:
        line = "all required components are up"
    if other_down:
        line += f"; down (optional): {', '.join(other_down)}"
    return line


def exit_status(checks: list[Check]) -> int:
    return 1 if any(check.failed for check in checks) else 0


__all__ = ["COMPONENTS", "Check", "check_all", "exit_status", "report", "summary_line", "urls_from"]
