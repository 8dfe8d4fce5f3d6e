"""Prometheus metrics, from the core, so every pipeline has them the same way.

Two kinds, as Prometheus wants them:

- **services** (`services`): long-running processes (the lander, the producer, the dashboard) keep
  their figures in a `CollectorRegistry` of their own (never the global one, so two in one process,
  or in one test session, never mix) and serve it at `/metrics`. The hot path stays as it was: the
  lander's figures are the counters it already keeps (`LandStats`, `LanderStatus`), read when
  Prometheus scrapes, not incremented a second time per record.
- **batch runs** (`batch`): a run's records (`spotify_mds.runlog.RunLog`: steps, counts, seconds,
  status) become gauges pushed to a Pushgateway (PUSHGATEWAY_URL) or written for node_exporter's
  textfile collector (METRICS_TEXTFILE_DIR), labelled by pipeline and stage. One call:
  `push_run(run_log, settings)`. Airflow tasks push theirs from every DAG's callbacks,
  `on_task_success` / `on_task_failure` (the latter also alerts, `spotify_mds.notify`).

Every name starts with `spotify_mds_`; `exported_names()` lists them all (the Grafana dashboards and
the alert rules are checked against it). prometheus-client is the `metrics` extra: without it the
services run without `/metrics` only if no port is asked for, and batch runs skip the push only if no
target is set.
"""

from spotify_mds.metrics.batch import on_task_failure, on_task_success, push_run, push_task, recorded_run, run_registry
from spotify_mds.metrics.names import exported_names
from spotify_mds.metrics.services import (
    DashboardMetrics,
    LanderMetrics,
    ProducerMetrics,
    serve_metrics,
)

__all__ = [
    "DashboardMetrics",
    "LanderMetrics",
    "ProducerMetrics",
    "exported_names",
    "on_task_failure",
    "on_task_success",
    "push_run",
    "push_task",
    "recorded_run",
    "run_registry",
    "serve_metrics",
]
