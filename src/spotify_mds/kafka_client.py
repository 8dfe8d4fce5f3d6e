"""What every Kafka client of this package shares: quiet librdkafka logs and a bounded reachability check.

- librdkafka prints its own log lines to stderr, and with a broker down it repeats a failed connect
  several times a second: a console buried in hundreds of lines a minute. `LIBRDKAFKA_LOG` (given as
  the clients' `logger`) routes them through `logging` at DEBUG (`-v` shows them): what matters
  reaches the user once, as an error the caller raises or a warning it logs.
- A client never fails by itself when no broker answers, it retries for ever; `check_reachable` asks
  for the cluster's metadata within a bounded wait and raises `KafkaUnavailable` in one line.
"""

from __future__ import annotations

import logging

from spotify_mds.errors import KafkaUnavailable
from spotify_mds.extras import require

logger = logging.getLogger("spotify_mds.librdkafka")


class _DebugOnly:
    """A `logger` for confluent_kafka: it calls `.log(level, format, *args)` per librdkafka line."""

    def log(self, _level: int, msg: str, *args: object) -> None:
        logger.debug(msg, *args)


LIBRDKAFKA_LOG = _DebugOnly()


def check_reachable(client, bootstrap_servers: str, timeout_s: float):
    """The cluster's metadata, asked through `client` (Consumer, Producer, AdminClient) for all topics
    (asking for one by name may create it); KafkaUnavailable when no broker answered within `timeout_s`."""
    KafkaException = require("confluent_kafka").KafkaException

    try:
        return client.list_topics(timeout=timeout_s)
    except KafkaException as exc:
        raise KafkaUnavailable(
            f"Kafka at {bootstrap_servers} is not reachable (no answer within {timeout_s:g}s: "
            f"{exc.args[0].str() if exc.args else exc}); check KAFKA_BOOTSTRAP_SERVERS or start a broker "
            "(make kafka)"
        ) from None
