"""`spotify-mds stack up|status|logs|down`: the compose file's stack as local processes (no Docker).

Run from the project folder (the one holding docker-compose.yml and `.env`); the stack's logs, pid
files and data live under STACK_DIR (default `data/stack`). See docs/stack.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from spotify_mds.commands import app, console

stack_app = typer.Typer(help="The docker-compose stack as local processes: up, status, logs, down (docs/stack.md).",
                        no_args_is_help=True)
app.add_typer(stack_app, name="stack")

Project = Annotated[Path, typer.Option(help="Folder with docker-compose.yml and .env.")]


def _state(project: Path) -> Path:
    return Path(os.environ.get("STACK_DIR") or project / "data" / "stack")


def _say(line: str) -> None:
    console.print(line, highlight=False, markup=False)


@stack_app.command()
def up(
    services: Annotated[Optional[list[str]], typer.Argument(help="Services to start (with their dependencies); default all.")] = None,
    rate: Annotated[Optional[float], typer.Option(help="The producer's events per second (PRODUCE_RATE).")] = None,
    project: Project = Path("."),
) -> None:
    """Start the stack (or SERVICES and what they depend on), then print its status."""
    from spotify_mds.operations.stack import up as start

    environ = dict(os.environ)
    if rate is not None:
        environ["PRODUCE_RATE"] = f"{rate:g}"
    start(project, _state(project), environ, services or (), say=_say)
    status(project=project)


@stack_app.command()
def status(project: Project = Path(".")) -> None:
    """One row per compose service: where it runs here, its pid, its health, its log."""
    from rich.table import Table

    from spotify_mds.operations.stack import status as rows_of

    rows = rows_of(project, _state(project), dict(os.environ))
    table = Table(title="spotify-mds stack (local processes)", header_style="bold")
    for column in ("service", "state", "pid", "address", "health", "log"):
        table.add_column(column, overflow="fold")
    colours = {"running": "green", "completed": "green", "external": "cyan", "stopped": "red", "not run": "dim"}
    for row in rows:
        table.add_row(row.service, f"[{colours.get(row.state, 'white')}]{row.state}[/]", str(row.pid or ""),
                      row.where, row.health, row.log)
    console.print(table)


@stack_app.command()
def logs(
    service: Annotated[Optional[str], typer.Argument(help="One service; default every service's last lines.")] = None,
    lines: Annotated[int, typer.Option("--lines", "-n", help="Lines per service.")] = 40,
    project: Project = Path("."),
) -> None:
    """The last lines of a service's log (all services when none is named)."""
    from spotify_mds.operations.stack.procs import Layout, tail

    layout = Layout(_state(project).resolve())
    files = [layout.log_file(service)] if service else sorted(layout.log_dir.glob("*.log"))
    if service and not files[0].exists():
        from spotify_mds.errors import ConfigError

        raise ConfigError(f"no log for {service} in {layout.log_dir}")
    for path in files:
        if not service:
            console.rule(path.stem)
        typer.echo(tail(path, lines))


@stack_app.command()
def down(
    timeout: Annotated[float, typer.Option(help="Seconds each service gets after SIGTERM before SIGKILL.")] = 30.0,
    project: Project = Path("."),
) -> None:
    """Stop everything `stack up` started, dependents first (SIGTERM, wait, SIGKILL)."""
    from spotify_mds.operations.stack import down as stop

    stop(project, _state(project), dict(os.environ), timeout=timeout, say=_say)
