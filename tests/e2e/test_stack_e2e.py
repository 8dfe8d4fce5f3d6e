"""The production topology, end to end, as local processes: the whole stack of docker-compose.yml.

`stack up` starts Kafka (KRaft), the S3 server, PostgreSQL (the warehouse), Airflow 3 (api-server,
scheduler, dag-processor, LocalExecutor), the producer at a steady rate, the lander and the
dashboard. The scheduler runs `spotify_pipeline` on its own schedule (every minute for the test,
SPOTIFY_PIPELINE_SCHEDULE) into PostgreSQL. During the run the lander is SIGKILLed and restarted,
and `dbt_build` fails once on purpose (SPOTIFY_MDS_FAIL_ONCE) and is retried by Airflow. Then the
producer stops, and the test checks through the dashboard's HTTP API that gold holds every produced
play exactly once (the topic, read back, is the truth), that the warehouse's raw table holds every
event once, and that Airflow's API shows dbt_build's failed try and its successful retry. It prints
the freshness measured, event (its Kafka timestamp) → visible in gold (the first export after the
event's load), p50 and p95, and stops the stack without killing anything.

Airflow's metadata database is SQLite here (STACK_AIRFLOW_DB=sqlite): a fresh one per run, and the
test's PostgreSQL role need not be allowed to create databases. Needs Java and Airflow (the
`airflow` extra); skips without them on a laptop, fails under CI=true. About 5 minutes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from spotify_mds.operations.stack import down, status, up
from spotify_mds.operations.stack.lifecycle import _mds_env
from spotify_mds.operations.stack.procs import (
    STOPPED_ON_SECOND_SIGNAL,
    STOPPED_ONCE_CHILDREN_KILLED,
    Layout,
    kill,
    stop,
)
from tests.integration.kafka_support import unavailable
from tests.stack_support import REPO, stack_environ

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
PRODUCE_SECONDS = 100
KILL_LANDER_AT = 30
RATE = 20
DRAIN_TIMEOUT = 200


def _get(url: str, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _prometheus_scraped_the_stack(plan) -> None:
    """Prometheus (the compose file's config, targets mapped) scrapes every service still running, and
    the Airflow tasks' callbacks pushed their figures to the Pushgateway it scrapes."""
    host, port = plan.services["prometheus"].address
    query = f"http://{host}:{port}/api/v1/query?query="
    wanted = {"spotify-mds-lander", "spotify-mds-lag-exporter", "spotify-mds-dashboard", "pushgateway", "prometheus"}
    deadline = time.monotonic() + 60  # a scrape every 15 s
    while True:
        up = {r["metric"]["job"]: r["value"][1] for r in _get(query + "up")["data"]["result"]}
        stages = {r["metric"]["stage"] for r in _get(query + 'spotify_mds_stage_seconds{pipeline="airflow:spotify_pipeline"}')
                  ["data"]["result"]}  # fmt: skip
        if all(up.get(job) == "1" for job in wanted) and {"dbt_build", "export_gold"} <= stages:
            return
        assert time.monotonic() < deadline, (up, stages)
        time.sleep(3)


def _send(url: str, body: dict, method: str = "POST", token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _topic(env: dict) -> dict[str, tuple[float, str]]:
    """Every event on the topic: event_id → (Kafka timestamp in s, event_type); the test's truth."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": env["KAFKA_BOOTSTRAP_SERVERS"], "group.id": "stack-e2e-truth",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        partitions = consumer.list_topics(env["KAFKA_TOPIC"], timeout=10).topics[env["KAFKA_TOPIC"]].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(env["KAFKA_TOPIC"], p), timeout=10)[1] for p in partitions}
        consumer.assign([TopicPartition(env["KAFKA_TOPIC"], p, 0) for p in partitions])
        events: dict[str, tuple[float, str]] = {}
        positions = {p: 0 for p in partitions}
        deadline = time.monotonic() + 60
        while any(positions[p] < ends[p] for p in partitions) and time.monotonic() < deadline:
            for message in consumer.consume(1000, timeout=1):
                if message.error():
                    continue
                positions[message.partition()] = message.offset() + 1
                event = json.loads(message.value())
                events.setdefault(event["event_id"], (message.timestamp()[1] / 1000, event["event_type"]))
        assert all(positions[p] >= ends[p] for p in partitions), "could not read the whole topic back"
        return events
    finally:
        consumer.close()


def _warehouse(env: dict) -> tuple[int, int, dict[str, float]]:
    """(rows, distinct event ids, event_id → _loaded_at) of raw.listening_events."""
    import psycopg

    conninfo = (f"host={env['POSTGRES_HOST']} port={env['POSTGRES_PORT']} user={env['POSTGRES_USER']} "
                f"password={env['POSTGRES_PASSWORD']} dbname={env['POSTGRES_DB']}")
    with psycopg.connect(conninfo) as con:
        rows, distinct = con.execute("select count(*), count(distinct event_id) from raw.listening_events").fetchone()
        loaded = dict(con.execute("select event_id, min(extract(epoch from _loaded_at)) from raw.listening_events group by 1"))
    return rows, distinct, {key: float(value) for key, value in loaded.items()}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_the_stack_runs_the_pipeline_end_to_end(tmp_path):
    if not shutil.which("java"):
        unavailable("no java on PATH")
    if not (Path(sys.executable).parent / "airflow").exists():
        unavailable("no airflow next to this Python (pip install -e '.[dev,airflow]')")
    pytest.importorskip("psycopg")
    env = stack_environ(
        # USER_COUNT: enough listeners that live events (never ahead of the wall clock) come at ~10/s
        # LAND_MAX_SPAN_SECONDS: a bronze file per 20 s of events (compose's 3600: one per hour, which
        # suits the hourly schedule), so the runs during the flow have new files to load
        PRODUCE_RATE=str(RATE), USER_COUNT="150000", LAND_IDLE_FLUSH_SECONDS="2", LAND_MAX_SPAN_SECONDS="20",
        STACK_AIRFLOW_DB="sqlite",
        SPOTIFY_PIPELINE_SCHEDULE="* * * * *", SPOTIFY_PIPELINE_RETRY_DELAY_SECONDS="3",
        SPOTIFY_MDS_FAIL_ONCE=f"dbt_build:{tmp_path / 'dbt_build-failed-once'}",
        AIRFLOW_DAGS_PAUSED_AT_CREATION="True",  # only spotify_pipeline is unpaused, below
    )
    from spotify_mds.settings import Settings
    from warehouses import fresh_postgres

    fresh_postgres(Settings(_env_file=None, warehouse="postgres", postgres_host=env["POSTGRES_HOST"],
                            postgres_port=int(env["POSTGRES_PORT"]), postgres_user=env.get("POSTGRES_USER", "postgres"),
                            postgres_password=env["POSTGRES_PASSWORD"], postgres_db=env.get("POSTGRES_DB", "spotify_mds")))
    state = tmp_path / "stack"
    started = time.monotonic()
    exports: dict[str, float] = {}  # exported_at (ISO) → when first seen

    def watch() -> dict:
        body = _get(f"{dashboard}/api/status")
        if body.get("exported_at"):
            exports.setdefault(body["exported_at"], time.time())
        return body

    try:
        plan = up(REPO, state, env, say=print)
        print(f"stack up in {time.monotonic() - started:.0f}s")
        mds = _mds_env(plan)
        dashboard, api = mds["DASHBOARD_URL"], mds["AIRFLOW_API_URL"]
        token = _send(f"{api}/auth/token", {"username": env.get("AIRFLOW_ADMIN_USER", "airflow"),
                                            "password": env["AIRFLOW_ADMIN_PASSWORD"]})["access_token"]
        deadline = time.monotonic() + 120
        while True:  # the dag-processor has parsed it: unpause
            try:
                _send(f"{api}/api/v2/dags/spotify_pipeline", {"is_paused": False}, "PATCH", token)
                break
            except urllib.error.HTTPError:
                assert time.monotonic() < deadline, "spotify_pipeline never appeared in Airflow"
                time.sleep(2)
        layout = Layout(plan.state)
        producing = time.monotonic()
        killed = False
        while time.monotonic() - producing < PRODUCE_SECONDS:
            watch()
            if not killed and time.monotonic() - producing > KILL_LANDER_AT:
                assert kill(layout, "lander")  # SIGKILL: whatever it buffered is lost to it, not to Kafka
                up(REPO, state, env, ["lander"])
                killed = True
            time.sleep(2)
        assert stop(layout, "producer") == "stopped"
        produced = int(re.search(r"produced ([\d,]+) events", layout.log_file("producer").read_text())
                       .group(1).replace(",", ""))
        truth = _topic(mds)
        assert len(truth) == produced, "the topic holds exactly what the producer says it delivered"
        plays = sum(1 for _, kind in truth.values() if kind == "play")

        deadline = time.monotonic() + DRAIN_TIMEOUT
        while True:
            watch()
            value = _get(f"{dashboard}/api/kpis")["plays"]["value"]
            if value == plays or time.monotonic() > deadline:
                break
            time.sleep(3)
        if value != plays:
            tasks = _get(f"{api}/api/v2/dags/spotify_pipeline/dagRuns/~/taskInstances?limit=500", token)
            summary = sorted((t["run_id"][-20:], t["task_id"], t.get("map_index"), t["try_number"], t["state"])
                             for t in tasks["task_instances"])
            pytest.fail(f"gold shows {value} plays, the topic holds {plays}; Airflow's tasks: {summary}")
        rows, distinct, loaded = _warehouse(env)
        assert rows == distinct == len(truth), (rows, distinct, len(truth))
        assert set(loaded) == set(truth)

        runs = _get(f"{api}/api/v2/dags/spotify_pipeline/dagRuns?limit=100", token)["dag_runs"]
        tries = []
        for run in runs:
            url = f"{api}/api/v2/dags/spotify_pipeline/dagRuns/{run['dag_run_id']}/taskInstances/dbt_build/tries"
            try:
                tries.append([t["state"] for t in _get(url, token)["task_instances"]])
            except urllib.error.HTTPError:
                continue
        assert ["failed", "success"] in tries or ["up_for_retry", "success"] in tries, tries
        assert layout.log_file("lander").read_text().count(" start: ") == 2
        rows_now = {row.service: row for row in status(REPO, state, env)}
        assert rows_now["airflow-scheduler"].health.startswith("ok"), rows_now["airflow-scheduler"]
        if "prometheus" in plan.services or os.environ.get("CI"):  # CI provisions Debian's prometheus
            _prometheus_scraped_the_stack(plan)
    finally:
        outcomes = down(REPO, state, env, timeout=30)
    # Every service of ours stops on the first SIGTERM. Airflow's may need the second signal they ask
    # for, and 3.3.2's scheduler can hang at shutdown: LocalExecutor.end() joins a worker that never
    # takes its shutdown message (apache/airflow#67870, fixed after 3.3.2), and that forked worker
    # inherits a SIGTERM handler that returns in a child. `stop` then SIGKILLs the children, and the
    # scheduler ends by itself (tests/integration/test_stack_airflow_stop.py makes that hang certain).
    # "killed" stays tolerated for the scheduler alone: the hang CI met at random (once in three runs)
    # has not yet been seen ending that way in CI itself.
    airflow = {STOPPED_ON_SECOND_SIGNAL, STOPPED_ONCE_CHILDREN_KILLED}
    tolerated = {"airflow-scheduler": airflow | {"killed"}}
    unclean = {name: outcome for name, outcome in outcomes.items() if outcome not in {"stopped", "not running"}
               and outcome not in tolerated.get(name, airflow if name.startswith("airflow-") else set())}
    print(f"\nstack down: {outcomes}")
    assert not unclean, f"not stopped cleanly: {unclean}; logs in {Layout(state).log_dir}"

    seen = sorted((datetime.fromisoformat(at).timestamp(), first) for at, first in exports.items())
    freshness = []
    for event_id, (produced_at, _) in truth.items():
        visible = next((first for exported, first in seen if exported >= loaded[event_id]), None)
        assert visible is not None, f"{event_id} never reached an export the test saw"
        freshness.append(visible - produced_at)
    print(f"\nfreshness event → gold over {len(freshness):,} events: p50 {statistics.median(freshness):.0f}s, "
          f"p95 {_percentile(freshness, 0.95):.0f}s (schedule every minute; {len(seen)} exports seen); "
          f"whole test {time.monotonic() - started:.0f}s")
    assert len(seen) >= 2, "gold was exported during the flow, not only after it"
    assert _percentile(freshness, 0.95) < 240
