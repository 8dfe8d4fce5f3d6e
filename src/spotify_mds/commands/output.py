"""What `run` and `demo` print at the end: the summary table, or one JSON object for a script.

`--json` (the `Json` option) writes exactly one JSON object on standard output; progress bars,
tables and messages stay on standard error, so `spotify-mds run --json | jq` reads clean data.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

Json = Annotated[bool, typer.Option("--json", help="Print one JSON object on standard output (progress goes to stderr).")]


def print_summary(summary, command: str, as_json: bool) -> None:
    """The run's table on standard output, or (`--json`) one JSON object there and nothing else."""
    if as_json:
        from spotify_mds.console import print_json, summary_json

        print_json(summary_json(summary, command))
    else:
        Console().print(summary.table(f"spotify-mds {command}"))


def follow_figures(stats) -> dict[str, int]:
    """Continuous mode's totals for this session; `loaded` may include files an earlier session landed."""
    return {
        "cycles": stats.cycles,
        "released": stats.released,
        "landed": stats.landed,
        "quarantined": stats.quarantined,
        "loaded": stats.loaded,
        "loaded_landed_before": max(stats.loaded - stats.landed, 0),
        "failed_cycles": len(stats.errors),
    }


def follow_totals(stats) -> str:
    """One line that adds up after a restart: what an earlier session had landed is named as such."""
    f = follow_figures(stats)
    line = f"stopped: this session landed {f['landed']:,} events, quarantined {f['quarantined']:,}; loaded {f['loaded']:,} rows"
    if f["loaded_landed_before"]:
        line += f" ({f['loaded_landed_before']:,} of them landed before a restart)"
    return line
