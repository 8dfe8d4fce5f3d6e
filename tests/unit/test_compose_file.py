"""docker-compose.yml: valid, every service health-checked, every variable in .env.sample.

Published ports bind to 127.0.0.1 unless .env says otherwise, and no secret has a default: compose
refuses to start until docker/stack_secrets.py has written them into .env.

No Docker engine is needed. Validation uses Debian's docker-compose 1.29 (`docker-compose config`,
`apt-get install -y docker-compose`) and the compose-spec JSON schema that package ships
(Apache-2.0, read where it is installed, not vendored); without it those tests skip, or fail
when CI=true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
ENV_SAMPLE = REPO / ".env.sample"
SCHEMA_PATHS = [Path("/usr/lib/python3/dist-packages/compose/config/compose_spec.json")]
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)")  # ${VAR}, ${VAR:-x}; not $${VAR}
EXPECTED = {
    "kafka", "kafka-ui", "minio", "minio-init", "postgres", "airflow-init", "airflow-apiserver",
    "airflow-scheduler", "airflow-dag-processor", "producer", "lander", "metabase", "metabase-provision",
    "dashboard", "lag-exporter", "pushgateway", "prometheus", "grafana",
}  # fmt: skip
ONE_SHOTS = {"minio-init", "airflow-init", "metabase-provision"}
SECRETS_SCRIPT = REPO / "docker" / "stack_secrets.py"
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|_PASS$|PASSPHRASE|TOKEN")
LOOPBACK_PORT = re.compile(r"^\$\{[A-Z_]+_BIND_ADDRESS:-127\.0\.0\.1\}:\$\{[A-Z_]+_PORT:-\d+\}:\d+$")
WELL_KNOWN = {"admin", "airflow", "metabase", "metabase1", "minioadmin", "password", "postgres", "changeme"}


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _assigned(text: str, *, commented: bool = False) -> set[str]:
    pattern = r"^\s*(?:#\s*)?([A-Z][A-Z0-9_]*)=" if commented else r"^([A-Z][A-Z0-9_]*)="
    return set(re.findall(pattern, text, flags=re.MULTILINE))


def test_the_stack_has_every_component(compose):
    assert set(compose["services"]) == EXPECTED


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"] and check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_dependencies_exist_and_wait_for_health_or_completion(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            wanted = "service_completed_successfully" if dependency in ONE_SHOTS else "service_healthy"
            assert rule["condition"] == wanted, f"{name} → {dependency}"
    for name in ONE_SHOTS:
        assert services[name]["restart"] == "no"


def test_images_are_pinned(compose):
    for name, service in compose["services"].items():
        image = service.get("image", "")
        assert image and not image.endswith(":latest") and ":" in image, f"{name}: {image!r}"


def test_every_compose_variable_is_in_env_sample():
    used = set(VARIABLE.findall(COMPOSE.read_text()))
    missing = used - _assigned(ENV_SAMPLE.read_text())
    assert not missing, f"add to .env.sample: {sorted(missing)}"


def test_every_setting_is_in_env_sample():
    """Each setting's first environment name is listed (commented out where empty is not valid)."""
    from spotify_mds.settings import Settings

    names = {field.validation_alias.choices[0] for field in Settings.model_fields.values()}
    missing = names - _assigned(ENV_SAMPLE.read_text(), commented=True)
    assert not missing, f"add to .env.sample: {sorted(missing)}"


def test_env_sample_is_valid_settings(tmp_path):
    from spotify_mds.settings import Settings

    settings = Settings(_env_file=str(ENV_SAMPLE))
    assert settings.warehouse == "postgres" and settings.lake_root == "s3://spotify"
    assert "minioadmin" not in repr(settings)  # secrets stay masked


def test_credentials_come_from_env(compose):
    """No password is written into the compose file itself: each is a ${VAR:-default}."""
    text = COMPOSE.read_text()
    for line in text.splitlines():
        key = line.strip().split(":", 1)[0]
        if re.search(r"(PASSWORD|SECRET|_PASS|FERNET)", key) and not key.endswith("_FILE") and not key.startswith("#"):
            assert "${" in line or "$$" in line, line


