"""docker-compose.yml: valid, every service health-checked, every variable in .env.sample.

No Docker engine is needed. Validation uses Debian's docker-compose 1.29 (`docker-compose config`,
`apt-get install -y docker-compose`) and the compose-spec JSON schema that package ships
(Apache-2.0, read where it is installed, not vendored); without it those two tests skip, or fail
when CI=true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
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
    "dashboard",
}  # fmt: skip
ONE_SHOTS = {"minio-init", "airflow-init", "metabase-provision"}


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


def test_docker_compose_config_accepts_the_file(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        _missing("docker-compose is not installed (apt-get install -y docker-compose)")
    (tmp_path / ".env").write_text(ENV_SAMPLE.read_text())
    done = subprocess.run(
        [binary, "--project-directory", str(REPO), "--env-file", str(tmp_path / ".env"), "-f", str(COMPOSE), "config"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr  # e.g. an unset variable
    resolved = yaml.safe_load(done.stdout)
    assert set(resolved["services"]) == EXPECTED


def test_compose_spec_schema_accepts_the_file(compose):
    import jsonschema

    schema_path = next((path for path in SCHEMA_PATHS if path.is_file()), None)
    if schema_path is None:
        _missing("the compose-spec JSON schema ships with Debian's docker-compose (apt-get install -y docker-compose)")
    schema = json.loads(schema_path.read_text())
    # The file names its draft as ".../2019-09/schema#", which jsonschema does not look up: say it.
    jsonschema.Draft201909Validator(schema).validate(compose)
