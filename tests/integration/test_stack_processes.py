"""The process stack for real, a minimal subset: Kafka (KRaft) + the S3 server + the lander + the
producer + the dashboard, started from docker-compose.yml's definitions, checked through `stack
status`, then stopped with `stack down`: producer first, nothing killed, every produced event in
bronze. Needs Java (the broker) and an S3 server (SeaweedFS's weed, or moto's server from the dev
extra); skips on a laptop without Java, fails under CI=true.
"""

from __future__ import annotations

import json
import re
import shutil
import time

from spotify_mds.operations.stack import down, status, up
from spotify_mds.operations.stack.lifecycle import _mds_env, _settings
from spotify_mds.operations.stack.procs import Layout, stop
from tests.integration.kafka_support import unavailable
from tests.stack_support import REPO, stack_environ


def _bronze_event_ids(env) -> list[str]:
    from spotify_mds.lake import lake_from
    from spotify_mds.warehouse.files import bronze_files

    lake = lake_from(_settings(env))
    ids = []
    for info in bronze_files(lake, env["KAFKA_TOPIC"]):
        ids += [json.loads(line)["event_id"] for line in lake.get(info.key).splitlines() if line.strip()]
    return ids


def test_a_minimal_stack_runs_reports_and_stops_losing_nothing(tmp_path):
    if not shutil.which("java"):
        unavailable("no java on PATH")
    state = tmp_path / "stack"
    # USER_COUNT: live events come no faster than the listeners make them (docs/stack.md)
    env = stack_environ(PRODUCE_RATE="40", USER_COUNT="150000", LAND_IDLE_FLUSH_SECONDS="1")
    lines: list[str] = []
    try:
        plan = up(REPO, state, env, ["lander", "producer", "dashboard"], say=lines.append)
        started = [line.split(":")[0] for line in lines]
        assert sorted(started) == sorted(["kafka", "minio", "minio-init", "producer", "lander", "dashboard"])
        assert started.index("kafka") < started.index("lander") and started.index("minio-init") < started.index("lander")
        rows = {row.service: row for row in status(REPO, state, env)}
        for name in ("kafka", "minio", "producer", "lander", "dashboard"):
            assert rows[name].state == "running" and rows[name].pid, rows[name]
            assert rows[name].health.startswith("ok"), rows[name]
        assert rows["minio-init"].state == "completed"
        assert re.search(r"(seaweedfs|moto) S3 server", rows["minio"].health)
        for name in ("kafka-ui", "metabase", "metabase-provision"):
            assert rows[name].state == "not run" and rows[name].health  # with the reason
        for name in ("airflow-scheduler", "airflow-apiserver"):
            assert rows[name].state == "stopped"  # not asked for
        assert rows["dashboard"].where == f"127.0.0.1:{env['DASHBOARD_PORT']}"

        time.sleep(8)  # a few hundred events through Kafka into bronze
        layout = Layout(plan.state)
        assert stop(layout, "producer", timeout=30) == "stopped"
        produced = int(re.search(r"produced ([\d,]+) events", layout.log_file("producer").read_text())
                       .group(1).replace(",", ""))
        assert produced > 100
        mds = _mds_env(plan)
        deadline = time.monotonic() + 60
        while len(ids := _bronze_event_ids(mds)) < produced and time.monotonic() < deadline:
            time.sleep(1)
        assert len(ids) == produced and len(set(ids)) == produced  # every event, once
    finally:
        outcomes = down(REPO, state, env, timeout=30)
    assert outcomes["lander"] == "stopped" and outcomes["kafka"] == "stopped" and outcomes["minio"] == "stopped"
    assert outcomes["dashboard"] == "stopped"
    assert all(outcome in {"stopped", "not running"} for outcome in outcomes.values()), outcomes  # none killed
    landed = re.search(r"landed ([\d,]+)", Layout(state.resolve()).log_file("lander").read_text()).group(1)
    assert int(landed.replace(",", "")) == produced  # the lander's own count, after its SIGTERM flush
    rows = {row.service: row for row in status(REPO, state, env)}
    assert all(rows[name].state == "stopped" for name in ("kafka", "minio", "producer", "lander", "dashboard"))
