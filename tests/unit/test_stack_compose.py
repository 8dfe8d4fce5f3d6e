"""The compose file read as compose reads it: interpolation, `.env`, ports, volumes, dependencies."""

from __future__ import annotations

import pytest

from spotify_mds.operations.stack.compose import (
    MissingVariable, compose_env, image_environment, interpolate, load_compose, read_env_file,
)
from tests.stack_support import REPO, stack_environ


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A}", {"A": "1"}, "1"),
        ("$A/x", {"A": "1"}, "1/x"),
        ("${A:-d}", {}, "d"),
        ("${A:-d}", {"A": ""}, "d"),
        ("${A-d}", {"A": ""}, ""),
        ("${A-d}", {}, "d"),
        ("${A:+alt}", {"A": "1"}, "alt"),
        ("${A:+alt}", {"A": ""}, ""),
        ("${A+alt}", {"A": ""}, "alt"),
        ("$${A}", {"A": "1"}, "${A}"),
        ("${A:-${B:-nested}}", {}, "nested"),
        ("${A:?not set}", {"A": "x"}, "x"),
        ("host:${P:-29092}:29092", {"P": "1234"}, "host:1234:29092"),
    ],
)
def test_interpolation_follows_compose(text, env, expected):
    assert interpolate(text, env) == expected


def test_a_missing_required_variable_stops_with_the_files_message():
    with pytest.raises(MissingVariable, match="run make stack-secrets") as caught:
        interpolate("${PW:?PW is not set - run make stack-secrets}", {})
    assert caught.value.name == "PW"
    with pytest.raises(MissingVariable):
        interpolate("${PW?gone}", {})
    assert interpolate("${PW?gone}", {"PW": ""}) == ""  # without ':' an empty value is set


def test_env_file_values_and_environment_precedence(tmp_path):
    (tmp_path / ".env").write_text(
        "# comment\nA=from-file\nB='quoted # not a comment'\nexport C=3\nD=value # comment\n\nSCHED=0 * * * *\n"
    )
    assert read_env_file(tmp_path / ".env") == {
        "A": "from-file", "B": "quoted # not a comment", "C": "3", "D": "value", "SCHED": "0 * * * *",
    }
    assert compose_env(tmp_path, {"A": "from-shell"})["A"] == "from-shell"  # the shell wins, as in compose
    assert read_env_file(tmp_path / "missing") == {}


def test_the_real_compose_file_loads_with_anchors_merged():
    services = load_compose(REPO / "docker-compose.yml", stack_environ(AIRFLOW_PORT="18080"))
    scheduler = services["airflow-scheduler"]
    assert scheduler.command == ["airflow", "scheduler"]
    # x-airflow-env merges x-mds-env: both anchors' keys are there
    assert scheduler.environment["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert scheduler.environment["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert scheduler.depends_on["airflow-apiserver"] == "service_healthy"
    assert scheduler.depends_on["airflow-init"] == "service_completed_successfully"
    api = services["airflow-apiserver"]
    assert (api.ports[0].bind, api.ports[0].host_port, api.ports[0].container_port) == ("127.0.0.1", 18080, 8080)
    assert any(m.source == "./dags" and m.target == "/opt/airflow/dags" and m.read_only for m in api.mounts)
    assert services["minio"].command == ["server", "/data", "--console-address", ":9001"]
    assert services["producer"].environment["DASHBOARD_PORT"] == "8050"  # YAML ints become strings


def test_image_environment_comes_from_the_dockerfile():
    env = image_environment(REPO / "docker" / "Dockerfile")
    assert env["AIRFLOW_HOME"] == "/opt/airflow"
    assert env["DATA_DIR"] == "/opt/spotify-mds/data"
