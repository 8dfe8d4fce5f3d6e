"""The dashboard's reader over an S3 lake (moto's server) while the export replaces a mart.

s3fs reads an object in ranges pinned to the ETag it opened; an export landing between two ranges
failed the read with FileExpired, and the dashboard answered 500 (the stack's end-to-end test met it).
Here the replacement is made to land exactly there: the reader reads again and answers from the
new, whole file.
"""

from __future__ import annotations

import socket

import duckdb
import pytest

from spotify_mds.export import export_gold
from spotify_mds.lake import S3Lake
from spotify_mds.presentation.dashboard.queries import GoldReader

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def endpoint():
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        pytest.skip(f"moto[server]/boto3 not installed: {exc}")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket="lake")  # fmt: skip
    yield url
    server.stop()


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
