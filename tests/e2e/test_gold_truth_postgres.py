"""Every gold figure equals the ground truth on a real PostgreSQL server (the DuckDB test's twin).

Reads POSTGRES_HOST/PORT/USER/PASSWORD/DB; skips with the reason when the server is unreachable,
unless CI=true, where that is a failure (`scripts/ci_postgres.sh` provisions one).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest
from _gold_truth import MARTS, batches, make_dataset, mismatches, truth

from spotify_mds import transform
from spotify_mds.export import export_gold, mart_key
from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.streams.landing import land_batches
from spotify_mds.quality import run_checks
from spotify_mds.runner import dbt_env, postgres_conninfo, warehouse_from
from spotify_mds.settings import load_settings

psycopg = pytest.importorskip("psycopg", reason="the `postgres` extra is not installed")
from warehouses import fresh_postgres, pg_forget, pg_load, postgres  # noqa: E402
from spotify_mds.pipelines.streams import PIPELINE as _STREAMS

STREAMS = _STREAMS.selector  # this pipeline's models only: the others' RAW tables are empty here

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
TOPIC = "spotify.streams"


@pytest.fixture
def pg_settings(tmp_path):
    settings = load_settings(data_dir=tmp_path, warehouse="postgres")
    fresh_postgres(settings)
    return settings


def read_gold(conninfo: str) -> dict[str, set[tuple]]:
    with postgres(conninfo).connect() as con:
        return {mart: set(con.execute(f"SELECT * FROM gold.{mart}").fetchall()) for mart in MARTS}


def test_gold_equals_ground_truth_on_postgres(tmp_path, pg_settings):
    data = make_dataset()
    lake = LocalLake(tmp_path / "lake")
    conninfo = postgres_conninfo(pg_settings)
    env, state = dbt_env(pg_settings), tmp_path / "dbt"

    land_batches(batches(data.first, 0), lake, TOPIC, max_records=2000)
    first = pg_load(lake, conninfo, TOPIC)
    assert transform.run_dbt(["run"], env=env, target="postgres", state_dir=state, select=STREAMS).succeeded  # models only; tests run below
    land_batches(batches(data.second, 10_000_000), lake, TOPIC, max_records=2000)
    second = pg_load(lake, conninfo, TOPIC)
    assert first.rows_loaded + second.rows_loaded == len(data.first) + len(data.second)
    built = transform.build(env=env, target="postgres", state_dir=state, unit_tests=True, select=STREAMS)  # incremental silver
    assert built.unit_tests >= 10 and not built.failures

    gold = read_gold(conninfo)
    assert mismatches(truth(data.unique), gold) == {}

    # The quality checks and the gold export run on PostgreSQL too.
    with postgres(conninfo).connect() as con:
        checks = {r.check: r for r in run_checks(warehouse_from(pg_settings).query_function(con), as_of=datetime(2026, 11, 10, tzinfo=timezone.utc))}
        assert checks["reconciliation"].status == "pass", checks["reconciliation"]
        assert checks["freshness"].status == "pass", checks["freshness"]
        export = export_gold(warehouse_from(pg_settings).gold_source(con), lake)
    assert {mart: export.rows[mart] for mart in MARTS} == {mart: len(gold[mart]) for mart in MARTS}
    assert pq.read_table(lake.url(mart_key("sessions_daily"))).schema.field("sessions_per_user").type == "double"

    assert pg_load(lake, conninfo, TOPIC).files_loaded == 0
    assert pg_forget(conninfo, TOPIC, datetime(2026, 11, 3, 18), datetime(2026, 11, 3, 19)) > 0
    assert pg_load(lake, conninfo, TOPIC).files_loaded > 0
    with postgres(conninfo).connect() as con:
        raw_rows = con.execute("SELECT count(*) FROM raw.listening_events").fetchone()[0]
    assert raw_rows == len(data.first) + len(data.second)
    assert transform.run_dbt(["run"], env=env, target="postgres", state_dir=state, select=STREAMS).succeeded
    assert read_gold(conninfo) == gold
