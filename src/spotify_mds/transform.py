"""Transforming: dbt builds silver and gold in the warehouse (models, tests, unit tests).

dbt runs in-process through its programmatic entry point (`dbtRunner`). Its profiles read every
connection value from environment variables (`dbt/profiles.yml`), which `dbt_env()` derives from
the settings, so dbt by hand (`cd dbt && dbt build --profiles-dir .`) sees the same warehouse.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from spotify_mds.errors import ComponentUnavailable, TransformError

logger = logging.getLogger(__name__)


def project_dir() -> Path:
    """The dbt project: shipped inside the wheel, or at the repository root in a checkout."""
    packaged = Path(__file__).parent / "dbt"
    if (packaged / "dbt_project.yml").is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "dbt"
    if (checkout / "dbt_project.yml").is_file():
        return checkout
    raise ComponentUnavailable("the dbt project was not found (expected dbt/dbt_project.yml)")


def models_in(folder: str) -> tuple[str, ...]:
    """The models of `models/<folder>` (its `.sql` files, sorted): a pipeline's marts, say."""
    return tuple(sorted(path.stem for path in (project_dir() / "models" / folder).rglob("*.sql")))


class Selectable(Protocol):
    """What the transform needs of a pipeline's declaration (`spotify_mds.pipelines.Pipeline`)."""

    name: str
    selector: str


def selection(pipelines: Iterable[Selectable]) -> str | None:
    """One `--select` for several pipelines: the union of their selectors (dbt orders the models).

    None when there is no pipeline: the caller builds nothing (a pipeline without data is not built),
    never `dbt build` without a selection, which would build every pipeline's models.
    """
    return " ".join(pipeline.selector for pipeline in pipelines) or None


@dataclass
class TransformResult:
    succeeded: bool
    counts: dict[str, int] = field(default_factory=dict)
    """Results by status: success, pass, error, fail, warn, skipped."""
    failures: list[str] = field(default_factory=list)
    unit_tests: int = 0
    """How many of the results were dbt unit tests."""
    nodes: dict[str, dict[str, int]] = field(default_factory=dict)
    """Results by resource type, then status: {"model": {"success": 32}, "test": {"pass": 99}}."""


_VERBS = {"success": "built", "pass": "passed", "fail": "failed", "error": "failed", "warn": "warned",
          "skipped": "skipped", "runtime error": "failed"}  # fmt: skip


