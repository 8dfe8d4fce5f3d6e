"""The CLI: help on every command, one-line errors with a non-zero exit.

In process (`main()` as the console script runs it, or Typer's runner); a real process only where
the test needs a second one (a DuckDB file held by another process)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

COMMANDS = ["simulate", "produce", "land", "load", "transform", "export", "dashboard", "run", "demo"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    """In process (Typer's runner): help needs no real process, and nine interpreters cost seconds."""
    from typer.testing import CliRunner

    from spotify_mds.cli import app

    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout


def test_a_bad_setting_is_one_line_naming_the_variable(mds):
    status, err = mds("simulate", "--events", "5", USER_COUNT="-3")
    assert status == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ConfigError: USER_COUNT")


def test_simulate_writes_valid_ndjson(mds, tmp_path):
    out = tmp_path / "events.ndjson"
    status, err = mds("simulate", "--events", "300", "--users", "100", "--out", str(out))
    assert status == 0, err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 300 and {"event_id", "ms_played", "level"} <= set(rows[0])


def test_land_from_file_reports_quarantine(mds, tmp_path):
    out = tmp_path / "events.ndjson"
    mds("simulate", "--events", "200", "--users", "100", "--out", str(out))
    out.write_text(out.read_text() + "not json\n")
    status, err = mds("land", "--from-file", str(out), DATA_DIR=str(tmp_path / "data"))
    assert status == 0, err
    assert "landed 200, quarantined 1" in err


# --- in process: `main()` as the console script runs it (one line, exit status) -----------------------
def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("command", [["load"], ["transform"], ["run", "--events", "50"], ["quality"], ["export"]])
def test_an_unusable_data_dir_is_one_line_naming_it(mds, tmp_path, command):
    (tmp_path / "a-file").write_text("")
    status, err = mds(*command, DATA_DIR=str(tmp_path / "a-file" / "data"))
    assert status == 1
    assert one_line(err).startswith("ConfigError: DATA_DIR: cannot write to ")


def test_duckdb_path_pointing_at_a_folder_is_one_line(mds, tmp_path):
    (tmp_path / "folder").mkdir()
    status, err = mds("load", DUCKDB_PATH=str(tmp_path / "folder"))
    assert status == 1
    assert one_line(err).startswith("ConfigError: DUCKDB_PATH: ") and "is a folder" in err


@pytest.mark.parametrize(("name", "problem"), [("missing.ndjson", "does not exist"), ("folder", "is a folder")])
def test_land_from_a_missing_file_or_a_folder_is_one_line(mds, tmp_path, name, problem):
    (tmp_path / "folder").mkdir()
    status, err = mds("land", "--from-file", name)
    assert status == 1
    assert one_line(err) == f"ConfigError: --from-file {name} {problem}" + (", not an NDJSON file" if name == "folder" else "")
    assert not (tmp_path / "data").exists()


def test_a_lake_url_of_another_scheme_is_refused_not_written_as_a_folder(mds, tmp_path):
    events = tmp_path / "events.ndjson"
    events.write_text("")
    status, err = mds("land", "--from-file", str(events), LAKE_URL="ftp://x/y")
    assert status == 1
    assert one_line(err).startswith("ConfigError: LAKE_URL: ")
    assert not (tmp_path / "ftp:").exists()


def test_s3_and_folder_lake_urls_are_accepted():
    from spotify_mds.settings import Settings

    assert Settings(_env_file=None, lake_url="s3://bucket/prefix").lake_root == "s3://bucket/prefix"
    assert Settings(_env_file=None, lake_url="some/folder").lake_root == "some/folder"


@pytest.mark.parametrize("port", ["99999", "0"])
def test_a_dashboard_port_out_of_range_is_refused(mds, port):
    status, err = mds("dashboard", DASHBOARD_PORT=port)
    assert status == 1
    assert one_line(err).startswith("ConfigError: DASHBOARD_PORT: ")


def test_a_dashboard_port_in_use_is_said_instead_of_serving(mds, monkeypatch):
    import spotify_mds.presentation.dashboard as dashboard

    monkeypatch.setattr(dashboard, "serve", lambda *a, **k: pytest.fail("served on a port in use"))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        status, err = mds("dashboard", "--port", str(port))
    assert status == 1
    assert one_line(err).startswith(f"ComponentUnavailable: port {port} is in use")
    assert "dashboard on" not in err


def test_the_dashboard_is_listening_when_it_says_so(mds, monkeypatch):
    import spotify_mds.presentation.dashboard as dashboard

    seen = {}

    def serve(lake, host, port, sock):
        with socket.create_connection((host, port), timeout=2):  # accepted by the bound socket's backlog
            seen["port"] = port
        sock.close()

    monkeypatch.setattr(dashboard, "serve", serve)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    status, err = mds("dashboard", "--port", str(free))
    assert status == 0, err
    assert seen == {"port": free} and f"dashboard on http://127.0.0.1:{free}" in err


@pytest.mark.parametrize(("command", "message"), [
    ("transform", "NotReady: nothing loaded yet: run `spotify-mds load` (or `make demo`) first"),
    ("quality", "NotReady: nothing loaded yet: run `spotify-mds load` (or `make demo`) first"),
    ("export", "NotReady: nothing loaded yet: run `spotify-mds load` (or `make demo`) first"),
])  # fmt: skip
def test_stages_on_a_fresh_data_dir_say_what_to_run_first(mds, tmp_path, command, message):
    status, err = mds(command)
    assert status == 1
    assert one_line(err) == message
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_export_before_transform_says_to_transform(mds, tmp_path):
    events = tmp_path / "events.ndjson"
    assert mds("simulate", "--events", "200", "--users", "20", "--out", str(events))[0] == 0
    assert mds("land", "--from-file", str(events))[0] == 0
    assert mds("load")[0] == 0
    status, err = mds("export")
    assert status == 1
    assert one_line(err) == "NotReady: nothing transformed yet: run `spotify-mds transform` first"


def test_run_with_kafka_is_the_batch_over_what_has_landed(mds, tmp_path):
    from datetime import datetime, timedelta, timezone

    status, err = mds("run", BROKER="kafka")
    assert status == 1
    assert one_line(err).startswith("NotReady: nothing has landed yet: start `spotify-mds produce` and `spotify-mds land`")
    status, err = mds("run", "--events", "10", BROKER="kafka")
    assert status == 1 and one_line(err).startswith("ConfigError: BROKER=kafka: `run` loads what has landed")

    # What a lander would have written (land --from-file needs no broker), dated up to now.
    start = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    events = tmp_path / "events.ndjson"
    assert mds("simulate", "--users", "30", "--start", start, "--days", "2", "--out", str(events))[0] == 0
    status, err = mds("land", "--from-file", str(events), BROKER="kafka")
    assert status == 0, err
    status, err = mds("run", BROKER="kafka")
    assert status == 0, err
    assert "load → transform → quality → export over what has landed" in err
    assert "no-land" not in err
    assert (tmp_path / "data" / "lake" / "gold" / "_manifest.json").is_file()
    status, err = mds("quality", BROKER="kafka")
    assert status == 0, err  # live data, judged at now


def _paced_simulate(mds, monkeypatch, *args: str, **env: str) -> tuple[list[float], str]:
    """Run `simulate` with a fake clock; stop it (as Ctrl-C does) after three pauses."""
    import threading
    import time

    clock = [1000.0]
    pauses: list[float] = []
    real_sleep, caller = time.sleep, threading.get_ident()

    def sleep(seconds: float) -> None:
        if threading.get_ident() != caller:  # another thread (py4j's finalizer): the real clock
            return real_sleep(seconds)
        pauses.append(round(seconds, 6))
        clock[0] += seconds
        if len(pauses) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(time, "sleep", sleep)
    status, err = mds("simulate", "--users", "20", "--out", "events.ndjson", *args, **env)
    assert status == 0, err
    return pauses, err


def test_event_interval_seconds_paces_simulate_as_the_seed_did(mds, monkeypatch, tmp_path):
    pauses, err = _paced_simulate(mds, monkeypatch, EVENT_INTERVAL_SECONDS="0.5")
    assert pauses == [0.5, 0.5, 0.5]  # one event every EVENT_INTERVAL_SECONDS
    assert "3 events written" in err
    assert "real time: one event every 0.5 s (EVENT_INTERVAL_SECONDS) until Ctrl-C" in err  # said, not silent
    first = json.loads((tmp_path / "events.ndjson").read_text().splitlines()[0])
    assert first["timestamp"][:4] >= "2026" and first["timestamp"] > "2026-11-09"  # live: the clock starts now
    pauses, err = _paced_simulate(mds, monkeypatch, "--rate", "4", EVENT_INTERVAL_SECONDS="0.5")
    assert pauses == [0.25, 0.25, 0.25]  # --rate wins
    assert "EVENT_INTERVAL_SECONDS" not in err


def test_without_event_interval_or_with_events_simulate_is_a_batch(mds, monkeypatch, tmp_path):
    import threading
    import time

    real_sleep, caller = time.sleep, threading.get_ident()

    def sleep(seconds: float) -> None:  # only the command's own thread: other threads (py4j's) sleep on
        if threading.get_ident() == caller:
            pytest.fail("a batch never sleeps")
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    status, err = mds("simulate", "--events", "50", "--out", "a.ndjson", EVENT_INTERVAL_SECONDS="0.5")
    assert status == 0 and "50 events written" in err
    status, err = mds("simulate", "--events", "50", "--out", "b.ndjson")
    assert status == 0 and "50 events written" in err


def test_event_interval_seconds_is_produce_s_default_rate(mds, monkeypatch):
    from datetime import datetime, timedelta, timezone

    import spotify_mds.pipelines.streams.produce as produce_module

    seen = {}

    def fake_produce(batches, conf, topic, *, rate, stop, progress):
        seen["rate"] = rate
        seen["start"] = next(iter(batches)).values[0]
        return produce_module.ProduceStats(produced=1)

    monkeypatch.setattr(produce_module, "ensure_topic", lambda *a, **k: False)
    monkeypatch.setattr(produce_module, "produce", fake_produce)
    status, err = mds("produce", EVENT_INTERVAL_SECONDS="0.25")
    assert status == 0, err
    assert seen["rate"] == 4.0
    stamp = datetime.fromisoformat(json.loads(seen["start"])["timestamp"].replace("Z", "+00:00"))
    assert abs(stamp - datetime.now(timezone.utc)) < timedelta(hours=1)  # live data starts now
    status, err = mds("produce", "--events", "5", EVENT_INTERVAL_SECONDS="0.25")
    assert status == 0 and seen["rate"] is None


def test_a_duckdb_file_locked_by_another_process_is_one_line(mds, tmp_path):
    events = tmp_path / "events.ndjson"
    assert mds("simulate", "--events", "100", "--users", "20", "--out", str(events))[0] == 0
    assert mds("land", "--from-file", str(events))[0] == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print(1, flush=True); time.sleep(60)",
         str(tmp_path / "data" / "warehouse.duckdb")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    with holder:
        try:
            assert holder.stdout.readline().strip() == "1"
            status, err = mds("load")
        finally:
            holder.kill()
    assert status == 1
    assert one_line(err).startswith("WarehouseError: ") and "is in use by another process" in err and "DUCKDB_PATH" in err


def test_demo_says_its_port_is_in_use_before_running_the_pipeline(mds, tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        status, err = mds("demo", "--events", "100", DASHBOARD_PORT=str(port))
    assert status == 1
    assert one_line(err).startswith(f"ComponentUnavailable: port {port} is in use")
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_a_read_only_data_dir_is_one_line_naming_it(mds, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):  # what a folder without write permission answers (tests may run as root)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    status, err = mds("load", DATA_DIR="read-only")
    assert status == 1
    assert one_line(err) == "ConfigError: DATA_DIR: cannot write to read-only: Permission denied"
