"""docker/stack_secrets.py: fills the stack's missing secrets into .env once, never overwrites one,
never prints one. Run as a user runs it: `python3 docker/stack_secrets.py` in a subprocess."""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
import stat
import string
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "docker" / "stack_secrets.py"
ENV_SAMPLE = REPO / ".env.sample"
COMPOSE = REPO / "docker-compose.yml"


def _module():
    spec = importlib.util.spec_from_file_location("stack_secrets", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


stack_secrets = _module()


def _run(env_file: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--env-file", str(env_file), "--sample", str(ENV_SAMPLE), *extra],
        capture_output=True,
        text=True,
        timeout=30,
    )


def _values(path: Path) -> dict[str, str]:
    found = stack_secrets.current_values(path.read_text().splitlines())
    return {name: value for name, (_, value) in found.items()}


def _assert_not_shown(done: subprocess.CompletedProcess, *values: str) -> None:
    for value in values:
        assert value not in done.stdout and value not in done.stderr


def test_the_generator_knows_exactly_the_secrets_the_compose_file_requires():
    required = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?", COMPOSE.read_text()))
    assert required == set(stack_secrets.SECRETS)


def test_a_fresh_env_gets_every_secret_from_the_sample_and_none_is_printed(tmp_path):
    env_file = tmp_path / ".env"
    done = _run(env_file)
    assert done.returncode == 0, done.stderr
    values = _values(env_file)
    generated = [values[name] for name in stack_secrets.SECRETS]
    assert all(generated), "every secret has a value"
    assert len(set(generated)) == len(generated), "no two secrets share a value"
    _assert_not_shown(done, *generated)
    assert "POSTGRES_PASSWORD" in done.stdout  # the names are said, the values are not
    # Everything else is the sample, line for line.
    sample = ENV_SAMPLE.read_text().splitlines()
    written = env_file.read_text().splitlines()
    assert len(written) == len(sample)
    for before, after in zip(sample, written):
        if not any(before.startswith(f"{name}=") for name in stack_secrets.SECRETS):
            assert after == before
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_values_are_what_each_service_accepts():
    fernet = stack_secrets.SECRETS["AIRFLOW__CORE__FERNET_KEY"]()
    assert len(base64.urlsafe_b64decode(fernet.encode())) == 32
    from cryptography.fernet import Fernet  # Airflow's own check of the key

    assert Fernet(fernet.encode()).decrypt(Fernet(fernet.encode()).encrypt(b"x")) == b"x"
    password = stack_secrets.SECRETS["POSTGRES_PASSWORD"]()
    assert len(password) >= 24 and set(password) <= set(string.ascii_letters + string.digits)
    for kind in (str.isdigit, str.islower, str.isupper):
        assert any(kind(char) for char in password)
    assert len(stack_secrets.SECRETS["METABASE_ENCRYPTION_SECRET_KEY"]()) >= 16  # Metabase's minimum


def test_a_second_run_changes_nothing(tmp_path):
    env_file = tmp_path / ".env"
    assert _run(env_file).returncode == 0
    before = env_file.read_bytes()
    done = _run(env_file)
    assert done.returncode == 0 and env_file.read_bytes() == before
    assert "nothing changed" in done.stdout


def test_a_set_secret_is_never_overwritten_and_an_empty_one_is_filled_in_place(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# mine\nPOSTGRES_PASSWORD=my-own-s3cret\nMINIO_ROOT_PASSWORD=\nKAFKA_TOPIC=t\n")
    done = _run(env_file)
    assert done.returncode == 0, done.stderr
    lines = env_file.read_text().splitlines()
    assert lines[:2] == ["# mine", "POSTGRES_PASSWORD=my-own-s3cret"]
    assert lines[2].startswith("MINIO_ROOT_PASSWORD=") and len(lines[2]) > len("MINIO_ROOT_PASSWORD=") + 20
    assert lines[3] == "KAFKA_TOPIC=t"
    values = _values(env_file)
    assert set(stack_secrets.SECRETS) <= {name for name, value in values.items() if value}  # others appended
    assert "POSTGRES_PASSWORD" not in done.stdout
    _assert_not_shown(done, "my-own-s3cret", *(values[name] for name in stack_secrets.SECRETS))


def test_a_well_known_default_is_kept_but_named(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("MINIO_ROOT_PASSWORD=minioadmin\nAIRFLOW_JWT_SECRET=change-me-jwt\n")
    done = _run(env_file)
    assert done.returncode == 0
    assert _values(env_file)["MINIO_ROOT_PASSWORD"] == "minioadmin"  # the volume may already use it
    assert "warning: MINIO_ROOT_PASSWORD" in done.stderr and "warning: AIRFLOW_JWT_SECRET" in done.stderr
    _assert_not_shown(done, "minioadmin", "change-me-jwt")


def test_two_stacks_get_different_secrets(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _run(tmp_path / "a" / ".env").returncode == 0 and _run(tmp_path / "b" / ".env").returncode == 0
    first, second = _values(tmp_path / "a" / ".env"), _values(tmp_path / "b" / ".env")
    assert all(first[name] != second[name] for name in stack_secrets.SECRETS)


@pytest.mark.parametrize("make_target", ["folder", "no_sample"])
def test_a_problem_is_one_line_and_a_non_zero_exit(tmp_path, make_target):
    if make_target == "folder":
        target = tmp_path / ".env"
        target.mkdir()
        done = _run(target)
    else:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--env-file", str(tmp_path / ".env"), "--sample", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1
    assert done.stderr.startswith("SecretsError: ") and done.stderr.count("\n") == 1, done.stderr


def test_make_stack_secrets_runs_the_generator():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    command = ["make", "-n", "stack-secrets"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "docker/stack_secrets.py" in done.stdout, done.stderr


@pytest.mark.parametrize("env_exists", [False, True])
def test_a_killed_run_leaves_nothing_behind_after_the_next_one(tmp_path, env_exists):
    if env_exists:
        assert _run(tmp_path / ".env").returncode == 0
    leftover = tmp_path / ".env.k1ll3d.stack-secrets.tmp"  # what a run killed before its rename leaves
    leftover.write_text("POSTGRES_PASSWORD=half-written\n")
    assert _run(tmp_path / ".env").returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == [".env"]