def describe(nodes: Mapping[str, Mapping[str, int]]) -> str:
    """dbt's results in words: "32 models built, 99 tests passed, 1 test failed"."""
    parts = []
    for kind in sorted(nodes, key=lambda k: (k != "model", k)):
        label = kind.replace("_", " ")
        for status, n in sorted(nodes[kind].items(), key=lambda item: (item[0] not in ("success", "pass"), item[0])):
            verb = "built" if kind == "model" and status == "success" else _VERBS.get(status, status)
            parts.append(f"{n:,} {label}{'s' if n != 1 else ''} {verb}")
    return ", ".join(parts) or "nothing to build"


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def run_dbt(
    args: list[str],
    *,
    env: Mapping[str, str],
    target: str,
    state_dir: Path,
    select: str | None = None,
    quiet: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> TransformResult:
    """Run one dbt command (`build`, `run`, `test`, `docs generate`...) and summarise its results.

    `progress(done, total)` is called as each node finishes (dbt's events, through its callbacks).
    """
    from dbt.cli.main import dbtRunner  # heavy import, only when transforming

    project = project_dir()
    state_dir = state_dir.resolve()  # dbt would resolve a relative path against the project, not here
    state_dir.mkdir(parents=True, exist_ok=True)
    full = [
        *args,
        "--project-dir", str(project),
        "--profiles-dir", str(project),
        "--target", target,
        "--target-path", str(state_dir / "target"),
        "--log-path", str(state_dir / "logs"),
    ]  # fmt: skip
    if select:
        full += ["--select", select]
    if "DBT_SEND_ANONYMOUS_USAGE_STATS" not in os.environ and "DO_NOT_TRACK" not in os.environ:
        # dbt posts usage events to dbt Labs at the end of every invocation: 2-3 s of a 1M-event
        # build here (no route out), a request to a third party on every micro-batch elsewhere.
        # Either variable, set, is left to dbt to honour.
        full.append("--no-send-anonymous-usage-stats")
    if quiet:
        full = ["--quiet", "--no-use-colors", *full]
    with _environment(env):
        try:
            runner = dbtRunner(callbacks=[_on_node(progress)]) if progress else dbtRunner()
            result = runner.invoke(full)
        finally:
            _release_dbt_log_files()
            _release_duckdb()
    if result.exception is not None:
        raise TransformError(f"dbt {' '.join(args)} could not run: {result.exception}") from result.exception
    summary = TransformResult(succeeded=bool(result.success))
    for node in getattr(result.result, "results", None) or []:
        status = str(node.status)
        kind = str(getattr(node.node, "resource_type", "node"))
        summary.unit_tests += kind == "unit_test"
        summary.counts[status] = summary.counts.get(status, 0) + 1
        by_status = summary.nodes.setdefault(kind, {})
        by_status[status] = by_status.get(status, 0) + 1
        if status in {"error", "fail", "runtime error"}:
            summary.failures.append(f"{node.node.name}: {node.message}")
    return summary


def _on_node(progress: Callable[[int, int | None], None]) -> Callable[[object], None]:
    """A dbt event callback: the node count from the first `LogStartLine`, one step per `NodeFinished`."""
    total = [0]

    def callback(event) -> None:
        name = event.info.name
        if name == "LogStartLine" and not total[0]:
            total[0] = int(event.data.total)
            progress(0, total[0])
        elif name == "NodeFinished":  # `docs generate` compiles nodes without a start line: no total
            progress(1, total[0] or None)

    return callback


def _release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB file open (and locked) in a class attribute after `invoke`: close it.

    Otherwise a process that ran dbt holds the file until it exits (`demo` serving the dashboard,
    `docs` serving the site), and `spotify-mds load` elsewhere fails on DuckDB's lock.
    """
    import sys

    connections = sys.modules.get("dbt.adapters.duckdb.connections")
    manager = getattr(connections, "DuckDBConnectionManager", None)
    environment = getattr(manager, "_ENV", None)
    if manager is None or environment is None:
        return
    manager.close_all_connections()
    environment.close()


def _release_dbt_log_files() -> None:
    """dbt leaves its log file open after `invoke`; close it so repeated runs do not leak handles."""
    from dbt_common.events.event_manager_client import cleanup_event_logger, get_event_manager

    for dbt_logger in list(getattr(get_event_manager(), "loggers", [])):
        python_logger = getattr(dbt_logger, "_python_logger", None)
        for handler in list(getattr(python_logger, "handlers", [])):
            handler.close()
    cleanup_event_logger()


def build(
    *, env: Mapping[str, str], target: str, state_dir: Path, select: str | None = None, unit_tests: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> TransformResult:
    """`dbt build`: every model, then its data tests; raise TransformError naming what failed.

    dbt's unit tests check the models' SQL on fixed rows, not the data: as dbt advises, they run in
    development and CI (`make test`, or `unit_tests=True`), not in every pipeline build.
    """
    args = ["build"] if unit_tests else ["build", "--exclude-resource-type", "unit_test"]
    result = run_dbt(args, env=env, target=target, state_dir=state_dir, select=select, progress=progress)
    if not result.succeeded:
        raise TransformError(
            f"dbt build failed: {'; '.join(result.failures) or 'see the dbt log'}",
            nodes=tuple(f.split(":", 1)[0] for f in result.failures),
        )
    logger.info("dbt build: %s", result.counts)
    return result


def docs(
    *, env: Mapping[str, str], target: str, state_dir: Path, catalog: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """`dbt docs generate` for every pipeline's models (the whole project: lineage across pipelines).

    Returns the folder holding `index.html` (dbt's docs site, with `manifest.json` and
    `catalog.json`) and `static_index.html` (the same in one file, readable without a server).
    Without `catalog` (nothing in the warehouse yet) the column types are left empty.
    """
    args = ["docs", "generate", "--static", *([] if catalog else ["--empty-catalog"])]
    result = run_dbt(args, env=env, target=target, state_dir=state_dir, progress=progress)
    site = state_dir.resolve() / "target"
    if not result.succeeded or not (site / "index.html").is_file():
        raise TransformError("dbt docs generate failed: see the dbt log", nodes=())
    return site
