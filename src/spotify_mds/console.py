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
def chunks(console: Console, description: str, *, empty: str | None = None) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar over a known number of steps: `progress(n, total)` advances by n (files, dbt nodes).

    With `empty`, a stage that found nothing to do says so (`load bronze → raw: nothing new to load`)
    instead of drawing a full 1/1 bar.
    """
    with progress_bar(console) as bar:
        task = bar.add_task(description, total=None)
        done = 0

        def progress(n: int, total: int | None) -> None:  # total None: not known (yet)
            nonlocal done
            done += n
            bar.update(task, total=total, advance=n)

        yield progress
        if not done and empty:
            bar.remove_task(task)
        else:
            bar.update(task, total=max(done, 1), completed=max(done, 1))
    if not done and empty:
        console.print(f"{description}: {empty}", highlight=False)


def show_load(console: Console, result: Any) -> None:
    """The files a load could not load, each with its error (the others loaded)."""
    for key, error in result.failures:  # out of the ledger: tried again next load
        console.print(f"not loaded (tried again next load): {key}: {error}", markup=False, style="red", soft_wrap=True)


def show_transform(console: Console, result: Any) -> None:
    from spotify_mds.transform import describe

    if not result.pipelines:
        console.print("dbt: skipped, no pipeline has data")
        return
    console.print(f"dbt ({', '.join(result.pipelines)}): {describe(result.nodes)}", highlight=False)


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
    """What this run did, stage by stage: what was new, what was already there (and skipped).

    Only the stages that ran have a line (a stage that did not run shows no zeros).
    """
    from spotify_mds.transform import describe

    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("this run", justify="right")
    if "simulate+land" in summary.seconds:
        table.add_row("events generated", f"{summary.generated:,}")
        landed = f"{summary.landed:,}"
        if summary.files_unchanged and not summary.files_written:
            landed = f"none new: all {summary.landed:,} already there ({summary.files_unchanged:,} files unchanged)"
        elif summary.files_unchanged:
            landed += f" ({summary.files_written:,} files new, {summary.files_unchanged:,} already there)"
        table.add_row("events landed in bronze", landed)
        table.add_row("records quarantined", f"{summary.quarantined:,}")
    if "load" in summary.seconds:
        before = summary.files_seen - summary.files_loaded - summary.files_failed
        loaded = f"{summary.loaded:,} rows from {summary.files_loaded:,} files" if summary.files_loaded else "nothing new"
        table.add_row("loaded into raw", loaded + (f" ({before:,} files loaded before)" if before > 0 else ""))
    if summary.files_failed:
        table.add_row("bronze files NOT loaded (see above)", f"{summary.files_failed:,}")
    if "transform" in summary.seconds or summary.pipelines:
        table.add_row("dbt", describe(summary.dbt) if summary.pipelines else "skipped: no pipeline has data")
    for result in summary.quality:
        table.add_row(f"quality: {result.check}", result.status.upper())
    for mart, rows in summary.marts.items():
        table.add_row(f"gold.{mart} rows", f"{rows:,}")
    for stage, seconds in summary.seconds.items():
        table.add_row(f"{stage} seconds", f"{seconds:.1f}")
    return table


def summary_json(summary: Any, command: str) -> dict[str, Any]:
    """A run's figures for a script (`run --json`): the same facts as `summary_table`, as data."""
    out: dict[str, Any] = {"command": command, "ok": not summary.files_failed}  # ok ⇔ exit status 0
    if "simulate+land" in summary.seconds:
        out["land"] = {"generated": summary.generated, "landed": summary.landed, "quarantined": summary.quarantined,
                       "files_written": summary.files_written, "files_unchanged": summary.files_unchanged}  # fmt: skip
    if "load" in summary.seconds:
        out["load"] = {"rows_loaded": summary.loaded, "files_loaded": summary.files_loaded,
                       "files_seen": summary.files_seen, "files_failed": summary.failed_files}  # fmt: skip
    if "transform" in summary.seconds or summary.pipelines:
        out["transform"] = {"pipelines": summary.pipelines, "nodes": summary.dbt}
    if summary.quality:
        out["quality"] = {"passed": all(check.ok for check in summary.quality), "checks": checks_json(summary.quality)}
    out["marts"] = dict(summary.marts)
    out["seconds"] = {stage: round(seconds, 3) for stage, seconds in summary.seconds.items()}
    return out


def checks_json(checks: list) -> list[dict[str, Any]]:
    """Quality checks as data: check, status, observed, expected, detail."""
    return [
        {"check": c.check, "status": c.status, "observed": c.observed, "expected": c.expected, "detail": c.detail}
        for c in checks
    ]


def print_json(data: Any) -> None:
    """One JSON object on standard output, the only thing a `--json` command writes there."""
    import json
    import sys

    def plain(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    sys.stdout.write(json.dumps(data, default=plain) + "\n")
    sys.stdout.flush()
