"""Batch runs' metrics and records: `push_run` (textfile, Pushgateway protocol), `recorded_run`,
`spotify-mds runs` after a failed step, and JSON-line logs with the run id and no secrets."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from spotify_mds.lake import LocalLake, MemoryLake
from spotify_mds.runlog import RunLog, recent_runs

prometheus_client = pytest.importorskip("prometheus_client")  # the dev extra has it: never skipped in CI
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def a_run(lake, *, fail: bool = False, quality: str = "pass", run_id: str | None = None) -> RunLog:
    run = RunLog(lake, "breweries", run_id=run_id)
    with run.step("bronze", "extract") as step:
        step.count(rows=120, pages=3)
    try:
        with run.step("gold", "quality") as step:
            step.count(quality={"freshness": quality, "volume": "skip"}, freshness_age_seconds=7200.0,
                       freshness_sla_seconds=93600.0)  # fmt: skip
            if fail:
                raise RuntimeError("the warehouse went away")
    except RuntimeError as exc:
        run.close(exc)
    else:
        run.close()
    return run


def test_a_run_is_written_for_the_textfile_collector_with_pipeline_and_stage_labels(tmp_path):
    from spotify_mds.metrics import push_run

    where = push_run(a_run(MemoryLake()), SimpleNamespace(pushgateway_url="", metrics_textfile_dir=tmp_path))
    path = tmp_path / "spotify_mds_breweries.prom"
    assert where == str(path)
    got = samples(path.read_text())
    assert got["spotify_mds_run_failed", (("pipeline", "breweries"),)] == 0
    assert got["spotify_mds_stage_rows", (("layer", "bronze"), ("pipeline", "breweries"), ("stage", "extract"))] == 120
    assert got["spotify_mds_stage_count", (("count", "pages"), ("layer", "bronze"), ("pipeline", "breweries"),
                                           ("stage", "extract"))] == 3  # fmt: skip
    assert got["spotify_mds_quality_check_failing", (("check", "freshness"), ("pipeline", "breweries"))] == 0
    assert got["spotify_mds_freshness_age_seconds", (("pipeline", "breweries"),)] == 7200
    assert got["spotify_mds_freshness_sla_seconds", (("pipeline", "breweries"),)] == 93600
    assert ("spotify_mds_stage_seconds", (("layer", "gold"), ("pipeline", "breweries"), ("stage", "quality"))) in got
    assert not list(tmp_path.glob("*.prom.*"))  # written atomically (a temporary file renamed)


def test_a_failed_run_keeps_the_last_success_time_and_says_which_stage_failed(tmp_path):
    from spotify_mds.metrics import push_run

    settings = SimpleNamespace(pushgateway_url="", metrics_textfile_dir=tmp_path)
    push_run(a_run(MemoryLake()), settings)
    path = tmp_path / "spotify_mds_breweries.prom"
    success = samples(path.read_text())["spotify_mds_run_last_success_timestamp_seconds", (("pipeline", "breweries"),)]
    push_run(a_run(MemoryLake(), fail=True, quality="fail"), settings)
    got = samples(path.read_text())
    assert got["spotify_mds_run_failed", (("pipeline", "breweries"),)] == 1
    assert got["spotify_mds_run_last_success_timestamp_seconds", (("pipeline", "breweries"),)] == success
    assert got["spotify_mds_run_last_finish_timestamp_seconds", (("pipeline", "breweries"),)] >= success
    assert got["spotify_mds_stage_failed", (("layer", "gold"), ("pipeline", "breweries"), ("stage", "quality"))] == 1
    assert got["spotify_mds_quality_check_failing", (("check", "freshness"), ("pipeline", "breweries"))] == 1


class _Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the http.server protocol
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.command, self.path, body.decode()))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_run_is_pushed_with_post_grouped_by_pipeline():
    """The Pushgateway's protocol (a real Pushgateway: tests/integration/test_prometheus.py)."""
    from spotify_mds.metrics import push_run

    _Gateway.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        assert push_run(a_run(MemoryLake()), gateway=url) == url
    finally:
        server.shutdown()
        server.server_close()
    [(method, path, body)] = _Gateway.received
    assert method == "POST" and path == "/metrics/job/spotify_mds_batch/pipeline/breweries"
    assert samples(body)["spotify_mds_stage_rows", (("layer", "bronze"), ("pipeline", "breweries"), ("stage", "extract"))] == 120


def test_nothing_is_pushed_without_a_target_and_a_gateway_down_is_a_warning(caplog):
    from spotify_mds.metrics import push_run

    run = a_run(MemoryLake())
    assert push_run(run, SimpleNamespace(pushgateway_url="", metrics_textfile_dir=None)) is None
    with caplog.at_level(logging.WARNING):
        assert push_run(run, gateway="http://127.0.0.1:9", timeout_s=1) is None
    assert "not pushed" in caplog.text


