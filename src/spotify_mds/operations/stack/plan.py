"""From the compose file to local processes: what each service runs here, with which environment.

Nothing is restated: a service's command and environment are the compose file's, after three
mappings that stand in for Docker:

- **host names → local endpoints.** `kafka:9092`, `minio:9000`, `airflow-apiserver:8080`,
  `dashboard:8050` become the addresses the services are published on (`ports:`, e.g.
  `${AIRFLOW_PORT:-8080}` on `${AIRFLOW_BIND_ADDRESS:-127.0.0.1}`); `postgres` becomes the server the
  settings name (POSTGRES_HOST / POSTGRES_PORT). A `*_HOST: <service>` setting takes that service's
  host and its `*_PORT` the published port. A URL of a service that does not run here (Metabase)
  becomes empty, so health checks skip it instead of failing.
- **container paths → folders under the stack's state dir.** `<state>/root` stands for the
  container's file system: `/opt/spotify-mds/data` is `<state>/root/opt/spotify-mds/data`, and every
  volume a service mounts is a symlink there (named volumes to `<state>/volumes/<name>`, bind mounts
  to the project, e.g. `/opt/airflow/dags` → `dags/`). The image's `ENV` (AIRFLOW_HOME, the DAGs
  folder) come from docker/Dockerfile and are mapped the same way.
- **the image's programs → this environment's.** `spotify-mds` is this Python's `-m spotify_mds.cli`,
  `airflow` the `airflow` next to it; this Python's bin folder leads PATH (the init script calls
  `airflow` and `python`).

The services the compose file gives an image of a server (Kafka, MinIO, PostgreSQL) are replaced by
the same server run here (see `REPLACED`; Prometheus and the Pushgateway are Debian's programs, with
the compose file's Prometheus config mapped like the rest: `prometheus_config`); those with no
program on this machine are listed in `NOT_RUN` with the reason. tests/unit/test_stack_plan.py
checks that every compose service is in exactly one of the three groups and that the local command
is the compose command word for word.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from spotify_mds.errors import ConfigError
from spotify_mds.operations.stack.compose import ComposeService, compose_env, image_environment, load_compose

REPLACED = {
    "kafka": "Apache Kafka's own jars (Maven Central) run by spotify_mds.operations.kafka_local: KRaft, "
    "one listener on the published port",
    "minio": "an S3 server on MinIO's published API port: SeaweedFS `weed` when one is found, else "
    "moto's server (in memory); MinIO itself is AGPL and not used",
    "minio-init": "creates MINIO_BUCKET through the S3 API (the image's `mc` is not here)",
    "postgres": "the PostgreSQL server POSTGRES_HOST:POSTGRES_PORT names when it answers, else this "
    "machine's cluster via pg_ctlcluster; missing databases are created",
    "pushgateway": "this machine's `prometheus-pushgateway` (Debian's package) on 127.0.0.1, a free port "
    "kept for the stack; PUSHGATEWAY_URL points there",
    "prometheus": "this machine's `prometheus` (Debian's package) with monitoring/prometheus/'s config and "
    "alert rules, its scrape targets mapped to where the services listen here",
}
# The replaced servers that are programs on PATH: (program, the fix when it is missing).
MONITORING_PROGRAMS = {
    "pushgateway": ("prometheus-pushgateway", "apt-get install prometheus-pushgateway"),
    "prometheus": ("prometheus", "apt-get install prometheus"),
}
PUSHGATEWAY_PORT = 9091
NOT_RUN = {
    "kafka-ui": "no Kafka UI program here (it ships as a container image and a GitHub release jar); "
    "`kcat -L -b <broker>` lists the topics",
    "metabase": "no Metabase here (a container image or a jar from metabase.com, neither on a "
    "package registry); the built-in dashboard serves the gold marts",
    "metabase-provision": "provisions Metabase, which does not run here",
    "grafana": "no Grafana server here (not on a package registry this machine reaches); the "
    "dashboards are JSON under monitoring/grafana/",
}
# How the image's programs are found here.
PROGRAMS = ("spotify-mds", "airflow", "/bin/sh")
# Where the api-server listens, from the port it is published on (the image's default is 8080).
LISTEN_ENV = {"airflow-apiserver": ("AIRFLOW__API__HOST", "AIRFLOW__API__PORT")}
_ADDRESS = re.compile(r"\b([a-z][a-z0-9-]*):(\d+)\b")


@dataclass
class LocalService:
    """One compose service as it runs on this machine."""

    name: str
    kind: str
    """`process` (long-running), `oneshot`, or a replaced server: `kafka`, `s3`, `bucket`, `postgres`."""
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    depends_on: dict[str, str] = field(default_factory=dict)
    address: tuple[str, int] | None = None
    """Where clients reach it (its first published port), when it publishes one."""
    listen: tuple[str, int] | None = None
    """Where it listens (bind address, port)."""
    compose_argv: list[str] = field(default_factory=list)
    note: str = ""
    files: dict[Path, str] = field(default_factory=dict)
    """Files `up` writes before starting it (Prometheus' config with its targets mapped)."""


@dataclass
class StackPlan:
    project: Path
    state: Path
    services: dict[str, LocalService]
    """Every service run here (processes, one-shots and replaced servers), in compose order."""
    not_run: dict[str, str]
    compose: dict[str, ComposeService]
    links: dict[Path, Path]
    """`<state>/root/...` symlink → its target (volumes and bind mounts)."""

    @property
    def root(self) -> Path:
        return self.state / "root"

    def env_of(self, name: str) -> dict[str, str]:
        return self.services[name].env


def _connect_host(bind: str) -> str:
    return "127.0.0.1" if bind in {"0.0.0.0", "", "::"} else bind


def endpoints(compose: Mapping[str, ComposeService], env: Mapping[str, str]) -> dict[str, tuple[str, int]]:
    """`service:container_port` → (host, port) on this machine, from the services' published ports."""
    found: dict[str, tuple[str, int]] = {}
    for service in compose.values():
        for port in service.ports:
            found[f"{service.name}:{port.container_port}"] = (_connect_host(port.bind), port.host_port)
    postgres = compose.get("postgres")
    if postgres is not None and postgres.ports:
        host = env.get("POSTGRES_HOST") or _connect_host(postgres.ports[0].bind)
        port = int(env.get("POSTGRES_PORT") or postgres.ports[0].host_port)
        found[f"postgres:{postgres.ports[0].container_port}"] = ("127.0.0.1" if host == "postgres" else host, port)
    return found


def _address_of(service: str, port: str, known: Mapping[str, tuple[str, int]]) -> tuple[str, int] | None:
    """The local address of `service:port`: its published port, or (an internal listener such as
    Kafka's 9092) the service's first published port."""
    if f"{service}:{port}" in known:
        return known[f"{service}:{port}"]
    return next((address for key, address in known.items() if key.split(":")[0] == service), None)


def localize_value(
    value: str, known: Mapping[str, tuple[str, int]], services: set[str], skipped: set[str], roots: Mapping[str, Path]
) -> str:
    """One environment value or argument with host names and container paths mapped (module doc)."""
    for match in _ADDRESS.finditer(value):
        if match.group(1) in skipped:
            return ""  # e.g. METABASE_URL: the service is not here
    def address(match: re.Match[str]) -> str:
        if match.group(1) not in services:
            return match.group(0)
        found = _address_of(match.group(1), match.group(2), known)
        return f"{found[0]}:{found[1]}" if found else match.group(0)

    value = _ADDRESS.sub(address, value)
    return map_path(value, roots)


def map_path(value: str, roots: Mapping[str, Path]) -> str:
    """A container path under one of `roots` (longest first) as the local path; anything else unchanged."""
    for prefix in sorted(roots, key=len, reverse=True):
        if value == prefix or value.startswith(prefix.rstrip("/") + "/"):
            return str(roots[prefix]) + value[len(prefix.rstrip("/")):]
    return value


def program(word: str, python: str = sys.executable) -> list[str]:
    """The local argv prefix for the image's program `word`."""
    if word == "spotify-mds":
        return [python, "-m", "spotify_mds.cli"]
    if word == "airflow":
        beside = Path(python).parent / "airflow"
        return [str(beside)] if beside.exists() else [python, "-m", "airflow"]
    return [word]


def build_plan(
    project: Path,
    state: Path,
    environ: Mapping[str, str],
    *,
    runtime: Mapping[str, str] | None = None,
    python: str = sys.executable,
) -> StackPlan:
    """The local stack for the compose file in `project`, its state (logs, pids, data) under `state`.

    `environ` is the environment compose would interpolate from (the project's `.env` is added under
    it); `runtime` holds what `up` chose (the Airflow database URL, free ports) and reuses later.
    """
    project, state = project.resolve(), state.resolve()
    runtime = dict(runtime or {})
    env = compose_env(project, environ)
    compose = load_compose(project / "docker-compose.yml", env)
    image_env = image_environment(project / "docker" / "Dockerfile")
    unknown = set(compose) - set(REPLACED) - set(NOT_RUN)
    known = endpoints(compose, env)
    skipped = set(NOT_RUN) & set(compose)
    # A server image with no local rule yet: listed with the reason rather than guessed at.
    extra_not_run = {
        name: f"no local rule for image {compose[name].image or '?'} (add one to operations/stack/plan.py)"
        for name in unknown if not compose[name].argv or compose[name].argv[0] not in PROGRAMS
    }
    absent = {name: f"no `{prog}` on PATH here ({fix})" for name, (prog, fix) in MONITORING_PROGRAMS.items()
              if name in compose and not shutil.which(prog)}  # fmt: skip
    extra_not_run |= absent
    skipped |= set(extra_not_run)
    if "pushgateway" in compose and "pushgateway" not in skipped:  # published nowhere: a port of the stack's
        known[f"pushgateway:{PUSHGATEWAY_PORT}"] = ("127.0.0.1", int(runtime.get("pushgateway_port", PUSHGATEWAY_PORT)))
    root = state / "root"

    links: dict[Path, Path] = {}
    for service in compose.values():
        if service.name in REPLACED or service.name in skipped:
            continue
        for mount in service.mounts:
            target = (state / "volumes" / mount.source) if mount.named else (project / mount.source).resolve()
            link = root / mount.target.lstrip("/")
            if links.get(link, target) != target:
                raise ConfigError(f"two services mount different things at {mount.target}; cannot map it here")
            links[link] = target
    roots = {"/opt": root / "opt", **{"/" + str(link.relative_to(root)): link for link in links}}
    bin_dir = str(Path(python).parent)

    services: dict[str, LocalService] = {}
    for service in compose.values():
        name = service.name
        published = service.ports[0] if service.ports else None
        address = _address_of(name, str(published.container_port), known) if published else None
        listen = (published.bind, address[1]) if published and address else None
        if name in skipped:
            continue
        if name in extra_not_run:
            continue
        deps = {dep: cond for dep, cond in service.depends_on.items() if dep not in skipped}
        if name in MONITORING_PROGRAMS:
            services[name] = _monitoring(project, state, service, deps, address, listen, known,
                                         set(compose) - skipped, environ)  # fmt: skip
            continue
        if name in REPLACED:
            kind = {"kafka": "kafka", "minio": "s3", "minio-init": "bucket", "postgres": "postgres"}[name]
            services[name] = LocalService(name, kind, depends_on=deps, address=address, listen=listen,
                                          env=dict(service.environment), note=REPLACED[name])
            continue
        names = set(compose)
        merged = {**image_env, **service.environment}
        local_env = {key: localize_value(value, known, names, skipped, roots) for key, value in merged.items()}
        for key, value in merged.items():  # `X_HOST: <service>` and its `X_PORT`
            if key.endswith("_HOST") and value in compose and value != name:
                host, port = _address_of(value, merged.get(key[:-5] + "_PORT", ""), known) or (value, 0)
                local_env[key] = host
                if key[:-5] + "_PORT" in merged and port:
                    local_env[key[:-5] + "_PORT"] = str(port)
            elif key.endswith("_HOST") and listen and merged.get(key[:-5] + "_PORT") == str(published.container_port):
                local_env[key], local_env[key[:-5] + "_PORT"] = listen[0], str(listen[1])
        if name in LISTEN_ENV and listen:
            host_key, port_key = LISTEN_ENV[name]
            local_env[host_key], local_env[port_key] = listen[0], str(listen[1])
        if "AIRFLOW__CORE__EXECUTOR" in local_env:
            local_env.update(_airflow_local(local_env, runtime))
        local_env["PATH"] = bin_dir + os.pathsep + environ.get("PATH", os.defpath)
        # Under the compose values, the caller's environment: PYTHONPATH, JAVA_HOME, HOME, and the
        # knobs compose does not list (a container would have the image's instead).
        local_env = {**{k: v for k, v in environ.items() if k not in merged}, **local_env}
        words = service.argv
        argv = [*program(words[0], python), *_localize_args(words[1:], listen, published, known, names, skipped, roots)]
        kind = "oneshot" if any(
            cond == "service_completed_successfully" and dep == name
            for other in compose.values() for dep, cond in other.depends_on.items()
        ) else "process"
        services[name] = LocalService(
            name, kind, argv=argv, env=local_env, cwd=Path(map_path("/opt/spotify-mds/data", roots)),
            depends_on=deps, address=address, listen=listen, compose_argv=words,
        )
    not_run = {name: NOT_RUN[name] for name in skipped if name in NOT_RUN} | extra_not_run
    return StackPlan(project, state, services, not_run, compose, links)


def _localize_args(words, listen, published, known, names, skipped, roots) -> list[str]:
    """Arguments mapped like values; `0.0.0.0` and a `--port <container port>` become where it listens."""
    out: list[str] = []
    for index, word in enumerate(words):
        previous = words[index - 1] if index else ""
        if listen and word == "0.0.0.0":
            out.append(listen[0])
        elif listen and previous == "--port" and published and word == str(published.container_port):
            out.append(str(listen[1]))
        else:
            out.append(localize_value(word, known, names, skipped, roots))
    return out


def _airflow_local(env: Mapping[str, str], runtime: Mapping[str, str]) -> dict[str, str]:
    """What an Airflow process needs here beyond the compose file: one api worker (two cores), a
    free port for the scheduler's health server (8974 is per container there), and the database
    `up` chose when the compose one cannot be had (SQLite, said in `stack status`)."""
    extra = {"AIRFLOW__API__WORKERS": "1"}
    if runtime.get("scheduler_health_port"):
        extra["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"] = runtime["scheduler_health_port"]
    if runtime.get("airflow_db_url"):
        extra["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = runtime["airflow_db_url"]
    return extra


def _monitoring(project: Path, state: Path, service: ComposeService, deps: dict[str, str],
                address: tuple[str, int] | None, listen: tuple[str, int] | None,
                known: Mapping[str, tuple[str, int]], local: set[str], environ: Mapping[str, str]) -> LocalService:  # fmt: skip
    """The Pushgateway (published nowhere: the stack's port in `known`) or Prometheus (its published
    port) as this machine's program (MONITORING_PROGRAMS)."""
    binary = shutil.which(MONITORING_PROGRAMS[service.name][0]) or MONITORING_PROGRAMS[service.name][0]
    address = address or known[f"{service.name}:{PUSHGATEWAY_PORT}"]
    where = f"{(listen or address)[0]}:{address[1]}"
    files: dict[Path, str] = {}
    if service.name == "pushgateway":
        argv = [binary, f"--web.listen-address={where}"]
    else:
        config = state / "prometheus" / "prometheus.yml"
        files[config] = prometheus_config(project, service, known, local, address)
        argv = [binary, f"--config.file={config}", f"--storage.tsdb.path={state / 'volumes' / 'prometheus-data'}",
                f"--web.listen-address={where}"]  # fmt: skip
    return LocalService(service.name, "process", argv=argv, env=dict(environ), cwd=state, depends_on=deps,
                        address=address, listen=listen or address, compose_argv=service.argv,
                        note=REPLACED[service.name], files=files)  # fmt: skip


def prometheus_config(project: Path, service: ComposeService, known: Mapping[str, tuple[str, int]],
                      local: set[str], own: tuple[str, int]) -> str:  # fmt: skip
    """The compose file's Prometheus config (found through its `--config.file` and mounts) with each
    scrape target mapped: a service's published port where it has one, else 127.0.0.1 and the same
    port (every service listens on this machine); `localhost` is Prometheus itself. Rule files are
    made absolute, so the config may live in the stack's state dir."""
    import yaml

    inside = next(word.split("=", 1)[1] for word in service.argv if word.startswith("--config.file="))
    mount = next(m for m in service.mounts if not m.named and inside.startswith(m.target.rstrip("/") + "/"))
    source = (project / mount.source).resolve() / inside[len(mount.target.rstrip("/")) + 1:]
    config = yaml.safe_load(source.read_text())

    def target(value: str) -> str:
        host, _, port = value.rpartition(":")
        if host in {"localhost", "127.0.0.1"}:
            return f"{own[0]}:{own[1]}"
        if host not in local:
            return value
        found = known.get(f"{host}:{port}", ("127.0.0.1", int(port)))
        return f"{found[0]}:{found[1]}"

    config["rule_files"] = [str(source.parent / rule) for rule in config.get("rule_files", [])]
    for job in config.get("scrape_configs", []):
        for group in job.get("static_configs", []):
            group["targets"] = [target(value) for value in group.get("targets", [])]
    header = f"# {source.relative_to(project)} with its targets mapped to this machine (spotify-mds stack up)\n"
    return header + yaml.safe_dump(config, sort_keys=False)
