"""History: what changed between a snapshot and the one before it.

`silver/breweries_changes/date=YYYY-MM-DD/changes.ndjson`, one line per brewery and kind of change:
- `opened`: in this snapshot, not in the previous one;
- `closed`: in the previous snapshot, gone from this one (a brewery the API now types `closed` is a
  `retyped` change to `closed`: it is still listed);
- `retyped`: its `brewery_type` changed (`previous_value` → `value`);
- `moved`: its country, state or city changed (`previous_value` → `value`, `country / state / city`).

Each line carries the brewery's country, state and type (after the change; before it for `closed`),
so "what changed per country and type since last week" needs no join. The previous snapshot is the
newest earlier date with silver rows; the first snapshot has none and records no change
(`baseline`). Re-running a date compares the same two snapshots and writes the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from spotify_mds.lake import Lake
from spotify_mds.pipelines.breweries.bronze import exists
from spotify_mds.pipelines.breweries import silver

PREFIX = "silver/breweries_changes"
KINDS = ("opened", "closed", "retyped", "moved")


def changes_key(snapshot_date: str) -> str:
    return f"{PREFIX}/date={snapshot_date}/changes.ndjson"


def _place(row: dict[str, Any]) -> str:
    return " / ".join(row.get(name) or "" for name in ("country", "state_province", "city"))


def diff(previous: list[dict[str, Any]], current: list[dict[str, Any]], snapshot_date: str, previous_date: str) -> list[dict[str, Any]]:
    """The changes from `previous` to `current` rows, sorted by (brewery_id, change)."""
    before = {row["brewery_id"]: row for row in previous}
    after = {row["brewery_id"]: row for row in current}
    changes = []

    def change(kind: str, row: dict[str, Any], old: Any = None, new: Any = None) -> None:
        changes.append({
            "snapshot_date": snapshot_date, "previous_date": previous_date, "brewery_id": row["brewery_id"],
            "name": row["name"], "change": kind, "country": row["country"], "state_province": row["state_province"],
            "brewery_type": row["brewery_type"], "previous_value": old, "value": new,
        })  # fmt: skip

    for brewery_id, row in after.items():
        old = before.get(brewery_id)
        if old is None:
            change("opened", row)
            continue
        if old["brewery_type"] != row["brewery_type"]:
            change("retyped", row, old["brewery_type"], row["brewery_type"])
        if _place(old) != _place(row):
            change("moved", row, _place(old), _place(row))
    for brewery_id, row in before.items():
        if brewery_id not in after:
            change("closed", row)
    return sorted(changes, key=lambda c: (c["brewery_id"], c["change"]))


def previous_date(lake: Lake, snapshot_date: str) -> str | None:
    dates = sorted(
        info.key.split("/")[2].removeprefix("date=")
        for info in lake.list("silver/breweries_snapshots/")
        if info.key.endswith("/breweries.ndjson")
    )
    earlier = [d for d in dates if d < snapshot_date]
    return earlier[-1] if earlier else None


@dataclass
class HistoryResult:
    previous_date: str | None
    counts: dict[str, int]
    """Changes per kind (every kind present, 0 when none)."""

    @property
    def baseline(self) -> bool:
        return self.previous_date is None


def record(lake: Lake, current: list[dict[str, Any]], snapshot_date: str) -> HistoryResult:
    """Compare with the previous snapshot and store the change record (module docstring)."""
    before = previous_date(lake, snapshot_date)
    key = changes_key(snapshot_date)
    if before is None:
        lake.delete(key)
        return HistoryResult(None, dict.fromkeys(KINDS, 0))
    changes = diff(silver.read_snapshot(lake, before) or [], current, snapshot_date, before)
    if changes:
        lake.put(key, silver.ndjson(changes))
    else:
        lake.delete(key)  # an empty NDJSON file is no file for the warehouse's loader
    counts = dict.fromkeys(KINDS, 0)
    for item in changes:
        counts[item["change"]] += 1
    return HistoryResult(before, counts)


def read(lake: Lake, snapshot_date: str) -> list[dict[str, Any]]:
    key = changes_key(snapshot_date)
    if not exists(lake, key):
        return []
    return [json.loads(line) for line in lake.get(key).splitlines() if line.strip()]


def read_all(lake: Lake) -> list[dict[str, Any]]:
    """Every change recorded, oldest snapshot first."""
    found = []
    for info in lake.list(f"{PREFIX}/"):
        if info.key.endswith("/changes.ndjson"):
            found.extend(json.loads(line) for line in lake.get(info.key).splitlines() if line.strip())
    return found


__all__ = ["KINDS", "PREFIX", "HistoryResult", "changes_key", "diff", "read", "read_all", "record"]
