#!/usr/bin/env python3
"""Write the docker stack's missing secrets into `.env`, once.

    python3 docker/stack_secrets.py            # or: make stack-secrets

docker-compose.yml refuses to start while one of these is empty (`${VAR:?...}`), so a stack never
runs on a default password. The rules:

- A secret that already has a value in `.env` is never changed: PostgreSQL and MinIO keep the
  password their volume was first started with, and Airflow's Fernet key and Metabase's encryption
  key must stay the same to read back what they encrypted.
- A secret that is missing or empty gets a fresh value from the `secrets` module (the OS's CSPRNG).
- No value is ever printed or logged: the output names the variables, never their values.
- Without `.env`, it starts from `.env.sample`. The file is replaced atomically (a crash leaves the
  old or the new file, never half of one) and is readable by its owner only (0600).

Standard library only, so it runs before anything is installed (Python >= 3.8).
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import secrets
import string
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
ALPHANUMERIC = string.ascii_letters + string.digits
PASSWORD_LENGTH = 32  # ~190 bits; letters and digits only, see _password
TOKEN_BYTES = 32
TEMPORARY_SUFFIX = ".stack-secrets.tmp"
ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")
# Values published in the seeds, in this project's earlier .env.sample or in the services' own
# documentation: a stack that still uses one is as open as one with no password.
WELL_KNOWN = {"admin", "airflow", "changeme", "metabase", "metabase1", "minioadmin", "password", "postgres"}


def _password() -> str:
    """Letters and digits: safe unquoted in .env, in a SQLAlchemy URL (Airflow's metadata DB) and in
    psql; one of each class so that Metabase's password-complexity rule accepts it too."""
    while True:
        candidate = "".join(secrets.choice(ALPHANUMERIC) for _ in range(PASSWORD_LENGTH))
        classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
        if all(any(char in chars for char in candidate) for chars in classes):
            return candidate


def _fernet_key() -> str:
    """What cryptography's Fernet.generate_key() returns: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _token() -> str:
    return secrets.token_hex(TOKEN_BYTES)


# Every secret docker-compose.yml requires, with how to make one. Keep in step with the compose file
# (tests/unit/test_stack_secrets.py checks that the two lists are the same).
SECRETS: Dict[str, Callable[[], str]] = {
    "POSTGRES_PASSWORD": _password,
    "AIRFLOW_DB_PASSWORD": _password,
    "METABASE_DB_PASSWORD": _password,
    "MINIO_ROOT_PASSWORD": _password,
    "KAFKA_UI_PASSWORD": _password,
    "AIRFLOW_ADMIN_PASSWORD": _password,
    "METABASE_ADMIN_PASSWORD": _password,
    "GRAFANA_ADMIN_PASSWORD": _password,
    "AIRFLOW__CORE__FERNET_KEY": _fernet_key,
    "AIRFLOW_JWT_SECRET": _token,
    "AIRFLOW_API_SECRET_KEY": _token,
    "METABASE_ENCRYPTION_SECRET_KEY": _token,
}


class SecretsError(Exception):
    """Something stops the secrets from being written; the message says what."""


def _value(raw: str) -> str:
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value


def current_values(lines: Sequence[str]) -> Dict[str, Tuple[int, str]]:
    """Name → (index of the line that assigns it, its value). The last assignment wins, as in
    docker-compose and python-dotenv; comments and blank lines assign nothing."""
    found: Dict[str, Tuple[int, str]] = {}
    for index, line in enumerate(lines):
        match = ASSIGNMENT.match(line)
        if match and not line.lstrip().startswith("#"):
            found[match.group(1)] = (index, _value(match.group(2)))
    return found


def fill(text: str) -> Tuple[str, List[str], List[str]]:
    """The text of a .env with every missing or empty secret filled in.

    Returns (new text, names set, names kept whose value is a well-known default). An empty
    assignment is filled where it stands; a missing one is appended at the end."""
    lines = text.splitlines()
    found = current_values(lines)
    added: List[str] = []
    weak: List[str] = []
    appended: List[str] = []
    for name, make in SECRETS.items():
        index, value = found.get(name, (-1, ""))
        if value:
            if value.lower() in WELL_KNOWN or value.lower().startswith("change-me"):
                weak.append(name)
            continue
        if index >= 0:
            lines[index] = f"{name}={make()}"
        else:
            appended.append(f"{name}={make()}")
        added.append(name)
    if appended:
        lines += ["", "# Written by docker/stack_secrets.py (never overwritten once set)."] + appended
    new_text = "\n".join(lines) + "\n" if lines else ""
    return new_text, added, weak


def _remove_leftovers(path: Path) -> None:
    """A run killed between writing and renaming leaves its temporary file (0600, but holding
    secrets): the next run removes it."""
    for leftover in path.parent.glob(f"{path.name}.*{TEMPORARY_SUFFIX}"):
        leftover.unlink()


def _write_private(path: Path, text: str) -> None:
    """Replace `path` atomically with a file only its owner can read (mkstemp creates it 0600)."""
    handle, temporary = tempfile.mkstemp(prefix=f"{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def write_secrets(env_file: Path, sample: Path) -> Tuple[List[str], List[str]]:
    """Fill `env_file` (created from `sample` when absent); returns (names set, weak names kept)."""
    try:
        _remove_leftovers(env_file)
    except OSError as error:
        raise SecretsError(f"cannot remove a leftover of an earlier run beside {env_file}: {error}") from None
    if env_file.exists() and not env_file.is_file():
        raise SecretsError(f"{env_file} is not a file")
    source = env_file if env_file.exists() else sample
    if not source.is_file():
        raise SecretsError(f"{env_file} does not exist and {sample} is not a file to start it from")
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SecretsError(f"cannot read {source}: {error}") from None
    new_text, added, weak = fill(text)
    if added or not env_file.exists():
        try:
            _write_private(env_file, new_text)
        except OSError as error:
            raise SecretsError(f"cannot write {env_file}: {error.strerror or error}") from None
    return added, weak


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--env-file", type=Path, default=REPO / ".env", help="default: the .env beside docker-compose.yml"
    )
    parser.add_argument("--sample", type=Path, default=REPO / ".env.sample", help="copied if .env is absent")
    args = parser.parse_args(argv)
    try:
        added, weak = write_secrets(args.env_file, args.sample)
    except SecretsError as error:
        print(f"SecretsError: {error}", file=sys.stderr)
        return 1
    if added:
        print(f"{args.env_file}: generated {', '.join(added)} (values are in the file, never shown)")
    else:
        print(f"{args.env_file}: every secret of the stack is already set; nothing changed")
    for name in weak:
        message = f"warning: {name} in {args.env_file} is a well-known default: change it (docs/stack.md)"
        print(message, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
