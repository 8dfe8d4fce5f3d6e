"""Snowflake (fakesnow's server) gets the shared isolation: a refused bronze file is set aside,
recorded in RAW.FAILED_FILES, the others load, and the next load tries it again."""

from __future__ import annotations

import pytest

import factories

from spotify_mds.lake import LocalLake
from spotify_mds.runner import snowflake_params
from spotify_mds.settings import load_settings

pytest.importorskip("snowflake.connector", reason="the `snowflake` extra is not installed")
pytest.importorskip("fakesnow", reason="fakesnow is not installed (the `dev` extra)")
from test_gold_truth_snowflake import fakesnow_port  # noqa: E402, F401 - the server fixture

from warehouses import sf_load, snowflake  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TOPIC = "spotify.streams"


def put(lake: LocalLake, offset: int, lines: list[bytes]) -> str:
    key = f"bronze/{TOPIC}/date=2026-11-02/hour=10/{TOPIC}+0+{offset:020d}.ndjson"
    lake.put(key, b"".join(value + b"\n" for value in lines))
    return key


def line(i: int, timestamp: str = "2026-11-02T10:00:00.000Z") -> bytes:
    return factories.event(i, version=1, timestamp=timestamp)


def test_a_refused_file_is_set_aside_on_snowflake(tmp_path, fakesnow_port):  # noqa: F811
    settings = load_settings(
        data_dir=tmp_path, warehouse="snowflake", snowflake_account="fakesnow", snowflake_user="fake",
        snowflake_password="snow", snowflake_host="127.0.0.1", snowflake_port=fakesnow_port, snowflake_protocol="http",
    )  # fmt: skip
    params, lake = snowflake_params(settings), LocalLake(tmp_path / "lake")
    put(lake, 0, [line(1), line(2, "2026-11-02t10:30:00z")])  # lower case: valid RFC 3339
    bad = put(lake, 5, [line(3)[:-1] + b', "song_name": "again"}'])  # a repeated key: DuckDB refuses it
    put(lake, 9, [line(4)])

    stats = sf_load(lake, params, TOPIC, files_per_transaction=8)
    assert (stats.files_loaded, stats.rows_loaded) == (2, 3)
    assert [key for key, _ in stats.failures] == [bad]
    con = snowflake(params).connect()
    try:
        assert con.cursor().execute("SELECT FILE_KEY FROM RAW.FAILED_FILES").fetchall() == [(bad,)]
        put(lake, 5, [line(3)])  # repaired
        again = sf_load(lake, params, TOPIC)
        assert (again.files_loaded, again.rows_loaded, again.failures) == (1, 1, [])
        assert con.cursor().execute("SELECT count(*) FROM RAW.FAILED_FILES").fetchone() == (0,)
        assert con.cursor().execute("SELECT count(*) FROM RAW.LISTENING_EVENTS").fetchone() == (4,)
    finally:
        con.close()
