"""The seed's own example record (seed 001's README) lands, loads and reaches silver with a session
derived by the 30-minute gap, and the gold build stays green (issue 15, "Seed users' habits")."""

from __future__ import annotations

import json

import duckdb
import pytest
from typer.testing import CliRunner

from spotify_mds.cli import app

pytestmark = pytest.mark.e2e

SEED_001_EXAMPLE = """{
\t"event_id": "<uuid>",
\t"user_id": "<uuid>",
\t"song_id": "<uuid>",
\t"artist_name": "The Weeknd",
\t"song_name": "Blinding Lights",
\t"event_type": "play|pause|skip|add_to_playlist",
\t"device_type": "mobile|desktop|web",
\t"country": "US|UK|...",
\t"timestamp": "2025-10-28T06:15:00Z"
}"""


def seed_events() -> list[bytes]:
    """The example with its placeholders filled as the seed's producer fills them (uuid4, one choice)."""
    example = json.loads(SEED_001_EXAMPLE.replace("|pause|skip|add_to_playlist", "").replace("|desktop|web", "").replace("|UK|...", ""))
    times = ["2025-10-28T06:15:00Z", "2025-10-28T06:20:00Z", "2025-10-28T07:30:00Z"]  # 70 min gap: 2 sessions
    return [
        json.dumps(
            {**example, "event_id": f"6f1c1c1e-8a4e-4f55-9d7c-1c9b3a7b2f1{i}", "user_id": "9b2d4f0e-3c1a-4e8b-8f6d-2a7c5e1b0d93",
             "song_id": "3243f6a8-885a-408d-b313-198a2e037073", "timestamp": moment},
            indent="\t",
        ).replace("\n", "").encode()
        for i, moment in enumerate(times)
    ]  # fmt: skip


def run_cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
    return result.output


def test_the_seeds_event_lands_and_gets_a_derived_session(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    path = tmp_path / "seed.ndjson"
    path.write_bytes(b"\n".join(seed_events()) + b"\n")
    assert "landed 3, quarantined 0" in run_cli("land", "--from-file", str(path))
    run_cli("load")
    run_cli("transform")
    con = duckdb.connect(str(settings.duckdb_file))
    try:
        silver = con.execute(
            "SELECT event_id, client_session_id, ms_played, subscription_level FROM silver.stg_streams__listening_events ORDER BY event_at"
        ).fetchall()
        assert [row[1:] for row in silver] == [(None, None, None)] * 3
        sessions = con.execute(
            "SELECT session_id, events FROM silver.int_sessions ORDER BY started_at"
        ).fetchall()
        assert [events for _, events in sessions] == [2, 1]
        assert con.execute("SELECT sum(plays), sum(ms_played) FROM gold.plays_hourly").fetchone() == (3, 0)
        assert con.execute("SELECT count(*) FROM silver.int_events_classified WHERE is_valid_play").fetchone()[0] == 3  # a seed play is a stream
    finally:
        con.close()
