"""Snowflake through fakesnow's server: the PUT + COPY INTO loader and the dbt models, against the truth.

What this cannot test (fakesnow limits, FACTS.md): dbt's incremental runs and unit tests need
temporary tables fakesnow rejects, so here silver is rebuilt with `--full-refresh` and unit tests
are left to DuckDB and PostgreSQL. Data tests pass on fakesnow but are not run here (time). Key-pair auth and the account setup (`warehouse init`) are not
exercised either: fakesnow accepts any password.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from _gold_truth import MARTS, batches, make_dataset, mismatches, truth

from spotify_mds import transform
from spotify_mds.pipelines.streams.landing import land_batches
from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.streams import PIPELINE as STREAMS  # its models only: the others have no RAW here
from spotify_mds.runner import dbt_env, snowflake_params
from spotify_mds.pipelines.streams import raw_table
from spotify_mds.settings import load_settings

pytest.importorskip("snowflake.connector", reason="the `snowflake` extra is not installed")
pytest.importorskip("fakesnow", reason="fakesnow is not installed (the `dev` extra)")
from warehouses import fakesnow_server, sf_load, snowflake  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TOPIC = "spotify.streams"
# Models only (contracts are still enforced as each table is created): the data tests pass on
# fakesnow too (`dbt build --exclude-resource-type unit_test`) but cost a minute over HTTP; they
# run on DuckDB and PostgreSQL.
RUN = ["run", "--full-refresh"]


@pytest.fixture(scope="module")
def fakesnow_port():
    yield from fakesnow_server()


def test_gold_equals_ground_truth_on_fakesnow(tmp_path, fakesnow_port):
    data = make_dataset()
    lake = LocalLake(tmp_path / "lake")
    settings = load_settings(
        data_dir=tmp_path, warehouse="snowflake", snowflake_account="fakesnow", snowflake_user="fake",
        snowflake_password="snow", snowflake_host="127.0.0.1", snowflake_port=fakesnow_port, snowflake_protocol="http",
    )  # fmt: skip
    params, env, state = snowflake_params(settings), dbt_env(settings), tmp_path / "dbt"

    land_batches(batches(data.first, 0), lake, TOPIC, max_records=2000)
    first = sf_load(lake, params, TOPIC, files_per_transaction=8)
    land_batches(batches(data.second, 10_000_000), lake, TOPIC, max_records=2000)
    second = sf_load(lake, params, TOPIC)
    assert first.rows_loaded + second.rows_loaded == len(data.first) + len(data.second)
    assert sf_load(lake, params, TOPIC).files_loaded == 0  # the ledger says: nothing new
    # Reloading one hour replaces its rows: raw keeps one row per line landed.
    assert snowflake(params).forget(raw_table(TOPIC), datetime(2026, 11, 3, 18), datetime(2026, 11, 3, 19)) > 0
    assert sf_load(lake, params, TOPIC).files_loaded > 0

    result = transform.run_dbt(RUN, env=env, target="snowflake", state_dir=state, select=STREAMS.selector)
    assert result.succeeded, result.failures

    warehouse = snowflake(params)
    con = warehouse.connect()
    try:
        (raw_rows,) = con.cursor().execute("SELECT count(*) FROM RAW.LISTENING_EVENTS").fetchone()
        assert raw_rows == len(data.first) + len(data.second)
        gold_source = warehouse.gold_source(con)
        assert set(gold_source.marts()) >= set(MARTS)  # plus the Spotify API marts, empty here
        gold = {mart: {tuple(row.values()) for row in gold_source.read(mart).to_pylist()} for mart in MARTS}
    finally:
        con.close()
    assert mismatches(truth(data.unique), gold) == {}
