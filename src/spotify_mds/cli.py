"""The `spotify-mds` command: the root, `health`, `run` for every stage, `demo`, and `main`.

The commands live by room in `spotify_mds.commands` (streams: simulate, produce, land; the
warehouse's stages; presentation; extracts; stack; runs), each registering itself on the same `app`.

A thin edge: it reads settings, calls the stage functions and prints. Any error the package raises
on purpose is printed as one line, `ErrorType: message`, with exit status 1.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated, Optional

import typer
from rich.console import Console

from spotify_mds.commands import _settings, _stage_settings, app, console
from spotify_mds.commands.output import Json, follow_figures, follow_totals, print_summary
from spotify_mds.commands.streams import Days, Events, Seed, Users  # registers simulate, produce, land: first in --help
from spotify_mds.errors import SpotifyMdsError


def configure_logging(verbose: bool) -> None:
    """Text or JSON lines (LOG_FORMAT), to stderr and LOG_FILE, with the run id; secrets masked."""
    from spotify_mds.logs import configure_logging as configure
    from spotify_mds.logs import secrets_of

    try:
        settings = _settings()
    except Exception:  # noqa: BLE001 - the command itself reports bad settings, in one line
        settings = None
    configure(
        logging.DEBUG if verbose else logging.WARNING,
        fmt=settings.log_format if settings else "text",
        file=settings.log_file if settings else None,
        secrets=secrets_of(settings) if settings else (),
    )


def _show_version(value: bool) -> None:
    if value:
        from spotify_mds import __version__

        print(f"spotify-mds {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    configure_logging(verbose)



# The warehouse's stages, then presentation, register themselves on `app` here (--help's order).
from spotify_mds.commands import warehouse  # noqa: E402, F401, I001
from spotify_mds.commands import present  # noqa: E402, F401, I001
from spotify_mds.commands import docs  # noqa: E402, F401, I001

@app.command()
def health(
    only: Annotated[Optional[str], typer.Option(help="Check only these components (comma-separated); all of them are required.")] = None,
    require: Annotated[Optional[str], typer.Option(help="Also require these (e.g. airflow,metabase).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per probe.")] = 3.0,
    as_json: Json = False,
) -> None:
    """Report each component's status (Kafka, lake, warehouse, Airflow, Metabase, dashboard); exit 1 if a required one is down."""
    import os

    from dotenv import dotenv_values

    from spotify_mds.operations.health import check_all, exit_status, report, summary_line, urls_from

    def names(value: str | None) -> list[str]:
        return [name.strip() for name in (value or "").split(",") if name.strip()]

    environ = {**{k: v for k, v in dotenv_values(".env").items() if v is not None}, **os.environ}
    checks = check_all(
        _settings(), urls_from(environ), only=names(only) if only else None, require=names(require), timeout=timeout
    )
    if as_json:
        from dataclasses import asdict

        from spotify_mds.console import print_json

        components = [{**asdict(check), "failed": check.failed} for check in checks]
        print_json({"command": "health", "ok": exit_status(checks) == 0, "components": components})
    else:
        Console().print(report(checks))
    console.print(summary_line(checks))
    raise typer.Exit(exit_status(checks))


@app.command()
def run(
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
    follow: Annotated[bool, typer.Option("--follow", help="Keep going: real-time events, micro-batches until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option(help="With --follow: seconds between micro-batches.")] = 30.0,
    backlog_minutes: Annotated[float, typer.Option(help="With --follow: start this many minutes in the past.")] = 0.0,
    as_json: Json = False,
) -> None:
    """Run every stage once on the configured components (or continuously with --follow).

    With BROKER=kafka the producer and the lander run as services: `run` is then the batch over what
    has landed (load → transform → quality → export).
    """
    from spotify_mds import runner

    settings = _stage_settings(sim_seed=seed, user_count=users)
    if settings.broker == "kafka" and not follow and any(v is not None for v in (seed, users, days, events)):
        from spotify_mds.errors import ConfigError

        raise ConfigError(
            "BROKER=kafka: `run` loads what has landed; --seed/--users/--days/--events belong to `spotify-mds produce`"
        )
    if follow:
        from spotify_mds.follow import follow_pipeline

        stats = follow_pipeline(settings, console, interval=interval, backlog_minutes=backlog_minutes)
        console.print(follow_totals(stats), highlight=False)
        if as_json:
            from spotify_mds.console import print_json

            print_json({"command": "run", "follow": True, "ok": True, **follow_figures(stats)})
        return
    summary = runner.run_pipeline(settings, console, days=days, max_events=events)
    print_summary(summary, "run", as_json)
    summary.raise_if_incomplete()  # every stage ran; a scheduler still sees the files set aside


@app.command()
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the dashboard afterwards.")] = True,
    seed: Seed = None,
    users: Users = None,
    days: Days = None,
    events: Events = None,
) -> None:
    """The whole pipeline on embedded components (no broker, a local lake, DuckDB), then the dashboard."""
    from spotify_mds.runner import run_pipeline

    # Embedded whatever `.env` says (it may point at the docker stack): no broker, a lake folder, DuckDB.
    base = _settings()
    settings = base.model_copy(
        update={"broker": "embedded", "warehouse": "duckdb", "lake_url": str(base.data_dir / "lake")}
    )
    from spotify_mds.commands.present import bind
    from spotify_mds.commands.present import serve as serve_dashboard

    sock = bind(settings) if serve else None  # a port in use is said now, not after the pipeline
    summary = run_pipeline(settings, console, seed=seed, users=users, days=days, max_events=events)
    print_summary(summary, "demo", as_json=False)
    if sock is not None:
        serve_dashboard(settings, sock)


def _one_line(exc: Exception) -> str:
    """`ErrorType: message` on one line; settings errors name the variable at fault."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']).upper() or 'settings'}: {error['msg']}" for error in exc.errors()
        )
        return f"ConfigError: {problems}"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


# The extract commands register themselves on `app` here, last in --help; then watching the runs.
from spotify_mds.commands import extract  # noqa: E402, F401
from spotify_mds.commands import breweries  # noqa: E402, F401, I001
from spotify_mds.commands import runs as _runs  # noqa: E402, F401
from spotify_mds.commands import stack  # noqa: E402, F401
from spotify_mds.commands import ecommerce  # noqa: E402, F401


def _refusals() -> tuple[type[BaseException], ...]:
    """What the environment raises when it refuses: evaluated only when an error reaches main()."""
    import duckdb

    return (OSError, duckdb.IOException)


def main() -> None:
    from pydantic import ValidationError

    try:
        app(prog_name="spotify-mds")  # also under `python -m`: usage lines and shell completion name the command
    except (SpotifyMdsError, ValidationError) as exc:
        console.print(_one_line(exc), style="red", highlight=False, soft_wrap=True, markup=False)
        sys.exit(1)
    except _refusals() as exc:
        # The environment refused (a file, a folder, a permission, a socket, the DuckDB file's lock)
        # somewhere the stages do not name the setting themselves: still one line, with the
        # traceback in the debug log (-v).
        logging.getLogger(__name__).debug("%s", exc, exc_info=True)
        console.print(_one_line(exc), style="red", highlight=False, soft_wrap=True, markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
