"""The COPY loader against a real PostgreSQL server: bulk, incremental, a changed file replaces its rows.

Reads POSTGRES_HOST/PORT/USER/PASSWORD/DB; skips with the reason when the server is unreachable,
unless CI=true, where that is a failure (`scripts/ci_postgres.sh` provisions one).
"""

from __future__ import annotations

import pytest

from spotify_mds.lake import LocalLake
from spotify_mds.pipelines.streams.landing import land_batches
from spotify_mds.pipelines.streams.simulate import Batch, SimConfig, simulate
from spotify_mds.settings import load_settings
from spotify_mds.warehouse import bronze_files, file_hour

psycopg = pytest.importorskip("psycopg", reason="the `postgres` extra is not installed")
from warehouses import fresh_postgres, pg_forget, pg_load, postgres  # noqa: E402

pytestmark = pytest.mark.integration
TOPIC = "spotify.streams"


@pytest.fixture
def conninfo(tmp_path) -> str:
    settings = load_settings(data_dir=tmp_path, warehouse="postgres")
    info = fresh_postgres(settings)
    return info


@pytest.fixture(scope="module")
def events() -> list[bytes]:
    return [value for batch in simulate(SimConfig(seed=5, users=1000, days=1, max_events=3000)) for value in batch.values]


def scalar(conninfo: str, sql: str):
    with postgres(conninfo).connect() as con:
        return con.execute(sql).fetchone()[0]


def test_load_is_bulk_incremental_and_replaces_changed_files(tmp_path, conninfo, events):
    lake = LocalLake(tmp_path / "lake")
    land_batches([Batch(0, [None] * len(events), events)], lake, TOPIC, max_records=400, compression="gzip")
    files = bronze_files(lake, TOPIC)

    first = pg_load(lake, conninfo, TOPIC, files_per_transaction=3)
    assert (first.files_loaded, first.rows_loaded) == (len(files), len(events))
    assert scalar(conninfo, "SELECT count(DISTINCT event_id) FROM raw.listening_events") == len(events)
    assert scalar(conninfo, "SELECT sum(row_count) FROM raw.loaded_files") == len(events)
    column_type = "SELECT data_type FROM information_schema.columns WHERE table_name = 'listening_events' AND column_name = 'timestamp'"
    assert scalar(conninfo, column_type) == "timestamp without time zone"

    again = pg_load(lake, conninfo, TOPIC)
    assert (again.files_loaded, again.rows_loaded) == (0, 0)

    victim = files[0]
    import gzip

    lines = gzip.decompress(lake.get(victim.key)).splitlines()
    lake.put(victim.key, gzip.compress(b"\n".join(lines[:7]) + b"\n"))
    changed = pg_load(lake, conninfo, TOPIC)
    assert (changed.files_loaded, changed.files_replaced, changed.rows_loaded) == (1, 1, 7)
    assert scalar(conninfo, "SELECT count(*) FROM raw.listening_events") == len(events) - len(lines) + 7

    hour = file_hour(files[-1].key)
    in_hour = [info for info in files if file_hour(info.key) == hour]
    assert pg_forget(conninfo, TOPIC, hour, hour.replace(minute=59)) == len(in_hour)
    assert pg_load(lake, conninfo, TOPIC).files_loaded == len(in_hour)
    assert scalar(conninfo, "SELECT count(*) FROM raw.listening_events") == len(events) - len(lines) + 7


def test_a_file_postgresql_refuses_is_set_aside_and_the_files_after_it_load(tmp_path, conninfo, events):
    """U+0000 in a string (bronze written by an older lander) blocked every later file (issue 15)."""
    lake = LocalLake(tmp_path / "lake")
    land_batches([Batch(0, [None] * len(events), events)], lake, TOPIC, max_records=400)
    files = bronze_files(lake, TOPIC)
    bad = files[1].key
    lines = lake.get(bad).splitlines()
    lines[7] = lines[7].replace(b'"song_name":"', b'"song_name":"\\u0000', 1)
    lake.put(bad, b"\n".join(lines) + b"\n")

    stats = pg_load(lake, conninfo, TOPIC, files_per_transaction=4)
    assert [key for key, _ in stats.failures] == [bad] and "0x00" in stats.failures[0][1]
    assert (stats.files_loaded, stats.rows_loaded) == (len(files) - 1, len(events) - len(lines))
    assert scalar(conninfo, "SELECT count(*) FROM raw.failed_files") == 1

    lines[7] = lines[7].replace(b"\\u0000", b"", 1)  # repaired: the next load takes it
    lake.put(bad, b"\n".join(lines) + b"\n")
    again = pg_load(lake, conninfo, TOPIC)
    assert (again.files_loaded, again.rows_loaded, again.failures) == (1, len(lines), [])
    assert scalar(conninfo, "SELECT count(*) FROM raw.failed_files") == 0
    assert scalar(conninfo, "SELECT count(*) FROM raw.listening_events") == len(events)
