"""`BronzeWriter`: buffers records per partition and writes them as bronze and quarantine files.

It applies the bronze rules of `spotify_mds.landing` (the package docstring): event-time files named
by position (`keys`), deterministic cuts (`cut`), commit only after the write, a failed flush kept
and retried, the replay rule (`files`). Validation is the pipeline's (`validation.RecordValidator`),
optionally in worker processes; writes are synchronous or in background threads (`background`).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field

import msgspec

from spotify_mds.errors import FlushFailed, InvalidEvent, LakeError
from spotify_mds.landing import validation
from spotify_mds.landing.background import BackgroundWrites, Flight
from spotify_mds.landing.cut import CutRules, first_cut
from spotify_mds.landing.files import File, FileWriter, LandStats
from spotify_mds.landing.keys import EXTENSIONS, HOUR_MS, bronze_key, quarantine_key
from spotify_mds.landing.leftovers import remove_stale_temporaries
from spotify_mds.landing.validation import RecordValidator, ValidationPool

logger = logging.getLogger(__name__)

__all__ = ["BronzeWriter", "LandStats"]


@dataclass
class _Buffer:
    """One partition's records since its last flush."""

    hours: dict[int, list[bytes]] = field(default_factory=dict)
    """Event-time hour (hours since the epoch, UTC) → values, in offset order."""
    first_offsets: dict[int, int] = field(default_factory=dict)
    """Event-time hour → offset of its first record (the file's name)."""
    bad: list[dict] = field(default_factory=list)
    count: int = 0
    bytes: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    next_offset: int | None = None
    due: bool = False
    """A flush of this buffer failed: it must be written (`retry()`) before it takes more records."""

    def take(self, hour: int, offset: int) -> list[bytes]:
        """The values of an event-time hour, opened at `offset` when it is new."""
        bucket = self.hours.get(hour)
        if bucket is None:
            self.hours[hour] = bucket = []
            self.first_offsets[hour] = offset
        return bucket


def _single_line(value: bytes) -> bytes:
    """NDJSON needs one line per record; a valid record pretty-printed over lines is compacted."""
    return msgspec.json.encode(msgspec.json.decode(value))


def _quarantine_record(
    partition: int, offset: int, key: bytes | None, value: bytes | None, error: InvalidEvent
):
    record = {"partition": partition, "offset": offset, "reason": error.reason, "field": error.field}
    record["key"] = key.decode("utf-8", "replace") if key is not None else None
    try:
        record["value"] = value.decode("utf-8") if value is not None else None
    except UnicodeDecodeError as exc:
        record["value_base64"] = base64.b64encode(value).decode("ascii")
        record["reason"] = f"not UTF-8 ({exc.reason} at byte {exc.start}): {error.reason}"
    return record


