"""`stack up | status | logs | down`: the compose file's services as local processes.

`up` starts the services asked for and everything they depend on, in dependency order, honouring
the compose conditions: a dependency that must be `service_healthy` is probed until it is (the
probes are operations/health.py's), a `service_completed_successfully` one-shot runs to its end
first. What it chose (the S3 server, the Airflow database, free ports) is kept in
`<state>/stack.json`, so `status`, `logs` and `down` find the same stack. `down` stops in reverse
dependency order: the producer and the lander (which flushes and commits on SIGTERM) before Kafka
and the S3 server, so nothing buffered is lost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from spotify_mds.operations.stack import procs
from spotify_mds.operations.stack.plan import PUSHGATEWAY_PORT, LocalService, StackPlan, build_plan
from spotify_mds.operations.stack.servers import (
    StackUnavailable, can_login, create_bucket, ensure_database, free_port, port_open, s3_command, s3_ready,
    start_cluster, stop_cluster,
)

HEALTH_TIMEOUT = {"airflow-apiserver": 180.0, "airflow-scheduler": 180.0}
ONESHOT_TIMEOUT = 600.0
STOP_FIRST = ("producer",)
Say = Callable[[str], None]


@dataclass(frozen=True)
class Row:
    service: str
    state: str
    """`running`, `exited`, `stopped`, `external` (a server found, not started), `not run`."""
    pid: int | None
    where: str
    health: str
    log: str


def state_file(state: Path) -> Path:
    return state / "stack.json"


def load_runtime(state: Path) -> dict[str, str]:
    try:
        return json.loads(state_file(state).read_text()).get("runtime", {})
    except (OSError, ValueError):
        return {}


def _save_runtime(state: Path, runtime: Mapping[str, str]) -> None:
    state.mkdir(parents=True, exist_ok=True)
    tmp = state_file(state).with_suffix(".tmp")
    tmp.write_text(json.dumps({"runtime": dict(runtime)}, indent=2, sort_keys=True))
    tmp.replace(state_file(state))


def order(plan: StackPlan, names: Iterable[str]) -> list[str]:
    """`names` and everything they depend on, dependencies first (compose order among equals)."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            raise StackUnavailable(name, f"depends_on cycle {' → '.join(path + (name,))}")
        if name not in plan.services:
            raise StackUnavailable(name, "not a service that runs here"
                                   + (f" ({plan.not_run[name]})" if name in plan.not_run else ""))
        for dep in plan.services[name].depends_on:
            visit(dep, path + (name,))
        done.append(name)

    for name in names:
        visit(name, ())
    return done


def _link(plan: StackPlan) -> None:
    for link, target in plan.links.items():
        if target.is_relative_to(plan.state):
            target.mkdir(parents=True, exist_ok=True)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() and link.resolve() == target.resolve():
            continue
        if link.is_symlink() or link.is_file():
            link.unlink()
        link.symlink_to(target, target_is_directory=target.is_dir())


def _settings(env: Mapping[str, str]):
    from spotify_mds.settings import Settings

    return Settings(_env_file=None, **{key: value for key, value in env.items() if key.isupper()})


def _mds_env(plan: StackPlan) -> dict[str, str]:
    """The environment every spotify-mds service gets (the x-mds-env anchor), mapped."""
    for name in ("lander", "producer", "dashboard"):
        if name in plan.services:
            return plan.services[name].env
    return next(s.env for s in plan.services.values() if s.kind in {"process", "oneshot"})


