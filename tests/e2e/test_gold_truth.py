"""Every gold figure equals the ground truth, on DuckDB, through duplicates and late events.

Two deliveries are landed and loaded one after the other (silver builds incrementally in between);
then the same load + transform again, and a reload of one hour, must leave gold unchanged.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from _gold_truth import MARTS, batches, make_dataset, mismatches, truth

from spotify_mds import transform
from spotify_mds.pipelines.streams.landing import land_batches
from spotify_mds.lake import LocalLake
from spotify_mds.warehouse import duckdb as duck
from warehouses import duck_forget, duck_load
from spotify_mds.runner import dbt_env
from spotify_mds.settings import load_settings
from spotify_mds.pipelines.streams import PIPELINE as _STREAMS

STREAMS = _STREAMS.selector  # this pipeline's models only: the others' RAW tables are empty here

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TOPIC = "spotify.streams"


def read_gold(path) -> dict[str, set[tuple]]:
    con = duck.connect(path)
    try:
        return {mart: set(con.execute(f"SELECT * FROM gold.{mart}").fetchall()) for mart in MARTS}
    finally:
        con.close()


def test_gold_equals_ground_truth_on_duckdb(tmp_path):
    data = make_dataset()
    lake = LocalLake(tmp_path / "lake")
    db = tmp_path / "warehouse.duckdb"
    settings = load_settings(data_dir=tmp_path, warehouse="duckdb", duckdb_path=db)
    env, state = dbt_env(settings), tmp_path / "dbt"

    land_batches(batches(data.first, 0), lake, TOPIC, max_records=2000)
    first = duck_load(lake, db, TOPIC)
    assert transform.run_dbt(["run"], env=env, target="duckdb", state_dir=state, select=STREAMS).succeeded  # models only; tests run below
    land_batches(batches(data.second, 10_000_000), lake, TOPIC, max_records=2000)
    second = duck_load(lake, db, TOPIC)
    assert first.rows_loaded + second.rows_loaded == len(data.first) + len(data.second)
    built = transform.build(env=env, target="duckdb", state_dir=state, unit_tests=True, select=STREAMS)  # incremental silver
    assert built.unit_tests >= 10 and not built.failures

    expected = truth(data.unique)
    gold = read_gold(db)
    assert mismatches(expected, gold) == {}
    assert sum(n for (_, _, _, n) in gold["active_users_daily"]) == len(data.unique)

    # Load again (nothing to load), reload one hour (late events and duplicates live there too),
    # transform again: gold identical.
    assert duck_load(lake, db, TOPIC).files_loaded == 0
    assert duck_forget(db, TOPIC, datetime(2026, 11, 3, 18), datetime(2026, 11, 3, 19)) > 0
    assert duck_load(lake, db, TOPIC).files_loaded > 0
    con = duck.connect(db)
    assert con.execute("SELECT count(*) FROM raw.listening_events").fetchone()[0] == len(data.first) + len(data.second)
    con.close()
    assert transform.run_dbt(["run"], env=env, target="duckdb", state_dir=state, select=STREAMS).succeeded
    assert read_gold(db) == gold

    # The pipeline's builds leave the unit tests (fixed rows, not the data) to CI.
    assert transform.build(env=env, target="duckdb", state_dir=state, select=STREAMS).unit_tests == 0

    # What gold guards: NOT NULL in the tables themselves (the contract), value ranges as tests.
    con = duck.connect(db)
    required = con.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'gold' AND table_name = 'tracks' AND is_nullable = 'NO'"
    ).fetchall()
    assert {"track_id", "starts", "skips", "skip_rate", "completion_rate"} <= {c for (c,) in required}
    con.execute("UPDATE gold.tracks SET skip_rate = 1.5 WHERE track_id = (SELECT min(track_id) FROM gold.tracks)")
    con.close()
    broken = transform.run_dbt(["test"], env=env, target="duckdb", state_dir=state, select="tracks")
    assert not broken.succeeded
    assert [f for f in broken.failures if f.startswith("values_in_range_tracks_")], broken.failures
