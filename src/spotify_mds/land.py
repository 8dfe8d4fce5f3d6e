"""Landing: records with a (partition, offset) position become bronze files in the lake.

The rules (ARCHITECTURE.md, "Bronze"), which make a replay rewrite the very same keys:
- each valid record's bytes go, as received, to the file of its **event-time** hour:
  `bronze/<topic>/date=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first offset:020d>.ndjson[.gz|.zst]`;
- a record that fails validation goes to `quarantine/<topic>/...` with its position, its reason and
  its original bytes; it never blocks the stream;
- a partition's buffer is flushed when it holds `max_records` records or its records span
  `max_span_ms` of event time: both depend only on the records, so a restart from the last
  committed offset cuts the same files. `flush()` without a cause (idle, shutdown, revoke) is the
  one non-deterministic cut, which is why silver also deduplicates on `event_id`;
- a flush returns, per partition, the next offset to commit: the caller commits it only after
  `flush()` returned, i.e. after every file of the batch was durably written.

The source (the embedded hand-off below, or Kafka) only feeds `BronzeWriter.add` and commits.
"""

from __future__ import annotations

import base64
import gzip
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import msgspec

from spotify_mds.errors import InvalidEvent
from spotify_mds.events import decode
from spotify_mds.lake import Lake

logger = logging.getLogger(__name__)

_EXTENSIONS = {"none": "", "gzip": ".gz", "zstd": ".zst"}


@dataclass
class LandStats:
    records: int = 0
    landed: int = 0
    quarantined: int = 0
    files: int = 0
    bytes: int = 0
    unchanged_files: int = 0
    """Files whose identical bytes were already in the lake (a replay)."""


@dataclass
class _Buffer:
    """One partition's records since its last flush."""

    hours: dict[tuple[str, str], list[tuple[int, bytes]]] = field(default_factory=dict)
    bad: list[dict] = field(default_factory=list)
    count: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    next_offset: int | None = None


def _hour_of(moment: datetime) -> tuple[str, str]:
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%d"), f"{utc.hour:02d}"


def _single_line(value: bytes) -> bytes:
    """NDJSON needs one line per record; a valid record pretty-printed over lines is compacted."""
    return msgspec.json.encode(msgspec.json.decode(value)) if b"\n" in value or b"\r" in value else value


def _quarantine_record(partition: int, offset: int, key: bytes | None, value: bytes | None, error: InvalidEvent):
    record = {"partition": partition, "offset": offset, "reason": error.reason, "field": error.field}
    record["key"] = key.decode("utf-8", "replace") if key is not None else None
    try:
        record["value"] = value.decode("utf-8") if value is not None else None
    except UnicodeDecodeError:
        record["value_base64"] = base64.b64encode(value).decode("ascii")
    return record


