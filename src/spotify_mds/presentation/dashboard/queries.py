"""Reading the gold export: DuckDB (in memory) over the Parquet marts in the lake.

`GoldReader` answers the questions the dashboard, the report and their tests ask, each as a dict of
columns (`{"hour_at": [...], "plays": [...]}`). A mart missing from the export raises `MissingMart`,
which the callers turn into "no data yet for <mart>". Filters are validated (`parse_filters`) and
only ever reach SQL as parameters; the one thing formatted into SQL is a mart's lake URL, chosen
from the fixed list of marts, never from a request.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

from spotify_mds.presentation.dashboard.contract import gold_marts
from spotify_mds.errors import SpotifyMdsError
from spotify_mds.export import mart_key, read_manifest
from spotify_mds.lake import Lake

Columns = dict[str, list[Any]]

COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
# s3fs reads an object in ranges pinned to the ETag it opened: an export replacing the mart between
# two ranges fails the read with FileExpired (surfaced by DuckDB as a plain Error). The new file is
# whole, so reading again gives a consistent answer.
REPLACED_WHILE_READ = ("FileExpired", "no longer exists")
READ_ATTEMPTS = 3


class InvalidFilter(SpotifyMdsError, ValueError):
    """A filter value is not a date / country code; `field` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class MissingMart(SpotifyMdsError):
    """The export does not (yet) hold this mart."""

    def __init__(self, mart: str) -> None:
        super().__init__(f"no data yet for {mart}")
        self.mart = mart


class NoData(SpotifyMdsError):
    """The mart is there but holds nothing for the filters; the message says what was asked."""

    def __init__(self, filters: Filters) -> None:
        super().__init__(no_data_message(filters))
        self.filters = filters


@dataclass(frozen=True, slots=True)
class Filters:
    start: date | None = None
    end: date | None = None
    """Inclusive."""
    country: str | None = None


def parse_filters(start: str | None = None, end: str | None = None, country: str | None = None) -> Filters:
    """Filters from untrusted strings: ISO dates and an ISO 3166-1 alpha-2 code, or empty."""
    values: dict[str, Any] = {}
    for name, raw in (("start", start), ("end", end)):
        if raw:
            try:
                values[name] = date.fromisoformat(raw.strip())
            except ValueError:
                raise InvalidFilter(f"{name} must be a date like 2026-11-02, got {raw[:40]!r}", field=name) from None
    if country:
        code = country.strip().upper()
        if not COUNTRY_CODE.fullmatch(code):
            raise InvalidFilter(f"country must be a two-letter code like SE, got {country[:40]!r}", field="country")
        values["country"] = code
    filters = Filters(**values)
    if filters.start and filters.end and filters.start > filters.end:
        raise InvalidFilter("start must not be after end", field="start")
    return filters


def no_data_message(f: Filters) -> str:
    """What an empty answer tells the user: "no data for 2027-01-01 to 2027-01-02 in ZZ"."""
    if f.start and f.end:
        period = f"{f.start} to {f.end}" if f.start != f.end else f"{f.start}"
    elif f.start or f.end:
        period = f"from {f.start}" if f.start else f"up to {f.end}"
    else:
        period = ""
    country = f"country {f.country}" if f.country else ""
    asked = " in ".join(part for part in (period, country) if part)
    return f"no data for {asked}" if asked else "no data in the export"


def require_rows(data: Columns, f: Filters) -> Columns:
    """`data`, or NoData when it has no rows (an empty range, a country the data does not have)."""
    if not any(data.values()):
        raise NoData(f)
    return data


def _where(filters: Filters, date_expr: str | None, country_col: str | None = None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if date_expr and filters.start:
        clauses.append(f"{date_expr} >= ?")
        params.append(filters.start)
    if date_expr and filters.end:
        clauses.append(f"{date_expr} <= ?")
        params.append(filters.end)
    if country_col and filters.country:
        clauses.append(f"{country_col} = ?")
        params.append(filters.country)
    return (" where " + " and ".join(clauses) if clauses else ""), params


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):  # NaN → null in JSON
        return None
    return value


