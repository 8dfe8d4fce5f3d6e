"""Quality checks: each judges one thing, reports it as data, and never stops the others."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from spotify_mds.quality import check_freshness, check_reconciliation, check_volume, run_checks


@pytest.fixture
def con():
    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA silver")
    con.execute("CREATE TABLE raw.listening_events (event_id VARCHAR)")
    con.execute("CREATE TABLE silver.stg_streams__listening_events (event_id VARCHAR, event_at TIMESTAMP, event_date DATE)")
    yield con
    con.close()


def fill(con, per_day: dict[str, int], *, raw_extra: int = 0, silver_duplicates: int = 0) -> None:
    n = 0
    for day, count in per_day.items():
        for i in range(count):
            at = datetime.fromisoformat(day) + timedelta(minutes=i)
            con.execute("INSERT INTO silver.stg_streams__listening_events VALUES (?, ?, ?)", [f"e{n}", at, at.date()])
            con.execute("INSERT INTO raw.listening_events VALUES (?)", [f"e{n}"])
            n += 1
    for i in range(raw_extra):
        con.execute("INSERT INTO raw.listening_events VALUES (?)", [f"missing{i}"])
    for i in range(silver_duplicates):
        con.execute("INSERT INTO silver.stg_streams__listening_events SELECT * FROM silver.stg_streams__listening_events LIMIT 1")


def query(con):
    return lambda sql: con.execute(sql).fetchall()


def test_freshness_passes_within_the_threshold_and_fails_beyond(con):
    fill(con, {"2026-11-02": 10})  # newest event 2026-11-02 00:09
    fresh = check_freshness(query(con), as_of=datetime(2026, 11, 2, 12, tzinfo=timezone.utc), max_age=timedelta(hours=26))
    stale = check_freshness(query(con), as_of=datetime(2026, 11, 4, 12, tzinfo=timezone.utc), max_age=timedelta(hours=26))
    assert fresh.status == "pass"
    assert stale.status == "fail" and "older than allowed" in stale.detail


def test_volume_compares_the_newest_complete_day_with_the_one_before(con):
    # the 1st may have begun mid-day and the 4th is still filling: neither is compared
    fill(con, {"2026-11-01": 7, "2026-11-02": 100, "2026-11-03": 40, "2026-11-04": 5})
    result = check_volume(query(con), tolerance=0.5)
    assert result.status == "fail"
    assert "2026-11-03: 40 events vs 2026-11-02: 100" in result.observed
    assert check_volume(query(con), tolerance=0.7).status == "pass"


def test_volume_skips_without_two_complete_days(con):
    fill(con, {"2026-11-02": 10, "2026-11-03": 10})
    assert check_volume(query(con), tolerance=0.5).status == "skip"


def test_volume_never_judges_a_first_day_that_began_mid_day(con):
    # Data since 2026-11-01 14:00 (a lander started then): the 1st holds a few hours only.
    fill(con, {"2026-11-01": 30, "2026-11-02": 100, "2026-11-03": 5})
    assert check_volume(query(con), tolerance=0.5).status == "skip"
    fill(con, {"2026-11-04": 2})  # the 3rd is complete now: compared with the 2nd, not the 1st with anything
    result = check_volume(query(con), tolerance=0.5)
    assert "2026-11-03" in result.observed and "2026-11-01" not in result.observed


def test_reconciliation_names_missing_and_doubled_events(con):
    fill(con, {"2026-11-02": 10}, raw_extra=3, silver_duplicates=1)
    result = check_reconciliation(query(con))
    assert result.status == "fail"
    assert "1 duplicated rows in silver" in result.detail and "3 events in raw missing from silver" in result.detail


def test_reconciliation_passes_when_raw_and_silver_agree(con):
    fill(con, {"2026-11-02": 10})
    con.execute("INSERT INTO raw.listening_events VALUES ('e0')")  # a duplicate delivery in raw is fine
    assert check_reconciliation(query(con)).status == "pass"


def test_a_check_that_cannot_run_is_isolated(con):
    fill(con, {"2026-11-02": 10})

    def flaky(sql: str):
        if "GROUP BY event_date" in sql:
            raise RuntimeError("connection reset")
        return con.execute(sql).fetchall()

    results = {r.check: r for r in run_checks(flaky, as_of=datetime(2026, 11, 2, 1, tzinfo=timezone.utc))}
    assert results["volume"].status == "error" and "RuntimeError: connection reset" in results["volume"].detail
    assert results["freshness"].status == "pass" and results["reconciliation"].status == "pass"
    assert not results["volume"].ok and results["freshness"].ok


def test_the_quality_command_prints_every_check_and_fails_on_a_failed_one(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from spotify_mds.cli import app

    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA silver")
    con.execute("CREATE TABLE raw.listening_events AS SELECT 'e1' AS event_id UNION ALL SELECT 'e2'")
    con.execute(
        "CREATE TABLE silver.stg_streams__listening_events AS SELECT 'e1' AS event_id,"
        " TIMESTAMP '2026-11-02 10:00:00' AS event_at, DATE '2026-11-02' AS event_date"
    )
    con.close()
    monkeypatch.setenv("WAREHOUSE", "duckdb")
    monkeypatch.setenv("DUCKDB_PATH", str(db))
    result = CliRunner().invoke(app, ["quality", "--as-of", "2026-11-02T12:00:00"])
    assert result.exit_code == 1
    assert "freshness" in result.output and "volume" in result.output and "reconciliation" in result.output
    assert "FAIL" in result.output  # reconciliation: e2 is in raw, not in silver


def test_a_freshness_failure_says_how_to_check_a_past_run(con):
    fill(con, {"2026-11-02": 3})
    result = check_freshness(query(con), as_of=datetime(2026, 12, 2, tzinfo=timezone.utc), max_age=timedelta(hours=26))
    assert result.status == "fail"
    assert "--as-of T or QUALITY_AS_OF" in result.detail


# --- the clock freshness is judged at, through the CLI ----------------------------------------------
def _warehouse(path, newest: datetime) -> None:
    """raw and silver as a load and a transform leave them: three days ending at `newest`."""
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA silver")
    con.execute('CREATE TABLE raw.listening_events (event_id VARCHAR, "timestamp" TIMESTAMP)')
    con.execute("CREATE TABLE silver.stg_streams__listening_events (event_id VARCHAR, event_at TIMESTAMP, event_date DATE)")
    for i in range(72):
        at = newest.replace(tzinfo=None) - timedelta(hours=i)
        con.execute("INSERT INTO raw.listening_events VALUES (?, ?)", [f"e{i}", at])
        con.execute("INSERT INTO silver.stg_streams__listening_events VALUES (?, ?, ?)", [f"e{i}", at, at.date()])
    con.close()


@pytest.fixture
def quality_cli(tmp_path, monkeypatch, capsys):
    """`spotify-mds quality` in this process on DATA_DIR=tmp_path/data: (exit status, stdout + stderr)."""
    import sys

    from spotify_mds.cli import main

    monkeypatch.chdir(tmp_path)
    for name in ("QUALITY_AS_OF", "WAREHOUSE", "DUCKDB_PATH", "LAKE_URL", "MINIO_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()

    def run(*args: str) -> tuple[int, str]:
        monkeypatch.setattr(sys, "argv", ["spotify-mds", "quality", *args])
        with pytest.raises(SystemExit) as done:
            main()
        out = capsys.readouterr()
        return done.value.code or 0, out.out + out.err

    return run


def _settings(tmp_path):
    from spotify_mds.settings import Settings

    return Settings(_env_file=None, data_dir=tmp_path / "data")


SIM_END = datetime(2026, 11, 9, tzinfo=timezone.utc)


def test_simulated_data_is_judged_at_its_simulated_clock(quality_cli, tmp_path):
    from spotify_mds.runner import record_simulated_clock

    _warehouse(tmp_path / "data" / "warehouse.duckdb", SIM_END - timedelta(minutes=3))
    record_simulated_clock(_settings(tmp_path), SIM_END)  # what `run` and `demo` do after their load
    status, out = quality_cli()
    assert status == 0, out
    assert "freshness judged at 2026-11-09 00:00 UTC (the simulated clock" in out


def test_a_stale_live_warehouse_still_fails_freshness(quality_cli, tmp_path):
    _warehouse(tmp_path / "data" / "warehouse.duckdb", datetime.now(timezone.utc) - timedelta(days=3))
    status, out = quality_cli()
    assert status == 1
    assert "(now; --as-of T to judge a past run)" in out
    assert "quality failed: freshness: " in out and "--as-of T" in out


def test_data_arriving_after_a_simulated_run_is_judged_at_now(quality_cli, tmp_path):
    from spotify_mds.runner import record_simulated_clock

    path = tmp_path / "data" / "warehouse.duckdb"
    _warehouse(path, SIM_END - timedelta(minutes=3))
    record_simulated_clock(_settings(tmp_path), SIM_END)
    con = duckdb.connect(str(path))  # a lander and a load brought newer (live) events since
    con.execute("INSERT INTO raw.listening_events VALUES ('live', ?)", [datetime(2026, 11, 20, 12)])
    con.execute("INSERT INTO silver.stg_streams__listening_events VALUES ('live', ?, ?)", [datetime(2026, 11, 20, 12), datetime(2026, 11, 20).date()])
    con.close()
    status, out = quality_cli()
    assert status == 1 and "(now; --as-of T to judge a past run)" in out
    status, out = quality_cli("--as-of", "2026-11-21T00:00:00")
    assert status == 0, out


@pytest.mark.e2e
@pytest.mark.slow
def test_quality_passes_right_after_the_demo(quality_cli, tmp_path, monkeypatch, capsys):
    import sys

    from spotify_mds.cli import main

    monkeypatch.setattr(sys, "argv", ["spotify-mds", "demo", "--no-serve", "--users", "60", "--days", "3"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code in (0, None), capsys.readouterr().err
    status, out = quality_cli()
    assert status == 0, out
    assert "the simulated clock" in out
