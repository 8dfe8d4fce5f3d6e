"""The stack's image builds, without a Docker engine: the same files, the same install, the same commands.

There is no Docker engine on the project's machines, so the image itself is never built here. What
breaks an image build is almost always the Python side, which this test reproduces exactly:
- the build context is the repository minus `.dockerignore`; only the paths the Dockerfile COPYs
  before its `pip install` are there (a wheel that force-includes a folder the Dockerfile forgot to
  copy fails here, as it would in `docker build`);
- the package is installed from that context, with the Dockerfile's own extras and extra
  requirements, into a fresh virtual environment, then `pip check`;
- every command a compose service using the image runs (its `command` and its healthcheck) answers
  `--help` from that environment, and every script a service mounts and runs exists and parses.

It needs PyPI (pip's cache makes a second run quick); it takes one to three minutes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "docker" / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"
IMAGE = "spotify-mds:local"
SYSTEM_PROGRAMS = {"curl", "test"}  # coreutils, and curl from the Dockerfile's apt-get


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = (line.strip() for line in text.splitlines())
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


def build_inputs() -> tuple[list[str], str, list[str]]:
    """What the image's install sees: the COPYed paths before it, its extras, its pip arguments."""
    copied: list[str] = []
    extras = ""
    for instruction, args in dockerfile_instructions():
        if instruction == "ARG" and args.startswith("EXTRAS="):
            extras = args.split("=", 1)[1]
        if instruction == "COPY" and not args.startswith("--from"):
            copied += shlex.split(args)[:-1]
        if instruction == "RUN" and "pip install" in args:
            install = args.split("pip install", 1)[1].split("&&")[0]
            requirements = [a for a in shlex.split(install) if not a.startswith("-")]
            return copied, extras, requirements
    raise AssertionError("the Dockerfile has no `RUN pip install`")


def ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as (negated, regex); Docker's rules: `**` any depth, `*` within a segment."""
    patterns = []
    for raw in (REPO / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = ""
        for token in re.split(r"(\*\*/?|\*|\?)", glob):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(token, re.escape(token))
        patterns.append((negated, re.compile(regex + "(?:/.*)?$")))  # a folder excludes what it holds
    return patterns


def ignored(relative: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    verdict = False
    for negated, pattern in patterns:  # the last matching line wins
        if pattern.match(relative):
            verdict = not negated
    return verdict


def make_context(copied: list[str], target: Path) -> None:
    """The slice of the build context the install sees: the COPYed paths minus .dockerignore."""
    patterns = ignore_patterns()
    for source in copied:
        for path in [REPO / source, *(REPO / source).rglob("*")]:
            relative = path.relative_to(REPO).as_posix()
            if path.is_file() and not ignored(relative, patterns):
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / relative)


def image_commands() -> list[list[str]]:
    """The commands each service built from the image runs: its `command` and its healthcheck."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    commands = []
    for service in services.values():
        if service.get("image") != IMAGE:
            continue
        for command in (service.get("command"), (service.get("healthcheck") or {}).get("test")):
            if isinstance(command, list) and command[:1] == ["CMD"]:
                command = command[1:]
            elif isinstance(command, list) and command[:1] == ["CMD-SHELL"]:  # its first program
                command = re.split(r"\s*(?:\|\|?|&&|;|>)\s*", command[1])[0]
            if command:
                commands.append(command if isinstance(command, list) else shlex.split(command))
    return commands


def mounted_script(service_command: list[str]) -> Path | None:
    """`/bin/sh /docker/x.sh` runs a script mounted from the repository: which file it is."""
    if service_command[:1] not in (["/bin/sh"], ["sh"]):
        return None
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    for service in services.values():
        for volume in service.get("volumes", []):
            source, _, rest = volume.partition(":")
            if rest.split(":")[0] == service_command[1]:
                return REPO / source
    raise AssertionError(f"{service_command[1]} is run but no service mounts it")


def test_the_dockerignore_reader_follows_dockers_rules():
    patterns = [(False, re.compile("(?:.*/)?__pycache__(?:/.*)?$")), (False, re.compile("data(?:/.*)?$"))]
    assert ignored("src/spotify_mds/__pycache__/x.pyc", patterns)
    assert ignored("data/lake/x", patterns) and not ignored("src/data.py", patterns)
    assert [r.pattern for _, r in ignore_patterns()]  # the real file parses


def test_every_image_command_runs_from_a_fresh_install_of_exactly_the_build_context(tmp_path):
    copied, extras, requirements = build_inputs()
    context = tmp_path / "context"
    make_context(copied, context)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    environment = {**os.environ, "PIP_NO_INPUT": "1"}
    environment.pop("PYTHONPATH", None)  # only the fresh install may answer
    targets = [f"{context}[{extras}]" if r.startswith(".[") else r for r in requirements]
    install = subprocess.run([*pip, "install", "--quiet", *targets], env=environment, capture_output=True, text=True)
    assert install.returncode == 0, f"pip install from the build context failed:\n{install.stderr[-3000:]}"
    check = subprocess.run([*pip, "check"], env=environment, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

    commands = image_commands()
    assert commands, "no compose service uses the image"
    for command in commands:
        script = mounted_script(command)
        if script is not None:
            assert script.is_file(), f"{command}: {script} is missing"
            subprocess.run(["sh", "-n", str(script)], check=True)
            continue
        if command[0] in SYSTEM_PROGRAMS:
            continue
        program = venv / "bin" / command[0]
        assert program.is_file(), f"{command[0]} is not installed in the image's environment"
        subcommand = []  # the leading words before the first option: `metabase provision`
        for word in command[1:]:
            if word.startswith("-") or "$" in word:
                break
            subcommand.append(word)
        answered = subprocess.run(
            [str(program), *subcommand, "--help"], env={**environment, "HOME": str(tmp_path)},
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )  # fmt: skip
        assert answered.returncode == 0, f"{command}: {answered.stderr[-2000:]}"
