"""The simulated clock: when simulated data says "now", so freshness is judged in its world.

Simulated events are dated in the simulated world, not now. A simulated run notes, in DATA_DIR, where
its clock stopped and the newest event the warehouse then held; `quality` judges freshness there
later, as long as the warehouse's newest event is unchanged (newer data is live data, judged at now).
Entries are per warehouse (`Warehouse.identity`), so DuckDB and PostgreSQL runs do not mix.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

CLOCK_FILE = "simulated_clock.json"


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat() if moment is not None else None


def record(data_dir: Path, warehouse: str, until: datetime, newest: datetime | None) -> None:
    """Note the simulated clock of the data just loaded into `warehouse` and its newest event."""
    path = data_dir / CLOCK_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        state = {}
    state[warehouse] = {"simulated_until": _iso(until), "newest_event_at": _iso(newest)}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(path)


def recorded(data_dir: Path, warehouse: str, newest: datetime | None) -> datetime | None:
    """The simulated clock recorded for `warehouse`, or None (never recorded, or newer data arrived)."""
    try:
        entry = json.loads((data_dir / CLOCK_FILE).read_text())[warehouse]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if entry.get("newest_event_at") != _iso(newest):
        return None  # data arrived since the simulated run: it is judged as live data, at now
    return datetime.fromisoformat(entry["simulated_until"])


def judged_at(as_of: datetime | None, recorded_clock: datetime | None) -> tuple[datetime, str]:
    """The moment freshness is judged at when no --as-of is given, and where it comes from."""
    if as_of is not None:
        return (as_of if as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)), "QUALITY_AS_OF"
    if recorded_clock is not None:
        return recorded_clock, "the simulated clock of the last simulated run; --as-of T to judge at another time"
    return datetime.now(timezone.utc), "now; --as-of T to judge a past run"
