"""One definition of each service: the process stack runs what docker-compose.yml says.

Every compose service is either run here with the compose command word for word (only the program
is this machine's), replaced by the same server run here (Kafka, S3, PostgreSQL, the bucket), or
listed with the reason it is not run. Host names and container paths are mapped, nothing restated.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from spotify_mds.operations.stack import NOT_RUN, REPLACED, build_plan, order
from spotify_mds.operations.stack.plan import PROGRAMS, localize_value, map_path, program
from tests.stack_support import REPO, stack_environ


@pytest.fixture(scope="module")
def env():
    return stack_environ(
        KAFKA_EXTERNAL_PORT="19092", MINIO_API_PORT="19000", AIRFLOW_PORT="18080", DASHBOARD_PORT="18050",
        POSTGRES_HOST="db.example", POSTGRES_PORT="6543", PRODUCE_RATE="7",
    )


@pytest.fixture(scope="module")
def plan(env, tmp_path_factory):
    return build_plan(REPO, tmp_path_factory.mktemp("stack"), env, runtime={"scheduler_health_port": "18974"})


def test_every_compose_service_is_run_replaced_or_listed_with_a_reason(plan):
    for name, service in plan.compose.items():
        groups = [name in plan.services and name not in REPLACED, name in REPLACED, name in NOT_RUN]
        assert sum(groups) == 1, f"{name} must be run, replaced or not run, exactly one"
        if name in NOT_RUN:
            assert len(NOT_RUN[name]) > 20 and name not in plan.services
        if name in REPLACED and name in plan.services:
            assert plan.services[name].kind in {"kafka", "s3", "bucket", "postgres", "process"}
        elif name in REPLACED:  # a replacing program this machine lacks: said, with the fix
            assert "apt-get install" in plan.not_run[name]
    assert set(REPLACED) | set(NOT_RUN) <= set(plan.compose), "a rule for a service the compose file lost"


def test_each_run_service_runs_the_compose_command_word_for_word(plan):
    run = {name: s for name, s in plan.services.items() if s.kind in {"process", "oneshot"} and name not in REPLACED}
    assert set(run) == {"airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                        "producer", "lander", "dashboard", "lag-exporter"}
    for name, service in run.items():
        compose_words = plan.compose[name].argv
        assert compose_words[0] in PROGRAMS
        prefix = program(compose_words[0])
        assert service.argv[: len(prefix)] == prefix
        tail = service.argv[len(prefix):]
        assert len(tail) == len(compose_words) - 1
        for local, original in zip(tail, compose_words[1:]):  # identical, or the same thing mapped
            assert local == original or original in {"0.0.0.0", "8050"} or original.startswith("/"), (name, original)
    assert plan.services["producer"].argv[-2:] == ["--rate", "7"]  # ${PRODUCE_RATE:-10}
    assert plan.services["dashboard"].argv[-4:] == ["--host", "127.0.0.1", "--port", "18050"]
    assert plan.services["airflow-scheduler"].argv[-1] == "scheduler"
    assert plan.services["airflow-init"].kind == "oneshot"


def test_host_names_become_local_endpoints(plan):
    lander = plan.services["lander"].env
    assert lander["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:19092"  # kafka:9092, an internal listener
    assert lander["MINIO_ENDPOINT"] == "http://127.0.0.1:19000"
    assert (lander["POSTGRES_HOST"], lander["POSTGRES_PORT"]) == ("db.example", "6543")  # the settings' server
    assert lander["AIRFLOW_API_URL"] == "http://127.0.0.1:18080"
    assert lander["DASHBOARD_URL"] == "http://127.0.0.1:18050"
    assert lander["METABASE_URL"] == ""  # not run here: health skips it
    scheduler = plan.services["airflow-scheduler"].env
    assert scheduler["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18080/execution/"
    assert "@db.example:6543/" in scheduler["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert scheduler["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"] == "18974"
    api = plan.services["airflow-apiserver"].env
    assert (api["AIRFLOW__API__HOST"], api["AIRFLOW__API__PORT"]) == ("127.0.0.1", "18080")
    dashboard = plan.services["dashboard"].env
    assert (dashboard["DASHBOARD_HOST"], dashboard["DASHBOARD_PORT"]) == ("127.0.0.1", "18050")
    assert plan.services["kafka"].address == ("127.0.0.1", 19092)
    assert plan.services["postgres"].address == ("db.example", 6543)


def test_container_paths_live_under_the_state_dir(plan):
    root = plan.state / "root"
    scheduler = plan.services["airflow-scheduler"].env
    assert scheduler["AIRFLOW_HOME"] == str(root / "opt/airflow")  # the image's ENV, mapped
    assert scheduler["DATA_DIR"] == str(root / "opt/spotify-mds/data")
    assert scheduler["AIRFLOW__CORE__DAGS_FOLDER"] == str(root / "opt/airflow/dags")
    assert plan.links[root / "opt/airflow/dags"] == REPO / "dags"  # ./dags:/opt/airflow/dags
    assert plan.links[root / "opt/airflow/shared"] == plan.state / "volumes" / "airflow-shared"
    assert plan.links[root / "opt/spotify-mds/data"] == plan.state / "volumes" / "mds-data"
    assert plan.services["airflow-init"].argv == ["/bin/sh", str(root / "docker/airflow-init.sh")]
    assert plan.links[root / "docker/airflow-init.sh"] == REPO / "docker" / "airflow" / "init.sh"
    assert all(str(Path(sys.executable).parent) == s.env["PATH"].split(":")[0]
               for name, s in plan.services.items() if s.kind == "process" and name not in REPLACED)


def test_the_caller_environment_is_inherited_under_the_compose_values(env, tmp_path):
    plan = build_plan(REPO, tmp_path, {**env, "SPOTIFY_MDS_FAIL_ONCE": "x:y", "KAFKA_BOOTSTRAP_SERVERS": "elsewhere:1"})
    lander = plan.services["lander"].env
    assert lander["SPOTIFY_MDS_FAIL_ONCE"] == "x:y"
    assert lander["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:19092"  # compose's value wins


def test_the_airflow_database_up_chose_is_used(env, tmp_path):
    plan = build_plan(REPO, tmp_path, env, runtime={"airflow_db_url": "sqlite:////x/airflow.db"})
    for name in ("airflow-init", "airflow-scheduler", "airflow-apiserver", "airflow-dag-processor"):
        assert plan.services[name].env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "sqlite:////x/airflow.db"
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in plan.services["lander"].env


def test_dependency_order_and_closure(plan):
    names = order(plan, ["lander"])
    assert names == ["kafka", "minio", "minio-init", "lander"]
    everything = order(plan, plan.services)
    for name, service in plan.services.items():
        assert all(everything.index(dep) < everything.index(name) for dep in service.depends_on)


def test_localize_value_and_paths():
    known = {"kafka:29092": ("127.0.0.1", 1), "minio:9000": ("127.0.0.1", 2)}
    services = {"kafka", "minio", "metabase"}
    roots = {"/opt": Path("/s/root/opt")}
    assert localize_value("kafka:9092", known, services, {"metabase"}, roots) == "127.0.0.1:1"
    assert localize_value("http://minio:9000/x", known, services, {"metabase"}, roots) == "http://127.0.0.1:2/x"
    assert localize_value("http://metabase:3000", known, services, {"metabase"}, roots) == ""
    assert localize_value("other:5", known, services, set(), roots) == "other:5"
    assert map_path("/opt/a", roots) == "/s/root/opt/a"
    assert map_path("/opt", roots) == "/s/root/opt"
    assert map_path("/optional", roots) == "/optional"
    assert map_path("/bin/sh", roots) == "/bin/sh"


def test_a_new_server_image_without_a_local_rule_is_listed_not_guessed(tmp_path):
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text("FROM python\nENV DATA_DIR=/opt/spotify-mds/data\n")
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  cache:\n    image: redis:7\n"
        "  producer:\n    image: spotify-mds:local\n    command: [spotify-mds, produce]\n"
        "    depends_on: [cache]\n"
    )
    plan = build_plan(tmp_path, tmp_path / "state", {})
    assert "redis:7" in plan.not_run["cache"]
    assert plan.services["producer"].argv[-1] == "produce"
    assert plan.services["producer"].depends_on == {}  # a dependency that does not run here is dropped


def test_prometheus_and_the_pushgateway_are_this_machines_with_the_targets_mapped(env, tmp_path):
    """Debian's programs stand in for the images; the compose file's Prometheus config is used with
    each target where that service listens here, and PUSHGATEWAY_URL names the local Pushgateway."""
    import shutil

    import yaml

    if not (shutil.which("prometheus") and shutil.which("prometheus-pushgateway")):
        pytest.skip("Debian's prometheus and prometheus-pushgateway are not installed (scripts/ci_provision.sh)")
    plan = build_plan(REPO, tmp_path, {**env, "PROMETHEUS_PORT": "19090"}, runtime={"pushgateway_port": "19091"})
    gateway, prometheus = plan.services["pushgateway"], plan.services["prometheus"]
    assert gateway.argv[1:] == ["--web.listen-address=127.0.0.1:19091"] and gateway.address == ("127.0.0.1", 19091)
    assert prometheus.depends_on == {"pushgateway": "service_healthy"}
    assert "--web.listen-address=127.0.0.1:19090" in prometheus.argv
    assert f"--storage.tsdb.path={tmp_path.resolve() / 'volumes' / 'prometheus-data'}" in prometheus.argv
    for name in ("lander", "airflow-scheduler", "airflow-apiserver"):
        assert plan.services[name].env["PUSHGATEWAY_URL"] == "http://127.0.0.1:19091", name
    [(path, text)] = prometheus.files.items()
    assert f"--config.file={path}" in prometheus.argv
    config = yaml.safe_load(text)
    original = yaml.safe_load((REPO / "monitoring" / "prometheus" / "prometheus.yml").read_text())
    assert config["rule_files"] == [str(REPO / "monitoring" / "prometheus" / "alerts.yml")]
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    assert set(targets) == {job["job_name"] for job in original["scrape_configs"]}  # nothing dropped or added
    assert targets["spotify-mds-lander"] == ["127.0.0.1:9108"]  # not published: the same port on this machine
    assert targets["spotify-mds-dashboard"] == ["127.0.0.1:18050"]  # published: DASHBOARD_PORT
    assert targets["pushgateway"] == ["127.0.0.1:19091"] and targets["prometheus"] == ["127.0.0.1:19090"]
