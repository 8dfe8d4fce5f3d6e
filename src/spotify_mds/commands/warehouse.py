"""The warehouse's commands: load, warehouse init, transform, quality, export.

Each calls one stage function (`spotify_mds.runner`), which returns a result; `spotify_mds.console`
prints it.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Optional

import typer
from rich.console import Console

from spotify_mds.commands import _settings, _stage_settings, app, console  # noqa: F401 - the shared edge
from spotify_mds.commands.output import Json


@app.command()
def load(
    reload_since: Annotated[Optional[datetime], typer.Option(help="Reload bronze files of event hours from this time (UTC)…")] = None,
    reload_until: Annotated[Optional[datetime], typer.Option(help="…until this time (exclusive).")] = None,
) -> None:
    """Bulk-load new or changed bronze files into the warehouse's raw table (WAREHOUSE=duckdb|postgres|snowflake)."""
    from spotify_mds import runner
    from spotify_mds.results import RunSummary

    settings = _stage_settings()
    if reload_since or reload_until:
        forgotten = runner.forget(settings, reload_since, reload_until)
        console.print(f"{forgotten} files will be reloaded")
    summary = RunSummary()
    runner.load_stage(settings, summary, console)
    console.print(f"loaded {summary.loaded:,} rows from {summary.files_loaded:,} files")
    summary.raise_if_incomplete()  # exit 1 naming what was set aside, after loading everything else


warehouse_app = typer.Typer(help="Set up the warehouse (WAREHOUSE=duckdb|postgres|snowflake).", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")


@warehouse_app.command("init")
def warehouse_init(
    snowflake_setup: Annotated[
        str,
        typer.Option(help="Snowflake only: 'print' the account setup (warehouse, database, role, grants), 'apply' it, or 'skip'."),
    ] = "print",
) -> None:
    """Create schemas RAW, SILVER, GOLD, the raw table and the ledger of loaded files."""
    from spotify_mds import runner

    settings = _stage_settings()
    warehouse = runner.warehouse_from(settings)
    statements = warehouse.setup_statements() if snowflake_setup != "skip" else []  # Snowflake's account setup
    if statements and snowflake_setup == "apply":
        warehouse.apply(statements)
        console.print(f"applied {len(statements)} setup statements")
    elif statements:
        sys.stdout.write("".join(f"{statement};\n" for statement in statements))
    runner.init_warehouse(settings)
    console.print(f"{warehouse.name}: schemas raw, silver, gold and the raw tables are ready")


@app.command()
def quality(
    as_of: Annotated[Optional[datetime], typer.Option(help="Judge freshness at this time (UTC; QUALITY_AS_OF; default now).")] = None,
    as_json: Json = False,
) -> None:
    """Check silver: freshness, volume against the previous day, raw ↔ silver reconciliation."""
    from spotify_mds import runner

    settings = _stage_settings()
    if as_of is not None and as_of.tzinfo is None:
        from datetime import timezone

        as_of = as_of.replace(tzinfo=timezone.utc)
    runner.require_loaded(settings)
    from spotify_mds.console import show_quality

    result = runner.quality(settings, as_of=as_of)
    failed = [check for check in result.checks if not check.ok]
    if as_json:
        from spotify_mds.console import checks_json, print_json

        print_json({"command": "quality", "ok": not failed, "as_of": result.as_of,
                    "clock_source": result.clock_source, "checks": checks_json(result.checks)})  # fmt: skip
    else:
        show_quality(Console(), result)
    if failed:
        reasons = "; ".join(f"{check.check}: {check.detail}" for check in failed)
        console.print(f"quality failed: {reasons}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


@app.command()
def transform() -> None:
    """Build silver and gold with dbt: the models and their data tests (dbt's unit tests run in `make test`)."""
    from spotify_mds import runner

    settings = _stage_settings()
    runner.require_loaded(settings)
    from spotify_mds.console import chunks, show_transform

    with chunks(console, "dbt build (models, tests)") as progress:
        result = runner.transform(settings, progress=progress)
    show_transform(console, result)


@app.command()
def export() -> None:
    """Write the gold marts to the lake as Parquet (gold/<mart>/<mart>.parquet)."""
    from spotify_mds import runner
    from spotify_mds.results import RunSummary

    settings = _stage_settings()
    runner.require_loaded(settings, gold=True)
    summary = RunSummary()
    with console.status("export gold → lake…"):
        summary.add(runner.export(settings))
    console.print(summary.table("spotify-mds export"))
