"""docker-compose.yml read without Docker: the one definition of every service of the stack.

The process stack (`spotify-mds stack up`) runs what the compose file says, not a copy of it: each
service's command, environment (the `x-mds-env` / `x-airflow-env` anchors), ports, volumes and
`depends_on` come from here, after compose's own interpolation:

- `${VAR}`, `$VAR`, `${VAR:-default}` / `${VAR-default}`, `${VAR:?message}` / `${VAR?message}`,
  `${VAR:+alternative}` / `${VAR+alternative}` and `$$` for a literal `$`;
- values from the environment first, then the project's `.env` (compose's precedence).

A required variable that is missing stops the read with the compose file's own message (e.g.
"POSTGRES_PASSWORD is not set - run make stack-secrets"), as `docker-compose up` would.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from spotify_mds.errors import ConfigError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$", re.DOTALL)


class MissingVariable(ConfigError):
    """A `${VAR:?message}` whose variable is not set (or empty)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message or f"{name} is not set")
        self.name = name


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a compose `.env` (comments, blank lines, `export ` and quotes handled)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:  # an unquoted value ends where a comment starts
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """`text` with every compose variable reference replaced (see the module docstring)."""
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "$" or index + 1 == len(text):
            out.append(char)
            index += 1
        elif text[index + 1] == "$":
            out.append("$")
            index += 2
        elif text[index + 1] == "{":
            end, depth = index + 2, 1
            while end < len(text) and depth:  # the matching brace: defaults may nest ${A:-${B}}
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            if depth:
                raise ConfigError(f"unclosed variable reference in {text!r} in the compose file")
            out.append(_braced(text[index + 2:end - 1], env))
            index = end
        else:
            match = _NAME.match(text, index + 1)
            out.append(env.get(match.group(0), "") if match else "$")
            index = match.end() if match else index + 1
    return "".join(out)


def _braced(inner: str, env: Mapping[str, str]) -> str:
    braced = _BRACED.match(inner)
    if braced is None:
        raise ConfigError(f"invalid interpolation ${{{inner}}} in the compose file")
    name, operator, argument = braced.groups()
    value = env.get(name)
    if operator is None:
        return value or ""
    missing = not value if operator.startswith(":") else value is None
    kind = operator[-1]
    if kind == "?":
        if missing:
            raise MissingVariable(name, interpolate(argument or "", env))
        return value or ""
    if kind == "-":
        return interpolate(argument or "", env) if missing else value or ""
    return "" if missing else interpolate(argument or "", env)  # "+"


@dataclass(frozen=True)
class Port:
    bind: str
    host_port: int
    container_port: int


@dataclass(frozen=True)
class Mount:
    source: str
    """A named volume (`kafka-data`) or a path relative to the project (`./dags`)."""
    target: str
    read_only: bool = False

    @property
    def named(self) -> bool:
        return not (self.source.startswith((".", "/", "~")))


@dataclass(frozen=True)
class ComposeService:
    name: str
    image: str
    command: list[str] | None
    entrypoint: list[str] | None
    environment: dict[str, str]
    depends_on: dict[str, str]
    """Dependency name → condition (`service_started`, `service_healthy`, `service_completed_successfully`)."""
    ports: list[Port] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        """What the container runs: entrypoint + command (either may be empty)."""
        return [*(self.entrypoint or []), *(self.command or [])]


def _words(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(word) for word in value]


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _interpolated(node: object, env: Mapping[str, str]) -> object:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_interpolated(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _interpolated(value, env) for key, value in node.items()}
    return node


def _port(spec: object) -> Port:
    parts = str(spec).split(":")
    if len(parts) == 3:
        bind, host, container = parts
    elif len(parts) == 2:
        bind, (host, container) = "0.0.0.0", parts
    else:
        bind, host, container = "0.0.0.0", parts[0], parts[0]
    return Port(bind or "0.0.0.0", int(host), int(container.split("/")[0]))


def _mount(spec: object) -> Mount:
    parts = str(spec).split(":")
    return Mount(parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(","))


def _environment(value: object) -> dict[str, str]:
    if isinstance(value, list):  # ["KEY=value", ...]
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in map(str, value))
    return {str(key): _scalar(val) for key, val in (value or {}).items()}


def _depends(value: object) -> dict[str, str]:
    if isinstance(value, list):
        return {str(name): "service_started" for name in value}
    return {str(name): (spec or {}).get("condition", "service_started") for name, spec in (value or {}).items()}


def load_compose(path: Path, env: Mapping[str, str]) -> dict[str, ComposeService]:
    """Every service of the compose file at `path`, interpolated with `env`, in file order."""
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))  # merge keys (`<<: *anchor`) resolved
    except OSError as exc:
        raise ConfigError(f"cannot read the compose file {path}: {exc.strerror or exc}") from exc
    services = _interpolated(document.get("services") or {}, env)
    assert isinstance(services, dict)
    return {
        name: ComposeService(
            name=name,
            image=_scalar(spec.get("image")),
            command=_words(spec.get("command")),
            entrypoint=_words(spec.get("entrypoint")),
            environment=_environment(spec.get("environment")),
            depends_on=_depends(spec.get("depends_on")),
            ports=[_port(port) for port in spec.get("ports") or []],
            mounts=[_mount(volume) for volume in spec.get("volumes") or []],
        )
        for name, spec in services.items()
    }


def image_environment(dockerfile: Path) -> dict[str, str]:
    """The `ENV` of the project's image (its defaults, e.g. AIRFLOW_HOME), from its Dockerfile."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip().upper().startswith("ENV "):
            for word in shlex.split(line.strip()[4:]):
                if "=" in word:
                    key, value = word.split("=", 1)
                    values[key] = value
    return values


def compose_env(project: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """Interpolation values as compose sees them: the project's `.env`, overridden by the environment."""
    return {**read_env_file(project / ".env"), **environ}