def _compose_config(env_file: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("docker-compose")
    if binary is None:
        _missing("docker-compose is not installed (apt-get install -y docker-compose)")
    return subprocess.run(
        [binary, "--project-directory", str(REPO), "--env-file", str(env_file), "-f", str(COMPOSE), "config"],
        # Only the env file speaks: a variable in the caller's environment (CI exports POSTGRES_*)
        # would override it, as it does for a user.
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(env_file.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _env_as_a_user_makes_it(tmp_path: Path) -> Path:
    """`.env.sample` plus the generated secrets: `make stack-secrets` on a fresh clone."""
    env_file = tmp_path / ".env"
    done = subprocess.run(
        [sys.executable, str(SECRETS_SCRIPT), "--env-file", str(env_file), "--sample", str(ENV_SAMPLE)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return env_file


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> dict:
    done = _compose_config(_env_as_a_user_makes_it(tmp_path_factory.mktemp("stack")))
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr  # e.g. an unset variable
    return yaml.safe_load(done.stdout)


def test_docker_compose_config_accepts_the_file(resolved):
    assert set(resolved["services"]) == EXPECTED


def test_every_published_port_binds_to_the_loopback_by_default(compose, resolved):
    """Nothing is reachable from the network unless a *_BIND_ADDRESS in .env says so."""
    published = 0
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert isinstance(port, str) and LOOPBACK_PORT.match(port), f"{name}: {port!r}"
    for name, service in resolved["services"].items():
        for port in service.get("ports", []):
            text = port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port['published']}"
            assert text.startswith("127.0.0.1:"), f"{name} publishes {port!r}"
            published += 1
    assert published >= 8  # the UIs, the APIs, the broker and the databases are all still reachable locally


def test_the_env_sample_keeps_every_port_on_the_loopback():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_SAMPLE.read_text(), flags=re.MULTILINE))
    binds = {name: value for name, value in values.items() if name.endswith("_BIND_ADDRESS")}
    assert binds and set(binds.values()) == {"127.0.0.1"}, binds


def test_no_secret_has_a_default_in_the_compose_file():
    """A secret is `${VAR:?message}` (compose refuses to start without it), or `${VAR:-}` for the
    optional ones (Snowflake's, empty unless WAREHOUSE=snowflake): never a literal value."""
    text = COMPOSE.read_text()
    for match in re.finditer(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}", text):
        name, operator, default = match.groups()
        if SECRET_NAME.search(name):
            assert operator == ":?" or (operator == ":-" and default == ""), match.group(0)
    for line in text.splitlines():  # a secret-named key holds interpolation only
        key, _, value = line.strip().partition(": ")
        if SECRET_NAME.search(key) and value and not key.endswith("_FILE") and not key.startswith("#"):
            assert re.fullmatch(r'"?(\$\{[^}]*\})+"?', value), line


def test_the_stack_refuses_to_start_without_its_secrets(tmp_path):
    """`cp .env.sample .env` alone is not enough, and the message says what to run."""
    (tmp_path / ".env").write_text(ENV_SAMPLE.read_text())
    done = _compose_config(tmp_path / ".env")
    assert done.returncode != 0
    assert "make stack-secrets" in done.stderr and re.search(r"[A-Z_]+ is not set", done.stderr), done.stderr


def test_the_env_sample_holds_no_secret():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_SAMPLE.read_text(), flags=re.MULTILINE))
    for name, value in values.items():
        if SECRET_NAME.search(name):
            assert value == "", f"{name} has a value in .env.sample"


def test_resolved_secrets_are_generated_not_defaults(resolved):
    for name, service in resolved["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE") and not key.startswith("SNOWFLAKE_"):
                value = str(value or "")
                assert len(value) >= 16 and value.lower() not in WELL_KNOWN, f"{name}: {key}"


def test_compose_spec_schema_accepts_the_file(compose):
    import jsonschema

    schema_path = next((path for path in SCHEMA_PATHS if path.is_file()), None)
    if schema_path is None:
        _missing("the compose-spec JSON schema ships with Debian's docker-compose (apt-get install -y docker-compose)")
    schema = json.loads(schema_path.read_text())
    # The file names its draft as ".../2019-09/schema#", which jsonschema does not look up: say it.
    jsonschema.Draft201909Validator(schema).validate(compose)


def test_one_service_can_be_exposed_on_purpose_and_only_that_one(tmp_path):
    """docs/stack.md, "Exposing a service": one *_BIND_ADDRESS changes one service's ports."""
    env_file = _env_as_a_user_makes_it(tmp_path)
    text = env_file.read_text().replace("METABASE_BIND_ADDRESS=127.0.0.1", "METABASE_BIND_ADDRESS=0.0.0.0")
    env_file.write_text(text)
    done = _compose_config(env_file)
    assert done.returncode == 0, done.stderr
    for name, service in yaml.safe_load(done.stdout)["services"].items():
        for port in service.get("ports", []):
            wanted = "0.0.0.0:" if name == "metabase" else "127.0.0.1:"
            assert str(port).startswith(wanted), f"{name}: {port!r}"


def test_every_bind_address_is_documented():
    documented = (REPO / "docs" / "stack.md").read_text()
    names = set(re.findall(r"\$\{([A-Z_]+_BIND_ADDRESS)", COMPOSE.read_text()))
    assert len(names) == 9 and all(f"`{name}`" in documented for name in names)
