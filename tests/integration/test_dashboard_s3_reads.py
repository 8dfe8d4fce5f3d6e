"""The dashboard's reader over an S3 lake (moto's server) while the export replaces a mart.

s3fs reads an object in ranges pinned to the ETag it opened; an export landing between two ranges
failed the read with FileExpired, and the dashboard answered 500 (the stack's end-to-end test met it).
Here the replacement is made to land exactly there: the reader reads again and answers from the
new, whole file.
"""

from __future__ import annotations

import duckdb
import pytest

from spotify_mds.export import export_gold
from spotify_mds.lake import S3Lake
from spotify_mds.presentation.dashboard.queries import GoldReader
from tests.s3_support import moto_s3

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def endpoint():
    with moto_s3("lake") as url:
        yield url


def _export(lake: S3Lake, plays: int) -> None:
    con = duckdb.connect()
    con.execute("create schema gold")
    con.execute(f"create table gold.plays_hourly as select timestamp '2026-12-01 00:00' + i * interval 1 hour as hour_at,"
                f" {plays} as plays, 1000 as ms_played from range(24) t(i)")  # fmt: skip
    export_gold(con, lake, marts=["plays_hourly"])
    con.close()


def test_a_mart_replaced_between_two_ranged_reads_is_read_again_whole(endpoint, monkeypatch):
    import s3fs.core

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    lake = S3Lake("s3://lake/mds", endpoint_url=endpoint, key="test", secret="test")
    _export(lake, plays=1)
    reader = GoldReader(lake)
    sql = "select sum(plays) as v, count(*) as n from {plays_hourly}"
    assert reader.query(sql, marts=["plays_hourly"]) == {"v": [24], "n": [24]}

    fetch, replaced = s3fs.core.S3File._fetch_range, []

    def export_lands_mid_read(self, start, end):
        if not replaced:  # the reader holds the old ETag: the new object lands before its next range
            replaced.append((start, end))
            _export(lake, plays=2)
        return fetch(self, start, end)

    monkeypatch.setattr(s3fs.core.S3File, "_fetch_range", export_lands_mid_read)
    reader.manifest()
    assert reader.query(sql, marts=["plays_hourly"]) == {"v": [48], "n": [24]}  # the new file, whole
    assert replaced, "the read never reached S3: the race was not exercised"

    def always_replaced(self, start, end):
        replaced.append((start, end))
        _export(lake, plays=len(replaced) + 10)  # new bytes every time, so a new ETag every time
        return fetch(self, start, end)

    monkeypatch.setattr(s3fs.core.S3File, "_fetch_range", always_replaced)
    with pytest.raises(duckdb.Error, match="FileExpired|no longer exists"):  # bounded: no endless retry
        reader.query(sql, marts=["plays_hourly"])
    reader.close()
