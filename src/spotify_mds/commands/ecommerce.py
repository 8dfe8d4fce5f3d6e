"""The e-commerce commands (seed 003): `ecommerce generate` and `ecommerce run`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Optional

import typer
from rich.table import Table

from spotify_mds.commands import _stage_settings, app, console

ecommerce_app = typer.Typer(
    help="The e-commerce pipeline: daily CSV drops → raw Parquet → Spark → Great Expectations → star schema → gold.",
    no_args_is_help=True,
)
app.add_typer(ecommerce_app, name="ecommerce")

Start = Annotated[Optional[datetime], typer.Option("--start", formats=["%Y-%m-%d"], help="First day (default ECOMMERCE_START).")]
Days = Annotated[int, typer.Option("--days", min=1, help="How many days from --start.")]
Seed = Annotated[Optional[int], typer.Option("--seed", help="The shop's seed (default ECOMMERCE_SEED).")]
Faults = Annotated[bool, typer.Option("--faults/--no-faults", help="Inject a fault per day (duplicates, nulls, orphans, negative, malformed).")]
Orders = Annotated[Optional[float], typer.Option("--orders-per-day", min=1, help="Mean orders a day (default ECOMMERCE_ORDERS_PER_DAY).")]


def _start(settings, start: datetime | None) -> date:
    return start.date() if start else settings.ecommerce_start


@ecommerce_app.command("generate")
def generate(days: Days = 1, start: Start = None, seed: Seed = None, faults: Faults = False, orders_per_day: Orders = None) -> None:
    """Write the daily drops (users, products, orders, order items, payments as CSV) into include/<date>/."""
    from spotify_mds.console import counting
    from spotify_mds.pipelines.ecommerce import run

    settings = _stage_settings()
    first = _start(settings, start)
    with counting(console, "generating days", days) as advance:
        made = run.generate_days(settings, first, days, seed=seed, faults=faults, orders_per_day=orders_per_day, progress=advance)
    rows = ", ".join(f"{n:,} {table}" for table, n in made.rows.items())
    console.print(f"{len(made.days)} day(s) from {first} in {run.include_dir(settings)}: {rows}", highlight=False)


@ecommerce_app.command("run")
def run_command(days: Days = 1, start: Start = None, seed: Seed = None, faults: Faults = False, orders_per_day: Orders = None,
                generate: Annotated[bool, typer.Option("--generate/--no-generate", help="Generate the drops first (else use include/).")] = True) -> None:  # fmt: skip
    """Generate → ingest → Spark → validate → load → dbt → export, for --days days from --start."""
    from spotify_mds.console import progress_bar
    from spotify_mds.pipelines.ecommerce import run

    settings = _stage_settings()
    first = _start(settings, start)
    with progress_bar(console) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        summary = run.run(settings, start=first, days=days, seed=seed, faults=faults, orders_per_day=orders_per_day,
                          do_generate=generate, progress=progress)  # fmt: skip
    for table in summary_tables(summary):
        console.print(table)
    error = summary.error()
    if error is not None:
        raise error


def summary_tables(summary) -> list[Table]:
    """Per drop table: what came in, what the dedup dropped, the dates that passed and those refused;
    then what the warehouse and gold hold (two tables, so each fits a terminal)."""
    flow = Table(title=f"e-commerce run {summary.run_id}", header_style="bold")
    for column in ("table", "ingested", "processed", "duplicates dropped", "dates passed", "refused"):
        flow.add_column(column, justify="right" if column != "table" else "left")
    for name in sorted(set(summary.ingested) | set(summary.failures)):
        refused = ", ".join(reason.split(":", 1)[0] for reason in summary.failures.get(name, [])) or "-"
        flow.add_row(name, f"{summary.ingested.get(name, 0):,}", f"{summary.processed.get(name, 0):,}",
                     f"{summary.duplicates.get(name, 0):,}", f"{summary.passed.get(name, 0)}/{len(summary.days)}",
                     f"[red]{refused}[/]" if refused != "-" else refused)  # fmt: skip
    flow.caption = "  ".join(f"{stage} {seconds:.1f}s" for stage, seconds in summary.seconds.items())
    landed = Table(title="warehouse and gold", header_style="bold")
    landed.add_column("table")
    landed.add_column("rows", justify="right")
    for star, rows in summary.loaded.items():
        landed.add_row(f"{star} (loaded)", f"{rows:,}")
    for mart, rows in summary.marts.items():
        if mart.startswith("ecommerce_"):
            landed.add_row(f"gold.{mart}", f"{rows:,}")
    return [flow, landed]
