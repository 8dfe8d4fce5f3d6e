"""The stack of docker-compose.yml as local processes: Kafka, an S3 server, PostgreSQL, Airflow 3,
the producer, the lander and the dashboard, started from the compose file's own definitions.

- `compose`: the compose file read and interpolated as compose does (`.env`, `${VAR:-default}`);
- `plan`: each service's local command and environment (host names, paths and programs mapped);
- `servers`: the S3 server (SeaweedFS or moto), PostgreSQL, the bucket;
- `procs`: pid files, logs, detached starts and clean stops;
- `lifecycle`: `up`, `status`, `down` in dependency order.
"""

from spotify_mds.operations.stack.lifecycle import Row, down, load_runtime, order, probe, status, up
from spotify_mds.operations.stack.plan import NOT_RUN, REPLACED, LocalService, StackPlan, build_plan
from spotify_mds.operations.stack.servers import StackUnavailable

__all__ = [
    "NOT_RUN", "REPLACED", "LocalService", "Row", "StackPlan", "StackUnavailable", "build_plan", "down",
    "load_runtime", "order", "probe", "status", "up",
]