class BronzeWriter:
    """Buffers records per partition and writes them to the lake as bronze and quarantine files."""

    def __init__(
        self,
        lake,
        topic: str,
        validator: RecordValidator,
        *,
        max_records: int = 50_000,
        max_span_ms: int = 3_600_000,
        max_bytes: int = 64 * 1024 * 1024,
        compression: str = "none",
        on_flush: Callable[[int, int], None] | None = None,
        max_inflight: int = 0,
        validate_workers: int = 0,
    ) -> None:
        """`validator` decides each record (see `validation.RecordValidator`).
        `max_inflight` > 0 writes flushes in background threads (up to that many at once) while the
        caller keeps adding: `add()` then never returns an offset, `completed()` does, per partition in
        offset order and only once every earlier flush of the partition is durable. 0: synchronous.
        `validate_workers` > 0 validates `add_many`'s records in that many worker processes, so the
        lander's own process only cuts, buffers and writes (`close()` stops them). They are started
        with `spawn`, so a script using them needs the `if __name__ == "__main__":` guard; if a
        worker dies, validation carries on in this process."""
        if compression not in EXTENSIONS:
            raise ValueError(f"compression must be one of {sorted(EXTENSIONS)}, not {compression!r}")
        self.topic = topic
        self.validator = validator
        self.rules = CutRules(max_records=max_records, max_bytes=max_bytes, max_span_ms=max_span_ms)
        self.compression = compression
        self.on_flush = on_flush
        self.stats = LandStats()
        self.max_inflight = max_inflight
        self._buffers: dict[int, _Buffer] = {}
        self._files = FileWriter(lake, compression, self.stats)
        self._background = BackgroundWrites(self._files.write_all, max_inflight)
        self._validation = ValidationPool(validator, validate_workers)
        remove_stale_temporaries(lake, topic)

    @property
    def lake(self):
        return self._files.lake

    @lake.setter
    def lake(self, lake) -> None:
        self._files.lake = lake

    # -- feeding ----------------------------------------------------------------------------------
    def add(self, partition: int, offset: int, value: bytes | None, key: bytes | None = None) -> int | None:
        """Buffer one record; return the offset to commit if this record completed a flush.

        Raises LakeError when the flush this record completed failed: the record stays buffered,
        the partition is *due*, and `retry()` must succeed before the partition takes more records.
        """
        buffer = self._buffer(partition)
        self.stats.records += 1
        ms = None
        try:
            if value is None:
                raise InvalidEvent("record has no value (tombstone)", field=None)
            ms, value = self.validator(value)  # the bytes to land: as received, or re-encoded
        except InvalidEvent as error:
            buffer.bad.append(_quarantine_record(partition, offset, key, value, error))
            size = len(value) if value is not None else 0
        else:
            size = len(value)
            line = _single_line(value) if b"\n" in value or b"\r" in value else value
            buffer.take(ms // HOUR_MS, offset).append(line)
        cut = first_cut(self.rules, buffer.count, buffer.bytes, buffer.first_ms, buffer.last_ms, (size,),
                        (ms,) if ms is not None else None)  # fmt: skip
        buffer.count += 1
        buffer.bytes += size
        if ms is not None:
            buffer.first_ms = ms if buffer.first_ms is None else min(buffer.first_ms, ms)
            buffer.last_ms = ms if buffer.last_ms is None else max(buffer.last_ms, ms)
        buffer.next_offset = offset + 1
        return self._flush_partition(partition) if cut == 0 else None

    def check_ahead(self, values: list) -> list[Future] | None:
        """Start validating `values` in the worker processes (one task per run); pass the result to
        `add_many` later, so validation overlaps whatever the caller does meanwhile. None without workers."""
        return self._validation.check_ahead(values)

    def add_many(
        self,
        partition: int,
        offsets,
        values: list,
        keys: list | None = None,
        checked: list[Future] | None = None,
    ) -> int | None:
        """Buffer records of one partition in offset order: the same files as `add()` one by one.

        Returns the offset to commit after the last flush these records completed (or None). Runs of
        records are validated in one pass (in worker processes with `validate_workers`; `checked` is
        what `check_ahead(values)` returned) and buffered with a few list operations; a run holding
        an invalid, oversize or empty record goes through `add()` record by record. On a failed
        flush FlushFailed (a LakeError) is raised with `added`: how many records were buffered (the
        one that completed the flush included); the caller keeps the rest.
        """
        if checked is None:
            checked = self.check_ahead(values)
        committed, added, run_size = None, 0, validation.RUN
        try:
            for run, start in enumerate(range(0, len(values), run_size)):
                stop = min(start + run_size, len(values))
                result = self._validation.result(checked, run, values, start, stop)
                if result is None:
                    for i in range(start, stop):
                        added = i + 1  # a record whose flush fails stays buffered
                        offset = self.add(
                            partition, offsets[i], values[i], keys[i] if keys is not None else None
                        )
                        committed = offset if offset is not None else committed
                    continue
                sizes, millis = result
                while start < stop:  # each pass ends at a flush or at the end of the run
                    count, due = self._buffer_run(partition, offsets, values, start, stop, sizes, millis)
                    sizes, millis = sizes[count:], millis[count:]
                    start = added = start + count
                    if due:
                        offset = self._flush_partition(partition)
                        committed = offset if offset is not None else committed
        except FlushFailed:
            raise
        except LakeError as error:
            raise FlushFailed(str(error), key=error.key, added=added) from error
        return committed

    def _buffer(self, partition: int) -> _Buffer:
        buffer = self._buffers.get(partition)
        if buffer is None:
            self._buffers[partition] = buffer = _Buffer()
        elif buffer.due:
            raise RuntimeError(f"partition {partition} has a failed flush pending: call retry() first")
        return buffer

    def _buffer_run(
        self, partition: int, offsets, values, start: int, stop: int, sizes, millis
    ) -> tuple[int, bool]:
        """Buffer validated values[start:stop] up to the first record that completes a file:
        (records buffered, whether the buffer is due for a flush)."""
        buffer = self._buffer(partition)
        n = stop - start
        totals = run_bytes, run_low, run_high = sum(sizes), min(millis), max(millis)
        rules = self.rules
        cut = first_cut(
            rules, buffer.count, buffer.bytes, buffer.first_ms, buffer.last_ms, sizes, millis, totals
        )
        count = cut + 1 if cut < n else n
        if count < n:
            sizes, millis = sizes[:count], millis[:count]
            run_bytes, run_low, run_high = sum(sizes), min(millis), max(millis)
        taken = values[start : start + count]
        joined = b"".join(taken)
        if b"\n" in joined or b"\r" in joined:  # a pretty-printed record: its line is compacted
            taken = [_single_line(v) if b"\n" in v or b"\r" in v else v for v in taken]
        if run_low // HOUR_MS == run_high // HOUR_MS:  # the usual case: one event-time hour
            buffer.take(run_low // HOUR_MS, offsets[start]).extend(taken)
        else:
            for i, (value, ms) in enumerate(zip(taken, millis, strict=False)):
                buffer.take(ms // HOUR_MS, offsets[start + i]).append(value)
        self.stats.records += count
        buffer.count += count
        buffer.bytes += run_bytes
        if buffer.first_ms is None:
            buffer.first_ms, buffer.last_ms = run_low, run_high
        else:
            buffer.first_ms, buffer.last_ms = min(buffer.first_ms, run_low), max(buffer.last_ms, run_high)
        buffer.next_offset = offsets[start + count - 1] + 1
        return count, cut < n

    # -- state ------------------------------------------------------------------------------------
    def pending(self) -> int:
        """Records buffered or being written, not yet durable."""
        return sum(buffer.count for buffer in self._buffers.values()) + self._background.pending()

    def buffered_bytes(self) -> int:
        """Bytes held for records not yet durable (the memory the writer holds)."""
        return sum(buffer.bytes for buffer in self._buffers.values()) + self._background.held_bytes()

    def due(self) -> list[int]:
        """Partitions whose flush failed and must be retried (`retry()`) before more is committed."""
        self._collect()
        return [p for p, buffer in self._buffers.items() if buffer.due] + self._background.failed()

    def completed(self) -> dict[int, int]:
        """{partition: next offset to commit} for background flushes that became durable since the last call."""
        self._collect()
        return self._background.ready()

    def wait(self, partitions: Iterable[int] | None = None) -> None:
        """Wait until the background writes of `partitions` (default: all) have finished, well or not."""
        self._background.wait(partitions)
        self._collect()

    def partitions(self) -> dict[int, int]:
        """{partition: next offset after its buffered records} for every non-empty buffer."""
        return {p: b.next_offset for p, b in self._buffers.items() if b.count and b.next_offset is not None}

    # -- writing ----------------------------------------------------------------------------------
    def flush(self, partitions: Iterable[int] | None = None) -> dict[int, int]:
        """Write every buffered record (or those of `partitions`); return {partition: next offset to commit}.

        Raises LakeError on the first partition that cannot be written; partitions written before it
        are reported by `on_flush`, and every unwritten one stays buffered (and due).
        """
        chosen = list(self._buffers) if partitions is None else [p for p in partitions if p in self._buffers]
        done = {p: o for p in chosen if (o := self._flush_partition(p)) is not None}
        if not self.max_inflight:
            return done
        self.wait()
        self._background.raise_failed()
        return self.completed()

    def retry(self) -> dict[int, int]:
        """Write again what failed (in offset order); return {partition: next offset to commit}."""
        if not self.max_inflight:
            return self.flush([p for p, buffer in self._buffers.items() if buffer.due])
        self.wait()
        self._background.rewrite_failed()
        return self.completed()

    def drop(self, partitions: Iterable[int]) -> None:
        """Forget buffered records of revoked partitions: their new owner replays them.

        Background writes of those partitions are waited for first, so none of them can land after
        the new owner has started writing the same keys.
        """
        partitions = list(partitions)
        self.wait(partitions)
        for partition in partitions:
            self._buffers.pop(partition, None)
        self._background.drop(partitions)

    def close(self) -> None:
        """Stop the worker processes and threads (after `flush()`); the writer can be used again."""
        self._validation.close()
        self._background.close()

    def _files_of(self, partition: int, buffer: _Buffer) -> list[File]:
        files: list[File] = []
        for hour, rows in sorted(buffer.hours.items()):
            key = bronze_key(self.topic, hour, partition, buffer.first_offsets[hour], self.compression)
            rows.append(b"")  # the final newline, without copying the file once more
            files.append((key, b"\n".join(rows), True))
            rows.pop()
        if buffer.bad:
            key = quarantine_key(
                self.topic, min(buffer.hours, default=None), partition, buffer.bad[0]["offset"]
            )
            files.append((key, b"".join(msgspec.json.encode(row) + b"\n" for row in buffer.bad), False))
        return files

    def _flush_partition(self, partition: int) -> int | None:
        buffer = self._buffers.get(partition)
        if buffer is None or buffer.count == 0:
            self._buffers.pop(partition, None)
            return None
        files = self._files_of(partition, buffer)
        if self.max_inflight:
            del self._buffers[partition]
            reasons = validation.reason_counts(buffer.bad) if buffer.bad else None
            flight = Flight(files, buffer.next_offset, buffer.count - len(buffer.bad), len(buffer.bad), reasons)
            self.stats.failed_writes += self._background.submit(partition, flight, self._durable)
            return None
        try:
            self._files.write_all(files)
        except LakeError:
            buffer.due = True
            self.stats.failed_writes += 1
            raise
        del self._buffers[partition]
        self.stats.landed += buffer.count - len(buffer.bad)
        self.stats.quarantined += len(buffer.bad)
        if buffer.bad:
            self.stats.count_reasons(validation.reason_counts(buffer.bad))
        if self.on_flush is not None:
            self.on_flush(partition, buffer.next_offset)
        return buffer.next_offset

    def _durable(self, partition: int, flight: Flight) -> None:
        self.stats.landed += flight.landed
        self.stats.quarantined += flight.quarantined
        if flight.reasons:
            self.stats.count_reasons(flight.reasons)
        if self.on_flush is not None:
            self.on_flush(partition, flight.next_offset)

    def _collect(self) -> None:
        self.stats.failed_writes += self._background.collect(self._durable)
