"""Everything the edges print: progress bars, the stage lines and the tables, on a rich Console.

The stage functions (`spotify_mds.runner`) return results and print nothing; the CLI and the
runner's `run_pipeline` hand those results to the functions below. Airflow tasks print nothing:
they return the results' figures to XCom.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@contextmanager
def counting(console: Console, description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar advanced by `advance(n)`; completed at what was counted when the block ends."""
    with progress_bar(console) as bar:
        task = bar.add_task(description, total=total)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            bar.update(task, advance=n)

        yield advance
        bar.update(task, total=max(done, 1), completed=max(done, 1))


@contextmanager
def chunks(console: Console, description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar for a load: `progress(done, total)` per chunk of files."""
    with progress_bar(console) as bar:
        task = bar.add_task(description, total=None)
        done = 0

        def progress(n: int, total: int) -> None:
            nonlocal done
            done += n
            bar.update(task, total=total, advance=n)

        yield progress
        bar.update(task, total=max(done, 1), completed=max(done, 1))


def show_load(console: Console, result: Any) -> None:
    """The files a load could not load, each with its error (the others loaded)."""
    for key, error in result.failures:  # out of the ledger: tried again next load
        console.print(f"not loaded (tried again next load): {key}: {error}", markup=False, style="red", soft_wrap=True)


def show_transform(console: Console, result: Any) -> None:
    if not result.pipelines:
        console.print("dbt build: skipped, no pipeline has data")
        return
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items()))
    console.print(f"dbt build ({', '.join(result.pipelines)}): {counts}")


def show_quality(console: Console, result: Any) -> None:
    if result.clock_source:
        console.print(f"freshness judged at {result.as_of:%Y-%m-%d %H:%M} UTC ({result.clock_source})", highlight=False)
    console.print(quality_table(result.checks))


def quality_table(results: list) -> Table:
    table = Table(title="data quality", show_header=True, header_style="bold")
    for column in ("check", "status", "observed", "expected", "detail"):
        table.add_column(column)
    colours = {"pass": "green", "skip": "yellow", "fail": "red", "error": "red"}
    for result in results:
        status = f"[{colours[result.status]}]{result.status.upper()}[/]"
        table.add_row(result.check, status, result.observed, result.expected, result.detail)
    return table


def summary_table(summary: Any, title: str = "spotify-mds run") -> Table:
    """A run's figures: only the stages that ran have figures (a stage that did not run shows no zeros)."""
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("value", justify="right")
    counts = []
    if "simulate+land" in summary.seconds:
        counts += [("events generated", summary.generated), ("events landed in bronze", summary.landed),
                   ("records quarantined", summary.quarantined)]  # fmt: skip
    if "load" in summary.seconds:
        counts += [("rows loaded into raw", summary.loaded), ("bronze files loaded", summary.files_loaded)]
    for label, value in counts:
        table.add_row(label, f"{value:,}")
    if summary.files_failed:
        table.add_row("bronze files NOT loaded (see above)", f"{summary.files_failed:,}")
    for result in summary.quality:
        table.add_row(f"quality: {result.check}", result.status.upper())
    for mart, rows in summary.marts.items():
        table.add_row(f"gold.{mart} rows", f"{rows:,}")
    for stage, seconds in summary.seconds.items():
        table.add_row(f"{stage} seconds", f"{seconds:.1f}")
    return table
