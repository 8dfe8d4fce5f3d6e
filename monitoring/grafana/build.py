"""Grafana dashboards as code: one per pipeline plus the platform, written as JSON next to this file.

    python monitoring/grafana/build.py      # rewrites dashboards/*.json

The JSON files are what Grafana provisions (provisioning/dashboards/spotify-mds.yml); this script is
how they are made, so a change is reviewed as code. tests/unit/test_grafana_dashboards.py checks that
the files are what this script writes, that their model is sane, and that every metric a query
names is one the project exports. Standard library only.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASOURCE = {"type": "prometheus", "uid": "spotify-mds-prometheus"}
BATCH_PIPELINES = {"spotify_api": "Spotify Web API", "breweries": "Breweries", "ecommerce": "E-commerce"}


class Board:
    """Panels laid out left to right, 24 columns wide, in rows of `height`."""

    def __init__(self, uid: str, title: str, tags: list[str]) -> None:
        self.uid, self.title, self.tags = uid, title, tags
        self.panels: list[dict] = []
        self.variables: list[dict] = []
        self.x = self.y = self.height = 0

    def new_row(self) -> Board:
        self.x, self.y = 0, self.y + self.height
        return self

    def panel(self, title: str, kind: str, exprs: list[tuple[str, str]], *, width: int = 8, height: int = 8,
              unit: str = "short", description: str = "") -> Board:  # fmt: skip
        if self.x + width > 24:
            self.new_row()
        self.height = height
        self.panels.append({
            "id": len(self.panels) + 1,
            "type": kind,
            "title": title,
            "description": description,
            "datasource": DATASOURCE,
            "gridPos": {"x": self.x, "y": self.y, "w": width, "h": height},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {},
            "targets": [
                {"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                for i, (expr, legend) in enumerate(exprs)
            ],
        })  # fmt: skip
        self.x += width
        return self

    def json(self) -> dict:
        return {
            "uid": self.uid,
            "title": self.title,
            "tags": ["spotify-mds", *self.tags],
            "timezone": "utc",
            "schemaVersion": 39,
            "version": 1,
            "editable": True,
            "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": self.variables},
            "annotations": {"list": []},
            "panels": self.panels,
        }


def batch_panels(board: Board, pipeline: str) -> Board:
    """What every batch run pushes (spotify_mds.metrics.batch), for one pipeline."""
    p = f'pipeline="{pipeline}"'
    return (
        board.panel("Last run failed", "stat", [(f"spotify_mds_run_failed{{{p}}}", "failed")], width=6, height=5,
                    description="1 when the last run failed: `spotify-mds runs` shows the step and the error.")
        .panel("Since the last successful run", "stat",
               [(f"time() - spotify_mds_run_last_success_timestamp_seconds{{{p}}}", "age")], width=6, height=5, unit="s")
        .panel("Run duration", "timeseries", [(f"spotify_mds_run_duration_seconds{{{p}}}", "run")], width=6, height=5,
               unit="s")
        .panel("Freshness vs SLA", "timeseries", [(f"spotify_mds_freshness_age_seconds{{{p}}}", "age"),
                                                   (f"spotify_mds_freshness_sla_seconds{{{p}}}", "SLA")],
               width=6, height=5, unit="s")
        .panel("Seconds per stage (last run)", "bargauge",
               [(f"spotify_mds_stage_seconds{{{p}}}", "{{layer}}/{{stage}}")], width=8, unit="s")
        .panel("Rows per stage (last run)", "bargauge", [(f"spotify_mds_stage_rows{{{p}}}", "{{layer}}/{{stage}}")],
               width=8)
        .panel("Failing quality checks", "table", [(f"spotify_mds_quality_check_failing{{{p}}} == 1", "{{check}}"),
                                                   (f"spotify_mds_stage_failed{{{p}}} == 1", "{{layer}}/{{stage}}")],
               width=8)
    )  # fmt: skip


def streams() -> Board:
    t = 'topic=~"$topic"'
    board = Board("spotify-mds-streams", "spotify-mds · streams (Kafka → bronze → gold)", ["streams"])
    board.panel("Records in / landed / quarantined per second", "timeseries", [
        (f"sum(rate(spotify_mds_lander_records_total{{{t}}}[5m]))", "in"),
        (f"sum(rate(spotify_mds_lander_landed_records_total{{{t}}}[5m]))", "landed"),
        (f"sum(rate(spotify_mds_lander_quarantined_records_total{{{t}}}[5m]))", "quarantined"),
    ], width=12, unit="ops")  # fmt: skip
    board.panel("Consumer group lag (broker's view)", "timeseries", [
        (f"sum by (partition) (spotify_mds_kafka_group_lag_records{{{t}}})", "partition {{partition}}"),
    ], width=12)  # fmt: skip
    board.panel("Quarantined by reason", "timeseries", [
        (f"sum by (reason) (rate(spotify_mds_lander_quarantined_records_total{{{t}}}[5m]))", "{{reason}}"),
    ], unit="ops")  # fmt: skip
    board.panel("Lander's lag per partition", "timeseries", [
        (f"spotify_mds_lander_lag_records{{{t}}}", "{{instance}} p{{partition}}"),
    ])  # fmt: skip
    board.panel("Commit latency p50 / p99", "timeseries", [
        (f"histogram_quantile(0.5, sum by (le) (rate(spotify_mds_lander_commit_seconds_bucket{{{t}}}[5m])))", "p50"),
        (f"histogram_quantile(0.99, sum by (le) (rate(spotify_mds_lander_commit_seconds_bucket{{{t}}}[5m])))", "p99"),
    ], unit="s")  # fmt: skip
    board.panel("Files and bytes written per second", "timeseries", [
        (f"sum(rate(spotify_mds_lander_files_total{{{t}}}[5m]))", "files"),
        (f"sum(rate(spotify_mds_lander_written_bytes_total{{{t}}}[5m]))", "bytes"),
    ])  # fmt: skip
    board.panel("Buffered (not yet durable)", "timeseries", [
        (f"spotify_mds_lander_buffered_bytes{{{t}}}", "{{instance}} bytes"),
        (f"spotify_mds_lander_buffered_records{{{t}}}", "{{instance}} records"),
    ])  # fmt: skip
    board.panel("Storage outage", "stat", [(f"max(spotify_mds_lander_storage_outage_seconds{{{t}}})", "outage")],
                unit="s")  # fmt: skip
    board.panel("Producer: sent and delivery errors per second", "timeseries", [
        (f"sum(rate(spotify_mds_producer_sent_records_total{{{t}}}[5m]))", "sent"),
        (f"sum(rate(spotify_mds_producer_delivery_errors_total{{{t}}}[5m]))", "errors"),
    ], unit="ops")  # fmt: skip
    board.panel("Producer: delivery latency", "timeseries", [
        (f"max by (quantile) (spotify_mds_producer_delivery_latency_seconds{{{t}}})", "p{{quantile}}"),
    ], unit="s")  # fmt: skip
    batch_panels(board.new_row(), "streams")
    board.variables.append({
        "name": "topic", "type": "query", "datasource": DATASOURCE, "refresh": 2, "includeAll": True, "multi": True,
        "current": {"text": "All", "value": "$__all"},
        "query": {"query": "label_values(spotify_mds_lander_records_total, topic)", "refId": "topic"},
    })  # fmt: skip
    return board


def batch(pipeline: str, title: str) -> Board:
    return batch_panels(Board(f"spotify-mds-{pipeline.replace('_', '-')}", f"spotify-mds · {title}", [pipeline]), pipeline)


def platform() -> Board:
    board = Board("spotify-mds-platform", "spotify-mds · platform", ["platform"])
    board.panel("Targets up", "stat", [('up{job=~"spotify-mds.*|pushgateway"}', "{{job}} {{instance}}")], width=12,
                description="1: Prometheus reaches the service's /metrics.")  # fmt: skip
    board.panel("Alerts firing", "table", [('ALERTS{alertstate="firing"}', "{{alertname}}")], width=12)
    board.panel("Runs failed (last run, every pipeline)", "bargauge", [("spotify_mds_run_failed", "{{pipeline}}")])
    board.panel("Since the last successful run", "bargauge",
                [("time() - spotify_mds_run_last_success_timestamp_seconds", "{{pipeline}}")], unit="s")  # fmt: skip
    board.panel("Lag exporter reaches the broker", "stat", [("min(spotify_mds_kafka_lag_exporter_up)", "up")])
    board.panel("Dashboard requests per second", "timeseries", [
        ("sum by (status) (rate(spotify_mds_dashboard_requests_total[5m]))", "{{status}}"),
        ("sum(rate(spotify_mds_dashboard_errors_total[5m]))", "errors"),
    ], width=12, unit="reqps")  # fmt: skip
    board.panel("Dashboard latency p95", "timeseries", [
        ("histogram_quantile(0.95, sum by (le, route) (rate(spotify_mds_dashboard_request_seconds_bucket[5m])))",
         "{{route}}"),
    ], width=12, unit="s")  # fmt: skip
    return board


def boards() -> dict[str, dict]:
    """File name → dashboard JSON model."""
    made = {"streams.json": streams(), "platform.json": platform()}
    made.update({f"{name}.json": batch(name, title) for name, title in BATCH_PIPELINES.items()})
    return {name: board.json() for name, board in made.items()}


def render(model: dict) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for name, model in boards().items():
        (HERE / "dashboards" / name).write_text(render(model), encoding="utf-8")
        print(f"wrote {HERE / 'dashboards' / name}")