def test_recorded_run_records_the_failure_re_raises_it_and_pushes(tmp_path):
    from spotify_mds.metrics import recorded_run

    lake = MemoryLake()
    settings = SimpleNamespace(pushgateway_url="", metrics_textfile_dir=tmp_path)
    with pytest.raises(OSError, match="disk full"):
        with recorded_run(lake, "ecommerce", settings, date="2026-12-01") as run:
            with run.step("raw", "ingest") as step:
                step.count(rows=10)
            with run.step("silver", "transform"):
                raise OSError("disk full")
    [record] = recent_runs(lake)
    assert record["status"] == "failed" and record["failed_step"] == "silver/transform"
    assert record["error"] == "disk full" and record["params"] == {"date": "2026-12-01"}
    got = samples((tmp_path / "spotify_mds_ecommerce.prom").read_text())
    assert got["spotify_mds_run_failed", (("pipeline", "ecommerce"),)] == 1


def test_a_failed_bronze_step_leaves_a_run_record_that_runs_shows(mds, tmp_path):
    """The lake refuses bronze (a file where its folder should be): the run fails in bronze/land,
    its record says so, and `spotify-mds runs` shows the failed step and the error."""
    from typer.testing import CliRunner

    from spotify_mds.cli import app

    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "bronze").write_text("not a folder")
    env = {"DATA_DIR": str(tmp_path / "data"), "LAKE_URL": str(lake), "METRICS_TEXTFILE_DIR": str(tmp_path / "prom")}
    status, err = mds("run", "--events", "300", "--users", "50", **env)
    assert status == 1 and "Not a directory" in err.strip().splitlines()[-1]
    shown = CliRunner().invoke(app, ["runs", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    [run] = json.loads(shown.stdout)
    assert run["pipeline"] == "streams" and run["status"] == "failed"
    assert run["failed_step"] == "bronze/land" and "Not a directory" in run["error"]
    assert [(s["layer"], s["step"], s["status"]) for s in run["steps"]] == [("bronze", "land", "failed")]
    table = CliRunner().invoke(app, ["runs", "--pipeline", "streams"], env={**env, "COLUMNS": "250"})
    assert "failed" in table.output and "bronze/land" in table.output
    got = samples((tmp_path / "prom" / "spotify_mds_streams.prom").read_text())
    assert got["spotify_mds_stage_failed", (("layer", "bronze"), ("pipeline", "streams"), ("stage", "land"))] == 1


def test_runs_says_when_nothing_ran(tmp_path):
    from typer.testing import CliRunner

    from spotify_mds.cli import app

    shown = CliRunner().invoke(app, ["runs"], env={"DATA_DIR": str(tmp_path), "LAKE_URL": str(tmp_path / "lake")})
    assert shown.exit_code == 0 and "no run recorded yet" in shown.output


def test_json_logs_carry_the_run_id_and_never_a_secret(tmp_path):
    from spotify_mds.logs import configure_logging, run_context

    log_file = tmp_path / "logs" / "mds.jsonl"
    configure_logging(logging.INFO, fmt="json", file=log_file, secrets=["s3cr3t-value"])
    try:
        logger = logging.getLogger("spotify_mds.test")
        with run_context("20261202T100000Z-abc123"):
            logger.info("connecting with %s to %s", "s3cr3t-value", "postgresql://u:hunter22@db/x")
            logger.warning("token=abcdef123 password: letmein")
        logger.info("outside a run")
    finally:
        configure_logging(logging.WARNING)
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [line["run_id"] for line in lines] == ["20261202T100000Z-abc123", "20261202T100000Z-abc123", None]
    text = log_file.read_text()
    for secret in ("s3cr3t-value", "hunter22", "abcdef123", "letmein"):
        assert secret not in text
    assert lines[0]["message"] == "connecting with *** to postgresql://u:***@db/x"
    assert {"time", "level", "logger", "message"} <= set(lines[0])


def test_the_cli_configures_json_logs_from_settings(mds, tmp_path):
    log_file = tmp_path / "cli.jsonl"
    status, err = mds("-v", "simulate", "--events", "5", "--out", str(tmp_path / "e.ndjson"),
                      LOG_FORMAT="json", LOG_FILE=str(log_file), POSTGRES_PASSWORD="pg-secret-9")  # fmt: skip
    assert status == 0, err
    assert "pg-secret-9" not in log_file.read_text() + err
    for line in log_file.read_text().splitlines():
        assert json.loads(line)["level"]


def test_the_health_page_shows_each_pipelines_last_runs(tmp_path):
    from starlette.testclient import TestClient

    from spotify_mds.presentation.dashboard.app import create_app

    lake = LocalLake(tmp_path)
    a_run(lake, run_id="20261202T100000Z-aaaaaa")
    a_run(lake, fail=True, run_id="20261202T100001Z-aaaaaa")  # ids sort by time: this one is the last
    with RunLog(lake, "streams") as run, run.step("bronze", "land") as step:
        step.count(rows=10, quarantined=4, lag=12)
    client = TestClient(create_app(lake))
    data = client.get("/api/health").json()
    assert set(data["pipelines"]) == {"breweries", "streams"}
    last = data["pipelines"]["breweries"]["last"]
    assert last["status"] == "failed" and last["failed_step"] == "gold/quality"
    assert last["error"] == "the warehouse went away" and last["freshness_age_seconds"] == 7200
    assert len(data["pipelines"]["breweries"]["runs"]) == 2
    streams = data["pipelines"]["streams"]["last"]
    assert streams["quarantined"] == 4 and streams["lag"] == 12 and "bronze/land" in streams["steps"]
    page = client.get("/health")
    assert page.status_code == 200 and "the warehouse went away" in page.text and "breweries" in page.text


def test_the_health_page_escapes_what_it_reads():
    from spotify_mds.presentation.dashboard.health import render

    data = {"pipelines": {"<b>x</b>": {"runs": [{
        "status": "failed", "started_at": "t", "seconds": 1.0, "steps": {}, "failed_step": "a/b",
        "error": "<script>alert(1)</script>", "quarantined": None, "freshness_age_seconds": None,
        "freshness_sla_seconds": None, "lag": None,
    }]}}}  # fmt: skip
    html = render(data)
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<b>x</b>" not in html


class _TaskInstance:
    """What an Airflow callback's context holds as `ti` (the parts push_task reads)."""

    def __init__(self, task_id: str, returned, map_index: int = -1) -> None:
        from datetime import UTC, datetime, timedelta

        self.dag_id, self.task_id, self.map_index, self.returned = "spotify_pipeline", task_id, map_index, returned
        self.start_date = datetime.now(UTC) - timedelta(seconds=12)
        self.pulled = []

    def xcom_pull(self, task_ids=None, map_indexes=None):
        self.pulled.append((task_ids, map_indexes))
        return self.returned


def test_an_airflow_task_pushes_its_seconds_and_returned_figures_one_file_per_task(tmp_path):
    from spotify_mds.metrics import push_task

    settings = SimpleNamespace(pushgateway_url="", metrics_textfile_dir=tmp_path)
    load = _TaskInstance("load", {"hour": "2026-11-02T03", "files_loaded": 2, "rows_loaded": 900}, map_index=3)
    push_task({"ti": load}, settings)
    push_task({"ti": _TaskInstance("quality_checks", {"checks": {"freshness": "fail"}, "failed": 1})}, settings)
    push_task({"ti": _TaskInstance("export_gold", None)}, settings, failed=True)
    assert load.pulled == [("load", 3)]
    files = {path.name: samples(path.read_text()) for path in tmp_path.glob("*.prom")}
    assert set(files) == {f"spotify_mds_airflow_spotify_pipeline_{task}.prom" for task in ("load", "quality_checks", "export_gold")}
    got = files["spotify_mds_airflow_spotify_pipeline_load.prom"]
    labels = (("layer", "airflow"), ("pipeline", "airflow:spotify_pipeline"), ("stage", "load"))
    assert got["spotify_mds_stage_rows", labels] == 900
    assert got["spotify_mds_stage_seconds", labels] == pytest.approx(12, abs=2)
    quality = files["spotify_mds_airflow_spotify_pipeline_quality_checks.prom"]
    assert quality["spotify_mds_quality_check_failing", (("check", "freshness"), ("pipeline", "airflow:spotify_pipeline"))] == 1
    failed = files["spotify_mds_airflow_spotify_pipeline_export_gold.prom"]
    assert failed["spotify_mds_run_failed", (("pipeline", "airflow:spotify_pipeline"),)] == 1


def test_an_airflow_task_pushes_to_a_group_of_its_own():
    from spotify_mds.metrics import push_task

    _Gateway.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        assert push_task({"ti": _TaskInstance("dbt_build", {"success": 40})}, SimpleNamespace(pushgateway_url=url)) == url
    finally:
        server.shutdown()
        server.server_close()
    [(method, path, _)] = _Gateway.received
    assert method == "POST" and path == "/metrics/job/spotify_mds_batch_task/pipeline/airflow%3Aspotify_pipeline/task/dbt_build"