def probe(plan: StackPlan, name: str, runtime: Mapping[str, str]) -> tuple[bool, str]:
    """(healthy, detail) of one service, with health.py's probes where one fits."""
    from spotify_mds.operations import health

    service = plan.services[name]
    env = _mds_env(plan)
    try:
        if service.kind == "kafka":
            return True, health.probe_kafka(f"{service.address[0]}:{service.address[1]}", env["KAFKA_TOPIC"], 3)
        if service.kind == "s3":
            url = f"http://{service.address[0]}:{service.address[1]}"
            return s3_ready(url), f"{runtime.get('s3_server', '?')} S3 at {url}"
        if service.kind == "bucket":
            return True, health.probe_lake(_settings(env), 3)
        if service.kind == "postgres":
            host, port = service.address
            reason = can_login(host, port, env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"])
            return reason is None, reason or f"login to {env['POSTGRES_DB']} ok"
        if service.kind == "oneshot":
            marker = Path(service.env.get("AIRFLOW_HOME", "/nonexistent")) / "shared" / ".initialised"
            return marker.exists(), "completed" if marker.exists() else "not run yet"
        layout = procs.Layout(plan.state)
        if procs.running_pid(layout, name) is None:
            return False, "not running"
        if name == "airflow-apiserver":  # up once it serves and its database answers (the scheduler comes later)
            _, body = health._get_json(env["AIRFLOW_API_URL"].rstrip("/") + "/api/v2/monitor/health", 3)
            database = ((body or {}).get("metadatabase") or {}).get("status") if isinstance(body, dict) else None
            return database == "healthy", f"api-server up, metadata database {database}"
        if name == "airflow-scheduler":
            return True, health.probe_airflow(env["AIRFLOW_API_URL"], 3)
        if name == "dashboard":
            return True, health.probe_dashboard(env["DASHBOARD_URL"], 3)
        if name in {"prometheus", "pushgateway"}:  # their compose healthcheck: GET /-/healthy
            host, port = service.address
            return health._get_json(f"http://{host}:{port}/-/healthy", 3)[0] == 200, f"answers on {host}:{port}"
        if name in {"producer", "lander"}:  # their compose healthcheck: `health --only kafka[,lake]`
            return True, "running; " + health.probe_kafka(env["KAFKA_BOOTSTRAP_SERVERS"], env["KAFKA_TOPIC"], 3)
        return True, "running"
    except health.Down as exc:
        return False, str(exc)
    except Exception as exc:  # a probe's surprise is a finding about the service
        return False, f"{type(exc).__name__}: {exc}"


def _wait_healthy(plan: StackPlan, name: str, runtime: Mapping[str, str], say: Say) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT.get(name, 90.0)
    while True:
        healthy, detail = probe(plan, name, runtime)
        if healthy:
            return
        layout = procs.Layout(plan.state)
        service = plan.services[name]
        if service.kind == "process" and procs.running_pid(layout, name) is None:
            raise StackUnavailable(name, f"exited while starting; last lines of {layout.log_file(name)}:\n"
                                   + procs.tail(layout.log_file(name), 15))
        if time.monotonic() > deadline:
            raise StackUnavailable(name, f"not healthy after {HEALTH_TIMEOUT.get(name, 90.0):.0f}s: {detail}",
                                   f"see `spotify-mds stack logs {name}`")
        time.sleep(1.0)


def up(project: Path, state: Path, environ: Mapping[str, str], services: Iterable[str] = (), *,
       say: Say = lambda line: None, wait: bool = True) -> StackPlan:
    """Start `services` (all that run here when empty) with their dependencies; the plan used.

    With `wait` (compose's `up --wait`), return once every service started is healthy."""
    runtime = load_runtime(state)
    runtime.setdefault("scheduler_health_port", str(free_port()))
    if "pushgateway_port" not in runtime:  # its usual port when free: the address people know
        runtime["pushgateway_port"] = str(PUSHGATEWAY_PORT if not port_open("127.0.0.1", PUSHGATEWAY_PORT) else free_port())
    plan = build_plan(project, state, environ, runtime=runtime)
    names = order(plan, list(services) or list(plan.services))
    _link(plan)
    layout = procs.Layout(plan.state)
    for name in names:
        service = plan.services[name]
        for dep, condition in service.depends_on.items():
            if condition == "service_healthy":
                _wait_healthy(plan, dep, runtime, say)
        if service.kind == "postgres":
            _postgres(plan, service, runtime, names, say, environ)
            plan = build_plan(project, state, environ, runtime=runtime)  # the Airflow database it chose
        elif service.kind == "kafka":
            from spotify_mds.operations import kafka_local

            data = plan.state / "volumes" / "kafka-data"
            info = kafka_local.start(data, port=service.address[1], controller_port=free_port())
            _log_link(layout, name, info.log_file)
            say(f"kafka: Apache Kafka (KRaft) pid {info.pid} on {info.bootstrap}")
        elif service.kind == "s3":
            _s3(plan, service, runtime, environ, say)
        elif service.kind == "bucket":
            env = _mds_env(plan)
            create_bucket(env["MINIO_ENDPOINT"], env["MINIO_ACCESS_KEY"], env["MINIO_SECRET_KEY"], env["MINIO_BUCKET"])
            say(f"minio-init: bucket {env['MINIO_BUCKET']} ready")
        elif service.kind == "oneshot":
            _oneshot(plan, service, runtime, say)
        else:
            _process(plan, service, say)
        _save_runtime(state, runtime)
    for name in names if wait else ():
        if plan.services[name].kind == "process":
            _wait_healthy(plan, name, runtime, say)
    return plan


def _log_link(layout: procs.Layout, name: str, target: Path) -> None:
    layout.log_dir.mkdir(parents=True, exist_ok=True)
    link = layout.log_file(name)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def _postgres(plan: StackPlan, service: LocalService, runtime: dict, names: list[str], say: Say,
              environ: Mapping[str, str]) -> None:
    host, port = service.address
    env = service.env
    if not port_open(host, port):
        runtime["pg_cluster"] = start_cluster()
        deadline = time.monotonic() + 30
        while not port_open(host, port):
            if time.monotonic() > deadline:
                raise StackUnavailable("postgres", f"cluster {runtime['pg_cluster']} started but {host}:{port} is closed",
                                       "is POSTGRES_PORT the cluster's port? (pg_lsclusters)")
            time.sleep(0.5)
        say(f"postgres: started cluster {runtime['pg_cluster']}")
    admin = (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"])
    login = can_login(host, port, admin[0], admin[1], "postgres")
    if login is not None and "does not exist" not in login:
        raise StackUnavailable("postgres", f"{host}:{port} refuses the login of {admin[0]}: {login}",
                               "set POSTGRES_USER / POSTGRES_PASSWORD in .env to a role of that server (the "
                               "stack uses the server it finds; `make stack-secrets` generated a new password)")
    problem = ensure_database(host, port, admin, env["POSTGRES_DB"])
    if problem:
        raise StackUnavailable("postgres", problem,
                               f"create it once: `sudo -u postgres createdb -O {admin[0]} {env['POSTGRES_DB']}`")
    say(f"postgres: {host}:{port}, warehouse database {env['POSTGRES_DB']}")
    if not any(name.startswith("airflow") for name in names) or runtime.get("airflow_db_url"):
        return
    home = Path(plan.services["airflow-init"].env["AIRFLOW_HOME"])
    wanted = environ.get("STACK_AIRFLOW_DB", "postgres")
    why = "STACK_AIRFLOW_DB=sqlite"
    if wanted != "sqlite":
        owner = (env["AIRFLOW_DB_USER"], env["AIRFLOW_DB_PASSWORD"])
        why = ensure_database(host, port, admin, env["AIRFLOW_DB_NAME"], owner)
        if why is None:
            runtime["airflow_db"] = f"postgres {host}:{port}/{env['AIRFLOW_DB_NAME']}"
            return
    if wanted != "sqlite":
        why += (f" — to use PostgreSQL: `sudo -u postgres createuser -P {env['AIRFLOW_DB_USER']}` and "
                f"`sudo -u postgres createdb -O {env['AIRFLOW_DB_USER']} {env['AIRFLOW_DB_NAME']}`")
    runtime["airflow_db_url"] = f"sqlite:///{home / 'airflow.db'}"
    runtime["airflow_db"] = f"SQLite in {home} ({why})"
    say(f"airflow: metadata database on SQLite: {why}")


def _s3(plan: StackPlan, service: LocalService, runtime: dict, environ: Mapping[str, str], say: Say) -> None:
    layout = procs.Layout(plan.state)
    url = f"http://{service.address[0]}:{service.address[1]}"
    if procs.running_pid(layout, service.name) is None:
        if port_open(*service.address):
            raise StackUnavailable("minio", f"{service.address[0]}:{service.address[1]} is taken by another program",
                                   "stop it or set MINIO_API_PORT")
        kind, argv = s3_command(environ, plan.state / "volumes" / "minio-data", service.listen[0], service.address[1])
        runtime["s3_server"] = kind
        procs.spawn(layout, service.name, argv, {**environ}, plan.state / "volumes" / "minio-data")
    deadline = time.monotonic() + 90
    while not s3_ready(url):
        if procs.running_pid(layout, service.name) is None:
            raise StackUnavailable("minio", "the S3 server exited:\n" + procs.tail(layout.log_file("minio"), 15))
        if time.monotonic() > deadline:
            raise StackUnavailable("minio", f"no S3 answer at {url} after 90 s", "see `spotify-mds stack logs minio`")
        time.sleep(0.5)
    say(f"minio: {runtime['s3_server']} S3 server at {url}")


def _oneshot(plan: StackPlan, service: LocalService, runtime: dict, say: Say) -> None:
    db = service.env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if runtime.get("initialised_for") == db and probe(plan, service.name, runtime)[0]:
        say(f"{service.name}: done before, not run again")
        return
    layout = procs.Layout(plan.state)
    started = time.monotonic()
    code = procs.run_once(layout, service.name, service.argv, service.env, service.cwd, ONESHOT_TIMEOUT)
    if code != 0:
        raise StackUnavailable(service.name, f"exited with {code}; last lines of its log:\n"
                               + procs.tail(layout.log_file(service.name), 15))
    runtime["initialised_for"] = db
    say(f"{service.name}: completed in {time.monotonic() - started:.0f}s")


def _process(plan: StackPlan, service: LocalService, say: Say) -> None:
    import shutil

    layout = procs.Layout(plan.state)
    pid = procs.running_pid(layout, service.name)
    if pid is not None:
        say(f"{service.name}: already running (pid {pid})")
        return
    if not shutil.which(service.argv[0]):
        fix = "pip install -e '.[airflow]' (in one command with the other extras)" if "airflow" in service.argv[0] else ""
        raise StackUnavailable(service.name, f"{service.argv[0]} not found", fix)
    if service.address and port_open(*service.address):
        raise StackUnavailable(service.name, f"{service.address[0]}:{service.address[1]} is taken by another program",
                               "stop it, or set its port variable in .env")
    for path, text in service.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    pid = procs.spawn(layout, service.name, service.argv, service.env, service.cwd)
    say(f"{service.name}: pid {pid}" + (f" on {service.address[0]}:{service.address[1]}" if service.address else ""))


def status(project: Path, state: Path, environ: Mapping[str, str]) -> list[Row]:
    """One row per compose service: running here, stopped, or not run (and why)."""
    from spotify_mds.operations import kafka_local

    runtime = load_runtime(state)
    plan = build_plan(project, state, environ, runtime=runtime)
    layout = procs.Layout(plan.state)
    rows = []
    for name, service in plan.services.items():
        where = f"{service.address[0]}:{service.address[1]}" if service.address else ""
        pid = None
        if service.kind == "kafka":
            pid = kafka_local.status(plan.state / "volumes" / "kafka-data")["pid"]
        elif service.kind in {"process", "s3"}:
            pid = procs.running_pid(layout, name)
        healthy, detail = probe(plan, name, runtime)
        if service.kind == "postgres":
            state_ = ("running" if runtime.get("pg_cluster") else "external") if healthy else "stopped"
            detail += f"; Airflow's database: {runtime['airflow_db']}" if runtime.get("airflow_db") else ""
        elif service.kind in {"bucket", "oneshot"}:
            state_ = "completed" if healthy else "not run"
        else:
            state_ = "running" if pid else "stopped"
        if service.kind == "s3":
            detail = f"{runtime.get('s3_server', 'no')} S3 server" + ("" if healthy else ", not answering")
            if runtime.get("s3_server") == "moto":
                detail += " (moto: in memory, the lake is lost when it stops; build weed for a real one)"
        rows.append(Row(name, state_, pid, where, ("ok: " if healthy else "down: ") + detail,
                        str(layout.log_file(name))))
    rows += [Row(name, "not run", None, "", reason, "") for name, reason in plan.not_run.items()]
    return rows


def down(project: Path, state: Path, environ: Mapping[str, str], *, timeout: float = 30.0,
         say: Say = lambda line: None) -> dict[str, str]:
    """Stop everything `up` started, dependents first; {service: outcome}."""
    from spotify_mds.operations import kafka_local

    runtime = load_runtime(state)
    plan = build_plan(project, state, environ, runtime=runtime)
    layout = procs.Layout(plan.state)
    outcomes: dict[str, str] = {}
    stopping = list(reversed(order(plan, plan.services)))
    # The producer first: the lander then consumes what was produced before it flushes and commits.
    stopping.sort(key=lambda name: name not in STOP_FIRST)
    for name in stopping:
        service = plan.services[name]
        if service.kind in {"process", "s3"}:
            outcomes[name] = procs.stop(layout, name, timeout=timeout)
        elif service.kind == "kafka":
            stopped = kafka_local.stop(plan.state / "volumes" / "kafka-data", timeout=timeout)
            outcomes[name] = "stopped" if stopped else "not running"
        elif service.kind == "postgres" and runtime.get("pg_cluster"):
            stop_cluster(runtime.pop("pg_cluster"))
            outcomes[name] = "stopped"
        else:
            continue
        say(f"{name}: {outcomes[name]}")
    runtime.pop("s3_server", None) if outcomes.get("minio", "not running") != "not running" else None
    _save_runtime(state, runtime)
    return outcomes
