"""Which pipelines have data, asked of a real PostgreSQL server: a missing RAW table is "no data",
never an error that would abort the open transaction (and the next question with it).

Reads POSTGRES_HOST/PORT/USER/PASSWORD/DB; skips with the reason when the server is unreachable,
unless CI=true, where that is a failure (`scripts/ci_postgres.sh` provisions one).
"""

from __future__ import annotations

import pytest
from warehouses import fresh_postgres

from spotify_mds.pipelines import registry, with_data
from spotify_mds.runner import pipelines_with_data, postgres_conninfo
from spotify_mds.settings import load_settings

psycopg = pytest.importorskip("psycopg", reason="the `postgres` extra is not installed")

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(tmp_path):
    settings = load_settings(data_dir=tmp_path, warehouse="postgres")
    fresh_postgres(settings)
    return settings


def test_only_the_pipelines_whose_raw_tables_hold_rows_have_data(settings):
    assert pipelines_with_data(settings) == ()  # no schema at all: no error, no pipeline
    with psycopg.connect(postgres_conninfo(settings)) as con:  # one transaction, as the runner's query
        query = lambda sql: con.execute(sql).fetchall()  # noqa: E731
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.listening_events (event_id text)")
        con.execute("CREATE TABLE raw.spotify_api_records (item text)")
        assert with_data(registry(), query) == ()  # tables, but empty
        con.execute("INSERT INTO raw.listening_events VALUES ('e')")
        assert [p.name for p in with_data(registry(), query)] == ["streams"]
    assert [p.name for p in pipelines_with_data(settings)] == ["streams"]