class GoldReader:
    """Read-only queries over `gold/<mart>/<mart>.parquet` of one lake."""

    def __init__(self, lake: Lake, *, manifest_ttl: float = 1.0) -> None:
        self.lake = lake
        self._manifest_ttl = manifest_ttl
        self._manifest: tuple[float, dict | None] = (-manifest_ttl - 1, None)
        self._con = duckdb.connect(":memory:")
        self._filesystem = lake.filesystem()
        if self._filesystem is not None:
            self._con.register_filesystem(self._filesystem)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._con.close()

    # -- what is there ---------------------------------------------------------------------------
    def manifest(self) -> dict | None:
        """The export's manifest, read now (and remembered briefly for `available`)."""
        manifest = read_manifest(self.lake)
        self._manifest = (time.monotonic(), manifest)
        return manifest

    def available(self) -> set[str]:
        """Marts the export holds. One page load asks a dozen queries: read the manifest once a second."""
        read_at, manifest = self._manifest
        if time.monotonic() - read_at > self._manifest_ttl:
            manifest = self.manifest()
        return set((manifest or {}).get("marts", {})) & gold_marts()

    def _source(self, mart: str) -> str:
        if mart not in gold_marts():
            raise ValueError(f"unknown mart {mart!r}")
        url = self.lake.url(mart_key(mart)).replace("'", "''")
        return f"read_parquet('{url}')"

    def query(self, sql: str, params: Sequence[Any] = (), *, marts: Sequence[str]) -> Columns:
        """Run `sql`, whose `{mart}` placeholders name marts; raise MissingMart for an absent one."""
        manifest_marts = self.available()
        for mart in marts:
            if mart not in manifest_marts:
                raise MissingMart(mart)
        text = sql.format(**{mart: self._source(mart) for mart in marts})
        for attempt in range(1, READ_ATTEMPTS + 1):
            with self._lock:
                cursor = self._con.cursor()
            try:
                result = cursor.execute(text, list(params))
                names = [d[0] for d in result.description]
                rows = result.fetchall()
                break
            except duckdb.IOException:
                raise MissingMart(marts[0]) from None  # listed in the manifest but gone or unreadable
            except duckdb.Error as exc:
                if attempt == READ_ATTEMPTS or not any(sign in str(exc) for sign in REPLACED_WHILE_READ):
                    raise
                if self._filesystem is not None:  # forget the replaced object's size and ETag
                    self._filesystem.invalidate_cache()
            finally:
                cursor.close()
        return {name: [_plain(row[i]) for row in rows] for i, name in enumerate(names)}

    # -- the questions ---------------------------------------------------------------------------
    def bounds(self) -> dict[str, Any]:
        """The date range and the countries the export covers (for the filter controls)."""
        out: dict[str, Any] = {"min_date": None, "max_date": None, "countries": []}
        for mart, expr in (("plays_hourly", "cast(hour_at as date)"), ("active_users_daily", "activity_date")):
            try:
                found = self.query(f"select min({expr}) as lo, max({expr}) as hi from {{{mart}}}", marts=[mart])
            except MissingMart:
                continue
            out["min_date"], out["max_date"] = found["lo"][0], found["hi"][0]
            break
        for mart in ("plays_daily_by_country", "listening_hourly_by_country_device"):
            try:
                found = self.query(f"select distinct country_code from {{{mart}}} order by 1", marts=[mart])
            except MissingMart:
                continue
            out["countries"] = [c for c in found["country_code"] if c]
            break
        return out

    def plays_hourly(self, f: Filters) -> Columns:
        if f.country:  # distinct listeners do not add up over devices: the mart at country grain
            where, params = _where(f, "cast(hour_at as date)", "country_code")
            return self.query(
                f"select hour_at, plays, listeners, ms_played from {{plays_hourly_by_country}}{where} order by 1",
                params,
                marts=["plays_hourly_by_country"],
            )
        where, params = _where(f, "cast(hour_at as date)")
        return self.query(
            f"select hour_at, plays, listeners, ms_played from {{plays_hourly}}{where} order by 1",
            params,
            marts=["plays_hourly"],
        )

    def top_tracks(self, f: Filters, limit: int = 10) -> Columns:
        """The most played tracks over the filters' days. `listener_days` is each day's distinct
        listeners summed (someone listening on two days counts twice): the daily marts cannot give
        distinct listeners over a range, so the column does not pretend to."""
        mart = "top_tracks_daily_by_country" if f.country else "top_tracks_daily"
        where, params = _where(f, "event_date", "country_code" if f.country else None)
        return self.query(
            "select track_id, max(track_name) as track_name, max(artist_name) as artist_name,"
            " sum(plays) as plays, sum(listeners) as listener_days"
            f" from {{{mart}}}{where} group by 1 order by plays desc, track_id limit ?",
            [*params, limit],
            marts=[mart],
        )

    def top_artists(self, f: Filters, limit: int = 10) -> Columns:
        where, params = _where(f, "event_date")
        return self.query(
            "select artist_id, max(artist_name) as artist_name, sum(plays) as plays, sum(listeners) as listener_days"
            f" from {{top_artists_daily}}{where} group by 1 order by plays desc, artist_id limit ?",
            [*params, limit],
            marts=["top_artists_daily"],
        )

    def device_mix(self, f: Filters) -> Columns:
        if f.country:
            where, params = _where(f, "cast(hour_at as date)", "country_code")
            return self.query(
                "select cast(hour_at as date) as event_date, device_type, sum(plays) as plays"
                f" from {{listening_hourly_by_country_device}}{where} group by 1, 2 order by 1, 2",
                params,
                marts=["listening_hourly_by_country_device"],
            )
        where, params = _where(f, "event_date")
        return self.query(
            f"select event_date, device_type, plays from {{plays_daily_by_device}}{where} order by 1, 2",
            params,
            marts=["plays_daily_by_device"],
        )

    def country_mix(self, f: Filters) -> Columns:
        where, params = _where(f, "event_date")
        return self.query(
            "select country_code, sum(plays) as plays"
            f" from {{plays_daily_by_country}}{where} group by 1 order by plays desc, country_code",
            params,
            marts=["plays_daily_by_country"],
        )

    def active_users_daily(self, f: Filters) -> Columns:
        where, params = _where(f, "activity_date")
        return self.query(
            "select activity_date, active_users, listening_users, events"
            f" from {{active_users_daily}}{where} order by 1",
            params,
            marts=["active_users_daily"],
        )

    def active_users(self, f: Filters) -> Columns:
        where, params = _where(f, "period_start")
        return self.query(
            f"select period, period_start, active_users from {{active_users_by_period}}{where} order by 1, 2",
            params,
            marts=["active_users_by_period"],
        )

    def sessions(self, f: Filters) -> Columns:
        where, params = _where(f, "session_date")
        return self.query(
            "select session_date, sessions, users, sessions_per_user, avg_session_minutes, median_session_minutes"
            f" from {{sessions_daily}}{where} order by 1",
            params,
            marts=["sessions_daily"],
        )

    def retention(self, f: Filters) -> Columns:
        where, params = _where(f, "cohort_week")
        return self.query(
            "select cohort_week, week_number, cohort_users, retained_users, retention_rate"
            f" from {{retention_weekly_by_cohort}}{where} order by 1, 2",
            params,
            marts=["retention_weekly_by_cohort"],
        )

    def track_skip_rates(self, limit: int = 12) -> Columns:
        return self.query(
            "select track_id, track_name, artist_name, starts, skips, skip_rate, completion_rate"
            " from {tracks} order by starts desc, track_id limit ?",
            [limit],
            marts=["tracks"],
        )

    def artist_skip_rates(self, limit: int = 12) -> Columns:
        return self.query(
            "select artist_id, artist_name, starts, skips, skip_rate, completion_rate"
            " from {artists} order by starts desc, artist_id limit ?",
            [limit],
            marts=["artists"],
        )

    def level_conversions_daily(self, f: Filters) -> Columns:
        where, params = _where(f, "event_date")
        return self.query(
            f"select event_date, upgrades, downgrades from {{level_conversions_daily}}{where} order by 1",
            params,
            marts=["level_conversions_daily"],
        )

    def kpis(self, f: Filters) -> dict[str, dict[str, Any]]:
        """Headline numbers, each with the mart it comes from; `value` None (and `message` why) when the
        mart is missing or has no rows for the filters."""
        out: dict[str, dict[str, Any]] = {}

        def kpi(name: str, mart: str, sql: str, params: list[Any]) -> None:
            # `scope`: whose figure it is, so the page can say it next to the number.
            scope = f.country or "all countries"
            try:
                value = self.query(sql, params, marts=[mart])["v"][0]
            except MissingMart as missing:
                out[name] = {"value": None, "mart": mart, "message": str(missing), "scope": scope}
                return
            out[name] = {"value": value, "mart": mart, "message": no_data_message(f) if value is None else None,
                         "scope": scope}

        # Every KPI follows the country filter, from a mart at country grain when one is chosen.
        hourly = "listening_hourly_by_country_device" if f.country else "plays_hourly"
        where, params = _where(f, "cast(hour_at as date)", "country_code" if f.country else None)
        kpi("plays", hourly, f"select sum(plays) as v from {{{hourly}}}{where}", params)
        kpi("hours_played", hourly, f"select sum(ms_played) / 3600000.0 as v from {{{hourly}}}{where}", params)
        daily = "active_users_daily_by_country" if f.country else "active_users_daily"
        where, params = _where(f, "activity_date", "country_code" if f.country else None)
        kpi("avg_daily_active_users", daily, f"select avg(active_users) as v from {{{daily}}}{where}", params)
        sessions = "sessions_daily_by_country" if f.country else "sessions_daily"
        where, params = _where(f, "session_date", "country_code" if f.country else None)
        kpi("avg_session_minutes", sessions,
            f"select sum(avg_session_minutes * sessions) / nullif(sum(sessions), 0) as v from {{{sessions}}}{where}",
            params)
        where, params = _where(f, "cast(hour_at as date)", "country_code")
        kpi("skip_rate", "listening_hourly_by_country_device",
            f"select sum(skips) / nullif(sum(plays), 0) as v from {{listening_hourly_by_country_device}}{where}", params)
        return out
