"""Optional parts: a missing extra is one line naming the `pip install` to run, never a traceback.

Three nets, so a future optional import cannot forget the promise:
- the source: every import of an optional module goes through `extras.require()` (or sits in a
  `try/except ImportError` that handles it, or in a module listed in GUARDED_MODULES);
- the package: with every optional module unimportable, each module imports or raises
  ComponentUnavailable naming the extra;
- the commands: each command that needs an extra, run without it, prints that one line.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import spotify_mds
from spotify_mds.errors import ComponentUnavailable
from spotify_mds.extras import GUARDED_MODULES, OPTIONAL_MODULES, PURPOSES, extra_of, require

PACKAGE = Path(spotify_mds.__file__).parent
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
# Distributions of an extra that the package never imports itself (so no module maps to them).
NOT_IMPORTED = {
    "boto3": "pinned beside s3fs (FACTS.md), used through s3fs",
    "pyyaml": "also a dependency of dbt-core, so always installed",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _guarded(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in GUARDED_MODULES)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    names = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    kind = handler.type
    if kind is None:
        return True
    kinds = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(k, ast.Name) and k.id in names for k in kinds)


class _OptionalImports(ast.NodeVisitor):
    """Optional imports not handled where they stand: (line, module)."""

    def __init__(self) -> None:
        self.handled = 0
        self.bare: list[tuple[int, str]] = []

    def visit_Try(self, node: ast.Try) -> None:
        handled = any(_catches_import_error(h) for h in node.handlers)
        self.handled += handled
        for statement in node.body:
            self.visit(statement)
        self.handled -= handled
        for statement in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(statement)

    visit_TryStar = visit_Try

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return  # never imported at run time
        self.generic_visit(node)

    def _check(self, module: str, node: ast.AST) -> None:
        if extra_of(module) is not None and not self.handled:
            self.bare.append((node.lineno, module))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self._check(node.module, node)
            for alias in node.names:
                self._check(f"{node.module}.{alias.name}", node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in {"import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
            self._check(str(node.args[0].value), node)
        self.generic_visit(node)


def test_every_optional_import_goes_through_require():
    bare = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if module == "spotify_mds.extras" or _guarded(module):
            continue
        finder = _OptionalImports()
        finder.visit(ast.parse(path.read_text(), filename=str(path)))
        bare += [f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}" for line, name in finder.bare]
    assert not bare, "import these through spotify_mds.extras.require():\n" + "\n".join(bare)


def test_the_walk_finds_a_bare_optional_import():
    finder = _OptionalImports()
    finder.visit(ast.parse("def f():\n    import confluent_kafka\n    from psycopg import sql\n"))
    assert finder.bare == [(2, "confluent_kafka"), (3, "psycopg"), (3, "psycopg.sql")]
    finder = _OptionalImports()
    finder.visit(ast.parse("try:\n    import confluent_kafka\nexcept ImportError:\n    pass\n"))
    assert finder.bare == []


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0))


def test_every_extra_of_pyproject_is_mapped_to_its_modules():
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    extras.pop("dev")
    assert set(OPTIONAL_MODULES.values()) == set(extras) == set(PURPOSES)
    owners = importlib.metadata.packages_distributions()
    provided: dict[str, set[str]] = {}
    for top, dists in owners.items():
        for dist in dists:
            provided.setdefault(_normalise(dist), set()).add(top)
    for extra, requirements in extras.items():
        for requirement in requirements:
            dist = _requirement_name(requirement)
            if dist in NOT_IMPORTED or dist not in provided:
                continue  # not installed here (the airflow extra in a lean venv)
            mapped = {name for name, owner in OPTIONAL_MODULES.items() if owner == extra}
            assert provided[dist] & {name.split(".")[0] for name in mapped}, f"{dist} ([{extra}]) provides no mapped module"


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "confluent_kafka", None)
    with pytest.raises(ComponentUnavailable) as caught:
        require("confluent_kafka")
    assert str(caught.value) == "Kafka (BROKER=kafka) needs confluent_kafka: pip install 'spotify-mds[kafka]'"
    assert extra_of("dbt.adapters.postgres.impl") == "postgres" and extra_of("dbt.adapters.duckdb") is None
    with pytest.raises(ValueError):
        require("json")


# --- a fresh interpreter with the optional modules made unimportable -----------------------------
_BLOCKED = r"""
import importlib.abc, sys
blocked = [name for name in sys.argv[1].split(",") if name]

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if any(name == b or name.startswith(b + ".") for b in blocked):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Blocked())
"""

_SWEEP = _BLOCKED + r"""
import json, pkgutil, traceback
import spotify_mds
from spotify_mds.errors import ComponentUnavailable
outcome = {}
for info in pkgutil.walk_packages(spotify_mds.__path__, "spotify_mds.", onerror=lambda name: None):
    try:
        __import__(info.name)
        outcome[info.name] = "ok"
    except ComponentUnavailable as exc:
        outcome[info.name] = f"ComponentUnavailable: {exc}"
    except BaseException as exc:
        outcome[info.name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(outcome))
"""

_CLI = _BLOCKED + r"""
from spotify_mds.cli import main
sys.argv = ["spotify-mds", *sys.argv[2:]]
main()
"""


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "PYTHONPATH", "LANG"}}
    return {**keep, "DATA_DIR": str(tmp_path / "data"), "COLUMNS": "250", **extra}


def _modules_of(extra: str) -> str:
    return ",".join(name for name, owner in OPTIONAL_MODULES.items() if owner == extra)


def test_without_any_extra_every_module_imports_or_names_its_extra(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _SWEEP, ",".join(OPTIONAL_MODULES)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=_clean_env(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert len(outcome) > 30
    wrong = {
        name: result
        for name, result in outcome.items()
        if result != "ok" and not _guarded(name) and not (result.startswith("ComponentUnavailable:") and "pip install 'spotify-mds[" in result)
    }
    assert not wrong


COMMANDS_NEEDING_AN_EXTRA = [
    ("kafka", {"BROKER": "kafka"}, ["produce", "--events", "10"]),
    ("kafka", {"BROKER": "kafka"}, ["land", "--stop-when-idle", "1"]),
    ("postgres", {"WAREHOUSE": "postgres"}, ["load"]),
    ("postgres", {"WAREHOUSE": "postgres"}, ["transform"]),
    ("postgres", {"WAREHOUSE": "postgres"}, ["quality"]),
    ("snowflake", {"WAREHOUSE": "snowflake", "SNOWFLAKE_ACCOUNT": "x"}, ["load"]),
    ("s3", {"LAKE_URL": "s3://bucket/prefix"}, ["land", "--from-file", "events.ndjson"]),
    ("metabase", {"MB_ADMIN_EMAIL": "a@b.c", "MB_ADMIN_PASSWORD": "x"}, ["metabase", "provision"]),
    ("dashboard", {}, ["dashboard"]),
    ("dashboard", {}, ["report"]),
    ("dashboard", {}, ["demo", "--events", "10"]),
    ("spotify", {}, ["extract", "spotify"]),
]


@pytest.mark.parametrize(("extra", "env", "args"), COMMANDS_NEEDING_AN_EXTRA, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_a_command_without_its_extra_says_what_to_install(tmp_path, extra, env, args):
    (tmp_path / "events.ndjson").write_text("{}\n")
    done = subprocess.run(
        [sys.executable, "-c", _CLI, _modules_of(extra), *args],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env=_clean_env(tmp_path, **env),
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(lines) == 1 and lines[0].startswith("ComponentUnavailable: "), done.stderr
    assert f"pip install 'spotify-mds[{extra}]'" in lines[0]
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()  # said before any work was done
