"""Where landed records go: object keys named by position, and the positions of non-Kafka sources.

A file is named after the position of its first record, `<topic>+<partition>+<offset:020d>`, under
the event-time hour of its records; never after the clock. So a replay from the last committed
offset rewrites the very same keys.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime, timezone

HOUR_MS = 3_600_000

EXTENSIONS = {"none": "", "gzip": ".gz", "zstd": ".zst"}
"""Compression → the suffix its bronze files carry after `.ndjson`."""

FILE_PARTITIONS = 1 << 31
"""Files and the embedded simulator land as partitions from here on: Kafka's partition numbers are
int32, so never these."""


def position_name(topic: str, partition: int, offset: int) -> str:
    """`<topic>+<partition>+<offset:020d>`: zero-padded, so names sort in offset order."""
    return f"{topic}+{partition}+{offset:020d}"


def hour_folder(hour: int | None) -> str:
    """`date=YYYY-MM-DD/hour=HH` of an event-time hour (hours since the epoch, UTC); None: unknown."""
    if hour is None:
        return "date=unknown/hour=unknown"
    moment = datetime.fromtimestamp(hour * 3600, tz=timezone.utc)
    return f"date={moment:%Y-%m-%d}/hour={moment.hour:02d}"


def bronze_key(topic: str, hour: int, partition: int, first_offset: int, compression: str = "none") -> str:
    """`bronze/<topic>/date=…/hour=…/<topic>+<partition>+<first offset>.ndjson[.gz|.zst]`."""
    name = position_name(topic, partition, first_offset)
    return f"bronze/{topic}/{hour_folder(hour)}/{name}.ndjson{EXTENSIONS[compression]}"


def quarantine_key(topic: str, hour: int | None, partition: int, first_offset: int) -> str:
    """`quarantine/<topic>/date=…/hour=…/<topic>+<partition>+<first offset>.ndjson` (never compressed).

    `hour` is the earliest event-time hour of the flush's valid records (None when it has none).
    """
    return f"quarantine/{topic}/{hour_folder(hour)}/{position_name(topic, partition, first_offset)}.ndjson"


def source_partition(identity: bytes) -> int:
    """The partition a source other than Kafka lands as: FILE_PARTITIONS + 48 bits of SHA-256(identity)."""
    return FILE_PARTITIONS + int.from_bytes(hashlib.sha256(identity).digest()[:6], "big")


def stream_partition(config) -> int:
    """The partition a simulated stream lands as: `source_partition` of its config (a dataclass), so
    the same config rewrites the same keys with the same bytes and another never shares one."""
    return source_partition(json.dumps(asdict(config), default=str, sort_keys=True).encode())