class BronzeWriter:
    """Buffers records per partition and writes them to the lake as bronze and quarantine files."""

    def __init__(
        self,
        lake: Lake,
        topic: str,
        *,
        max_records: int = 50_000,
        max_span_ms: int = 3_600_000,
        compression: str = "none",
        on_flush: Callable[[int, int], None] | None = None,
    ) -> None:
        if compression not in _EXTENSIONS:
            raise ValueError(f"compression must be one of {sorted(_EXTENSIONS)}, not {compression!r}")
        self.lake = lake
        self.topic = topic
        self.max_records = max_records
        self.max_span_ms = max_span_ms
        self.compression = compression
        self.on_flush = on_flush
        self.stats = LandStats()
        self._buffers: dict[int, _Buffer] = {}

    # -- feeding ----------------------------------------------------------------------------------
    def add(self, partition: int, offset: int, value: bytes | None, key: bytes | None = None) -> int | None:
        """Buffer one record; return the offset to commit if this record completed a flush."""
        buffer = self._buffers.setdefault(partition, _Buffer())
        self.stats.records += 1
        try:
            if value is None:
                raise InvalidEvent("record has no value (tombstone)", field=None)
            event = decode(value)
        except InvalidEvent as error:
            buffer.bad.append(_quarantine_record(partition, offset, key, value, error))
        else:
            hour = _hour_of(event.timestamp)
            bucket = buffer.hours.get(hour)
            if bucket is None:
                buffer.hours[hour] = bucket = []
            bucket.append((offset, _single_line(value)))
            ms = int(event.timestamp.timestamp() * 1000)
            buffer.first_ms = ms if buffer.first_ms is None else min(buffer.first_ms, ms)
            buffer.last_ms = ms if buffer.last_ms is None else max(buffer.last_ms, ms)
        buffer.count += 1
        buffer.next_offset = offset + 1
        span = 0 if buffer.first_ms is None else buffer.last_ms - buffer.first_ms
        if buffer.count >= self.max_records or span >= self.max_span_ms:
            return self._flush_partition(partition)
        return None

    def pending(self) -> int:
        return sum(buffer.count for buffer in self._buffers.values())

    # -- writing ----------------------------------------------------------------------------------
    def flush(self) -> dict[int, int]:
        """Write every buffered record; return {partition: next offset to commit}."""
        return {p: o for p in list(self._buffers) if (o := self._flush_partition(p)) is not None}

    def drop(self, partitions: Iterable[int]) -> None:
        """Forget buffered records of revoked partitions: their new owner replays them."""
        for partition in partitions:
            self._buffers.pop(partition, None)

    def _flush_partition(self, partition: int) -> int | None:
        buffer = self._buffers.pop(partition, None)
        if buffer is None or buffer.count == 0:
            return None
        ext = _EXTENSIONS[self.compression]
        for (date, hour), rows in sorted(buffer.hours.items()):
            key = f"bronze/{self.topic}/date={date}/hour={hour}/{self.topic}+{partition}+{rows[0][0]:020d}.ndjson{ext}"
            self._write(key, b"\n".join(value for _, value in rows) + b"\n")
            self.stats.landed += len(rows)
        if buffer.bad:
            date, hour = min(buffer.hours) if buffer.hours else ("unknown", "unknown")
            first = buffer.bad[0]["offset"]
            key = f"quarantine/{self.topic}/date={date}/hour={hour}/{self.topic}+{partition}+{first:020d}.ndjson"
            self._write(key, b"".join(msgspec.json.encode(row) + b"\n" for row in buffer.bad), compress=False)
            self.stats.quarantined += len(buffer.bad)
        if self.on_flush is not None:
            self.on_flush(partition, buffer.next_offset)
        return buffer.next_offset

    def _write(self, key: str, data: bytes, *, compress: bool = True) -> None:
        if compress and self.compression == "gzip":
            data = gzip.compress(data, compresslevel=5, mtime=0)  # mtime=0: same bytes on replay
        elif compress and self.compression == "zstd":
            import zstandard  # optional dependency

            data = zstandard.ZstdCompressor(level=3).compress(data)
        if self.lake.put(key, data):
            self.stats.files += 1
            self.stats.bytes += len(data)
        else:
            self.stats.unchanged_files += 1


def land_batches(
    batches: Iterable,
    lake: Lake,
    topic: str,
    *,
    max_records: int = 50_000,
    max_span_ms: int = 3_600_000,
    compression: str = "none",
    partition: int = 0,
    progress: Callable[[int], None] | None = None,
) -> LandStats:
    """The embedded hand-off: land the simulator's batches as if read from one Kafka partition.

    Each record's offset is its simulator sequence number, so file names, rotation and replay
    behave exactly as with Kafka.
    """
    writer = BronzeWriter(lake, topic, max_records=max_records, max_span_ms=max_span_ms, compression=compression)
    for batch in batches:
        add = writer.add
        for i, (key, value) in enumerate(zip(batch.keys, batch.values, strict=True)):
            add(partition, batch.first_offset + i, value, key)
        if progress is not None:
            progress(len(batch))
    writer.flush()
    logger.info("landed %s", writer.stats)
    return writer.stats
