"""Run records in the lake (spotify_mds.runlog): one per step under <layer>/logs, one per run."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import SecretStr

from spotify_mds.errors import LakeError
from spotify_mds.lake import LocalLake, MemoryLake
from spotify_mds import runlog
from spotify_mds.runlog import RunLog, recent_runs, step_records


def test_a_run_writes_one_record_per_step_under_its_layer_and_one_for_the_run():
    lake = MemoryLake()
    with RunLog(lake, "breweries", params={"date": "2026-12-01"}) as run:
        with run.step("bronze", "extract", source="http://api") as step:
            step.count(pages=60, records=11_822)
        with run.step("silver", "transform") as step:
            step.count(rows_in=11_822, rows_out=11_800, quarantined=22)

    keys = [info.key for info in lake.list("")]
    assert sum(k.startswith(f"bronze/logs/pipeline=breweries/date={run.date}/{run.run_id}/01-extract") for k in keys) == 1
    assert sum(k.startswith(f"silver/logs/pipeline=breweries/date={run.date}/{run.run_id}/02-transform") for k in keys) == 1
    [summary] = recent_runs(lake)
    assert summary["status"] == "ok" and summary["failed_step"] is None
    assert summary["params"] == {"date": "2026-12-01"}
    assert [s["step"] for s in summary["steps"]] == ["extract", "transform"]
    records = step_records(lake, summary)
    assert [r["counts"] for r in records] == [
        {"pages": 60, "records": 11_822},
        {"rows_in": 11_822, "rows_out": 11_800, "quarantined": 22},
    ]
    assert records[0]["inputs"] == {"source": "http://api"} and records[0]["seconds"] >= 0


def test_a_failed_step_is_recorded_with_its_error_and_the_run_says_where_it_failed():
    lake = MemoryLake()
    with pytest.raises(ValueError, match="bad page"):
        with RunLog(lake, "breweries") as run:
            with run.step("bronze", "extract"):
                raise ValueError("bad page 7")
    [summary] = recent_runs(lake, pipeline="breweries")
    assert summary["status"] == "failed"
    assert summary["failed_step"] == "bronze/extract"
    assert summary["error"] == "bad page 7" and summary["error_type"] == "ValueError"
    [record] = step_records(lake, summary)
    assert record["status"] == "failed" and record["error"] == "bad page 7"


def test_a_run_in_progress_is_visible_as_running():
    lake = MemoryLake()
    run = RunLog(lake, "ecommerce")
    with run.step("raw", "ingest"):
        pass
    [summary] = recent_runs(lake)
    assert summary["status"] == "running" and summary["finished_at"] is None
    assert len(summary["steps"]) == 1


def test_secrets_are_never_written():
    lake = MemoryLake()
    with RunLog(lake, "spotify_api", params={"client_secret": "hunter2", "token": SecretStr("abc")}) as run:
        with run.step("bronze", "extract", password="pw", api_key="k", url="http://x") as step:
            step.count(access_token="zq-tok-9", rows=3)
    blob = b"".join(lake.get(info.key) for info in lake.list(""))
    for secret in (b"hunter2", b"abc", b"pw\"", b"\"k\"", b"zq-tok-9"):
        assert secret not in blob
    assert b"http://x" in blob


def test_an_unwritable_lake_does_not_break_the_run(tmp_path, caplog, monkeypatch):
    # Another test's logging.config (Airflow's, dbt's) may have disabled loggers created before it.
    monkeypatch.setattr(runlog.logger, "disabled", False)
    caplog.set_level(logging.WARNING, logger=runlog.logger.name)
    lake = LocalLake(tmp_path)

    def refuse(key, data, **_):
        raise LakeError(f"cannot write {key}", key=key)

    monkeypatch.setattr(lake, "put", refuse)
    with RunLog(lake, "breweries") as run:
        with run.step("gold", "chart") as step:
            step.count(files=1)
    assert "not written to the lake" in caplog.text
    assert '"step": "chart"' in caplog.text


def test_recent_runs_are_newest_first_across_pipelines_and_limited():
    lake = MemoryLake()
    ids = []
    for pipeline in ("a", "b", "a"):
        with RunLog(lake, pipeline) as run:
            ids.append(run.run_id)
    assert [r["run_id"] for r in recent_runs(lake)] == sorted(ids, reverse=True)
    assert len(recent_runs(lake, limit=2)) == 2
    assert {r["pipeline"] for r in recent_runs(lake, pipeline="a")} == {"a"}
    json.dumps(recent_runs(lake))  # plain JSON, for `--json`
