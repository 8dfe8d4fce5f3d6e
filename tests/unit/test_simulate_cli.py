"""The `spotify-mds simulate` command: backfill window, event cap and fault rates reach the generator."""

from __future__ import annotations

from typer.testing import CliRunner

from spotify_mds.cli import app
from spotify_mds.pipelines.streams.events import decode
from spotify_mds.pipelines.streams.simulate import SimConfig, ground_truth


def test_simulate_backfill_with_faults(tmp_path, monkeypatch):
    """`--start/--end` bound the event times, `--events` caps the records, and the fault options inject
    exactly what `ground_truth` reports for the same configuration."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    out = tmp_path / "events.ndjson"
    args = ["simulate", "--seed", "3", "--users", "400", "--start", "2026-10-01T00:00:00",
            "--end", "2026-10-02T12:00:00", "--events", "5000", "--late-rate", "0.01",
            "--duplicate-rate", "0.01", "--malformed-rate", "0.01", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().splitlines()
    assert len(lines) == 5000

    from datetime import datetime, timezone

    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    config = SimConfig(seed=3, users=400, start=start, days=1.5, max_events=5000,
                       late_rate=0.01, duplicate_rate=0.01, malformed_rate=0.01)  # fmt: skip
    truth = ground_truth(config)
    malformed = {m.offset for m in truth.malformed}
    assert truth.records == 5000 and malformed
    for offset, line in enumerate(lines):
        if offset in malformed:
            continue
        moment = decode(line).timestamp
        assert start <= moment < datetime(2026, 10, 2, 12, tzinfo=timezone.utc)


def test_simulate_workers_write_the_same_file(tmp_path, monkeypatch):
    """`--workers 2` (a helper process writing part of the file) gives the file `--workers 1` gives."""
    import spotify_mds.pipelines.streams.simulate as simulate_module

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(simulate_module, "_PARALLEL_MIN_EVENTS", 0)  # a helper even for a small stream
    monkeypatch.setattr(simulate_module, "_WAIT_FOR_HELPERS", True)
    files = []
    for workers in ("1", "2"):
        out = tmp_path / f"events-{workers}.ndjson"
        args = ["simulate", "--seed", "4", "--users", "300", "--days", "1", "--workers", workers, "--out", str(out)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        files.append(out.read_bytes())
    assert files[0] == files[1] and files[0].count(b"\n") > 5000
