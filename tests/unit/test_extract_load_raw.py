"""Loading the Spotify bronze files into RAW (DuckDB in a temp folder, no server)."""

from __future__ import annotations

import json
from datetime import date, datetime

from spotify_mds.pipelines.spotify_api import load_raw
from spotify_mds.pipelines.spotify_api.spotify import recently_played_key, snapshot_key
from spotify_mds.lake import LocalLake
from spotify_mds.load.duckdb import connect

DAY = date(2026, 11, 21)


def ndjson(*records: dict) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def top(rank: int, track_id: str) -> dict:
    return {"stream": "user_top_tracks_st", "snapshot_date": DAY.isoformat(), "rank": rank, "item": {"id": track_id, "type": "track"}}


def rows(db) -> list[tuple]:
    con = connect(db)
    try:
        return con.execute(
            f"SELECT stream, snapshot_date, rank, played_at, item->>'$.id' FROM {load_raw.RAW_TABLE} ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_load_types_the_envelope_and_keeps_the_item_as_json(tmp_path):
    lake, db = LocalLake(tmp_path / "lake"), tmp_path / "w.duckdb"
    lake.put(snapshot_key("user_top_tracks_st", DAY), ndjson(top(1, "a"), top(2, "b")))
    play = {"stream": "recently_played", "played_at": "2026-11-21T08:15:30.123Z", "item": {"id": "p", "played_at": "x"}}
    lake.put(recently_played_key("2026-11-21", 0), ndjson(play))
    lake.put("state/spotify_api/recently_played.json", b'{"after": "1"}')  # state is not bronze

    stats = load_raw.load(lake, db)

    assert (stats.files_loaded, stats.rows_loaded) == (2, 3)
    assert rows(db) == [
        ("recently_played", None, None, datetime(2026, 11, 21, 8, 15, 30, 123000), "p"),
        ("user_top_tracks_st", DAY, 1, None, "a"),
        ("user_top_tracks_st", DAY, 2, None, "b"),
    ]


def test_loading_again_is_a_no_op_and_a_rewritten_snapshot_replaces_its_rows(tmp_path):
    lake, db = LocalLake(tmp_path / "lake"), tmp_path / "w.duckdb"
    key = snapshot_key("user_top_tracks_st", DAY)
    lake.put(key, ndjson(top(1, "a"), top(2, "b")))
    load_raw.load(lake, db)

    again = load_raw.load(lake, db)
    assert (again.files_seen, again.files_loaded) == (1, 0)

    lake.put(key, ndjson(top(1, "c")))  # the same day re-extracted after the user's taste changed
    replaced = load_raw.load(lake, db)
    assert (replaced.files_loaded, replaced.files_replaced) == (1, 1)
    assert [r[-1] for r in rows(db)] == ["c"]


def test_a_snapshot_that_left_the_lake_takes_its_rows_along(tmp_path):
    lake, db = LocalLake(tmp_path / "lake"), tmp_path / "w.duckdb"
    key = snapshot_key("user_saved_tracks", DAY)
    lake.put(key, ndjson({"stream": "user_saved_tracks", "snapshot_date": DAY.isoformat(), "rank": 1, "item": {"id": "s"}}))
    load_raw.load(lake, db)
    lake.delete(key)
    load_raw.load(lake, db)
    assert rows(db) == []


def test_the_dbt_source_describes_the_raw_table_the_loader_creates(tmp_path):
    import yaml

    from spotify_mds.transform import project_dir

    sources = yaml.safe_load((project_dir() / "models/spotify_api/staging/_spotify_api__sources.yml").read_text())
    table = next(t for t in sources["sources"][0]["tables"] if t["name"] == "spotify_api_records")
    con = connect(tmp_path / "w.duckdb")
    try:
        load_raw.create_tables(con)
        actual = con.execute(
            "SELECT column_name, lower(data_type) FROM information_schema.columns"
            " WHERE table_schema = 'raw' AND table_name = 'spotify_api_records' ORDER BY ordinal_position"
        ).fetchall()
    finally:
        con.close()
    assert [(c["name"], c["data_type"]) for c in table["columns"]] == actual


def test_a_file_duckdb_refuses_is_set_aside_and_the_others_load(tmp_path):
    lake, db = LocalLake(tmp_path / "lake"), tmp_path / "w.duckdb"
    lake.put(snapshot_key("user_top_tracks_st", DAY), ndjson(top(1, "a")))
    bad = snapshot_key("user_top_artists_st", DAY)
    lake.put(bad, b'{"stream": "user_top_artists_st", "rank": "first", "item": {}}\n')  # rank is not a number
    stats = load_raw.load(lake, db)
    assert (stats.files_loaded, stats.rows_loaded) == (1, 1)
    assert [key for key, _ in stats.failures] == [bad]
    con = connect(db)
    try:
        assert con.execute("SELECT file_key FROM raw.failed_files").fetchall() == [(bad,)]
    finally:
        con.close()
    lake.put(bad, ndjson({"stream": "user_top_artists_st", "rank": 1, "item": {"id": "x"}}))
    assert load_raw.load(lake, db).failures == []
