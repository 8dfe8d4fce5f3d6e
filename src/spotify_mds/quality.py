"""Data quality after the transform: is silver fresh, is its volume plausible, does it reconcile?

Three checks, each isolated (one that fails or cannot run never stops the others), each returning
a `CheckResult` (data, not prints) that the runner and `spotify-mds quality` show as a table:

- freshness: the newest event in silver is at most `max_age` older than `as_of`. `as_of` is given,
  never read from the clock here (the runner passes now, `QUALITY_AS_OF`, or the simulator's clock);
- volume: events of the newest complete day against the day before, within ±`tolerance` (the day of
  the newest event is still filling, and the day of the oldest may have started mid-day — a pipeline
  started at 14:00 —, so both are left out);
- reconciliation: distinct event_ids in raw = rows in silver = distinct event_ids in silver
  (nothing lost, nothing doubled between the raw load and silver).

The warehouse is reached through one function, `query(sql) -> rows`, so the same checks run on
DuckDB, PostgreSQL and Snowflake (the SQL is plain and portable) and in unit tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

logger = logging.getLogger(__name__)

Query = Callable[[str], Sequence[tuple]]
Status = Literal["pass", "fail", "skip", "error"]

SILVER_EVENTS = "silver.stg_streams__listening_events"
RAW_EVENTS = "raw.listening_events"


@dataclass(frozen=True)
class CheckResult:
    check: str
    status: Status
    observed: str
    expected: str
    detail: str = ""
    value: float | None = None
    """The measure judged, when it is a number (freshness: the newest event's age in seconds)."""

    @property
    def ok(self) -> bool:
        """Passed or had nothing to judge; `fail` and `error` are not ok."""
        return self.status in ("pass", "skip")


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def check_freshness(query: Query, *, as_of: datetime, max_age: timedelta) -> CheckResult:
    (newest,) = query(f"SELECT max(event_at) FROM {SILVER_EVENTS}")[0]
    expected = f"newest event ≥ {_naive_utc(as_of) - max_age:%Y-%m-%d %H:%M} UTC"
    if newest is None:
        return CheckResult("freshness", "fail", "no events in silver", expected, "silver is empty")
    age = _naive_utc(as_of) - _naive_utc(newest)
    observed = f"newest event {newest:%Y-%m-%d %H:%M} UTC ({age.total_seconds() / 3600:.1f} h old)"
    if age > max_age:
        return CheckResult(
            "freshness", "fail", observed, expected,
            f"silver is {(age - max_age).total_seconds() / 3600:.1f} h older than allowed at {as_of:%Y-%m-%d %H:%M}"
            " (a past run? judge it at its end: --as-of T or QUALITY_AS_OF)", age.total_seconds(),
        )  # fmt: skip
    return CheckResult("freshness", "pass", observed, expected, value=age.total_seconds())


def check_volume(query: Query, *, tolerance: float) -> CheckResult:
    rows = query(f"SELECT event_date, count(*) FROM {SILVER_EVENTS} GROUP BY event_date ORDER BY event_date")
    counts: dict[date, int] = {(day if isinstance(day, date) else date.fromisoformat(str(day))): int(n) for day, n in rows}
    complete = sorted(counts)[1:-1]  # the newest day is still filling; the oldest may have begun mid-day
    expected = f"newest complete day within ±{tolerance:.0%} of the day before"
    if len(complete) < 2:
        return CheckResult("volume", "skip", f"{len(complete)} complete day(s)", expected, "needs two complete days")
    previous, last = complete[-2], complete[-1]
    ratio = counts[last] / counts[previous] if counts[previous] else float("inf")
    observed = f"{last}: {counts[last]:,} events vs {previous}: {counts[previous]:,} ({ratio - 1:+.0%})"
    if abs(ratio - 1) > tolerance:
        return CheckResult("volume", "fail", observed, expected, f"volume changed by {ratio - 1:+.0%}")
    return CheckResult("volume", "pass", observed, expected)


def check_reconciliation(query: Query) -> CheckResult:
    (raw_ids,) = query(f"SELECT count(DISTINCT event_id) FROM {RAW_EVENTS}")[0]
    silver_rows, silver_ids = query(f"SELECT count(*), count(DISTINCT event_id) FROM {SILVER_EVENTS}")[0]
    observed = f"raw {raw_ids:,} distinct event_ids; silver {silver_rows:,} rows, {silver_ids:,} distinct"
    expected = "raw distinct event_ids = silver rows = silver distinct event_ids"
    problems = []
    if silver_rows != silver_ids:
        problems.append(f"{silver_rows - silver_ids:,} duplicated rows in silver")
    if raw_ids > silver_ids:
        problems.append(f"{raw_ids - silver_ids:,} events in raw missing from silver")
    if raw_ids < silver_ids:
        problems.append(f"{silver_ids - raw_ids:,} events in silver no longer in raw")
    if problems:
        return CheckResult("reconciliation", "fail", observed, expected, "; ".join(problems))
    return CheckResult("reconciliation", "pass", observed, expected)


def run_checks(
    query: Query, *, as_of: datetime, max_age: timedelta = timedelta(hours=26), tolerance: float = 0.5
) -> list[CheckResult]:
    """Run every check; a check that raises becomes an `error` result naming the exception."""
    checks: list[tuple[str, Callable[[], CheckResult]]] = [
        ("freshness", lambda: check_freshness(query, as_of=as_of, max_age=max_age)),
        ("volume", lambda: check_volume(query, tolerance=tolerance)),
        ("reconciliation", lambda: check_reconciliation(query)),
    ]
    results = []
    for name, check in checks:
        try:
            result = check()
        except Exception as exc:  # isolation: any failure of one check is reported, the others still run
            logger.warning("quality check %s could not run: %s", name, exc)
            result = CheckResult(name, "error", "-", "-", f"{type(exc).__name__}: {exc}".strip())
        results.append(result)
    return results


__all__ = ["CheckResult", "check_freshness", "check_reconciliation", "check_volume", "run_checks"]
