"""The gold contract the dashboards read: every mart, its columns and their types.

The warehouse's dbt YAML (`dbt/models/marts/*.yml`, enforced contracts) is the source of truth for
the marts it already defines; `PLANNED` lists the rest of the agreed contract so the dashboards, the
report and the Metabase questions can be written (and checked) before every mart exists.
`gold_contract()` merges the two, dbt winning where it speaks.
"""

from __future__ import annotations

from pathlib import Path

import yaml

Contract = dict[str, dict[str, str]]

# The agreed contract (issue 7), one dict: mart → {column: type}.
PLANNED: Contract = {
    "plays_per_hour": {"hour_at": "timestamp", "plays": "bigint", "listeners": "bigint", "ms_played": "bigint"},
    "listening_hourly": {
        "hour_at": "timestamp",
        "country_code": "varchar",
        "device_type": "varchar",
        "plays": "bigint",
        "skips": "bigint",
        "pauses": "bigint",
        "playlist_adds": "bigint",
        "listeners": "bigint",
        "ms_played": "bigint",
    },
    "top_tracks_daily": {
        "event_date": "date",
        "track_rank": "bigint",
        "track_id": "varchar",
        "track_name": "varchar",
        "artist_id": "varchar",
        "artist_name": "varchar",
        "plays": "bigint",
        "listeners": "bigint",
    },
    "top_tracks_daily_by_country": {
        "event_date": "date",
        "country_code": "varchar",
        "track_rank": "bigint",
        "track_id": "varchar",
        "track_name": "varchar",
        "artist_id": "varchar",
        "artist_name": "varchar",
        "plays": "bigint",
        "listeners": "bigint",
    },
    "top_artists_daily": {
        "event_date": "date",
        "artist_rank": "bigint",
        "artist_id": "varchar",
        "artist_name": "varchar",
        "plays": "bigint",
        "listeners": "bigint",
    },
    "track_skip_rates": {
        "track_id": "varchar",
        "track_name": "varchar",
        "artist_id": "varchar",
        "artist_name": "varchar",
        "starts": "bigint",
        "skips": "bigint",
        "skip_rate": "double",
        "completion_rate": "double",
    },
    "artist_skip_rates": {
        "artist_id": "varchar",
        "artist_name": "varchar",
        "starts": "bigint",
        "skips": "bigint",
        "skip_rate": "double",
        "completion_rate": "double",
    },
    "device_mix_daily": {"event_date": "date", "device_type": "varchar", "plays": "bigint", "listeners": "bigint"},
    "country_mix_daily": {"event_date": "date", "country_code": "varchar", "plays": "bigint", "listeners": "bigint"},
    "daily_active_users": {
        "activity_date": "date",
        "active_users": "bigint",
        "listening_users": "bigint",
        "events": "bigint",
    },
    "daily_active_users_by_country": {
        "activity_date": "date",
        "country_code": "varchar",
        "active_users": "bigint",
        "listening_users": "bigint",
        "events": "bigint",
    },
    "active_users": {"period": "varchar", "period_start": "date", "active_users": "bigint"},
    "sessions_daily": {
        "session_date": "date",
        "sessions": "bigint",
        "users": "bigint",
        "sessions_per_user": "double",
        "avg_session_minutes": "double",
        "median_session_minutes": "double",
    },
    "sessions_daily_by_country": {
        "session_date": "date",
        "country_code": "varchar",
        "sessions": "bigint",
        "users": "bigint",
        "avg_session_minutes": "double",
    },
    "retention_cohorts": {
        "cohort_week": "date",
        "week_number": "integer",
        "cohort_users": "bigint",
        "retained_users": "bigint",
        "retention_rate": "double",
    },
    "level_conversions": {"event_date": "date", "upgrades": "bigint", "downgrades": "bigint"},
}


def dbt_marts_dir() -> Path | None:
    """`models/marts` of the dbt project (shipped in the wheel or at the checkout's root), if found."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "dbt", package.parents[1] / "dbt"):
        marts = candidate / "models" / "marts"
        if marts.is_dir():
            return marts
    return None


def dbt_contract(marts_dir: Path) -> Contract:
    """Columns (and `data_type`s where given) of every model described in `marts_dir/*.yml`."""
    found: Contract = {}
    for path in sorted(marts_dir.glob("*.yml")) + sorted(marts_dir.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            columns = model.get("columns") or []
            if columns:
                found[model["name"]] = {col["name"]: str(col.get("data_type", "")).lower() for col in columns}
    return found


def gold_contract(marts_dir: Path | None = None) -> Contract:
    """The agreed contract, with each mart the dbt project already defines taken from its YAML."""
    marts_dir = marts_dir if marts_dir is not None else dbt_marts_dir()
    merged = {mart: dict(columns) for mart, columns in PLANNED.items()}
    if marts_dir is not None and marts_dir.is_dir():
        merged.update(dbt_contract(marts_dir))
    return merged
